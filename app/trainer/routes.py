"""Trainer pages for units and people: the heatmap, a unit and its plan, a person and their
assignments. Workshops and observations are in session_routes.py, reports and CSV in report_routes.py."""
from datetime import date, datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attempt, JobRole, Quiz, Skill, User
from app.params import db_int
from app.services import assignments, simulation, training
from app.services.team import min_group_size
from app.services import sessions as workshops
from app.services.access import (
    PEOPLE_PER_PAGE,
    get_person_for,
    get_unit_for,
    trainees_in_unit,
    trainees_page,
    visible_units,
)
from app.services.errors import NotFound, ServiceError, ValidationFailed
from app.services.exports import csv_response
from app.services.messages import recent_for
from app.services.organisations import today_for
from app.services.ownership import in_use
from app.services.skill_model import assess
from app.skills.planner import plural
from app.trainer import bp


def _active_trainees(units) -> dict[int, int]:
    return dict(db.session.execute(
        select(User.business_unit_id, func.count(User.id))
        .where(User.role == "trainee", User.active.is_(True), User.business_unit_id.in_([u.id for u in units]))
        .group_by(User.business_unit_id)).all())


def _heat_by() -> str:
    return "job_role" if request.args.get("by") == "job_role" else "unit"


@bp.get("/")
def home():
    units = visible_units(current_user)
    return render_template("trainer/home.html", units=units, counts=_active_trainees(units),
                           notes=recent_for(current_user),
                           heat=training.heatmap(units, _heat_by(), min_group_size(current_user)))


def _gap_people():
    return training.people_needing(visible_units(current_user), request.args.get("skill", ""),
                                   request.args.get("unit", type=db_int), request.args.get("role", type=db_int))


@bp.get("/gaps")
def gaps():
    """The heatmap's click-through: who needs one skill (in a unit or a job role) and how they stand."""
    skill, rows = _gap_people()  # NotFound (404) for a unit outside the trainer's or an unknown skill
    return render_template("trainer/gaps.html", skill=skill, rows=rows, unit_id=request.args.get("unit", type=db_int),
                           role_id=request.args.get("role", type=db_int))


@bp.get("/gaps.csv")
def gaps_csv():
    skill, rows = _gap_people()
    return csv_response(f"{skill.slug}-people.csv", ["name", "email", "business_unit", "job_role", "mastery_probability",
                                                    "target", "answers", "exercises", "verdict"],
                        ([p.name, p.email, unit, role, e.probability if e and (e.answers or e.exercises) else None,
                          e.target if e else None, e.answers if e else 0, e.exercises if e else 0,
                          e.verdict if e else "not yet assessed"]
                         for p, unit, role, e in rows))


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    plan, people = training.unit_plan(unit)

    skill_names = dict(db.session.execute(select(Skill.slug, Skill.name)).all())
    sessions, assigned = workshops.unit_sessions(unit), assignments.unit_assignments(unit)
    listed, page, total = trainees_page(unit, request.args.get("page", 1, type=int) or 1)
    return render_template("trainer/unit.html", unit=unit, people=listed, page=page, total=total,
                           per_page=PEOPLE_PER_PAGE, plan=plan, by_id=people,
                           skill_names=skill_names, overdue=assignments.overdue_in_unit(unit),
                           sessions=sessions, seats=workshops.session_seats(sessions), replies=workshops.replies(sessions),
                           assigned=assigned, titles=assignments.titles_of(assigned), catalogue=training.catalogue(),
                           cancelled=workshops.cancelled_sessions(unit), now=datetime.now(timezone.utc))


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    person = get_person_for(current_user, person_id)
    exercises = list(db.session.scalars(select(Attempt).where(Attempt.user_id == person.id, Attempt.kind == "scenario")
                                        .order_by(Attempt.started_at.desc())))
    profile = assess(person, explain_top=5)
    path, progress = training.person_path(person, profile) if person.role == "trainee" else (None, {})
    from app.services import observations

    from app.services import crm_evidence

    return render_template("trainer/person.html", person=person, profile=profile,
                           exercises=exercises, titles={k: s.title for k, s in simulation.scenarios(current_user.organisation_id).items()},
                           path=path, progress=progress, observed=observations.for_person(person),
                           attended=workshops.attended_by(person), crm_rows=crm_evidence.person_indicators(person.id),
                           crm_applied=crm_evidence.applying(person.id), skill_names={r["slug"]: r["name"] for r in profile})


