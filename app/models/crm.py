"""What comes in from the real CRM: its users linked to Uptake people, the events they caused,
the records they own, and each import (staged for a preview, then confirmed or discarded)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class CrmImport(db.Model):
    """One file read (upload, CLI or ingest call). `status`: staged (previewed, nothing counted yet),
    done, or discarded. `summary` holds what the preview shows: users seen with their event counts and
    match, rows skipped by event type, the first problems."""

    __tablename__ = "crm_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="staged")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    events_new: Mapped[int] = mapped_column(Integer, default=0)
    events_known: Mapped[int] = mapped_column(Integer, default=0)  # already imported earlier: not counted twice
    records: Mapped[int] = mapped_column(Integer, default=0)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrmUser(db.Model):
    """A CRM user (by the CRM's own id) and the Uptake person they are: matched by email, or set by
    an admin (`matched_by` "admin", which a later import never overrides). Unmatched users keep their
    events; linking them later counts those events at once."""

    __tablename__ = "crm_user"
    __table_args__ = (UniqueConstraint("organisation_id", "crm_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    crm_user: Mapped[str] = mapped_column(String(128))
    email: Mapped[str] = mapped_column(String(254), default="")
    name: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    matched_by: Mapped[str] = mapped_column(String(16), default="")  # email | admin | "" (unmatched)
    ignored: Mapped[bool] = mapped_column(Boolean, default=False)  # an integration user, say: not a person


class CrmEvent(db.Model):
    """Something a CRM user did, once however often it is imported (`key` is unique per organisation)."""

    __tablename__ = "crm_event"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),
                      Index("ix_crm_event_user_time", "organisation_id", "crm_user", "occurred_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("crm_import.id", ondelete="CASCADE"), index=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # False while its import is a preview
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    crm_user: Mapped[str] = mapped_column(String(128))
    object_type: Mapped[str] = mapped_column(String(64), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    field: Mapped[str] = mapped_column(String(64), default="")
    old_value: Mapped[str] = mapped_column(String(255), default="")
    new_value: Mapped[str] = mapped_column(String(255), default="")


class CrmRecord(db.Model):
    """A CRM record as the newest confirmed export showed it."""

    __tablename__ = "crm_record"
    __table_args__ = (UniqueConstraint("organisation_id", "object_type", "record_id"),
                      Index("ix_crm_record_owner", "organisation_id", "owner"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128), default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrmStagedRecord(db.Model):
    """A record read by an import still in preview; confirming moves it into `crm_record`."""

    __tablename__ = "crm_staged_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("crm_import.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128), default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


class CrmIndicator(db.Model):
    """One behaviour indicator for one person and month: numerator of denominator (e.g. 7 of 9 open
    opportunities with a next step). Its evidence row (source "crm") carries the ratio to the model."""

    __tablename__ = "crm_indicator"
    __table_args__ = (UniqueConstraint("user_id", "indicator", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
