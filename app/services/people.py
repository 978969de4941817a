"""Admin use cases for users. Each function validates, changes the session and commits."""
from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.extensions import db
from app.models import ROLES, BusinessUnit, JobRole, User
from app.services import audit
from app.services.auth import end_all_sessions, find_user_by_email
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.passwords import check_new_password, hash_password
from app.services.text import one_line


@dataclass
class UserInput:
    """What an admin may set on a user; the same shape for create and edit."""

    email: str
    name: str
    role: str
    business_unit_id: int | None = None
    job_role_id: int | None = None
    trainer_unit_ids: list[int] = field(default_factory=list)
    password: str | None = None
    manager_email: str | None = None  # None leaves the line manager as it is; "" clears it


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(f"Enter a valid email address ({exc}).", field="email") from None


def _org_record(model, record_id: int | None, organisation_id: int, label: str, field_name: str):
    if record_id is None:
        return None
    record = db.session.get(model, record_id)
    if record is None or record.organisation_id != organisation_id:
        raise ValidationFailed(f"Choose an existing {label}.", field=field_name)
    return record


def _apply(user: User, data: UserInput, organisation_id: int) -> None:
    name = one_line(data.name)
    if data.role not in ROLES:
        raise ValidationFailed("Choose trainee, trainer or admin.", field="role")
    email = normalise_email(data.email)
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise Conflict("Another user already has this email address.", field="email")
    unit = _org_record(BusinessUnit, data.business_unit_id, organisation_id, "business unit", "business_unit_id")
    job_role = _org_record(JobRole, data.job_role_id, organisation_id, "job role", "job_role_id")
    if data.role == "trainee" and (unit is None or job_role is None):
        field_name = "business_unit_id" if unit is None else "job_role_id"
        raise ValidationFailed("A trainee needs a business unit and a job role.", field=field_name)
    trained = [
        _org_record(BusinessUnit, unit_id, organisation_id, "business unit", "trainer_unit_ids")
        for unit_id in data.trainer_unit_ids
    ] if data.role == "trainer" else []
    if data.role != user.role and user.id is not None:
        end_all_sessions(user)  # a role change takes effect at once, not at the next sign-in
    manager = _manager(user, data.manager_email, organisation_id) if data.manager_email is not None else user.manager
    user.email, user.name, user.role = email, name, data.role
    user.business_unit, user.job_role = unit, job_role
    user.trained_units = trained
    user.manager = manager


def _manager(user: User, raw: str, organisation_id: int) -> User | None:
    """The line manager named by email: someone active in the organisation, never the person
    themself nor anyone who (through others) reports to them."""
    if not (raw or "").strip():
        return None
    manager = find_user_by_email(raw)
    if manager is None or manager.organisation_id != organisation_id or not manager.active:
        raise ValidationFailed("The line manager must be an active person of your organisation (give their email).",
                               field="manager_email")
    above, seen = manager, set()
    while above is not None and above.id not in seen:
        if user.id is not None and above.id == user.id:
            raise ValidationFailed("A person cannot be managed by themself or by someone who reports to them.",
                                   field="manager_email")
        seen.add(above.id)
        above = above.manager
    return manager


def create_user(organisation_id: int, data: UserInput) -> User:
    if not data.password:
        raise ValidationFailed("Set an initial password.", field="password")
    check_new_password(data.password)
    user = User(organisation_id=organisation_id, session_version=1, active=True)
    _apply(user, data, organisation_id)
    user.password_hash = hash_password(data.password)
    db.session.add(user)
    db.session.commit()
    audit.record("user.created", target=user.email, detail={"role": user.role})
    return user


def update_user(actor: User, user: User, data: UserInput) -> User:
    if user.id == actor.id and data.role != "admin":
        raise ValidationFailed("You cannot remove your own admin role.", field="role")
    old_role, old_manager = user.role, user.manager.email if user.manager else ""
    with db.session.no_autoflush:
        _apply(user, data, actor.organisation_id)
    if data.password:
        check_new_password(data.password)
        user.password_hash = hash_password(data.password)
        end_all_sessions(user)
    db.session.commit()
    detail = {"role": [old_role, user.role]} if old_role != user.role else {}
    new_manager = user.manager.email if user.manager else ""
    if new_manager != old_manager:
        detail["line_manager"] = [old_manager or "none", new_manager or "none"]
    audit.record("user.role_changed" if "role" in detail else "user.updated", target=user.email,
                 detail={**detail, "password_reset": bool(data.password)}, actor=actor)
    return user


