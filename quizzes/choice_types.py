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
        entry = {"id": option_id, "text": text, "correct": bool(option.get("correct", False))}
        if option.get("feedback"):  # shown to whoever picked this option, after the attempt (Moodle's per-answer feedback)
            entry["feedback"] = text_field(option, "feedback", report, field=f"options[{index}].feedback")
        if "weight" in option:  # Moodle's answer fraction: partial credit (or a penalty) for this option
            weight = option["weight"]
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -1 <= weight <= 1:
                report(f"options[{index}].weight", "must be a number from -1 to 1 (a share of the mark)")
                weight = 0.0
            entry["weight"] = float(weight)
            entry["correct"] = weight > 0
        parsed.append(entry)
    return parsed


def _weighted(options: list[dict]) -> bool:
    return any("weight" in o for o in options)


def _weight(option: dict) -> float:
    return option.get("weight", 1.0 if option["correct"] else 0.0)


def _percent(weight: float) -> str:
    return f"{weight * 100:g} %"


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
        options = item.data["options"]
        if not _weighted(options):
            return "; ".join(o["text"] for o in options if o["correct"])
        best = sorted((o for o in options if _weight(o) > 0), key=lambda o: -_weight(o))
        return "; ".join(o["text"] + ("" if _weight(o) == 1 else f" ({_percent(_weight(o))} of the mark)")
                         for o in best)


class SingleChoice(_ChoiceBase):
    name, label = "single_choice", "Single choice"

    def parse(self, raw: dict, report: Report) -> dict:
        options = _options(raw, report, 2)
        if options and _weighted(options):  # Moodle: one answer earns the full mark, others may earn part
            if sum(_weight(o) == 1 for o in options) != 1:
                report("options", "needs exactly one option with weight 1 (the full mark)")
            for o in options:
                o["correct"] = _weight(o) == 1
        elif options and sum(o["correct"] for o in options) != 1:
            report("options", "needs exactly one option marked correct: true")
        return {"options": options}

    def check_answer(self, item: Item, answer: Any) -> str:
        if not isinstance(answer, str) or answer not in {o["id"] for o in item.data["options"]}:
            raise InvalidAnswer("Choose one of the options.")
        return answer

    def score(self, item: Item, answer: str) -> float:
        """The chosen option's share of the mark (1 or 0 without weights); a penalty scores 0."""
        return max(0.0, float(_weight(next(o for o in item.data["options"] if o["id"] == answer))))


class MultipleResponse(_ChoiceBase):
    """Select all that apply. Each right pick earns 1/(right options); each wrong pick costs
    1/(wrong options); the score never goes below 0. With Moodle weights instead, the score is the
    sum of the picked options' weights, between 0 and 1."""

    name, label = "multiple_response", "Multiple response"

    def parse(self, raw: dict, report: Report) -> dict:
        options = _options(raw, report, 2)
        correct = sum(o["correct"] for o in options)
        if options and correct < 1:
            report("options", "needs at least one option marked correct: true")
        if options and _weighted(options):
            total = sum(_weight(o) for o in options if _weight(o) > 0)
            if correct and abs(total - 1) > 0.011:
                report("options", f"the positive weights add up to {_percent(total)}; they must make 100 %")
        elif options and correct == len(options):
            report("options", "needs at least one option that is not correct")
        return {"options": options}

    def check_answer(self, item: Item, answer: Any) -> list[str]:
        return id_list(answer, {o["id"] for o in item.data["options"]})

    def score(self, item: Item, answer: list[str]) -> float:
        if _weighted(item.data["options"]):
            picked = set(answer)
            return min(1.0, max(0.0, sum(_weight(o) for o in item.data["options"] if o["id"] in picked)))
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
        data = {"answer": bool(answer)}
        feedback = raw.get("feedback")
        if feedback is not None:  # Moodle's feedback for whoever answered true, or false
            if not isinstance(feedback, dict) or set(feedback) - {"true", "false"}:
                report("feedback", "must give feedback for true and/or false")
            else:
                kept = {k: text_field(feedback, k, report, required=False, field=f"feedback.{k}") for k in ("true", "false")}
                if any(kept.values()):
                    data["feedback"] = {k: v for k, v in kept.items() if v}
        return data

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
