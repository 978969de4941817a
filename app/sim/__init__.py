"""The sandbox CRM in the browser, for simulated exercises (trainees only)."""
from flask import Blueprint

from app.authz import restrict_blueprint

bp = Blueprint("sim", __name__)
restrict_blueprint(bp, "trainee")

from app.sim import routes  # noqa: E402,F401
