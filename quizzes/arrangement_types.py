"""Ordering (put the steps in order) and matching (pair each prompt with its answer).

Entry ids are opaque hashes of their text, so neither the ids nor the display order (shuffled
per attempt) give the answer away.
"""
from __future__ import annotations

from typing import Any

from quizzes.errors import InvalidAnswer
from quizzes.item_types import ItemType, Report, id_list, ordered, text_field
from quizzes.model import Item
from quizzes.text import opaque_id


class Ordering(ItemType):
    """Score: the share of neighbouring pairs the trainee put in the right relative order."""

    name, label = "ordering", "Ordering"
    shuffles = True

    def parse(self, raw: dict, report: Report) -> dict:
        steps = raw.get("sequence")
        if not isinstance(steps, list) or len(steps) < 3:
            report("sequence", "needs at least 3 steps, in the right order")
            return {"sequence": []}
        texts = [text_field({"t": s}, "t", report, field=f"sequence[{i}]") for i, s in enumerate(steps)]
        if len(set(texts)) != len(texts):
            report("sequence", "has the same step twice")
        return {"sequence": [{"id": opaque_id(raw.get("id", ""), t), "text": t} for t in texts]}

    def shuffle_keys(self, item: Item) -> list[str]:
        return [s["id"] for s in item.data["sequence"]]

    def public(self, item: Item, order: list[str] | None) -> dict:
        return {"steps": [{"id": s["id"], "text": s["text"]} for s in ordered(item.data["sequence"], order)]}

    def answer_ids(self, item: Item) -> list[str]:
        return [s["id"] for s in item.data["sequence"]]

    def map_ids(self, item: Item, answer: Any, convert) -> Any:
        return [convert(a) for a in answer] if isinstance(answer, list) else convert(answer)

    def check_answer(self, item: Item, answer: Any) -> list[str]:
        ids = id_list(answer, {s["id"] for s in item.data["sequence"]}, "step")
        if len(ids) != len(item.data["sequence"]):
            raise InvalidAnswer("Place every step.")
        return ids

    def score(self, item: Item, answer: list[str]) -> float:
        position = {s["id"]: i for i, s in enumerate(item.data["sequence"])}
        pairs = list(zip(answer, answer[1:]))
        return sum(position[b] == position[a] + 1 for a, b in pairs) / len(pairs)

    def correct_answer(self, item: Item) -> str:
        return " → ".join(s["text"] for s in item.data["sequence"])


class Matching(ItemType):
    """Score: the share of prompts matched to the right answer."""

    name, label = "matching", "Matching"
    shuffles = True

    def parse(self, raw: dict, report: Report) -> dict:
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            report("pairs", "needs at least 2 prompt/match pairs")
            return {"pairs": [], "choices": []}
        parsed = []
        for index, pair in enumerate(pairs):
            if not isinstance(pair, dict):
                report(f"pairs[{index}]", "must be a mapping with prompt and match")
                continue
            prompt = text_field(pair, "prompt", report, field=f"pairs[{index}].prompt")
            match = text_field(pair, "match", report, field=f"pairs[{index}].match")
            parsed.append({"id": opaque_id(raw.get("id", ""), "p", prompt), "prompt": prompt,
                           "match": opaque_id(raw.get("id", ""), "m", match)})
        if len({p["prompt"] for p in parsed}) != len(parsed):
            report("pairs", "has the same prompt twice")
        distractors = raw.get("distractors") or []
        if not isinstance(distractors, list):
            report("distractors", "must be a list")
            distractors = []
        choice_texts = list(dict.fromkeys([str(p["match"]) for p in pairs if isinstance(p, dict)]
                                          + [str(d) for d in distractors]))
        choices = [{"id": opaque_id(raw.get("id", ""), "m", t), "text": t} for t in choice_texts]
        return {"pairs": parsed, "choices": choices}

    def shuffle_keys(self, item: Item) -> list[str]:
        return [c["id"] for c in item.data["choices"]]

    def public(self, item: Item, order: list[str] | None) -> dict:
        return {"prompts": [{"id": p["id"], "text": p["prompt"]} for p in item.data["pairs"]],
                "choices": [{"id": c["id"], "text": c["text"]} for c in ordered(item.data["choices"], order)]}

    def answer_ids(self, item: Item) -> list[str]:
        return [p["id"] for p in item.data["pairs"]] + [c["id"] for c in item.data["choices"]]

    def map_ids(self, item: Item, answer: Any, convert) -> Any:
        if not isinstance(answer, dict):
            return convert(answer)
        return {convert(k): (convert(v) if v else v) for k, v in answer.items()}

    def check_answer(self, item: Item, answer: Any) -> dict[str, str]:
        prompts = {p["id"] for p in item.data["pairs"]}
        choices = {c["id"] for c in item.data["choices"]}
        if not isinstance(answer, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()):
            raise InvalidAnswer("Send a mapping of prompt id to choice id.")
        if set(answer) - prompts or set(answer.values()) - choices:
            raise InvalidAnswer("Unknown prompt or choice.")
        return answer

    def is_blank(self, answer: Any) -> bool:
        return super().is_blank(answer) or (isinstance(answer, dict) and not any(answer.values()))

    def score(self, item: Item, answer: dict[str, str]) -> float:
        return sum(answer.get(p["id"]) == p["match"] for p in item.data["pairs"]) / len(item.data["pairs"])

    def correct_answer(self, item: Item) -> str:
        text = {c["id"]: c["text"] for c in item.data["choices"]}
        return "; ".join(f"{p['prompt']} → {text[p['match']]}" for p in item.data["pairs"])
