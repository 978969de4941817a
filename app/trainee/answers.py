"""Turn the attempt page's form fields into answers (the no-JavaScript path; quiz.js sends the
same answer shapes as JSON)."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from app.services.errors import ValidationFailed


def field_name(item_key: str, part: str | None = None) -> str:
    return f"answer-{item_key}" + (f"-{part}" if part else "")


def ordering_problem(positions: list[int], steps: int) -> str | None:
    """Why these positions are not yet an order (said the same way by quiz.js), or None."""
    repeated = sorted({p for p in positions if positions.count(p) > 1})
    if repeated:
        return (f"Position {repeated[0]} is given to more than one step: give each step its own position. "
                "Your last complete order is still saved.")
    if len(positions) < steps or sorted(positions) != list(range(1, steps + 1)):
        return (f"Give every step a position ({len(positions)} of {steps} have one). "
                "Your last complete order is still saved.")
    return None


def answer_from_form(item: dict[str, Any], form: MultiDict) -> Any:
    key, kind = item["key"], item["type"]
    if kind == "multiple_response":
        return form.getlist(field_name(key))
    if kind == "ordering":
        values = {step["id"]: (form.get(field_name(key, step["id"])) or "").strip() for step in item["steps"]}
        positions = {step: int(v) for step, v in values.items() if v.isdigit()}
        if not positions:
            return None  # nothing chosen: not answered
        problem = ordering_problem(list(positions.values()), len(values))
        if problem:
            raise ValidationFailed(problem)
        return sorted(positions, key=positions.get)
    if kind == "matching":
        pairs = {p["id"]: form.get(field_name(key, p["id"])) or "" for p in item["prompts"]}
        return {k: v for k, v in pairs.items() if v} or None
    value = form.get(field_name(key))
    if value is None or not value.strip():
        return None
    return value.strip()
