"""Admin pages for evidence from the real CRM: upload an export, read its preview (matched and
unmatched users, new and already-imported events, problems), confirm or discard; link CRM users."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.crm.formats import FORMAT_NAMES, RECORD_FIELDS
from app.extensions import db
from app.models import CrmImport, User
from app.params import db_int
from app.services import crm
from app.services.errors import ServiceError


def _upload_limit() -> int:
    return int(current_app.config.get("CRM_UPLOAD_MAX_MB", 512)) * 1024 * 1024


@bp.route("/crm", methods=["GET", "POST"])
def crm_home():
    org_id = current_user.organisation_id
    error = None
    if request.method == "POST":
        request.max_content_length = _upload_limit()  # an event log file is larger than a form: spooled to disk
        upload = request.files.get("file")
        object_type = request.form.get("object", "")
        try:
            if not upload or not upload.filename:
                raise ServiceError("Choose an export file to upload.")
            if object_type and object_type not in RECORD_FIELDS:
                raise ServiceError("Choose one of the objects in the list.")
            try:
                run = crm.stage(current_user, org_id, upload.stream, filename=upload.filename, object_type=object_type)
            finally:
                upload.close()
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            return redirect(url_for("admin.crm_import", import_id=run.id))
    imports = db.session.scalars(select(CrmImport).where(CrmImport.organisation_id == org_id,
                                                         CrmImport.status != "discarded")
                                 .order_by(CrmImport.id.desc()).limit(20)).all()
    unmatched = crm.users(org_id, unmatched_only=True)
    return render_template("admin/crm.html", imports=imports, unmatched=unmatched, error=error,
                           objects=list(RECORD_FIELDS), format_names=FORMAT_NAMES,
                           limit_mb=_upload_limit() // (1024 * 1024)), (422 if error else 200)


@bp.route("/crm/imports/<int:import_id>", methods=["GET", "POST"])
def crm_import(import_id: int):
    org_id = current_user.organisation_id
    run = crm.get_import(org_id, import_id)
    if request.method == "POST":
        try:
            if request.form.get("action") == "discard":
                crm.discard(current_user, org_id, run.id)
                flash("Discarded: nothing from that file was kept.", "success")
                return redirect(url_for("admin.crm_home"))
            result = crm.confirm(current_user, org_id, run.id)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("admin.crm_import", import_id=run.id))
        moved = result["people"]
        flash(f"Imported {run.events_new} new events and {run.records} records; "
              f"{moved} {'person' if moved == 1 else 'people'} with changed CRM evidence.", "success")
        return redirect(url_for("admin.crm_import", import_id=run.id))
    return render_template("admin/crm_import.html", run=run, format_names=FORMAT_NAMES)


@bp.route("/crm/users", methods=["GET", "POST"])
def crm_users():
    org_id = current_user.organisation_id
    if request.method == "POST":
        choice = request.form.get("person", "")
        try:
            link_id = db_int(request.form.get("crm_user", ""))
            if choice == "ignore":
                link = crm.link_user(current_user, org_id, link_id, None, ignore=True)
                flash(f"{link.crm_user} is not measured (not a person).", "success")
            else:
                person_id = db_int(choice) if choice else None
                link = crm.link_user(current_user, org_id, link_id, person_id)
                flash(f"{link.crm_user} is now {'linked' if person_id else 'unlinked'}.", "success")
        except ValueError:
            flash("The form names a CRM user or a person that does not exist; nothing was changed.", "error")
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("admin.crm_users"))
    people = db.session.scalars(select(User).where(User.organisation_id == org_id, User.active.is_(True))
                                .order_by(User.name)).all()
    return render_template("admin/crm_users.html", links=crm.users(org_id), people=people,
                           names={p.id: p for p in people})


@bp.post("/crm/token")
def crm_token():
    token = crm.new_ingest_token(current_user, current_user.organisation_id)
    return render_template("admin/crm_token.html", token=token,
                           endpoint=url_for("api.crm_events", _external=True))
