"""Importers for the formats trainers already have: Moodle GIFT and Moodle XML.

Each importer turns a file into the same raw item mappings as the YAML bank, then validates them
with the bank's own `parse_item`. Anything that cannot be imported is reported, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from quizzes.loader import parse_item
from quizzes.model import Item, Problem
from quizzes.rich import Asset

MAX_IMPORT_BYTES = 1024 * 1024
# Moodle XML carries its pictures inside the file (base64), so it may be larger
MAX_XML_BYTES = 16 * 1024 * 1024
GIFT_PICTURE = ("shows a picture, which a GIFT file cannot carry: export these questions from Moodle as Moodle XML "
                "to bring their pictures along")
OUTSIDE_PICTURE = ("shows a picture from another site ({src}); only pictures inside a Moodle XML file are imported "
                   "(a trainee's browser would fetch it from there)")
# TeX as Moodle's filter writes it: $$…$$, \(…\) or \[…\]
LATEX = re.compile(r"\$\$.+?\$\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
LATEX_PROBLEM = "uses TeX maths ($$…$$ or \\(…\\)), which Uptake cannot show yet"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ImportResult:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # item id → "new", "changed" or "unchanged" against the bank (filled by the app's preview)
    changes: dict[str, str] = field(default_factory=dict)
    # item id → the Moodle category it was filed under in the file (shown in the preview)
    categories: dict[str, str] = field(default_factory=dict)
    # a question left out for a problem the editor can fix (an unknown skill, no right answer, …):
    # its label in the problems → the raw mapping as read, to open in the editor
    fixable: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the id a question is imported under → (its name in the file, who already uses that name)
    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the pictures the questions' formatted text shows, by SHA-256 (stored with the questions)
    assets: dict[str, Asset] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def slug(text: str, fallback: str) -> str:
    value = _SLUG.sub("-", text.lower()).strip("-")[:48]
    return value if len(value) >= 2 else fallback


def category_skill(category: str, skills: frozenset[str]) -> str | None:
    """The skill a Moodle category names with its last part (`$course$/CRM/Lead management` →
    lead-management), if any: a trainer's categories are often their skills already."""
    last = category.rstrip("/").rsplit("/", 1)[-1]
    candidate = slug(last, "")
    return candidate if candidate in skills else None


def content_id(text: str, fallback: str) -> str:
    """The id of a question without a name: its opening words and a digest of its whole text, so
    it is the same however the file's questions are ordered (adding one at the top renames none)."""
    import hashlib

    return f"{slug(text[:40], fallback)[:40]}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def validate_raw(raws: list[dict[str, Any]], file: str, skills: frozenset[str], roles: frozenset[str] | None,
                 result: ImportResult) -> ImportResult:
    for index, raw in enumerate(raws):
        item, problems = parse_item(raw, file, index, skills, roles, require_explanation=False)
        result.problems.extend(problems)
        if item:
            result.items.append(item)
        elif problems:
            result.fixable[problems[0].item_id] = raw
    return result
