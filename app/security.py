"""Response headers and session timeouts applied to every request."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _set_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_user and getattr(current_user, "is_authenticated", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _idle_timeout():
    """End a signed-in session that has been idle longer than SESSION_IDLE_TIMEOUT."""
    if request.endpoint in (None, "static", "main.healthz") or not current_user.is_authenticated:
        return None
    now = datetime.now(timezone.utc).timestamp()
    last_seen = session.get("last_seen")
    limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if last_seen is not None and now - last_seen > limit:
        logout_user()
        session.clear()
        flash("Your session timed out. Please sign in again.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now
    return None


def register_security(app: Flask) -> None:
    app.after_request(_set_headers)
    app.before_request(_idle_timeout)
