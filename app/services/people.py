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
    user.email, user.name, user.role = email, name, data.role
    user.business_unit, user.job_role = unit, job_role
    user.trained_units = trained


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
    old_role = user.role
    with db.session.no_autoflush:
        _apply(user, data, actor.organisation_id)
    if data.password:
        check_new_password(data.password)
        user.password_hash = hash_password(data.password)
        end_all_sessions(user)
    db.session.commit()
    detail = {"role": [old_role, user.role]} if old_role != user.role else {}
    audit.record("user.role_changed" if detail else "user.updated", target=user.email,
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
