"""Objectives per job role (optionally per unit) and the stored mastery estimates per person."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.people import BusinessUnit, JobRole, Skill
from app.models.types import UTCDateTime, utcnow


class StoredModel(db.Model):
    """A fitted skill model with its card, kept in the database so every app server and the worker
    read the same one. The newest row is the model in use: a refit commits a new row, which swaps it
    for every server at once; each server reloads only when the newest row's SHA-256 changes."""

    __tablename__ = "stored_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    card: Mapped[dict] = mapped_column(JSON)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objective(db.Model):
    """What a job role must be able to do: for each skill, the required confidence of mastery
    (`target`, 0.5–0.99) and how much the skill matters (`weight`, 0–1). A row with a business
    unit overrides the role's default for that unit."""

    __tablename__ = "objective"
    __table_args__ = (UniqueConstraint("job_role_id", "business_unit_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"), index=True)
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_unit.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    target: Mapped[float] = mapped_column(Float, default=0.8)
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    job_role: Mapped[JobRole] = relationship()
    business_unit: Mapped[BusinessUnit | None] = relationship()
    skill: Mapped[Skill] = relationship()


class MasteryEstimate(db.Model):
    """The latest model estimate for one person and skill, refreshed after each graded attempt
    and after every refit, so that dashboards read one row per person × skill."""

    __tablename__ = "mastery_estimate"
    __table_args__ = (UniqueConstraint("user_id", "skill_id"), Index("ix_mastery_estimate_skill_verdict",
                                                                       "skill_id", "verdict"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    evidence: Mapped[float] = mapped_column(Float, default=0.0)  # recency-weighted, for the verdict rule
    answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # whole answers behind it
    exercises: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # whole exercises behind it
    target: Mapped[float] = mapped_column(Float, default=0.8)
    verdict: Mapped[str] = mapped_column(String(24))
    # the transfer gap, where the CRM measures the skill: "coaching" (tests and exercises say proficient, the
    # CRM says it is not applied), "untrained" (applied in the CRM, not shown in tests), else ""
    transfer: Mapped[str] = mapped_column(String(16), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MasteryHistory(db.Model):
    """One row each time a person's verdict on a skill changes (and the first verdict ever), with the
    model's confidence at that moment, held until `superseded_at` (None: still current). Proficiency
    over time and time to proficiency read it."""

    __tablename__ = "mastery_history"
    __table_args__ = (Index("ix_mastery_history_user_skill", "user_id", "skill_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(24))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_verdict: Mapped[str | None] = mapped_column(String(24))  # None for a person's first verdict
    # the graded quiz or exercise whose evidence caused the change (None: a refit, decay, objectives)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"), index=True)


class ModuleProgress(db.Model):
    """A trainee's progress through one catalogue module: started when opened, completed when its
    check is passed (or, for a job aid, when marked as read)."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    module_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="started")  # started | completed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
