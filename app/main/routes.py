from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from app.authz import home_url_for
from app.extensions import db
from app.main import bp


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    from app.services.organisations import needs_setup

    return redirect(url_for("auth.setup" if needs_setup() else "auth.sign_in"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the database is not usable
        db.session.rollback()
        return jsonify({"status": "degraded", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/team")
@login_required
def team():
    """A line manager's direct reports: their assignments' progress, and the team's skill figures
    once the team reaches the organisation's minimum group size."""
    from app.services.team import team_view

    return render_template("team.html", view=team_view(current_user))


@bp.get("/assets/<sha256>")
@login_required
def asset(sha256: str):
    """A picture a question shows, to anyone signed in. Named by its content, so it never changes:
    browsers may keep it. Served as the picture it is (its type read from its bytes when stored)."""
    from flask import Response

    from app.services import assets

    row = assets.get(sha256)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
