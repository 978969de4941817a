from flask import Blueprint

from app.authz import restrict_blueprint

bp = Blueprint("trainer", __name__)
# Admins see every unit of their organisation through the same views.
restrict_blueprint(bp, "trainer", "admin")

from app.trainer import content_routes, exercise_routes, lesson_routes, question_routes, quiz_routes, report_routes, routes, session_routes  # noqa: E402,F401
