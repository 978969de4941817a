"""Load and validate the item bank.

Every problem is reported with file, item id and field. A file with any problem contributes no
items at all (never half a file), and an id used twice anywhere is a problem in both places.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from quizzes import rich
from quizzes.item_types import text_field
from quizzes.model import Item, Problem
from quizzes.registry import ITEM_TYPES

ITEM_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
DIFFICULTIES = ("easy", "medium", "hard")
MAX_FILE_BYTES = 2 * 1024 * 1024
ALL_ROLES = "all"


@dataclass
class BankReport:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases: content never needs them and they enable
    exponential 'billion laughs' documents."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def parse_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    if len(text.encode()) > MAX_FILE_BYTES:
        return None, [Problem(file, None, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")]
    try:
        return yaml.load(text, Loader=_SafeLoader), []  # _SafeLoader subclasses yaml.SafeLoader  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return None, [Problem(file, None, None, f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}")]


def parse_item(raw: Any, file: str, index: int, skills: frozenset[str], roles: frozenset[str] | None,
               require_explanation: bool = True) -> tuple[Item | None, list[Problem]]:
    """Validate one item mapping; return the Item (or None) and every problem found in it."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(file, f"#{index + 1}", None, "must be a mapping of fields")]
    item_id = str(raw.get("id", "")).strip()
    label = item_id or f"#{index + 1}"

    def report(field_name: str, message: str) -> None:
        problems.append(Problem(file, label, field_name, message))

    if not item_id:
        report("id", "is missing")
    elif not ITEM_ID_RE.match(item_id):
        report("id", "use 2-64 lower-case letters, digits, dots, hyphens or underscores")
    type_name = raw.get("type")
    item_type = ITEM_TYPES.get(type_name) if isinstance(type_name, str) else None
    if item_type is None:
        report("type", f"unknown type {type_name!r}; use one of {', '.join(sorted(ITEM_TYPES))}")
    stem_html = None
    if "stem_html" in raw:  # formatted text (from a Moodle import or the editor); `stem` is its plain text
        stem_html = _formatted(raw["stem_html"], report)
        if not str(raw.get("stem") or "").strip():  # (an unusable formatted text is reported once, above)
            raw = {**raw, "stem": (rich.plain_text(stem_html) if stem_html else "") or "See the picture."}
    stem = text_field(raw, "stem", report)
    explanation = text_field(raw, "explanation", report, required=require_explanation)
    item_skills = raw.get("skills")
    if not isinstance(item_skills, list) or not item_skills:
        report("skills", "needs at least one skill")
        item_skills = []
    for skill in item_skills:
        if skill not in skills:
            report("skills", f"unknown skill {skill!r}")
    item_roles = raw.get("roles", [ALL_ROLES])
    if not isinstance(item_roles, list) or not item_roles:
        report("roles", f"needs a list of job roles (or [{ALL_ROLES}])")
        item_roles = []
    elif roles is not None:
        for role in item_roles:
            if role != ALL_ROLES and role not in roles:
                report("roles", f"unknown job role {role!r}")
    difficulty = raw.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        report("difficulty", f"use one of {', '.join(DIFFICULTIES)}")
    data = item_type.parse(raw, report) if item_type else {}
    if stem_html:
        data = {**data, "stem_html": stem_html}
    if problems:
        return None, problems
    return Item(id=item_id, type=type_name, stem=stem, skills=tuple(item_skills), roles=tuple(item_roles),
                explanation=explanation, data=data, difficulty=difficulty, source=file), []


def _formatted(markup: Any, report) -> str | None:
    """The question's formatted text, sanitised; None (with the reason reported) when unusable."""
    if not isinstance(markup, str):
        report("stem_html", "must be text (HTML)")
        return None
    clean = rich.sanitise(markup)
    if len(clean) > rich.MAX_HTML:
        report("stem_html", f"is longer than {rich.MAX_HTML} characters")
        return None
    if not rich.plain_text(clean) and not rich.asset_refs(clean):
        report("stem_html", "is empty once what is not allowed (scripts, styles, outside pictures) is removed")
        return None
    return clean


def parse_items(document: Any, file: str, skills: frozenset[str], roles: frozenset[str] | None
                ) -> tuple[list[Item], list[Problem]]:
    entries = document.get("items") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        return [], [Problem(file, None, "items", "must hold a list of items")]
    items, problems = [], []
    for index, raw in enumerate(entries):
        item, found = parse_item(raw, file, index, skills, roles)
        problems.extend(found)
        if item:
            items.append(item)
    seen: dict[str, int] = {}
    for item in items:
        seen[item.id] = seen.get(item.id, 0) + 1
    problems.extend(Problem(file, i, "id", "is used more than once in this file") for i, n in seen.items() if n > 1)
    return ([] if problems else items), problems


def load_bank(paths: Iterable[Path], skills: frozenset[str], roles: frozenset[str] | None = None) -> BankReport:
    """Load every YAML file; files with problems are left out whole, with each problem listed."""
    report = BankReport()
    owners: dict[str, str] = {}
    for path in sorted(paths):
        document, problems = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        items = []
        if not problems:
            items, problems = parse_items(document, path.name, skills, roles)
        for item in items:
            if item.id in owners:
                problems.append(Problem(path.name, item.id, "id", f"is already used in {owners[item.id]}"))
        report.problems.extend(problems)
        if not problems:
            owners.update({item.id: path.name for item in items})
            report.items.extend(items)
    return report


def bank_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())