@bp.get("/people/<int:person_id>/exercises/<int:attempt_id>")
def exercise(person_id: int, attempt_id: int):
    """Replay one of the person's finished exercises beside the checks it passed and failed."""
    person = get_person_for(current_user, person_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != person.id or attempt.kind != "scenario" or attempt.status == "in_progress":
        abort(404)
    return render_template("sim/result.html", attempt=attempt, scenario=simulation.attempt_scenario(attempt),
                           report=simulation.result(attempt), replay=simulation.replay(attempt),
                           brief=simulation.brief(attempt), back=url_for("trainer.person", person_id=person.id))


@bp.get("/assign")
def assign_choose_unit():
    """The menu's "Assign training": choose the unit (the form then offers its people, the whole unit and,
    for admins, a job role across the organisation). One unit goes straight to its form."""
    units = visible_units(current_user)
    if len(units) == 1:
        return redirect(url_for("trainer.assign", unit_id=units[0].id))
    return render_template("trainer/assign_choose.html", units=units)


def _due_date_from_form() -> date:
    """The form's due date (a date picker sends YYYY-MM-DD), or a message saying what is missing."""
    text = request.form.get("due_date", "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("Choose a due date." if not text else
                               "Enter the due date as a calendar date, e.g. 2027-01-31.", field="due_date") from None


@bp.route("/units/<int:unit_id>/assign", methods=["GET", "POST"])
def assign(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    errors = {}
    if request.method == "POST":
        kind = request.form.get("kind", "")
        ref = request.form.get(f"ref_{kind}") or None
        target = request.form.get("target", "")
        target_type, _, target_id = target.partition(":")
        try:
            try:
                target_number = db_int(target_id)
            except ValueError:
                raise ValidationFailed("Choose who the assignment is for.", field="target") from None
            due = _due_date_from_form()
            assignments.create_assignment(current_user, kind, ref, target_type, target_number, due,
                                          request.form.get("note", ""))
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "kind"] = error.message
        else:
            flash("Assigned.", "success")
            return redirect(url_for("trainer.unit", unit_id=unit.id))
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.active.is_(True), in_use(Quiz, current_user.organisation_id))
                                      .order_by(Quiz.title)))
    roles = list(db.session.scalars(select(JobRole).where(JobRole.organisation_id == current_user.organisation_id)
                                    .order_by(JobRole.name))) if current_user.role == "admin" else []
    org = unit.organisation  # a new assignment is due in the organisation's default days unless changed
    form = request.form if request.method == "POST" else {
        "due_date": (today_for(org) + timedelta(days=org.default_due_days)).isoformat()}
    return render_template("trainer/assign.html", unit=unit, people=trainees_in_unit(unit), errors=errors,
                           modules=list(training.catalogue().values()), quizzes=quizzes, roles=roles,
                           exercises=sorted(simulation.scenarios(current_user.organisation_id).values(), key=lambda s: s.title),
                           kinds=assignments.KINDS, form=form), (422 if errors else 200)


@bp.post("/units/<int:unit_id>/accept-plan")
def accept_plan(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    chosen = set(request.form.getlist("include")) if request.form.get("edited") == "1" else None
    if chosen is not None and not chosen:
        flash("Nothing was ticked, so nothing was accepted. Tick the sessions and modules to schedule.", "error")
        return redirect(url_for("trainer.unit", unit_id=unit.id))
    counts = assignments.accept_plan(current_user, unit, chosen=chosen)
    if not counts["sessions"] and not counts["assignments"]:
        flash("Nothing new to accept: every session and assignment you ticked already exists.", "info")
    else:
        flash(f"Plan accepted: {plural(counts['sessions'], 'session')} scheduled and "
              f"{plural(counts['assignments'], 'assignment')} made.", "success")
    return redirect(url_for("trainer.unit", unit_id=unit.id))


def _back():
    """Back to the page the form was on (only within this site), else the trainer's home."""
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("trainer.home"))


def _session_error(error: ServiceError) -> None:
    """A session form's refusal: 404 for a session out of reach, otherwise the message."""
    db.session.rollback()
    if isinstance(error, NotFound):
        abort(404)
    flash(error.message, "error")


@bp.post("/assignments/<int:assignment_id>/<any(withdraw, due):op>")
def assignment_change(assignment_id: int, op: str):
    """Withdraw an assignment or move its due date (CSRF is checked for every POST); back to the page."""
    try:
        if op == "withdraw":
            assignment = assignments.withdraw_assignment(current_user, assignment_id)
            flash(f"Withdrawn: {assignments.titles_of([assignment])[assignment.id]}. It is off everyone's list.", "success")
        else:
            due = _due_date_from_form()
            assignment = assignments.change_due_date(current_user, assignment_id, due)
            flash(f"Now due {due:%d %b %Y}: {assignments.titles_of([assignment])[assignment.id]}.", "success")
    except ServiceError as error:
        _session_error(error)  # 404 out of reach, else the message
    return _back()
