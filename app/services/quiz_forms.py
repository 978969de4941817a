"""Tests built in the browser: fixed lists of questions, samples per skill, adaptive checks.

A form is checked by the same rules as the shipped forms (`quizzes.assembly.parse_quiz`) against the
published bank, saved as a quiz row owned by its editors (a content reload no longer overwrites it)
and audited with the definition before and after.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select

from app.extensions import db
from app.models import Quiz, User
from app.models.types import utcnow
from app.services import audit, ownership
from app.services.content import EDITOR_SOURCE, active_bank, job_role_names, quiz_def, save_quiz
from app.services.errors import ProblemsFound
from quizzes import model as engine
from quizzes.assembly import REVIEW_KEYS, QuizDef, parse_quiz, suits
from quizzes.importers import slug, unique_id


class FormRefused(ProblemsFound):
    def __init__(self, problems: list[engine.Problem]):
        super().__init__("test", problems)


def to_raw(quiz: QuizDef) -> dict:
    """A quiz in the shipped forms' own shape (what `parse_quiz` reads)."""
    raw = {"id": quiz.id, "title": quiz.title, "description": quiz.description, "role": quiz.role,
           "time_limit_minutes": quiz.time_limit_minutes, "layout": quiz.layout, "shuffle_items": quiz.shuffle_items,
           "shuffle_options": quiz.shuffle_options, "open": quiz.open, "review": dict(quiz.review),
           "pass_mark": quiz.pass_mark, "mode": quiz.mode}
    if quiz.mode == "adaptive":
        raw.update(skills=list(quiz.skills), max_items=quiz.max_items, confidence=quiz.confidence)
    elif quiz.item_ids:
        raw["items"] = list(quiz.item_ids)
    else:
        raw["sample"] = [{"skill": s, "count": n} for s, n in quiz.rules]
    return raw


def blank() -> dict:
    return {"id": "", "title": "", "description": "", "role": None, "time_limit_minutes": None,
            "layout": "one_per_page", "shuffle_items": True, "shuffle_options": True, "open": True,
            "review": {k: True for k in REVIEW_KEYS}, "pass_mark": 0.7,  # a share, not a secret  # nosec B105
            "mode": "fixed", "items": []}


def _row(key: str, user: User) -> Quiz:
    """A test the user's organisation may see (another organisation's is not found)."""
    return ownership.check_visible(db.session.scalar(select(Quiz).where(Quiz.key == key)), user, "No such test.")


def editing(key: str, user: User) -> tuple[Quiz, dict]:
    row = _row(key, user)
    return row, to_raw(quiz_def(row))


def own_copy(user: User, key: str) -> Quiz | None:
    """The organisation's copy of a shipped test, if it made one."""
    row = _row(key, user)
    return ownership.copy_of(Quiz, row, user.organisation_id) if row.organisation_id is None else None


def _own_key(user: User, key: str) -> tuple[str, Quiz | None]:
    """The key the organisation's change is saved under: its own test's, or for a shipped test its
    copy's (a new key when it has none yet), with the shipped row the copy replaces."""
    row = _row(key, user)
    if row.organisation_id is not None:
        return key, None
    copy = ownership.copy_of(Quiz, row, user.organisation_id)
    if copy is not None:
        return copy.key, None
    return unique_id(key[:56], set(db.session.scalars(select(Quiz.key)))), row


def check(raw: dict, organisation_id: int | None) -> QuizDef:
    problems = []
    pass_mark = raw.get("pass_mark")
    if not isinstance(pass_mark, (int, float)) or isinstance(pass_mark, bool) or not 0 <= pass_mark <= 1:
        problems.append(engine.Problem("the form", None, "pass_mark", "must be a percentage from 0 to 100"))
    if raw.get("mode") != "adaptive" and not raw.get("items") and not any(r.get("count") for r in raw.get("sample", [])):
        problems.append(engine.Problem("the form", None, "items", "choose the questions, or how many to ask of each skill"))
    raw = {**raw, "sample": [r for r in raw.get("sample", []) if r.get("count")]}
    quiz, found = parse_quiz(raw, "the form", active_bank(organisation_id), job_role_names(organisation_id) or None)
    problems += [p for p in found if not (p.field == "items" and problems and problems[-1].field == "items")]
    if problems:
        raise FormRefused(problems)
    return quiz


