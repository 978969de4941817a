"""Assignments with due dates and scheduled instructor-led sessions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Assignment(db.Model):
    """Something to complete by a due date, for a person, a whole business unit or a job role.

    Unit and job-role assignments are standing: whoever is a member — now or later — has them.
    `origin` says where it came from: a person (manual), an accepted unit plan, or the refresher rule."""

    __tablename__ = "assignment"
    __table_args__ = (CheckConstraint("target_type IN ('user', 'unit', 'job_role')", name="target_valid"),
                      CheckConstraint("kind IN ('module', 'quiz', 'exercise', 'path')", name="kind_valid"),
                      CheckConstraint("origin IN ('manual', 'plan', 'refresher')", name="origin_valid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64))  # module id, quiz key or exercise key (None for a path)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    # None when Uptake made it itself (a refresher ahead of a predicted fade)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    # the scheduled instructor-led session this assignment is a seat in (its date and place reach the trainee)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_session.id", ondelete="SET NULL"), index=True)
    # for a workshop seat: invited | accepted | declined (asked for another date) | waitlisted
    rsvp: Mapped[str] = mapped_column(String(16), default="invited", server_default="invited")
    rsvp_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class TrainingSession(db.Model):
    """A scheduled instructor-led session for a unit (exported as iCalendar)."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_unit.id", ondelete="CASCADE"), index=True)
    module_key: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer, default=90)
    location: Mapped[str] = mapped_column(String(255), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=12)
    # the iCalendar SEQUENCE: raised at every change, so calendars replace the earlier invitation
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # set when the trainer calls it off: the seats are freed and everyone invited gets a cancellation
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
