"""Forgotten passwords: a one-time link by email, valid for an hour.

Asking never says whether an address has an account (the page answers the same either way), and
at most one link is mailed per account every five minutes, so the form cannot be used to flood
someone's inbox. Using the link sets the new password and signs out every earlier session; the
link then stops working, as does any earlier one.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Invitation, Organisation, User
from app.models.types import utcnow
from app.services import audit
from app.services.auth import find_user_by_email
from app.services.messages import local_time, queue
from app.services.user_import import one_time_link, set_password_from

VALID_FOR = timedelta(hours=1)
AT_MOST_EVERY = timedelta(minutes=5)
RESET = "reset"


def request_reset(email: str, base_url: str) -> bool:
    """Mail a reset link if an active account uses this address (and none was mailed in the last
    five minutes); True when a link was queued. Callers answer the same either way."""
    user = find_user_by_email((email or "").strip()[:254])
    if user is None or not user.active:
        return False
    from app.services.sso import password_allowed

    if not password_allowed(user):  # the organisation signs in through its provider only
        return False
    now = utcnow()
    open_links = list(db.session.scalars(select(Invitation).where(
        Invitation.user_id == user.id, Invitation.purpose == RESET, Invitation.used_at.is_(None),
        Invitation.expires_at > now)))
    if any(link.expires_at - VALID_FOR > now - AT_MOST_EVERY for link in open_links):
        return False
    for link in open_links:
        link.expires_at = now  # only the newest link works
    token = secrets.token_urlsafe(32)
    invitation = Invitation(user_id=user.id, purpose=RESET, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                            expires_at=now + VALID_FOR)
    db.session.add(invitation)
    db.session.flush()
    organisation = db.session.get(Organisation, user.organisation_id)
    queue(organisation, "password_reset", user.email, "Reset your Uptake password", "password_reset",
          f"reset:{invitation.id}", person=user, link=f"{base_url.rstrip('/')}/auth/reset/{token}",
          expires=local_time(organisation, invitation.expires_at))
    db.session.commit()
    audit.record("user.password_reset_requested", target=user.email, organisation_id=user.organisation_id)
    return True


def link_for(token: str) -> Invitation:
    return one_time_link(token, RESET,
                         "This password-reset link is not valid (it may have been used, replaced or have expired).")


def reset_password(token: str, password: str) -> User:
    return set_password_from(link_for(token), password, "user.password_reset")
