"""Admin pages: users, business units, job roles and skills. Thin views over app.services."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.admin import bp
from app.admin.forms import NamedRecordForm, SkillForm, ToggleForm, UserForm
from app.extensions import db
from app.models import ROLES, BusinessUnit, JobRole, Objective, Quiz, User
from app.params import db_int
from app.services import audit, catalogue, people
from app.services import objectives as svc
from app.services import user_import as importer
from app.services.errors import ServiceError, ValidationFailed
from app.services.exports import csv_response
from app.services.ownership import in_use

KIND_LABELS = {"units": ("Business units", "business unit"), "job-roles": ("Job roles", "job role")}


def _form_error(form, error: ServiceError) -> None:
    """Show a service refusal next to the field it concerns (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


@bp.get("/")
def home():
    org_id = current_user.organisation_id
    counts = dict(db.session.execute(
        select(User.role, func.count(User.id)).where(User.organisation_id == org_id).group_by(User.role)
    ).all())
    return render_template("admin/home.html", counts=counts,
                           units=catalogue.list_org_records(BusinessUnit, org_id),
                           job_roles=catalogue.list_org_records(JobRole, org_id),
                           skills=catalogue.list_skills(org_id))


# --- users -----------------------------------------------------------------------------------
@bp.get("/users")
def users():
    org_id = current_user.organisation_id
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    unit_id = request.args.get("unit", type=db_int)
    query = (request.args.get("q") or "").strip()[:100]
    page = max(request.args.get("page", 1, type=db_int), 1)
    found, total = people.list_users(org_id, role=role, unit_id=unit_id, query=query, page=page)
    return render_template("admin/users.html", users=found, total=total, page=page, per_page=50,
                           role=role, unit_id=unit_id, query=query, toggle=ToggleForm(),
                           units=catalogue.list_org_records(BusinessUnit, org_id),
                           job_roles=catalogue.list_org_records(JobRole, org_id), bulk_actions=people.BULK_ACTIONS)


def _user_form(user: User | None):
    org_id = current_user.organisation_id
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    form.set_choices(catalogue.list_org_records(BusinessUnit, org_id), catalogue.list_org_records(JobRole, org_id))
    if request.method == "GET" and user:
        form.trainer_unit_ids.data = [u.id for u in user.trained_units]
        form.manager_email.data = user.manager.email if user.manager else ""
        form.password.data = ""
    if form.validate_on_submit():
        data = people.UserInput(
            email=form.email.data, name=form.name.data, role=form.role.data,
            business_unit_id=form.business_unit_id.data, job_role_id=form.job_role_id.data,
            trainer_unit_ids=form.trainer_unit_ids.data or [], password=form.password.data or None,
            manager_email=form.manager_email.data or "")
        try:
            saved = people.create_user(org_id, data) if user is None else people.update_user(current_user, user, data)
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=user, toggle=ToggleForm()), status


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    return _user_form(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    return _user_form(people.get_org_user(current_user.organisation_id, user_id))


@bp.post("/users/<int:user_id>/active/<any(on, off):state>")
def user_active(user_id: int, state: str):
    user = people.get_org_user(current_user.organisation_id, user_id)
    if ToggleForm().validate_on_submit():
        try:
            people.set_user_active(current_user, user, state == "on")
            flash(f"{user.name} is now {'active' if state == 'on' else 'deactivated'}.", "success")
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("admin.users"))


@bp.post("/users/<int:user_id>/activation-link")
def user_activation_link(user_id: int):
    """A new activation link, shown once (the earlier ones stop working)."""
    user = people.get_org_user(current_user.organisation_id, user_id)
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    try:
        link = importer.reissue_invitation(current_user, user, request.host_url)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_import_done.html", links=[(user, link)], reissued=True)


@bp.post("/users/bulk")
def users_bulk():
    """One change for every ticked person (all or none), then back to the list as it was filtered."""
    back = request.form.get("back", "")
    back = back if back.startswith("/admin/users") and not back.startswith("//") else url_for("admin.users")
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
        return redirect(back)
    try:
        ids = [db_int(raw) for raw in request.form.getlist("user_ids")]
    except ValueError:
        abort(400)
    try:
        action = request.form.get("action", "")
        changed = people.bulk_change(current_user, ids, action, request.form.get(f"value_{action}"))
    except ServiceError as error:
        db.session.rollback()
        flash(f"Nothing was changed: {error.message}", "error")
        return redirect(back)
    what = people.BULK_ACTIONS[request.form["action"]].lower()
    flash(f"{what.capitalize()}: {changed} of {len(set(ids))} people changed"
          f"{'' if changed == len(set(ids)) else ' (the others already were)'}.", "success")
    return redirect(back)