def set_user_active(actor: User, user: User, active: bool) -> User:
    if user.id == actor.id and not active:
        raise ValidationFailed("You cannot deactivate your own account.")
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.commit()
    audit.record("user.activated" if active else "user.deactivated", target=user.email, actor=actor)
    return user


def get_org_user(organisation_id: int, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != organisation_id:
        raise NotFound("No such user.")
    return user


def list_users(organisation_id: int, role: str | None = None, unit_id: int | None = None,
               query: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[User], int]:
    stmt = select(User).where(User.organisation_id == organisation_id)
    if role:
        stmt = stmt.where(User.role == role)
    if unit_id:
        stmt = stmt.where(User.business_unit_id == unit_id)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    users = db.session.scalars(stmt.order_by(User.name).limit(per_page).offset((page - 1) * per_page))
    return list(users), total


# What an admin can change for many people at once (each person's change is audited on its own).
BULK_ACTIONS = {"move": "Move to business unit", "job_role": "Set job role", "role": "Set role",
                "deactivate": "Deactivate", "reactivate": "Reactivate"}
MAX_BULK = 1000


def bulk_change(actor: User, user_ids: list[int], action: str, value: str | None = None) -> int:
    """Apply one change to every chosen person of the actor's organisation, all or none: when any
    person cannot take it (say, an admin's own role), nothing changes and the error names them.
    Returns how many people actually changed."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed("Choose what to change.", field="action")
    ids = sorted(set(user_ids))
    if not ids:
        raise ValidationFailed("Tick at least one person first.", field="user_ids")
    if len(ids) > MAX_BULK:
        raise ValidationFailed(f"Change at most {MAX_BULK} people at once.", field="user_ids")
    users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.organisation_id == actor.organisation_id)
                                    .order_by(User.name)))
    if len(users) != len(ids):
        raise NotFound("Some of the people chosen do not exist.")
    org = actor.organisation_id

    def number(raw):
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None

    if action == "move":
        target = _org_record(BusinessUnit, number(value), org, "business unit", "value") if number(value) else None
        if target is None or not target.active:
            raise ValidationFailed("Choose an active business unit to move them to.", field="value")
        changes = {u: ("business_unit", u.business_unit, target) for u in users if u.business_unit_id != target.id}
    elif action == "job_role":
        target = _org_record(JobRole, number(value), org, "job role", "value") if number(value) else None
        if target is None or not target.active:
            raise ValidationFailed("Choose an active job role.", field="value")
        changes = {u: ("job_role", u.job_role, target) for u in users if u.job_role_id != target.id}
    elif action == "role":
        if value not in ROLES:
            raise ValidationFailed("Choose trainee, trainer or admin.", field="value")
        refused = [u.name for u in users if u.id == actor.id and value != "admin"]
        if refused:
            raise ValidationFailed("You cannot remove your own admin role; untick yourself.", field="user_ids")
        missing = [u.name for u in users if value == "trainee" and (u.business_unit_id is None or u.job_role_id is None)]
        if missing:
            raise ValidationFailed("A trainee needs a business unit and a job role; first give them to: "
                                   + ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "") + ".",
                                   field="user_ids")
        changes = {u: ("role", u.role, value) for u in users if u.role != value}
    else:
        active = action == "reactivate"
        if not active and any(u.id == actor.id for u in users):
            raise ValidationFailed("You cannot deactivate your own account; untick yourself.", field="user_ids")
        changes = {u: ("active", u.active, active) for u in users if u.active != active}
    for user, (attribute, _, after) in changes.items():
        if attribute == "role":
            if after != "trainer":
                user.trained_units = []
            end_all_sessions(user)  # a role change takes effect at once
        if attribute == "active" and not after:
            end_all_sessions(user)
        setattr(user, attribute, after)
    db.session.commit()
    label = {"business_unit": "user.moved", "job_role": "user.job_role_changed", "role": "user.role_changed"}
    for user, (attribute, before, after) in changes.items():
        if attribute == "active":
            audit.record("user.activated" if after else "user.deactivated", target=user.email,
                         detail={"bulk": True}, actor=actor)
            continue
        shown = [getattr(before, "name", before) or "none", getattr(after, "name", after)]
        audit.record(label[attribute], target=user.email, detail={attribute: shown, "bulk": True}, actor=actor)
    return len(changes)
