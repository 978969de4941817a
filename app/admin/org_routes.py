"""Admin pages for the organisation itself: its settings and the messages Uptake sends to its people."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ToggleForm
from app.extensions import db
from app.params import db_int
from app.services import organisations
from app.services.errors import ServiceError, ValidationFailed


# --- messages ------------------------------------------------------------------------------------
@bp.get("/messages")
def messages():
    from app.models.messages import FAILED, QUEUED, SENDING, SENT
    from app.services import messages as outbox

    status = request.args.get("status") if request.args.get("status") in (QUEUED, SENDING, SENT, FAILED) else None
    page = max(request.args.get("page", 1, type=db_int), 1)
    found, total = outbox.list_messages(current_user.organisation_id, status=status, page=page)
    return render_template("admin/messages.html", messages=found, total=total, page=page, per_page=50,
                           status=status, statuses=(QUEUED, SENDING, SENT, FAILED), toggle=ToggleForm(),
                           transport=outbox.transport_name())


@bp.get("/messages/<int:message_id>")
def message(message_id: int):
    from app.models import Message

    found = db.session.get(Message, message_id)
    if found is None or found.organisation_id != current_user.organisation_id:
        abort(404)
    return render_template("admin/message.html", message=found, toggle=ToggleForm())


@bp.get("/messages/<int:message_id>/image.png")
def message_image(message_id: int):
    from flask import Response

    from app.models import Message

    found = db.session.get(Message, message_id)
    if found is None or found.organisation_id != current_user.organisation_id or not found.image:
        abort(404)
    return Response(found.image, mimetype="image/png")


@bp.post("/messages/<int:message_id>/retry")
def message_retry(message_id: int):
    from app.services import messages as outbox

    if ToggleForm().validate_on_submit():
        try:
            outbox.retry_now(current_user.organisation_id, message_id)
            flash("The message will be sent again within a minute.", "success")
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
    return redirect(url_for("admin.message", message_id=message_id))


# --- the organisation's settings ---------------------------------------------------------------
@bp.route("/organisation", methods=["GET", "POST"])
def organisation():
    org = current_user.organisation
    values = vars(organisations.settings_of(org))
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, current) for key, current in values.items()}  # absent: unchanged
        try:
            if not ToggleForm().validate_on_submit():
                raise ValidationFailed("Your form expired; please submit it again.")
            organisations.update_settings(current_user, organisations.Settings(**values))
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = error.message
        else:
            flash("Organisation settings saved.", "success")
            return redirect(url_for("admin.organisation"))
    return render_template("admin/organisation.html", values=values, errors=errors,
                           zones=organisations.time_zone_names()), (422 if errors else 200)


# --- single sign-on -------------------------------------------------------------------------------
@bp.route("/sign-in", methods=["GET", "POST"])
def sso_settings():
    from sqlalchemy import select

    from app.models import BusinessUnit, JobRole
    from app.services import sso

    org_id = current_user.organisation_id
    saved = sso.settings_of(org_id)
    values = vars(saved)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        values = {**{key: form.get(key, "").strip() for key in ("discovery_url", "client_id", "client_secret",
                                                               "allowed_domains", "unit_claim", "job_role_claim",
                                                               "default_unit_id", "default_job_role_id")},
                  **{key: form.get(key) == "on" for key in ("enabled", "provision", "sso_only")}}
        try:
            if not ToggleForm().validate_on_submit():
                raise ValidationFailed("Your form expired; please submit it again.")
            sso.update_settings(current_user, sso.SsoSettings(**values))
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = error.message
        else:
            flash("Sign-in settings saved.", "success")
            return redirect(url_for("admin.sso_settings"))
    values["client_secret"] = ""  # never sent back to the browser  # nosec B105 - clears, sets nothing
    config = sso.config_of(org_id)
    units = db.session.scalars(select(BusinessUnit).where(BusinessUnit.organisation_id == org_id,
                                                          BusinessUnit.active.is_(True)).order_by(BusinessUnit.name))
    roles = db.session.scalars(select(JobRole).where(JobRole.organisation_id == org_id,
                                                     JobRole.active.is_(True)).order_by(JobRole.name))
    return render_template("admin/sso.html", values=values, errors=errors, units=list(units), roles=list(roles),
                           has_secret=bool(config and config.client_secret_sealed),
                           callback=url_for("auth.sso_callback", _external=True)), (422 if errors else 200)


@bp.get("/model")
def model_card():
    """The skill model in use, as its card describes it: what it was fitted on, when, how well it
    predicted people held out of the fit, and its hash (the same on every app server)."""
    from app.services import model_store

    card = model_store.card()
    return render_template("admin/model.html", card=card, head=model_store.head())
