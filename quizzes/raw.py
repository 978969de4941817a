"""An item back in the bank's own shape (the mapping `loader.parse_item` reads), so a question can
be edited as data and validated by the same rules as the shipped bank: `parse_item(to_raw(item))`
gives the item again, with the same ids and the same grades."""
from __future__ import annotations

from typing import Any

from quizzes.model import Item


def to_raw(item: Item) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": item.id, "type": item.type, "skills": list(item.skills), "roles": list(item.roles),
                           "difficulty": item.difficulty, "stem": item.stem, "explanation": item.explanation}
    if item.data.get("stem_html"):
        raw["stem_html"] = item.data["stem_html"]
    raw.update(_DATA[item.type](item.data))
    return raw


def _choice(data: dict) -> dict:
    options = []
    for option in data["options"]:
        entry = {"id": option["id"], "text": option["text"]}
        if "weight" in option:
            entry["weight"] = option["weight"]
        elif option["correct"]:
            entry["correct"] = True
        if option.get("feedback"):
            entry["feedback"] = option["feedback"]
        options.append(entry)
    return {"options": options}


def _short_text(data: dict) -> dict:
    raw = {"accept": list(data["accept"]), "patterns": list(data["patterns"])}
    if data.get("case_sensitive"):
        raw["case_sensitive"] = True
    if "partial" in data:
        raw["partial"] = [dict(e) for e in data["partial"]]
    return raw


def _matching(data: dict) -> dict:
    texts = {c["id"]: c["text"] for c in data["choices"]}
    used = {p["match"] for p in data["pairs"]}
    return {"pairs": [{"prompt": p["prompt"], "match": texts[p["match"]]} for p in data["pairs"]],
            "distractors": [c["text"] for c in data["choices"] if c["id"] not in used]}


_DATA = {
    "single_choice": _choice,
    "multiple_response": _choice,
    "true_false": lambda data: {"answer": data["answer"], **({"feedback": dict(data["feedback"])}
                                                           if data.get("feedback") else {})},
    "numeric": lambda data: {"answer": data["answer"], "tolerance": data["tolerance"], "unit": data["unit"],
                             **({"partial": [dict(e) for e in data["partial"]]} if data.get("partial") else {})},
    "short_text": _short_text,
    "ordering": lambda data: {"sequence": [s["text"] for s in data["sequence"]]},
    "matching": _matching,
}
