"""Taking a quiz: start or resume, save answers, submit once, close at the deadline.

Concurrency rules (each is tested with parallel requests):
- Every save and the submit first run `UPDATE attempt … WHERE status = 'in_progress'`. That row
  update is the per-attempt lock (a row lock on PostgreSQL, the write lock on SQLite), so a save
  never lands after grading and two submits never both grade.
- A save is one `INSERT … ON CONFLICT (attempt, item) DO UPDATE … WHERE stored seq < new seq`:
  no select-then-insert race, duplicates are harmless and a stale save cannot overwrite a newer one.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IN_PROGRESS, SUBMITTED, Attempt, Evidence, Item, Quiz, Response, User
from app.models.types import utcnow
from app.services.content import active_bank, quiz_def
from app.services.given import answer_version, attempt_definition, attempt_items, bank_versions
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.events import record_evidence
from app.services.sql import insert_for
from quizzes.assembly import FixedForm, option_orders, suits
from quizzes.disguise import Disguise
from quizzes.errors import InvalidAnswer
from quizzes.registry import grade, item_type

MAX_SEQ = 2 ** 62
MAX_TIME_PER_SAVE_MS = 30 * 60 * 1000


class AttemptClosed(Conflict):
    """The attempt was submitted or its time ran out; answers are no longer accepted."""


@dataclass(frozen=True)
class SaveResult:
    item_key: str
    seq: int
    applied: bool  # False when a newer answer was already stored (duplicate or out-of-order save)
    saved_at: datetime


def grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", 30))


# --- which quizzes a trainee may take -------------------------------------------------------------
def available_quizzes(user: User) -> list[Quiz]:
    """The open tests of the trainee's job role: the shipped ones their organisation has not replaced
    with its own copies, and the organisation's own."""
    from app.services.ownership import in_use

    role = user.job_role.name if user.job_role else None
    rows = db.session.scalars(select(Quiz).where(Quiz.active.is_(True), Quiz.open.is_(True),
                                                 in_use(Quiz, user.organisation_id)).order_by(Quiz.title))
    return [q for q in rows if q.role is None or q.role == role]


def get_quiz_for(user: User, key: str) -> Quiz:
    """A test the trainee may take; a shipped test's key (an assignment or a module made before their
    organisation copied it) finds the organisation's copy."""
    from app.services.ownership import replacements

    key = replacements(Quiz, user.organisation_id).get(key, key)
    for quiz in available_quizzes(user):
        if quiz.key == key:
            return quiz
    raise NotFound("No such quiz.")


# --- starting and finding attempts ------------------------------------------------------------------
def in_progress_attempt(user: User, quiz: Quiz) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.status == IN_PROGRESS))


def start_attempt(user: User, quiz: Quiz, seed: int | None = None) -> Attempt:
    """Resume the trainee's open attempt at this quiz, or start one with freshly assembled items."""
    close_expired_for(user)
    existing = in_progress_attempt(user, quiz)
    if existing is not None:
        return existing
    definition = quiz_def(quiz, user.organisation_id)
    bank = active_bank(user.organisation_id)
    rng = random.Random(seed if seed is not None else secrets.randbits(64))  # shuffling, not security  # nosec B311
    if definition.mode == "adaptive":
        keys = _first_adaptive_items(user, definition, bank, rng)
    else:
        from app.services.skill_model import calibrated_items

        preferred = calibrated_items() if definition.role else frozenset()  # placement: calibrated questions first
        keys = [k for k in FixedForm(preferred).initial_items(definition, bank, rng) if k in bank]
    if not keys:
        raise ValidationFailed("This quiz has no questions available right now. Please tell your trainer.")
    now = utcnow()
    attempt = Attempt(user_id=user.id, quiz_id=quiz.id, status=IN_PROGRESS, item_keys=keys,
                      item_versions=bank_versions(keys), quiz_definition=asdict(definition),
                      option_orders=option_orders([bank[k] for k in keys], rng, definition.shuffle_options),
                      started_at=now, last_saved_at=now,
                      deadline_at=now + timedelta(minutes=definition.time_limit_minutes)
                      if definition.time_limit_minutes else None)
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:  # another tab started the same quiz at the same moment
        db.session.rollback()
        existing = in_progress_attempt(user, quiz)
        if existing is None:
            raise
        return existing
    return attempt