# --- business units and job roles (one shape) --------------------------------------------------
def _kind_model(kind: str):
    model = catalogue.ORG_MODELS.get(kind)
    if model is None:
        abort(404)
    return model


@bp.get("/<any('units', 'job-roles'):kind>")
def records(kind: str):
    items = catalogue.list_org_records(_kind_model(kind), current_user.organisation_id)
    return render_template("admin/records.html", kind=kind, labels=KIND_LABELS[kind], items=items,
                           toggle=ToggleForm())


def _record_form(kind: str, record):
    model = _kind_model(kind)
    form = NamedRecordForm(obj=record)
    if form.validate_on_submit():
        try:
            catalogue.save_org_record(model, current_user.organisation_id, form.name.data,
                                      form.description.data, record=record, actor=current_user)
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            flash(f"Saved {form.name.data.strip()}.", "success")
            return redirect(url_for("admin.records", kind=kind))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/record_form.html", form=form, kind=kind, labels=KIND_LABELS[kind],
                           record=record), status


@bp.route("/<any('units', 'job-roles'):kind>/new", methods=["GET", "POST"])
def record_new(kind: str):
    return _record_form(kind, None)


@bp.route("/<any('units', 'job-roles'):kind>/<int:record_id>/edit", methods=["GET", "POST"])
def record_edit(kind: str, record_id: int):
    record = catalogue.get_org_record(_kind_model(kind), current_user.organisation_id, record_id)
    return _record_form(kind, record)


@bp.post("/<any('units', 'job-roles'):kind>/<int:record_id>/active/<any(on, off):state>")
def record_active(kind: str, record_id: int, state: str):
    record = catalogue.get_org_record(_kind_model(kind), current_user.organisation_id, record_id)
    if ToggleForm().validate_on_submit():
        catalogue.set_active(record, state == "on", actor=current_user)
        flash(f"{record.name} is now {'active' if state == 'on' else 'inactive'}.", "success")
    return redirect(url_for("admin.records", kind=kind))


# --- skills ------------------------------------------------------------------------------------
@bp.get("/skills")
def skills():
    return render_template("admin/skills.html", items=catalogue.list_skills(current_user.organisation_id),
                           toggle=ToggleForm())


