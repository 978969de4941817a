"""Central error handlers: HTML for browsers, JSON for API clients; roll back on 500."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services.errors import NotFound

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in to continue.",
    403: "Your account does not have access to this page.",
    404: "We could not find that page or record.",
    405: "That action is not allowed here.",
    413: "The upload is too large.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing you saved before was lost.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, "Error")
    if wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def _audit_denied(action: str) -> None:
    """Failed authorisations of signed-in users go to the audit trail."""
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        from app.services import audit

        db.session.rollback()
        audit.record(action, target=f"{request.method} {request.path}")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        from flask_login import current_user

        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return error_response(401)  # an API caller without a session is unauthenticated, not forged
        return error_response(400, "Your form expired or was sent from another page. "
                                   "Reload the page and try again; nothing you saved was lost.")

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        from flask import g

        from app.extensions import login_manager

        db.session.rollback()
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is signed in
        app.logger.warning("database unavailable: %s", error.orig if hasattr(error, "orig") else error)
        response = make_response(*error_response(503, "The database is briefly unavailable. Nothing you saved before "
                                                      "was lost; please try again in a moment (answers are retried "
                                                      "automatically)."))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        _audit_denied("authz.out_of_reach")
        return error_response(404)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        if error.code == 403:
            _audit_denied("authz.forbidden")
        response = make_response(*error_response(error.code or 500, MESSAGES.get(error.code or 500, error.description)))
        for name, value in error.get_headers():
            if name == "Allow":  # a 405 must say which methods are allowed
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return error_response(500)
