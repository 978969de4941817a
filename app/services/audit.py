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


def record(action: str, target: str = "", detail: dict[str, Any] | None = None, actor: User | None = None) -> None:
    """Append one audit event and commit it (events are never lost with a later rollback)."""
    if actor is None and has_request_context():
        from flask_login import current_user

        actor = current_user if getattr(current_user, "is_authenticated", False) else None
    db.session.add(AuditEvent(at=utcnow(), actor_id=actor.id if actor else None, action=action, target=target[:255],
                              detail=detail or {}, ip=_ip()))
    db.session.commit()


def list_events(action: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    stmt = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    count = select(func.count(AuditEvent.id))
    if action:
        stmt, count = stmt.where(AuditEvent.action.like(f"{action}%")), count.where(AuditEvent.action.like(f"{action}%"))
    rows = db.session.execute(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return [(event, email) for event, email in rows], db.session.scalar(count) or 0


# --- sign-in throttling ----------------------------------------------------------------------------
def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"account:{digest}", f"ip:{_ip()}"


def _window() -> timedelta:
    return timedelta(minutes=current_app.config.get("SIGN_IN_WINDOW_MINUTES", 15))


def sign_in_blocked(email: str) -> bool:
    """True when this account or this address has failed too often within the window (the same
    answer whether or not the account exists)."""
    account, ip = _keys(email)
    since = utcnow() - _window()
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < since))
    counts = dict(db.session.execute(select(SignInFailure.key, func.count(SignInFailure.id))
                                     .where(SignInFailure.key.in_([account, ip]), SignInFailure.at >= since)
                                     .group_by(SignInFailure.key)).all())
    db.session.commit()
    return (counts.get(account, 0) >= current_app.config.get("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 5)
            or counts.get(ip, 0) >= current_app.config.get("SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20))


def sign_in_failed(email: str) -> None:
    now = utcnow()
    db.session.add_all([SignInFailure(key=key, at=now) for key in _keys(email)])
    db.session.commit()


def sign_in_succeeded(email: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.key == _keys(email)[0]))
    db.session.commit()