def save(user: User, raw: dict, key: str | None = None) -> Quiz:
    """Save a new test (key None) or replace a test's definition; trainees starting it from now on
    get the new one. A shipped test is saved as the organisation's own copy, which its trainees get in
    the shipped test's place from now on (the returned row is the copy)."""
    before, active, shipped = None, True, None
    if key is None:
        key = unique_id(slug(str(raw.get("title") or ""), "test")[:56], set(db.session.scalars(select(Quiz.key))))
    else:
        key, shipped = _own_key(user, key)
        row = shipped or _row(key, user)  # what the organisation's trainees got until now
        before, active = to_raw(quiz_def(row)), row.active
        raw = _in_earlier_order(raw, before)
    quiz = check({**raw, "id": key}, user.organisation_id)
    row = save_quiz(quiz, source=EDITOR_SOURCE, organisation_id=user.organisation_id)
    row.active = active  # saving a retired test keeps it retired
    detail = {"before": before, "after": to_raw(quiz)}
    if shipped is not None:
        row.replaces_id = shipped.id
        detail["copy_of"] = shipped.key
    db.session.commit()
    audit.record("content.quiz_saved", target=key, detail=detail, actor=user)
    return row


def _kept(earlier: list, now: list) -> list:
    return [x for x in earlier if x in now] + [x for x in now if x not in earlier]


def _in_earlier_order(raw: dict, before: dict) -> dict:
    """A form lists questions and skills in its own order; what was chosen before keeps its place (a
    test that does not shuffle asks in that order), and new choices come after."""
    raw = dict(raw)
    if "items" in raw:
        raw["items"] = _kept(before.get("items", []), raw["items"])
    if "skills" in raw:
        raw["skills"] = _kept(before.get("skills", []), raw["skills"])
    if "sample" in raw:
        by_skill = {r["skill"]: r for r in raw["sample"]}
        order = _kept([r["skill"] for r in before.get("sample", [])], list(by_skill))
        raw["sample"] = [by_skill[s] for s in order]
    return raw


def set_active(user: User, key: str, active: bool) -> Quiz:
    """Retire a test (no new attempts) or reopen it. Retiring a shipped test retires it for this
    organisation only: as its own copy, retired, which the returned row is."""
    row = _row(key, user)
    if row.organisation_id is None:
        copy = ownership.copy_of(Quiz, row, user.organisation_id)
        if copy is None and active:
            return row
        if copy is None:
            own, _ = _own_key(user, key)
            copy = save_quiz(replace(quiz_def(row), id=own), source=EDITOR_SOURCE, organisation_id=user.organisation_id)
            copy.replaces_id = row.id
            db.session.flush()
        row, key = copy, copy.key
    if row.active != active:
        row.active, row.source, row.updated_at = active, EDITOR_SOURCE, utcnow()
        db.session.commit()
        audit.record("content.quiz_reopened" if active else "content.quiz_retired", target=key,
                     detail={"before": {"active": not active}, "after": {"active": active}}, actor=user)
    return row


def skill_counts(skills: list[str], roles: list[str | None],
                 organisation_id: int | None) -> dict[str, dict[str, dict[str, int]]]:
    """Per job role (None: everyone) and skill: how many published questions a sample could draw
    from, and how many of them the fitted model has calibrated (what placement tests prefer)."""
    from app.services.skill_model import calibrated_items

    bank, calibrated = active_bank(organisation_id), calibrated_items()
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for role in roles:
        published, known = Counter(), Counter()
        for item in bank.values():
            if suits(item, role):
                for skill in item.skills:
                    published[skill] += 1
                    known[skill] += item.id in calibrated
        counts[role or ""] = {s: {"published": published[s], "calibrated": known[s]} for s in skills}
    return counts