def _skill_form(skill):
    form = SkillForm(obj=skill)
    if form.validate_on_submit():
        try:
            catalogue.save_skill(current_user, form.slug.data or "", form.name.data, form.description.data, skill=skill)
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            flash(f"Saved {form.name.data.strip()}.", "success")
            return redirect(url_for("admin.skills"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/skill_form.html", form=form, skill=skill), status


@bp.route("/skills/new", methods=["GET", "POST"])
def skill_new():
    return _skill_form(None)


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
def skill_edit(skill_id: int):
    return _skill_form(catalogue.get_skill(skill_id, current_user.organisation_id))


@bp.post("/skills/<int:skill_id>/active/<any(on, off):state>")
def skill_active(skill_id: int, state: str):
    skill = catalogue.get_skill(skill_id, current_user.organisation_id)
    if ToggleForm().validate_on_submit():
        try:
            catalogue.set_active(skill, state == "on", actor=current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"{skill.name} is now {'active' if state == 'on' else 'inactive'}.", "success")
    return redirect(url_for("admin.skills"))


# --- audit trail ---------------------------------------------------------------------------------
AUDIT_FILTERS = {"": "All events", "sign_in": "Sign-ins", "authz": "Refused access", "user": "Users and roles",
                 "unit": "Business units", "job_role": "Job roles", "skill": "Skills", "objectives": "Objectives",
                 "assignment": "Assignments", "session": "Workshop sessions", "content": "Content imports"}


@bp.get("/audit")
def audit_log():
    action = request.args.get("action") if request.args.get("action") in AUDIT_FILTERS else ""
    page = max(request.args.get("page", 1, type=db_int), 1)
    events, total = audit.list_events(current_user.organisation_id, action or None, page=page)
    return render_template("admin/audit.html", events=events, total=total, page=page, per_page=50, action=action,
                           filters=AUDIT_FILTERS, action_label=audit.action_label)


# --- CSV user import --------------------------------------------------------------------------------
@bp.route("/users/import", methods=["GET", "POST"])
def user_import():
    preview, error, text = None, None, ""
    if request.method == "POST":
        upload = request.files.get("file")
        if upload and upload.filename:
            try:  # at most one byte past the limit (the importer refuses it), then close the spooled file
                data = upload.read(importer.MAX_BYTES + 1)
            finally:
                upload.close()
        else:
            data = request.form.get("content", "").encode()
        try:
            if request.form.get("confirm") == "1":
                links = importer.apply(current_user, data, request.host_url)
                return render_template("admin/user_import_done.html", links=links)
            if not data:
                raise ServiceError("Choose a CSV file to upload.")
            preview = importer.parse(data, current_user.organisation_id)
            text = data.decode("utf-8-sig")
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    status = 422 if error or (preview and not preview.ok) else 200
    return render_template("admin/user_import.html", preview=preview, error=error, text=text), status


# --- objectives -----------------------------------------------------------------------------------
def _skill_key(text: str) -> int:
    try:
        return db_int(text)
    except ValueError:
        raise ValidationFailed("The form names a skill that does not exist; nothing was changed.") from None


@bp.route("/objectives", methods=["GET", "POST"])
def objectives():
    org_id = current_user.organisation_id
    roles = catalogue.list_org_records(JobRole, org_id)
    units = catalogue.list_org_records(BusinessUnit, org_id)
    if not roles:
        flash("Add a job role first.", "info")
        return redirect(url_for("admin.records", kind="job-roles"))
    role = svc.get_role(org_id, request.values.get("role", roles[0].id, type=db_int))
    unit_id = request.values.get("unit", type=db_int)
    unit = catalogue.get_org_record(BusinessUnit, org_id, unit_id) if unit_id else None
    error = None
    if request.method == "POST":
        try:
            values = {_skill_key(k[7:]): (request.form.get(k, ""), request.form.get(f"weight-{k[7:]}", ""))
                      for k in request.form if k.startswith("target-")}
            svc.save(current_user, role, unit, values)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(f"Objectives saved for {role.name}{' in ' + unit.name if unit else ''}; estimates updated.", "success")
            return redirect(url_for("admin.objectives", role=role.id, unit=unit.id if unit else None))
    return render_template("admin/objectives.html", roles=roles, units=units, role=role, unit=unit,
                           rows=svc.table(role, unit), error=error), (422 if error else 200)


@bp.get("/<any(users, audit, units, 'job-roles', skills, objectives, quizzes):which>.csv")
def export_csv(which: str):
    """Every admin table as CSV (formula-safe), the whole list rather than one page of it."""
    org_id = current_user.organisation_id
    if which == "users":
        found, _ = people.list_users(org_id, per_page=100_000)
        return csv_response("users.csv", ["name", "email", "role", "business_unit", "job_role", "active"],
                            ([u.name, u.email, u.role, u.business_unit.name if u.business_unit else "",
                              u.job_role.name if u.job_role else "", u.active] for u in found))
    if which in ("units", "job-roles"):
        return csv_response(f"{which}.csv", ["name", "description", "active"],
                            ([r.name, r.description, r.active]
                             for r in catalogue.list_org_records(_kind_model(which), org_id)))
    if which == "skills":
        return csv_response("skills.csv", ["name", "key", "description", "active"],
                            ([k.name, k.slug, k.description, k.active]
                             for k in catalogue.list_skills(org_id)))
    if which == "objectives":
        rows = db.session.scalars(select(Objective).join(JobRole, JobRole.id == Objective.job_role_id)
                                  .where(JobRole.organisation_id == org_id).order_by(JobRole.name, Objective.id))
        return csv_response("objectives.csv", ["job_role", "business_unit", "skill", "target", "weight"],
                            ([o.job_role.name, o.business_unit.name if o.business_unit else "(role default)",
                              o.skill.name, o.target, o.weight] for o in rows))
    if which == "quizzes":
        return csv_response("quizzes.csv", ["key", "title", "job_role", "time_limit_minutes", "layout", "active"],
                            ([q.key, q.title, q.role or "everyone", q.definition.get("time_limit_minutes"),
                              q.definition.get("layout"), q.active]
                             for q in db.session.scalars(select(Quiz).where(in_use(Quiz, org_id)).order_by(Quiz.title))))
    events, _ = audit.list_events(org_id, per_page=100_000)
    return csv_response("audit-log.csv", ["at", "actor", "action", "what", "target", "detail", "ip"],
                        ([e.at.isoformat(), email or "", e.action, audit.action_label(e.action), e.target, e.detail,
                          e.ip] for e, email in events))
