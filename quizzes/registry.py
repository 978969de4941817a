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