def adaptive_pool(user: User, definition, bank: dict) -> list[str]:
    role = definition.role or (user.job_role.name if user.job_role else None)
    return sorted(k for k, item in bank.items() if set(item.skills) & set(definition.skills) and suits(item, role))


def _first_adaptive_items(user: User, definition, bank: dict, rng: random.Random) -> list[str]:
    from app.services.skill_model import next_adaptive_item

    pool = adaptive_pool(user, definition, bank)
    first = next_adaptive_item(user, [], pool, list(definition.skills), definition.confidence)
    if first is not None:
        return [first]
    # Without a fitted model the test cannot adapt: ask a spread of the pool instead.
    rng.shuffle(pool)
    return pool[:definition.max_items]


def extend_adaptive(user: User, attempt_id: int) -> bool:
    """Add the next adaptive question to the attempt; False when the test has what it needs."""
    from app.services.skill_model import next_adaptive_item

    attempt = lock_open_attempt(user.id, attempt_id, utcnow())
    definition = attempt_definition(attempt)
    if definition.mode != "adaptive" or len(attempt.item_keys) >= definition.max_items:
        db.session.rollback()
        return False
    bank = active_bank(user.organisation_id)
    saved = saved_answers(attempt)
    given = attempt_items(attempt)  # graded as the version this attempt showed
    answered = [(k, grade(given[k], saved[k]).score) for k in attempt.item_keys
                if k in given and saved.get(k) is not None]
    choice = next_adaptive_item(user, answered, adaptive_pool(user, definition, bank), list(definition.skills),
                                definition.confidence)
    if choice is None or choice in attempt.item_keys:
        db.session.rollback()
        return False
    attempt.item_keys = [*attempt.item_keys, choice]
    attempt.item_versions = {**(attempt.item_versions or {}), **bank_versions([choice])}
    orders = option_orders([bank[choice]], random.Random(secrets.randbits(64)),  # display order  # nosec B311
                           definition.shuffle_options)
    attempt.option_orders = {**attempt.option_orders, **orders}
    db.session.commit()
    return True


def get_attempt_for(user: User, attempt_id: int) -> Attempt:
    """The trainee's own attempt (closed first if its time ran out); anyone else's is NotFound."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or attempt.kind != "quiz":
        raise NotFound("No such attempt.")
    if is_expired(attempt):
        submit_attempt(attempt.id, closed_by="deadline")
        db.session.refresh(attempt)
    return attempt


def is_expired(attempt: Attempt, now: datetime | None = None) -> bool:
    return (attempt.status == IN_PROGRESS and attempt.deadline_at is not None
            and (now or utcnow()) > attempt.deadline_at + grace())


def remaining_seconds(attempt: Attempt, now: datetime | None = None) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


# --- saving -------------------------------------------------------------------------------------------
# Statements on the answer-save path are built once: building them costs more than running them.
_LOCK = (update(Attempt).where(Attempt.id == bindparam("b_attempt"), Attempt.user_id == bindparam("b_user"),
                               Attempt.status == IN_PROGRESS)
         .values(last_saved_at=bindparam("b_now", type_=Attempt.last_saved_at.type)).returning(Attempt)
         .execution_options(populate_existing=True))
# An answer save needs five columns of the attempt, not the ORM object: on the table, the statement
# skips the ORM's row-to-object work and the attempt's large JSON columns.
_ATTEMPT_ROW = Attempt.__table__.c
_LOCK_FOR_SAVE = (update(Attempt.__table__).where(_ATTEMPT_ROW.id == bindparam("b_attempt"),
                                                  _ATTEMPT_ROW.user_id == bindparam("b_user"),
                                                  _ATTEMPT_ROW.status == IN_PROGRESS)
                  .values(last_saved_at=bindparam("b_now", type_=_ATTEMPT_ROW.last_saved_at.type))
                  .returning(_ATTEMPT_ROW.id, _ATTEMPT_ROW.status, _ATTEMPT_ROW.item_keys, _ATTEMPT_ROW.item_versions,
                             _ATTEMPT_ROW.answer_salt, _ATTEMPT_ROW.deadline_at))
_UPSERTS: dict[str, Any] = {}


def lock_open_attempt(user_id: int, attempt_id: int, now: datetime) -> Attempt:
    """Take the per-attempt lock (quiz saves and exercise actions alike): the attempt must be the
    user's and still open, else NotFound or AttemptClosed; an expired one is closed and graded."""
    # one statement: the lock and the row come back together (UPDATE … RETURNING)
    found = db.session.execute(_LOCK, {"b_attempt": attempt_id, "b_user": user_id, "b_now": now})
    return _still_open(found.scalar_one_or_none(), user_id, attempt_id, now)


