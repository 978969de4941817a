"""Role checks at the blueprint edge: not signed in → sign-in page; wrong role → 403."""
from __future__ import annotations

from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

HOME_ENDPOINTS = {"trainee": "trainee.home", "trainer": "trainer.home", "admin": "admin.home"}


def home_url_for(user) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def restrict_blueprint(bp, *roles: str) -> None:
    """Every view of the blueprint requires one of these roles (checked before the view runs)."""
    @bp.before_request
    @role_required(*roles)
    def _check():
        return None
