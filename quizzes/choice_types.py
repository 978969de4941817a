"""Single choice, multiple response (partial credit) and true/false."""
from __future__ import annotations

from typing import Any

from quizzes.errors import InvalidAnswer
from quizzes.item_types import ItemType, Report, id_list, ordered, text_field
from quizzes.model import Item


def _options(raw: dict, report: Report, min_options: int) -> list[dict]:
    options = raw.get("options")
    if not isinstance(options, list) or len(options) < min_options:
        report("options", f"needs at least {min_options} options")
        return []
    if len(options) > 10:
        report("options", "has more than 10 options")
    parsed, seen = [], set()
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            report(f"options[{index}]", "must be a mapping with id and text")
            continue
        option_id = str(option.get("id", "")).strip()
        if not option_id:
            report(f"options[{index}].id", "is missing")
        elif option_id in seen:
            report(f"options[{index}].id", f"duplicate option id {option_id!r}")
        seen.add(option_id)
        text = text_field(option, "text", report, field=f"options[{index}].text")
        parsed.append({"id": option_id, "text": text, "correct": bool(option.get("correct", False))})
    return parsed


class _ChoiceBase(ItemType):
    shuffles = True

    def shuffle_keys(self, item: Item) -> list[str]:
        return [o["id"] for o in item.data["options"]]

    def public(self, item: Item, order: list[str] | None) -> dict[str, Any]:
        return {"options": [{"id": o["id"], "text": o["text"]} for o in ordered(item.data["options"], order)]}

    def answer_ids(self, item: Item) -> list[str]:
        return [o["id"] for o in item.data["options"]]

    def map_ids(self, item: Item, answer: Any, convert) -> Any:
        if isinstance(answer, list):
            return [convert(a) for a in answer]
        return convert(answer)

    def correct_answer(self, item: Item) -> str:
        return "; ".join(o["text"] for o in item.data["options"] if o["correct"])


class SingleChoice(_ChoiceBase):
    name, label = "single_choice", "Single choice"

    def parse(self, raw: dict, report: Report) -> dict:
        options = _options(raw, report, 3)
        if options and sum(o["correct"] for o in options) != 1:
            report("options", "needs exactly one option marked correct: true")
        return {"options": options}

    def check_answer(self, item: Item, answer: Any) -> str:
        if not isinstance(answer, str) or answer not in {o["id"] for o in item.data["options"]}:
            raise InvalidAnswer("Choose one of the options.")
        return answer

    def score(self, item: Item, answer: str) -> float:
        return float(next(o["correct"] for o in item.data["options"] if o["id"] == answer))


class MultipleResponse(_ChoiceBase):
    """Select all that apply. Each right pick earns 1/(right options); each wrong pick costs
    1/(wrong options); the score never goes below 0."""

    name, label = "multiple_response", "Multiple response"

    def parse(self, raw: dict, report: Report) -> dict:
        options = _options(raw, report, 3)
        correct = sum(o["correct"] for o in options)
        if options and correct < 1:
            report("options", "needs at least one option marked correct: true")
        if options and correct == len(options):
            report("options", "needs at least one option that is not correct")
        return {"options": options}

    def check_answer(self, item: Item, answer: Any) -> list[str]:
        return id_list(answer, {o["id"] for o in item.data["options"]})

    def score(self, item: Item, answer: list[str]) -> float:
        right = {o["id"] for o in item.data["options"] if o["correct"]}
        wrong = {o["id"] for o in item.data["options"]} - right
        picked = set(answer)
        return len(picked & right) / len(right) - len(picked & wrong) / len(wrong)


class TrueFalse(ItemType):
    name, label = "true_false", "True / false"

    def parse(self, raw: dict, report: Report) -> dict:
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            report("answer", "must be true or false")
        return {"answer": bool(answer)}

    def public(self, item: Item, order: list[str] | None) -> dict:
        return {"options": [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]}

    def check_answer(self, item: Item, answer: Any) -> bool:
        if isinstance(answer, bool):
            return answer
        if answer in ("true", "false"):
            return answer == "true"
        raise InvalidAnswer("Answer true or false.")

    def score(self, item: Item, answer: bool) -> float:
        return float(answer == item.data["answer"])

    def correct_answer(self, item: Item) -> str:
        return "True" if item.data["answer"] else "False"
