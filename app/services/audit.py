"""Recording the audit trail, and the sign-in throttle."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import AuditEvent, SignInFailure, User
from app.models.types import utcnow


def _ip() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(action: str, target: str = "", detail: dict[str, Any] | None = None, actor: User | None = None,
           organisation_id: int | None = None) -> None:
    """Append one audit event to the organisation's trail (the actor's, unless given) and commit it
    (events are never lost with a later rollback)."""
    if actor is None and has_request_context():
        from flask_login import current_user

        actor = current_user if getattr(current_user, "is_authenticated", False) else None
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id
    db.session.add(AuditEvent(at=utcnow(), actor_id=actor.id if actor else None, organisation_id=organisation_id,
                              action=action, target=target[:255], detail=detail or {}, ip=_ip()))
    db.session.commit()


def list_events(organisation_id: int, action: str | None = None, page: int = 1,
                per_page: int = 50) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """One organisation's events, newest first (`action`: a prefix such as "sign_in")."""
    mine = AuditEvent.organisation_id == organisation_id
    stmt = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id).where(mine)
    count = select(func.count(AuditEvent.id)).where(mine)
    if action:
        stmt, count = stmt.where(AuditEvent.action.like(f"{action}%")), count.where(AuditEvent.action.like(f"{action}%"))
    rows = db.session.execute(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return [(event, email) for event, email in rows], db.session.scalar(count) or 0


# What each recorded action means, as the audit page and its CSV say it.
ACTION_LABELS = {
    "sign_in.success": "Signed in", "sign_in.failure": "Sign-in refused (wrong email or password)",
    "sign_in.throttled": "Sign-in blocked (too many attempts)", "sign_out": "Signed out",
    "authz.forbidden": "Refused access (not their role)",
    "authz.out_of_reach": "Asked for something that does not exist or is not theirs",
    "user.created": "Added a person", "user.updated": "Changed a person's details",
    "user.role_changed": "Changed a person's role", "user.activated": "Reactivated a person",
    "user.deactivated": "Deactivated a person", "user.imported": "Imported people from a file",
    "user.activated_account": "Activated their account",
    "user.invitation_reissued": "Issued a new activation link", "objectives.saved": "Saved skill objectives",
    "assignment.created": "Assigned training", "assignment.withdrawn": "Withdrew an assignment",
    "assignment.updated": "Changed an assignment's due date", "assignment.plan_accepted": "Accepted a unit's training plan",
    "session.attendance": "Recorded workshop attendance", "session.updated": "Changed a workshop session",
    "content.import_uploaded": "Uploaded questions to import", "content.import_confirmed": "Imported questions",
    "unit.created": "Added a business unit", "unit.updated": "Changed a business unit",
    "unit.activated": "Reactivated a business unit", "unit.deactivated": "Deactivated a business unit",
    "job_role.created": "Added a job role", "job_role.updated": "Changed a job role",
    "job_role.activated": "Reactivated a job role", "job_role.deactivated": "Deactivated a job role",
    "skill.created": "Added a skill", "skill.updated": "Changed a skill",
    "skill.activated": "Reactivated a skill", "skill.deactivated": "Deactivated a skill",
    "organisation.created": "Created the organisation", "organisation.updated": "Changed the organisation's settings",
    "user.password_reset_requested": "Asked for a password-reset link", "user.password_reset": "Reset their password",
    "user.moved": "Moved a person to another business unit", "user.job_role_changed": "Changed a person's job role",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").replace(".", ": ").capitalize())


# --- sign-in throttling ----------------------------------------------------------------------------
def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"account:{digest}", f"ip:{_ip()}"


def _window() -> timedelta:
    return timedelta(minutes=current_app.config.get("SIGN_IN_WINDOW_MINUTES", 15))


def sign_in_attempt(email: str) -> list[int] | None:
    """Count this sign-in attempt before the password is checked, in one step that every server
    process sees: record it as a failure, then count. So of any number of parallel guesses at one
    account, only as many as the limit get their password checked (each counts after its own record is
    committed, so the k-th to commit sees at least k). Returns the recorded rows (to
    clear on success), or None when the account or the address has failed too often within the
    window (the same answer whether or not the account exists; a blocked attempt is not counted)."""
    account, ip = _keys(email)
    now = utcnow()
    since = now - _window()
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < since))
    rows = [SignInFailure(key=key, at=now) for key in (account, ip)]
    db.session.add_all(rows)
    db.session.commit()
    ids = [row.id for row in rows]
    counts = dict(db.session.execute(select(SignInFailure.key, func.count(SignInFailure.id))
                                     .where(SignInFailure.key.in_([account, ip]), SignInFailure.at >= since)
                                     .group_by(SignInFailure.key)).all())
    config = current_app.config
    if (counts.get(account, 0) > config.get("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 5)
            or counts.get(ip, 0) > config.get("SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)):
        db.session.execute(delete(SignInFailure).where(SignInFailure.id.in_(ids)))
        db.session.commit()
        return None
    return ids


def sign_in_succeeded(email: str, attempt: list[int]) -> None:
    """The password was right: forget the account's failures and this attempt's own record."""
    db.session.execute(delete(SignInFailure).where(
        (SignInFailure.key == _keys(email)[0]) | SignInFailure.id.in_(attempt)))
    db.session.commit()
