"""Organisations, business units, job roles, skills and the people in them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

ROLES = ("trainee", "trainer", "admin")


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # an IANA zone: due dates, reminders and digests are dates and times there
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # the From address of the organisation's messages ("" until an admin sets one)
    sender_address: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # what a new assignment or an accepted plan is due in, unless the trainer chooses a date
    default_due_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # a reminder this many days before a due date; the trainers hear once it is this many days late
    remind_days_before: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    escalate_after_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # unit and team aggregates of fewer people than this are shown to admins only (as Skill IQ does)
    min_group_size: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # SHA-256 of the bearer token a nightly job sends CRM events with (None: no ingest token issued)
    crm_token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)

    units: Mapped[list[BusinessUnit]] = relationship(back_populates="organisation")


class BusinessUnit(db.Model):
    __tablename__ = "business_unit"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    members: Mapped[list[User]] = relationship(back_populates="business_unit", foreign_keys="User.business_unit_id")


class JobRole(db.Model):
    __tablename__ = "job_role"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Skill(db.Model):
    """One CRM capability. The slug is the stable key content files refer to."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the shipped taxonomy every organisation shares; otherwise the organisation that added the
    # skill, the only one that sees it, maps questions to it and sets objectives for it
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)


trainer_units = Table(
    "trainer_unit",
    db.Model.metadata,
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("business_unit_id", Integer, ForeignKey("business_unit.id", ondelete="CASCADE"), primary_key=True),
)


# The password hash of an imported person who has not activated yet: no hash can match it.
UNUSABLE_PASSWORD = "!"  # a marker, not a password  # nosec B105
# The password hash of someone who signs in only through the organisation's identity provider.
NO_PASSWORD_SSO = "!sso"  # a marker, not a password  # nosec B105


class User(db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'admin')", name="role_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="trainee")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped at sign-out and password change: every cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_unit.id"), index=True)
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # turned off from the link in any reminder; assignment notices still arrive
    reminders_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # their line manager: sees the team view of their direct reports (progress, and aggregates only)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation] = relationship()
    business_unit: Mapped[BusinessUnit | None] = relationship(back_populates="members", foreign_keys=[business_unit_id])
    job_role: Mapped[JobRole | None] = relationship()
    trained_units: Mapped[list[BusinessUnit]] = relationship(secondary=trainer_units, order_by="BusinessUnit.name")
    manager: Mapped[User | None] = relationship(remote_side="User.id", foreign_keys=[manager_id])

    # Flask-Login protocol --------------------------------------------------
    @property
    def awaiting_activation(self) -> bool:
        """Imported, and the activation link not used yet: the person cannot sign in."""
        return self.password_hash == UNUSABLE_PASSWORD

    @property
    def has_password(self) -> bool:
        return not self.password_hash.startswith("!")

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(db.Model):
    """A one-time link for a new user to set their own password (only a hash of the token is stored)."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # activation (an imported person sets their first password) or reset (a forgotten password)
    purpose: Mapped[str] = mapped_column(String(16), default="activation", server_default="activation")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
