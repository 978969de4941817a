"""Right and wrong answers for an item, in the shape a trainee would send (for demo history,
load tests and the tests themselves)."""
from __future__ import annotations

import random
from typing import Any

from quizzes.model import Item


def right_answer(item: Item) -> Any:
    data = item.data
    if item.type == "single_choice":
        return next(o["id"] for o in data["options"] if o["correct"])
    if item.type == "multiple_response":
        return [o["id"] for o in data["options"] if o["correct"]]
    if item.type in ("true_false", "numeric"):
        return data["answer"]
    if item.type == "short_text":
        return data["accept"][0] if data["accept"] else ""
    if item.type == "ordering":
        return [s["id"] for s in data["sequence"]]
    return {p["id"]: p["match"] for p in data["pairs"]}


def wrong_answer(item: Item, rng: random.Random) -> Any:
    data = item.data
    if item.type == "single_choice":
        return rng.choice([o["id"] for o in data["options"] if not o["correct"]])
    if item.type == "multiple_response":
        return [rng.choice([o["id"] for o in data["options"] if not o["correct"]])]
    if item.type == "true_false":
        return not data["answer"]
    if item.type == "numeric":
        return data["answer"] + max(1.0, abs(data["answer"]) * 0.5) + data["tolerance"]
    if item.type == "short_text":
        return "not sure"
    if item.type == "ordering":
        return list(reversed([s["id"] for s in data["sequence"]]))
    choices = [c["id"] for c in data["choices"]]
    return {p["id"]: rng.choice([c for c in choices if c != p["match"]] or choices) for p in data["pairs"]}
