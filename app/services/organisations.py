"""An organisation's life: creating it with its first admin (first-run page or `flask org create`)
and its settings (name, time zone, sender address, default due days)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Organisation, User
from app.models.people import UNUSABLE_PASSWORD
from app.services import audit
from app.services.errors import Conflict, ValidationFailed
from app.services.passwords import check_new_password, hash_password
from app.services.people import normalise_email
from app.services.text import one_line

MAX_DUE_DAYS = 365


@dataclass
class Settings:
    """What an admin may set on their organisation."""

    name: str
    time_zone: str = "UTC"
    sender_address: str = ""
    default_due_days: int = 30
    remind_days_before: int = 3
    escalate_after_days: int = 7
    min_group_size: int = 5


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the tzdata package knows (Europe/London, America/New_York, UTC, …)."""
    return tuple(sorted(available_timezones()))


def _checked(settings: Settings, organisation_id: int | None = None) -> Settings:
    name = one_line(settings.name, label="Name for the organisation")
    clash = db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower()))
    if clash is not None and clash != organisation_id:
        raise Conflict(f"An organisation called {name} already exists.", field="name")
    zone = (settings.time_zone or "").strip()
    if zone not in time_zone_names():
        raise ValidationFailed(f"{zone or 'An empty time zone'} is not a time zone; choose one such as "
                               "Europe/London or America/New_York.", field="time_zone") from None
    sender = (settings.sender_address or "").strip()
    if sender:
        try:
            sender = normalise_email(sender)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="sender_address") from None
    days = _whole(settings.default_due_days, "default_due_days", "Default due days", 1, MAX_DUE_DAYS)
    before = _whole(settings.remind_days_before, "remind_days_before", "Reminder days before the due date", 0, 30)
    escalate = _whole(settings.escalate_after_days, "escalate_after_days", "Days late before trainers hear", 1, 90)
    group = _whole(settings.min_group_size, "min_group_size", "Smallest group shown", 1, 100)
    return Settings(name, zone, sender, days, before, escalate, group)


def _whole(raw, field: str, label: str, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"Enter {label.lower()} as a whole number.", field=field) from None
    if not low <= value <= high:
        raise ValidationFailed(f"{label} must be between {low} and {high}.", field=field)
    return value


def needs_setup() -> bool:
    """True while no organisation exists: the first-run page is open until one does."""
    return db.session.scalar(select(Organisation.id).limit(1)) is None


def create_organisation(settings: Settings, admin_email: str, admin_name: str, password: str | None = None,
                        first_run: bool = False) -> tuple[Organisation, User]:
    """A new organisation and its first admin. With a password the admin can sign in at once;
    without one they await an activation link (`user_import.reissue_invitation`). `first_run`
    refuses once any organisation exists, so the first-run page cannot be used twice."""
    checked = _checked(settings)
    try:
        email = normalise_email(admin_email or "")
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="admin_email") from None
    name = one_line(admin_name, label="Name for the admin", field="admin_name")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict("Someone already has this email address.", field="admin_email")
    if password is not None:
        check_new_password(password)
    if first_run and db.session.get_bind().dialect.name == "postgresql":
        # two first-run forms at the same moment: the second waits here, then finds the organisation
        db.session.execute(text("LOCK TABLE organisation IN SHARE ROW EXCLUSIVE MODE"))
    if first_run and not needs_setup():
        raise Conflict("Uptake has already been set up; sign in instead.")
    organisation = Organisation(**vars(checked))
    db.session.add(organisation)
    db.session.flush()
    admin = User(organisation_id=organisation.id, email=email, name=name, role="admin", active=True,
                 session_version=1, password_hash=hash_password(password) if password else UNUSABLE_PASSWORD)
    db.session.add(admin)
    db.session.flush()
    if first_run and db.session.scalar(select(func.count(Organisation.id))) > 1:
        db.session.rollback()  # two first-run forms sent at once: the other one won
        raise Conflict("Uptake has already been set up; sign in instead.")
    db.session.commit()
    audit.record("organisation.created", target=organisation.name, actor=admin if password else None,
                 organisation_id=organisation.id,
                 detail={"admin": email, "time_zone": checked.time_zone, "first_run": first_run})
    return organisation, admin


def settings_of(organisation: Organisation) -> Settings:
    return Settings(**{key: getattr(organisation, key) for key in Settings.__dataclass_fields__})


def update_settings(actor: User, settings: Settings) -> Organisation:
    organisation = db.session.get(Organisation, actor.organisation_id)
    checked = _checked(settings, organisation.id)
    before = settings_of(organisation)
    changes = {key: [getattr(before, key), getattr(checked, key)] for key in vars(checked)
               if getattr(before, key) != getattr(checked, key)}
    for key, value in vars(checked).items():
        setattr(organisation, key, value)
    db.session.commit()
    if changes:
        audit.record("organisation.updated", target=organisation.name, detail=changes, actor=actor)
    return organisation


def today_for(organisation: Organisation, now: datetime | None = None) -> date:
    """The calendar date in the organisation's time zone (a due date is a date there)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(organisation.time_zone or "UTC")).date()
