"""Attempts, responses and evidence: what trainees did and what the skill model learns from."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.content import Item, Quiz
from app.models.people import User
from app.models.types import UTCDateTime, utcnow

IN_PROGRESS, SUBMITTED = "in_progress", "submitted"


class Attempt(db.Model):
    """One sitting of a quiz, or one simulated CRM exercise (kind 'scenario'), by one trainee. At
    most one attempt per (user, quiz) or (user, scenario) is in progress, so a second tab or a
    reload resumes it instead of starting another."""

    __tablename__ = "attempt"
    __table_args__ = (
        Index("uq_attempt_one_in_progress", "user_id", "quiz_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
        Index("uq_attempt_one_scenario_in_progress", "user_id", "scenario_key", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="quiz", server_default="quiz")
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id"), index=True)
    scenario_key: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    initial_state: Mapped[dict | None] = mapped_column(JSON)
    bindings: Mapped[dict | None] = mapped_column(JSON)
    hints_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    item_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the version of each question this attempt was given (absent: version 1, from before versions)
    item_versions: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # the test as it was when the attempt started (settings, pass mark, review), and an exercise as it
    # was (brief, checks, weights), so a later edit changes neither its grade nor its review
    # (absent: from before these were kept, read from the current test or exercise)
    quiz_definition: Mapped[dict | None] = mapped_column(JSON)
    scenario_raw: Mapped[dict | None] = mapped_column(JSON)
    option_orders: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Random per-attempt secret behind the answer tokens the browser sees (quizzes.disguise).
    answer_salt: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # trainee | deadline
    score: Mapped[float | None] = mapped_column(Float)

    user: Mapped[User] = relationship()
    quiz: Mapped[Quiz | None] = relationship()
    responses: Mapped[list[Response]] = relationship(back_populates="attempt", order_by="Response.id")


class ScenarioAction(db.Model):
    """One step a trainee took in a simulated CRM exercise, in order; replaying them from the
    attempt's initial state reproduces every intermediate state."""

    __tablename__ = "scenario_action"
    __table_args__ = (UniqueConstraint("attempt_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[dict] = mapped_column(JSON)
    ok: Mapped[bool] = mapped_column(Boolean)
    errors: Mapped[dict] = mapped_column(JSON, default=dict)
    record_id: Mapped[str | None] = mapped_column(String(32))


class Response(db.Model):
    """One saved answer. Unique per (attempt, item): every save is an upsert, and a save only
    replaces the stored answer when its client sequence number is newer."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    client_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)
    answered: Mapped[bool | None] = mapped_column(Boolean)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    item: Mapped[Item] = relationship()


class Observation(db.Model):
    """A trainer watched a trainee do the work in the real CRM (one skill's checklist); each
    behaviour marked is an Evidence row (`services.observations`)."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(db.Model):
    """A graded outcome the skill model learns from: a quiz response, a scenario check or a
    behaviour seen in an on-the-job observation."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("attempt_id", "item_id"),
        UniqueConstraint("attempt_id", "check_key"),
        Index("ix_evidence_user_occurred", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(16))  # quiz | scenario | observation | crm
    # the quiz or exercise it came from; None for an on-the-job observation (observation_id instead)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    # a behaviour indicator measured in the CRM (source "crm"): one row per person, indicator and month
    crm_indicator_id: Mapped[int | None] = mapped_column(ForeignKey("crm_indicator.id", ondelete="CASCADE"),
                                                         unique=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    # the version of the question that was answered (None: from before versions were recorded, version 1)
    item_version: Mapped[int | None] = mapped_column(Integer)
    check_key: Mapped[str | None] = mapped_column(String(128))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
