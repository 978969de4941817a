"""Sign-in and sign-out use cases."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.types import utcnow
from app.services.passwords import hash_password, needs_rehash, verify_password

_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash to check against when the email is unknown, so timing does not reveal accounts."""
    from flask import current_app

    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = hash_password("not-a-real-password")
    return _DUMMY_HASH[method]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (one answer for every failure)."""
    user = find_user_by_email(email)
    if user is None or not user.has_password:  # the same work, so no answer comes back sooner
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return user


def load_session_user(token: str) -> User | None:
    """Flask-Login user loader: the cookie names the user *and* the session version."""
    try:
        user_id, version = (int(part) for part in token.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every cookie issued to this user so far (sign-out, password change, deactivation)."""
    user.session_version = (user.session_version or 0) + 1
