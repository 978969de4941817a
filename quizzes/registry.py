"""The explicit registry of item types: content names a type, the engine looks it up here."""
from __future__ import annotations

from quizzes.arrangement_types import Matching, Ordering
from quizzes.choice_types import MultipleResponse, SingleChoice, TrueFalse
from quizzes.item_types import ItemType
from quizzes.model import Grade, Item
from quizzes.open_types import Numeric, ShortText

ITEM_TYPES: dict[str, ItemType] = {
    t.name: t for t in (SingleChoice(), MultipleResponse(), TrueFalse(), Numeric(), ShortText(), Ordering(), Matching())
}


def item_type(item: Item) -> ItemType:
    return ITEM_TYPES[item.type]


def grade(item: Item, answer) -> Grade:
    """Grade one answer: a pure function of the item and the answer."""
    return item_type(item).grade(item, answer)


def answer_key(item: Item) -> str:
    """The whole key as an author checks it before importing: every option with its share of the
    mark, every accepted answer with its weight; otherwise the correct answer."""
    data = item.data
    if item.type in ("single_choice", "multiple_response"):
        def share(option):
            weight = option.get("weight", 1.0 if option["correct"] else 0.0)
            return f"{weight * 100:g} %"
        return " · ".join(f"{o['text']} ({share(o)})" for o in data["options"])
    if item.type == "short_text":
        full = [f"{a} (100 %)" for a in data["accept"]] + [f"/{p}/ (100 %)" for p in data["patterns"]]
        return " · ".join(full + [f"{e['answer']} ({e['weight'] * 100:g} %)" for e in data.get("partial", ())])
    if item.type == "numeric" and data.get("partial"):
        near = [f"{e['answer']:g} ± {e['tolerance']:g} ({e['weight'] * 100:g} %)" for e in data["partial"]]
        return " · ".join([f"{item_type(item).correct_answer(item)} (100 %)", *near])
    return item_type(item).correct_answer(item)
