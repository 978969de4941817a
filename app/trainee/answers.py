"""Turn the attempt page's form fields into answers (the no-JavaScript path; quiz.js sends the
same answer shapes as JSON)."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict


def field_name(item_key: str, part: str | None = None) -> str:
    return f"answer-{item_key}" + (f"-{part}" if part else "")


def answer_from_form(item: dict[str, Any], form: MultiDict) -> Any:
    key, kind = item["key"], item["type"]
    if kind == "multiple_response":
        return form.getlist(field_name(key))
    if kind == "ordering":
        positions = {}
        for step in item["steps"]:
            value = (form.get(field_name(key, step["id"])) or "").strip()
            if not value.isdigit():
                return None  # only a complete order is an answer
            positions[step["id"]] = int(value)
        if sorted(positions.values()) != list(range(1, len(positions) + 1)):
            return None
        return sorted(positions, key=positions.get)
    if kind == "matching":
        pairs = {p["id"]: form.get(field_name(key, p["id"])) or "" for p in item["prompts"]}
        return {k: v for k, v in pairs.items() if v} or None
    value = form.get(field_name(key))
    if value is None or not value.strip():
        return None
    return value.strip()
