from flask import Blueprint

from app.authz import restrict_blueprint

bp = Blueprint("trainee", __name__)
restrict_blueprint(bp, "trainee")

from app.trainee import routes  # noqa: E402,F401
