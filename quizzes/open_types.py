"""Numeric (with tolerance) and short text (normalised exact or pattern)."""
from __future__ import annotations

import re
from typing import Any

from quizzes.errors import InvalidAnswer
from quizzes.item_types import ItemType, Report, number
from quizzes.model import Item
from quizzes.text import normalise_text

MAX_ANSWER = 500


class Numeric(ItemType):
    name, label = "numeric", "Numeric"

    def parse(self, raw: dict, report: Report) -> dict:
        try:
            answer = number(raw.get("answer"))
        except InvalidAnswer:
            report("answer", "must be a number")
            answer = 0.0
        tolerance = raw.get("tolerance", 0)
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
            report("tolerance", "must be a number of 0 or more")
            tolerance = 0
        unit = raw.get("unit", "")
        data = {"answer": answer, "tolerance": float(tolerance), "unit": str(unit or "")}
        partial = raw.get("partial")
        if partial is not None:  # Moodle numerical answers below 100 %: a nearer miss earns part of the mark
            entries = []
            for index, entry in enumerate(partial if isinstance(partial, list) else [None]):
                try:
                    value = number(entry.get("answer")) if isinstance(entry, dict) else None
                    margin = float(entry.get("tolerance", 0)) if isinstance(entry, dict) else -1
                except (InvalidAnswer, TypeError, ValueError):
                    value, margin = None, -1
                weight = entry.get("weight") if isinstance(entry, dict) else None
                if (value is None or margin < 0 or isinstance(weight, bool) or not isinstance(weight, (int, float))
                        or not 0 < weight < 1):
                    report(f"partial[{index}]", "needs a number, a tolerance of 0 or more and a weight between 0 and 1")
                    continue
                entries.append({"answer": value, "tolerance": margin, "weight": float(weight)})
            if entries:
                data["partial"] = entries
        return data

    def public(self, item: Item, order: list[str] | None) -> dict:
        return {"unit": item.data["unit"]}

    def check_answer(self, item: Item, answer: Any) -> float:
        return number(answer)

    def score(self, item: Item, answer: float) -> float:
        if abs(answer - item.data["answer"]) <= item.data["tolerance"] + 1e-9:
            return 1.0
        return max((e["weight"] for e in item.data.get("partial", ())
                    if abs(answer - e["answer"]) <= e["tolerance"] + 1e-9), default=0.0)

    def correct_answer(self, item: Item) -> str:
        value = item.data["answer"]
        text = f"{value:g}" if abs(value) < 1e15 else str(value)
        if item.data["tolerance"]:
            text += f" (± {item.data['tolerance']:g})"
        return f"{text} {item.data['unit']}".strip()


class ShortText(ItemType):
    name, label = "short_text", "Short text"

    def parse(self, raw: dict, report: Report) -> dict:
        accept = raw.get("accept") or []
        patterns = raw.get("patterns") or []
        if not isinstance(accept, list) or not isinstance(patterns, list):
            report("accept", "accept and patterns must be lists")
            return {"accept": [], "patterns": []}
        compiled = []
        for index, pattern in enumerate(patterns):
            try:
                re.compile(str(pattern), re.IGNORECASE)
                compiled.append(str(pattern))
            except re.error as exc:
                report(f"patterns[{index}]", f"is not a valid regular expression ({exc})")
        data = {"accept": [str(a) for a in accept], "patterns": compiled}
        if raw.get("case_sensitive"):  # Moodle's usecase: "Saturn" right, "saturn" wrong
            data["case_sensitive"] = True
        partial = raw.get("partial")
        if partial is not None:  # Moodle short answers: part of the mark, and `*` wildcards
            entries = []
            for index, entry in enumerate(partial if isinstance(partial, list) else [None]):
                weight = entry.get("weight") if isinstance(entry, dict) else None
                text = entry.get("answer") if isinstance(entry, dict) else None
                if (not isinstance(text, str) or not text.strip() or isinstance(weight, bool)
                        or not isinstance(weight, (int, float)) or not 0 < weight <= 1):
                    report(f"partial[{index}]", "needs an answer and a weight above 0 and at most 1")
                    continue
                entries.append({"answer": text.strip(), "weight": float(weight)})
            data["partial"] = entries
            if not accept and not patterns and not any(e["weight"] == 1 for e in entries):
                report("accept", "needs an answer that earns the full mark")
        elif not accept and not patterns:
            report("accept", "needs at least one accepted answer or pattern")
        return data

    def check_answer(self, item: Item, answer: Any) -> str:
        if not isinstance(answer, str):
            raise InvalidAnswer("Type your answer as text.")
        if len(answer) > MAX_ANSWER:
            raise InvalidAnswer(f"Keep the answer under {MAX_ANSWER} characters.")
        return answer

    def score(self, item: Item, answer: str) -> float:
        case = bool(item.data.get("case_sensitive"))
        given = normalise_text(answer, keep_case=case)
        if any(given == normalise_text(a, keep_case=case) for a in item.data["accept"]):
            return 1.0
        spaced = " ".join(answer.split())  # patterns see the text with its punctuation
        flags = 0 if case else re.IGNORECASE
        if any(re.fullmatch(p, form, flags) for p in item.data["patterns"] for form in (given, spaced)):
            return 1.0
        return max((e["weight"] for e in item.data.get("partial", ())
                    if _wildcard_match(e["answer"], given, case)), default=0.0)

    def correct_answer(self, item: Item) -> str:
        full = item.data["accept"] + [e["answer"] for e in item.data.get("partial", ()) if e["weight"] == 1]
        return " / ".join(full) or "an answer matching the expected pattern"


def _wildcard_match(expected: str, given: str, keep_case: bool = False) -> bool:
    """Moodle's short-answer matching: `*` stands for any run of characters (`\\*` for a star),
    case (unless the question keeps it) and spacing ignored as for exact answers."""
    parts = re.split(r"(?<!\\)\*", expected)
    regex = ".*".join(re.escape(normalise_text(part.replace("\\*", "*"), keep_case)) for part in parts)
    return re.fullmatch(regex, given) is not None
