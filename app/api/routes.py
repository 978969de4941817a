"""JSON endpoints for the quiz player. Thin: parse JSON → call the attempt service → JSON."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user

from app.api import bp
from app.api.openapi import SPEC
from app.authz import role_required
from app.errors import error_response
from app.extensions import csrf
from app.services import attempts as attempt_service
from app.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from app.services.quiz_views import public_attempt


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 422
    response, code = error_response(status, error.message)
    if error.field and status == 422:
        body = response.get_json()
        body["error"]["field"] = error.field
        response = jsonify(body)
    return response, code


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)


@bp.get("/attempts/<int:attempt_id>")
@role_required("trainee")
def attempt_state(attempt_id: int):
    return jsonify(public_attempt(attempt_service.get_attempt_for(current_user, attempt_id)))


@bp.get("/attempts/<int:attempt_id>/items/<int:position>")
@role_required("trainee")
def attempt_item(attempt_id: int, position: int):
    attempt = attempt_service.get_attempt_for(current_user, attempt_id)
    if attempt.status != "in_progress":
        raise attempt_service.AttemptClosed("This attempt has been submitted.")
    view = public_attempt(attempt, [position])
    if not view["items"]:
        raise NotFound("No question at that position.")
    return jsonify(view["items"][0])


@bp.put("/attempts/<int:attempt_id>/responses/<item_key>")
@role_required("trainee")
def save_response(attempt_id: int, item_key: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "answer" not in body or "seq" not in body:
        raise ValidationFailed("Send a JSON object with answer and seq.")
    result = attempt_service.save_response(current_user, attempt_id, item_key, body["answer"], body["seq"],
                                           body.get("time_spent_ms", 0))
    return jsonify({"item_key": result.item_key, "seq": result.seq, "applied": result.applied,
                    "saved_at": result.saved_at.isoformat()})


@bp.post("/attempts/<int:attempt_id>/submit")
@role_required("trainee")
def submit(attempt_id: int):
    attempt_service.get_attempt_for(current_user, attempt_id)
    attempt = attempt_service.submit_attempt(attempt_id, closed_by="trainee", user=current_user)
    return jsonify({"id": attempt.id, "status": attempt.status, "score": attempt.score,
                    "result_url": url_for("trainee.result", attempt_id=attempt.id)})


@bp.post("/crm/events")
@csrf.exempt  # a bearer token, never a cookie: nothing for a cross-site form to borrow
def crm_events():
    """A nightly job sends CRM events (the generic format as JSON Lines or CSV, or any export the admin
    page reads) with the organisation's bearer token; they are imported at once, duplicates counted
    once, unmatched users reported."""
    from flask import current_app

    from app.services import crm

    header = request.headers.get("Authorization", "")
    org_id = crm.organisation_for_token(header[7:].strip()) if header.startswith("Bearer ") else None
    if org_id is None:
        response, code = error_response(401, "Send the organisation's CRM ingest token as 'Authorization: Bearer …' "
                                             "(an admin issues it on the CRM data page).")
        response.headers["WWW-Authenticate"] = 'Bearer realm="uptake-crm"'
        return response, code
    request.max_content_length = int(current_app.config.get("CRM_UPLOAD_MAX_MB", 512)) * 1024 * 1024
    run = crm.stage(None, org_id, request.stream, filename=request.args.get("name", "")[:255],
                    object_type=request.args.get("object", ""))
    result = crm.confirm(None, org_id, run.id)
    unmatched = [{"crm_user": u["crm_user"], "email": u["email"], "events": u["events"]}
                 for u in run.summary["users"] if u["person_id"] is None and not u["ignored"]]
    return jsonify({"import_id": run.id, "format": run.format, "rows": run.rows, "events_new": run.events_new,
                    "events_known": run.events_known, "records": run.records, "problem_count": run.problem_count,
                    "problems": run.summary["problems"], "unmatched_users": unmatched,
                    "people_with_changed_evidence": result["people"]})
