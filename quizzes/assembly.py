"""Quiz definitions (fixed forms) and assembling an attempt's items.

A quiz either lists item ids or gives sampling rules (`skill`, `count`), optionally restricted to
items that suit a job role. Selection goes through a strategy object, so an adaptive strategy can
pick items one at a time later while fixed forms pick all of them up front.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from quizzes.loader import ALL_ROLES, parse_yaml
from quizzes.model import Item, Problem

LAYOUTS = ("one_per_page", "all_on_one_page")
REVIEW_KEYS = ("score", "skills", "correctness", "correct_answers", "explanations")


@dataclass(frozen=True)
class QuizDef:
    id: str
    title: str
    description: str
    item_ids: tuple[str, ...] = ()
    rules: tuple[tuple[str, int], ...] = ()  # (skill, count)
    role: str | None = None  # placement quiz for this job role; items must suit it
    time_limit_minutes: int | None = None
    layout: str = "one_per_page"
    shuffle_items: bool = True
    shuffle_options: bool = True
    open: bool = True  # listed for trainees of any matching role without an assignment
    review: dict[str, bool] = field(default_factory=lambda: {k: True for k in REVIEW_KEYS}, hash=False)
    pass_mark: float = 0.7
    mode: str = "fixed"  # fixed | adaptive
    skills: tuple[str, ...] = ()  # adaptive: the skills to classify
    max_items: int = 20  # adaptive: the most questions asked
    confidence: float = 0.9  # adaptive: stop once every skill's mastery is this sure either way


class SelectionStrategy(Protocol):
    def initial_items(self, quiz: QuizDef, bank: dict[str, Item], rng: random.Random) -> list[str]: ...


def suits(item: Item, role: str | None) -> bool:
    return role is None or ALL_ROLES in item.roles or role in item.roles


class FixedForm:
    """All items chosen when the attempt starts: listed ids, or a sample per skill rule. A sample
    draws from `preferred` items first (placement tests: the calibrated ones, whose answers the model
    can read at once) and fills up from the rest only when those run short."""

    def __init__(self, preferred: frozenset[str] = frozenset()):
        self.preferred = preferred

    def initial_items(self, quiz: QuizDef, bank: dict[str, Item], rng: random.Random) -> list[str]:
        if quiz.item_ids:
            chosen = list(quiz.item_ids)
        else:
            chosen = []
            for skill, count in quiz.rules:
                pool = sorted(i.id for i in bank.values()
                              if skill in i.skills and suits(i, quiz.role) and i.id not in chosen)
                first = [i for i in pool if i in self.preferred]
                taken = rng.sample(first, min(count, len(first)))
                rest = [i for i in pool if i not in self.preferred]
                chosen.extend(taken + rng.sample(rest, min(count - len(taken), len(rest))))
        if quiz.shuffle_items:
            rng.shuffle(chosen)
        return chosen


def option_orders(items: list[Item], rng: random.Random, shuffle_options: bool) -> dict[str, list[str]]:
    """Per-attempt display order for every item type that has one (always for ordering items,
    whose given order would be the answer)."""
    from quizzes.registry import item_type

    orders = {}
    for item in items:
        keys = item_type(item).shuffle_keys(item)
        if keys and (shuffle_options or item.type in ("ordering", "matching")):
            keys = keys[:]
            rng.shuffle(keys)
            orders[item.id] = keys
    return orders


def parse_quiz(raw: Any, file: str, bank: dict[str, Item], roles: frozenset[str] | None) -> tuple[QuizDef | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(file, None, None, "must be a mapping")]
    quiz_id = str(raw.get("id", "")).strip()

    def report(field_name: str, message: str) -> None:
        problems.append(Problem(file, quiz_id or None, field_name, message))

    if not quiz_id:
        report("id", "is missing")
    title = str(raw.get("title", "")).strip()
    if not title:
        report("title", "is missing")
    item_ids = raw.get("items") or []
    rules_raw = raw.get("sample") or []
    mode = raw.get("mode", "fixed")
    if mode not in ("fixed", "adaptive"):
        report("mode", "use fixed or adaptive")
    skills = raw.get("skills") or []
    if mode == "adaptive":
        if not isinstance(skills, list) or not skills:
            report("skills", "an adaptive quiz needs the list of skills it measures")
            skills = []
        for skill in skills:
            if not any(skill in i.skills for i in bank.values()):
                report("skills", f"no item in the bank measures {skill!r}")
        max_items = raw.get("max_items", 20)
        if not isinstance(max_items, int) or not 3 <= max_items <= 200:
            report("max_items", "must be a whole number from 3 to 200")
        confidence = raw.get("confidence", 0.9)
        if not isinstance(confidence, (int, float)) or not 0.6 <= confidence < 1:
            report("confidence", "must be a number from 0.6 to 0.99")
    elif bool(item_ids) == bool(rules_raw):
        report("items", "give either items (a list of ids) or sample (skill and count rules), not both")
    for item_id in item_ids if isinstance(item_ids, list) else []:
        if item_id not in bank:
            report("items", f"unknown item {item_id!r}")
    role = raw.get("role")
    if role is not None and roles is not None and role not in roles:
        report("role", f"unknown job role {role!r}")
    rules = []
    for index, rule in enumerate(rules_raw if isinstance(rules_raw, list) else []):
        skill, count = (rule or {}).get("skill"), (rule or {}).get("count")
        if not isinstance(count, int) or count < 1:
            report(f"sample[{index}].count", "must be a whole number of 1 or more")
            continue
        available = sum(1 for i in bank.values() if skill in i.skills and suits(i, role))
        if available < count:
            report(f"sample[{index}]", f"asks for {count} items of {skill!r} but the bank has {available}")
        rules.append((skill, count))
    limit = raw.get("time_limit_minutes")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 600):
        report("time_limit_minutes", "must be a whole number of minutes from 1 to 600")
    layout = raw.get("layout", "one_per_page")
    if layout not in LAYOUTS:
        report("layout", f"use one of {', '.join(LAYOUTS)}")
    review = {k: True for k in REVIEW_KEYS}
    review.update({k: bool(v) for k, v in (raw.get("review") or {}).items() if k in REVIEW_KEYS})
    if problems:
        return None, problems
    return QuizDef(id=quiz_id, title=title, description=str(raw.get("description", "")).strip(),
                   item_ids=tuple(item_ids), rules=tuple(rules), role=role, time_limit_minutes=limit,
                   layout=layout, shuffle_items=bool(raw.get("shuffle_items", True)),
                   shuffle_options=bool(raw.get("shuffle_options", True)), open=bool(raw.get("open", True)),
                   review=review, pass_mark=float(raw.get("pass_mark", 0.7)), mode=mode, skills=tuple(skills),
                   max_items=int(raw.get("max_items", 20)), confidence=float(raw.get("confidence", 0.9))), []


def load_quizzes(paths: list[Path], bank: dict[str, Item], roles: frozenset[str] | None = None
                 ) -> tuple[list[QuizDef], list[Problem]]:
    quizzes, problems = [], []
    for path in sorted(paths):
        document, found = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        entries = (document or {}).get("quizzes") if isinstance(document, dict) else None
        if not found and not isinstance(entries, list):
            found = [Problem(path.name, None, "quizzes", "must hold a list of quizzes")]
        parsed = []
        for raw in entries or []:
            quiz, quiz_problems = parse_quiz(raw, path.name, bank, roles)
            found.extend(quiz_problems)
            if quiz:
                parsed.append(quiz)
        problems.extend(found)
        if not found:
            quizzes.extend(parsed)
    return quizzes, problems