def lock_for_save(user_id: int, attempt_id: int, now: datetime):
    """The same lock for an answer save, returning only the five columns a save reads (a plain row,
    not an ORM attempt: the way that matters most reads least)."""
    found = db.session.execute(_LOCK_FOR_SAVE, {"b_attempt": attempt_id, "b_user": user_id, "b_now": now})
    return _still_open(found.first(), user_id, attempt_id, now)


def _still_open(attempt, user_id: int, attempt_id: int, now: datetime):
    """The locked attempt (or row), or why it could not be locked: someone else's or missing
    (NotFound), closed, or expired just now (closed and graded here)."""
    if attempt is None:  # not locked: someone else's, missing, or closed — say which
        mine = db.session.scalar(select(Attempt.id).where(Attempt.id == attempt_id, Attempt.user_id == user_id))
        db.session.rollback()
        if mine is None:
            raise NotFound("No such attempt.")
        raise AttemptClosed("This attempt has already been submitted; answers can no longer be changed.")
    if is_expired(attempt, now):
        db.session.rollback()
        submit_attempt(attempt_id, closed_by="deadline")
        raise AttemptClosed("Time is up: the attempt was submitted with the answers saved before the deadline.")
    return attempt


def _upsert_statement():
    """Insert the answer, or replace the stored one only if this one is newer (its client seq). On
    the table rather than the class, so the ORM's bulk-insert machinery stays out of the way."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        row = Response.__table__.c
        stmt = insert_for(Response.__table__).values(attempt_id=bindparam("attempt_id"), item_id=bindparam("item_id"),
                                                     answer=bindparam("answer", type_=row.answer.type),
                                                     client_seq=bindparam("seq"), time_spent_ms=bindparam("time_ms"),
                                                     saved_at=bindparam("now", type_=row.saved_at.type))
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[row.attempt_id, row.item_id],
            set_={"answer": stmt.excluded.answer, "client_seq": stmt.excluded.client_seq,
                  "saved_at": stmt.excluded.saved_at,
                  "time_spent_ms": row.time_spent_ms + stmt.excluded.time_spent_ms},
            where=row.client_seq < stmt.excluded.client_seq,
        ).returning(row.id)
    return _UPSERTS[dialect]


def _upsert(attempt_id: int, item_id: int, answer: Any, seq: int, time_ms: int, now: datetime) -> bool:
    # A row comes back when the answer was inserted or replaced; none when a newer one was kept.
    return db.session.execute(_upsert_statement(), {"attempt_id": attempt_id, "item_id": item_id, "answer": answer,
                                                    "seq": seq, "time_ms": time_ms, "now": now}).first() is not None


def _whole(value: Any) -> int | None:
    """JSON Schema integers: 5 and 5.0 are both the integer 5; true, "5" and 5.5 are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 63:
        return int(value)
    return None


def save_response(user: User, attempt_id: int, item_key: str, answer: Any, seq: int,
                  time_spent_ms: int = 0) -> SaveResult:
    """Save one answer as the browser sends it: option, step and match ids are this attempt's
    tokens (quizzes.disguise), turned into the bank's ids before checking and storing."""
    seq, time_spent_ms = _whole(seq), _whole(time_spent_ms)
    if seq is None or not 0 < seq < MAX_SEQ:
        raise ValidationFailed("seq must be a positive whole number.", field="seq")
    if time_spent_ms is None or time_spent_ms < 0:
        raise ValidationFailed("time_spent_ms must be a whole number of 0 or more.", field="time_spent_ms")
    now = utcnow()
    attempt = lock_for_save(user.id, attempt_id, now)
    if item_key not in attempt.item_keys:
        db.session.rollback()
        raise NotFound("That question is not part of this attempt.")
    item_id, item = answer_version(item_key, (attempt.item_versions or {}).get(item_key, 1))  # as this attempt shows it
    kind = item_type(item)
    if not kind.is_blank(answer):
        try:
            answer = kind.check_answer(item, Disguise(attempt.answer_salt).reveal(item, answer))
        except InvalidAnswer as exc:
            db.session.rollback()
            raise ValidationFailed(str(exc), field="answer") from None
    else:
        answer = None
    applied = _upsert(attempt.id, item_id, answer, seq, min(time_spent_ms, MAX_TIME_PER_SAVE_MS), now)
    db.session.commit()
    return SaveResult(item_key=item_key, seq=seq, applied=applied, saved_at=now)


