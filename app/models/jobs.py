"""Leases of the background jobs (app.services.jobs), one row per job shared by every worker, and the
figures a job stores for views too large to compute per request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class JobLease(db.Model):
    """Who runs a job now (until `lease_until`), when it last started and finished, and how it went."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))  # ok | failed
    last_message: Mapped[str | None] = mapped_column(Text)


class UnitFigures(db.Model):
    """A business unit's adoption-dashboard figures (`adoption.unit_figures`) as of `computed_at`, for
    organisations too large to compute them per request (`adoption.figures_for_view`)."""

    __tablename__ = "unit_figures"

    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_unit.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(JSON)  # {"months": [...], "unit": {...}}
