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
    hsts = current_app.config.get("HSTS_SECONDS")
    if hsts:  # production: browsers keep to HTTPS for this long
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    if current_user and getattr(current_user, "is_authenticated", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


LAST_SEEN_STEP = 60  # seconds; the idle limit (2 h) is counted to the minute


def _session_timeouts():
    """End a signed-in session idle longer than SESSION_IDLE_TIMEOUT, or older than
    PERMANENT_SESSION_LIFETIME counted from sign-in. The cookie is re-signed whenever its last-seen
    time moves (once a minute while in use), so its own expiry would never come: the sign-in time
    stored in it is what ends the session."""
    if request.endpoint in (None, "static", "main.healthz") or not current_user.is_authenticated:
        return None
    now = datetime.now(timezone.utc).timestamp()
    config = current_app.config
    last_seen, signed_in_at = session.get("last_seen"), session.get("signed_in_at")
    if signed_in_at is None or now - signed_in_at > config["PERMANENT_SESSION_LIFETIME"].total_seconds():
        hours = round(config["PERMANENT_SESSION_LIFETIME"].total_seconds() / 3600)
        return _end_session(f"You were signed in for {hours} hours, the longest a session lasts. Please sign in again.")
    if last_seen is not None and now - last_seen > config["SESSION_IDLE_TIMEOUT"].total_seconds():
        return _end_session("Your session timed out. Please sign in again.")
    if last_seen is None or now - last_seen >= LAST_SEEN_STEP:  # re-signing the cookie every request costs: once a minute
        session["last_seen"] = now
    return None


def _end_session(message: str):
    from app.errors import error_response, wants_json

    logout_user()
    session.clear()
    if wants_json():
        return error_response(401)
    flash(message, "info")
    return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))


def _proxy_fix(app: Flask) -> None:
    """Behind a TLS-terminating proxy (UPTAKE_PROXY_HOPS=n), trust n hops of X-Forwarded-For/-Proto/
    -Host: per-address sign-in limits and the audit log then see the client, and url_for builds https."""
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_security(app: Flask) -> None:
    app.after_request(_set_headers)
    app.before_request(_session_timeouts)
    _proxy_fix(app)