def saved_answers(attempt: Attempt) -> dict[str, Any]:
    rows = db.session.execute(select(Item.key, Response.answer).join(Response.item)
                              .where(Response.attempt_id == attempt.id))
    return {key: answer for key, answer in rows}


# --- submitting and grading ---------------------------------------------------------------------------
def submit_attempt(attempt_id: int, closed_by: str = "trainee", user: User | None = None) -> Attempt:
    """Close and grade the attempt exactly once; later or parallel calls return the graded attempt."""
    now = utcnow()
    conditions = [Attempt.id == attempt_id, Attempt.status == IN_PROGRESS]
    if user is not None:
        conditions.append(Attempt.user_id == user.id)
    won = db.session.execute(update(Attempt).where(*conditions)
                             .values(status=SUBMITTED, submitted_at=now, closed_by=closed_by)
                             .execution_options(synchronize_session=False)).rowcount
    attempt = db.session.execute(select(Attempt).where(Attempt.id == attempt_id)
                                 .execution_options(populate_existing=True)).scalar_one_or_none()
    if attempt is None or (user is not None and attempt.user_id != user.id):
        db.session.rollback()
        raise NotFound("No such attempt.")
    if won:
        _grade(attempt, include_unanswered=closed_by == "trainee", now=now)
    db.session.commit()
    if won:
        record_evidence(attempt.user, attempt)
    return attempt


def _grade(attempt: Attempt, include_unanswered: bool, now: datetime) -> None:
    """Grade every item; store the score on each response and one evidence row per graded item.

    Items the trainee skipped before submitting count as 0; items never reached because time ran
    out are left out of the evidence (they say nothing about the skill)."""
    rows = {r.key: r for r in db.session.scalars(select(Item).where(Item.key.in_(attempt.item_keys)))}
    given = attempt_items(attempt)
    responses = {r.item_id: r for r in db.session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    scores = []
    for key in attempt.item_keys:
        row = rows[key]
        response = responses.get(row.id)
        result = grade(given[key], response.answer if response else None)
        scores.append(result.score)
        if response is not None:
            response.score, response.answered = result.score, result.answered
        if result.answered or include_unanswered:
            db.session.add(Evidence(user_id=attempt.user_id, source="quiz", attempt_id=attempt.id, item_id=row.id,
                                    item_version=(attempt.item_versions or {}).get(key, 1),
                                    skills=list(given[key].skills), score=result.score,
                                    time_spent_ms=response.time_spent_ms if response else 0,
                                    occurred_at=response.saved_at if response else now))
    attempt.score = round(sum(scores) / len(scores), 4) if scores else 0.0


def close_expired_for(user: User) -> int:
    ids = [a.id for a in db.session.scalars(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.status == IN_PROGRESS, Attempt.deadline_at.is_not(None)))
        if is_expired(a)]
    for attempt_id in ids:
        submit_attempt(attempt_id, closed_by="deadline")
    return len(ids)


def sweep_expired(now: datetime | None = None) -> int:
    """Close and grade every timed attempt whose deadline (plus grace) has passed."""
    cutoff = (now or utcnow()) - grace()
    ids = list(db.session.scalars(select(Attempt.id).where(
        Attempt.status == IN_PROGRESS, Attempt.deadline_at.is_not(None), Attempt.deadline_at < cutoff)))
    for attempt_id in ids:
        submit_attempt(attempt_id, closed_by="deadline")
    return len(ids)
