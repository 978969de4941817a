from flask import Blueprint

from app.authz import restrict_blueprint

bp = Blueprint("admin", __name__)
restrict_blueprint(bp, "admin")

from app.admin import crm_routes, org_routes, routes  # noqa: E402,F401
