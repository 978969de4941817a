"""The base class every item type implements. Concrete types register in `registry.py`.

A type knows how to: read its own fields from a content dict (reporting problems), show the item
to a trainee without anything that gives the answer away, check the shape of an answer, grade it
(a pure function), and describe the right answer for the review page.
"""
from __future__ import annotations

import math
from typing import Any, Callable, ClassVar

from quizzes.errors import InvalidAnswer
from quizzes.model import Grade, Item

Report = Callable[[str, str], None]  # report(field, message)

MAX_TEXT = 4000


class ItemType:
    name: ClassVar[str]
    label: ClassVar[str]
    shuffles: ClassVar[bool] = False  # does the type have an order to shuffle per attempt?

    # --- content ------------------------------------------------------------------------
    def parse(self, raw: dict[str, Any], report: Report) -> dict[str, Any]:
        raise NotImplementedError

    # --- delivery -----------------------------------------------------------------------
    def shuffle_keys(self, item: Item) -> list[str]:
        """Ids whose display order may be shuffled per attempt (empty when nothing shuffles)."""
        return []

    def public(self, item: Item, order: list[str] | None) -> dict[str, Any]:
        """What the browser may see before submission: never the answer or the explanation."""
        return {}

    def answer_ids(self, item: Item) -> list[str]:
        """Content ids that answers are made of; the browser sees them only as per-attempt tokens
        (`quizzes.disguise`). Empty for types whose answers are free text, numbers or true/false."""
        return []

    def map_ids(self, item: Item, answer: Any, convert: Callable[[str], str]) -> Any:
        """The answer with every id in it passed through `convert` (shape errors left to check_answer)."""
        return answer

    def check_answer(self, item: Item, answer: Any) -> Any:
        """Return the answer in canonical form, or raise InvalidAnswer with a message."""
        raise NotImplementedError

    def is_blank(self, answer: Any) -> bool:
        return answer is None or answer == "" or answer == [] or answer == {}

    # --- grading ------------------------------------------------------------------------
    def grade(self, item: Item, answer: Any) -> Grade:
        if self.is_blank(answer):
            return Grade(0.0, answered=False)
        try:
            canonical = self.check_answer(item, answer)
        except InvalidAnswer:
            return Grade(0.0, answered=True)
        return Grade(round(min(max(self.score(item, canonical), 0.0), 1.0), 4), answered=True)

    def score(self, item: Item, answer: Any) -> float:
        raise NotImplementedError

    def correct_answer(self, item: Item) -> str:
        """A human description of the right answer for the review page."""
        raise NotImplementedError


# --- helpers shared by the types -----------------------------------------------------------
def text_field(raw: dict, key: str, report: Report, required: bool = True, field: str | None = None) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            report(field or key, "is missing")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        report(field or key, "must be text")
        return ""
    value = str(value).strip()
    if len(value) > MAX_TEXT:
        report(field or key, f"is longer than {MAX_TEXT} characters")
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise InvalidAnswer("Enter a number.")
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "")
        for symbol in ("$", "€", "£", "%"):
            value = value.replace(symbol, "")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InvalidAnswer("Enter a number, e.g. 12500 or 0.25.") from None
    if not math.isfinite(result):
        raise InvalidAnswer("Enter a finite number.")
    return result


def id_list(answer: Any, allowed: set[str], what: str = "option") -> list[str]:
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        raise InvalidAnswer(f"Send a list of {what} ids.")
    unknown = [a for a in answer if a not in allowed]
    if unknown:
        raise InvalidAnswer(f"Unknown {what}: {', '.join(unknown[:3])}.")
    if len(set(answer)) != len(answer):
        raise InvalidAnswer(f"Each {what} may appear once.")
    return answer


def ordered(entries: list[dict], order: list[str] | None, key: str = "id") -> list[dict]:
    if not order:
        return entries
    by_id = {e[key]: e for e in entries}
    return [by_id[i] for i in order if i in by_id] + [e for e in entries if e[key] not in set(order)]
