from datetime import date, datetime, timedelta, timezone

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.charts import bar_chart, line_chart
from app.extensions import db
from app.models import Attempt, JobRole, Quiz, Skill, User
from app.params import db_int
from app.services import analytics as stats
from app.services import assignments, simulation, training
from app.services.team import min_group_size
from app.services import sessions as workshops
from app.services.access import (
    get_person_for,
    get_unit_for,
    trainees_in_unit,
    visible_units,
)
from app.services.adoption import dashboard
from app.services.errors import NotFound, ServiceError, ValidationFailed
from app.services.exports import csv_response
from app.services.messages import recent_for
from app.services.organisations import today_for
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
    return render_template("trainer/unit.html", unit=unit, people=trainees_in_unit(unit), plan=plan, by_id=people,
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

    return render_template("trainer/person.html", person=person, profile=profile,
                           exercises=exercises, titles={k: s.title for k, s in simulation.scenarios().items()},
                           path=path, progress=progress, observed=observations.for_person(person),
                           attended=workshops.attended_by(person))


@bp.route("/people/<int:person_id>/observe", methods=["GET", "POST"])
def observe(person_id: int):
    """An on-the-job observation of one skill: the skill's checklist, each behaviour done right,
    done wrong or not seen; what is marked is evidence, and the verdict moves at once."""
    from app.services import observations

    person = get_person_for(current_user, person_id)
    skill = db.session.scalar(select(Skill).where(Skill.slug == request.values.get("skill", ""), Skill.active.is_(True)))
    if skill is None or person.role != "trainee":
        abort(404)
    behaviours = observations.checklist(skill.slug)
    values = {"observed_on": today_for(current_user.organisation).isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:  # CSRF is checked for every POST (CSRFProtect)
            try:
                day = date.fromisoformat(values.get("observed_on", "")) if values.get("observed_on") else None
            except ValueError:
                raise ValidationFailed("Give the day as a date, e.g. 2026-12-03.", field="observed_on") from None
            observations.record(current_user, person.id, skill.slug,
                                {b.key: values.get(f"mark_{b.key}", "") for b in behaviours}, day,
                                values.get("note", ""))
        except ServiceError as error:
            db.session.rollback()
            if isinstance(error, NotFound):
                abort(404)
            errors[error.field or "form"] = error.message
        else:
            flash(f"Observation recorded: {person.name}'s {skill.name} verdict is updated.", "success")
            return redirect(url_for("trainer.person", person_id=person.id) + "#observed-h")
    return render_template("trainer/observe.html", person=person, skill=skill, behaviours=behaviours,
                           values=values, errors=errors), (422 if errors else 200)


@bp.get("/people/<int:person_id>/exercises/<int:attempt_id>")
def exercise(person_id: int, attempt_id: int):
    """Replay one of the person's finished exercises beside the checks it passed and failed."""
    person = get_person_for(current_user, person_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != person.id or attempt.kind != "scenario" or attempt.status == "in_progress":
        abort(404)
    return render_template("sim/result.html", attempt=attempt, scenario=simulation.get_scenario(attempt.scenario_key),
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
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.active.is_(True)).order_by(Quiz.title)))
    roles = list(db.session.scalars(select(JobRole).where(JobRole.organisation_id == current_user.organisation_id)
                                    .order_by(JobRole.name))) if current_user.role == "admin" else []
    org = unit.organisation  # a new assignment is due in the organisation's default days unless changed
    form = request.form if request.method == "POST" else {
        "due_date": (today_for(org) + timedelta(days=org.default_due_days)).isoformat()}
    return render_template("trainer/assign.html", unit=unit, people=trainees_in_unit(unit), errors=errors,
                           modules=list(training.catalogue().values()), quizzes=quizzes, roles=roles,
                           exercises=sorted(simulation.scenarios().values(), key=lambda s: s.title),
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


@bp.post("/sessions/<int:session_id>/attendance")
def session_attendance(session_id: int):
    try:
        attended = {int(v) for v in request.form.getlist("attended")}
        recorded = workshops.record_attendance(current_user, session_id, attended)
    except ValueError:
        flash("Choose people from the list.", "error")
    except ServiceError as error:
        _session_error(error)
    else:
        flash(f"Attendance recorded: {recorded} {'person' if recorded == 1 else 'people'} completed the workshop.",
              "success")
    return _back()


@bp.post("/sessions/<int:session_id>/cancel")
def session_cancel(session_id: int):
    try:
        session = workshops.cancel_session(current_user, session_id, request.form.get("reason", ""))
    except ServiceError as error:
        _session_error(error)
    else:
        flash("Session cancelled: everyone invited is told, and the workshop goes back into the unit's plan.",
              "success")
        return redirect(url_for("trainer.unit", unit_id=session.business_unit_id) + "#sessions-h")
    return _back()


@bp.get("/units/<int:unit_id>/sessions.ics")
def sessions_ics(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    return Response(workshops.ical(unit, request.host), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="unit-{unit.id}-sessions.ics"'})


@bp.get("/analytics")
def analytics():
    return render_template("trainer/analytics.html", items=stats.item_stats(), checks=stats.check_stats())


@bp.get("/analytics/<any(items, checks):which>.csv")
def analytics_csv(which: str):
    if which == "items":
        return csv_response("item-analytics.csv", ["item", "type", "answers", "share_correct", "discrimination", "question"],
                            ([r["key"], r["type"], r["answers"], r["correct"], r["discrimination"], r["stem"]]
                             for r in stats.item_stats()))
    return csv_response("check-analytics.csv", ["check", "results", "mean_score", "failed", "fail_rate"],
                        ([r["check"], r["results"], r["mean"], r["failed"], r["fail_rate"]] for r in stats.check_stats()))


@bp.get("/heatmap.csv")
def heatmap_csv():
    heat = training.heatmap(visible_units(current_user), _heat_by(), min_group_size(current_user))
    rows = ([group, name, c["people"], c["weak"], c["unknown"], c["share"]] if "people" in c
            else [group, name, f"fewer than {heat['min_people']}", None, None, None]
            for key, group in heat["rows"] for slug, name in heat["skills"] if (c := heat["cells"].get((key, slug))))
    return csv_response(f"skill-gaps-by-{heat['by'].replace('_', '-')}.csv",
                        ["business_unit" if heat["by"] == "unit" else "job_role", "skill", "people_needing_it", "weak",
                         "unmeasured", "share_weak"], rows)


@bp.get("/units/<int:unit_id>/plan.csv")
def unit_plan_csv(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    plan, people = training.unit_plan(unit)
    rows = [[people[p].name, people[p].email, "instructor-led", s.module.title, s.suggested_date.isoformat()]
            for s in plan.sessions for p in s.people]
    rows += [[people[p].name, people[p].email, "eLearning", m.title, ""] for p, mods in plan.elearning.items() for m in mods]
    return csv_response(f"training-needs-{unit.id}.csv", ["person", "email", "delivery", "module", "suggested_date"], rows)


@bp.get("/units.csv")
def units_csv():
    units = visible_units(current_user)
    counts = _active_trainees(units)
    return csv_response("business-units.csv", ["business_unit", "active_trainees", "status"],
                        ([u.name, counts.get(u.id, 0), "active" if u.active else "inactive"] for u in units))


@bp.get("/units/<int:unit_id>/<any(people, assignments):which>.csv")
def unit_csv(unit_id: int, which: str):
    """The unit's people with their verdicts on required skills, or every assignment with its status."""

    unit = get_unit_for(current_user, unit_id)
    people = trainees_in_unit(unit)
    if which == "assignments":
        statuses = assignments.statuses_for_people(people)
        return csv_response(f"assignments-{unit.id}.csv", [
            "person", "email", "assignment", "kind", "for", "origin", "due_date", "done", "overdue", "note"],
            ([p.name, p.email, st.title, st.assignment.kind, st.assignment.target_type, st.assignment.origin,
              st.assignment.due_date.isoformat(), st.done, st.overdue, st.assignment.note]
             for p in people for st in statuses[p.id]))
    verdicts = training.required_verdicts(people)
    return csv_response(f"people-{unit.id}.csv", ["name", "email", "job_role", "active", "required_skills",
                                                  "proficient", "weak", "unmeasured", "weak_skills"],
                        ([p.name, p.email, p.job_role.name if p.job_role else "", p.active, len(v),
                          sum(x == "proficient" for x in v.values()), sum(x == "weak" for x in v.values()),
                          sum(x == "not_enough_evidence" for x in v.values()),
                          "; ".join(sorted(k for k, x in v.items() if x == "weak"))]
                         for p in people for v in [verdicts.get(p.id, {})]))


@bp.get("/people/<int:person_id>/profile.csv")
def person_csv(person_id: int):
    person = get_person_for(current_user, person_id)
    return csv_response(f"skill-profile-{person.id}.csv", [
        "skill", "mastery_probability", "target", "weight", "answers", "exercises", "verdict",
        "fades_below_target_in_days"],
        ([r["name"], r["probability"] if r["answers"] or r["exercises"] else None, r["target"], r["weight"],
          r["answers"], r["exercises"], r["verdict"], r["fades_in_days"]]
         for r in sorted(assess(person), key=lambda r: (-r["weight"], r["name"]))))


def _adoption_data():
    """The dashboard over the units large enough for the viewer to see (the minimum group size);
    a module's before/after row over fewer people than that is left out too."""
    from app.services.team import units_large_enough

    units, withheld = units_large_enough(visible_units(current_user), current_user)
    data = dashboard(units)
    smallest = min_group_size(current_user)
    data["gains"] = [g for g in data["gains"] if g["people"] >= smallest]
    return units, withheld, data, smallest


@bp.get("/adoption")
def adoption():
    units, withheld, data, smallest = _adoption_data()
    names = {u.id: u.name for u in units}
    charts = {
        "participation": bar_chart("Share of trainees active in the last 30 days, by unit",
                                   [(names[u], v or 0.0) for u, v in data["participation"].items()], 1.0, True),
        "trend": line_chart("Average result of finished tests and exercises by month, per unit", data["months"],
                            {names[u]: v for u, v in data["trend"].items()}),
        "weak": bar_chart("Capabilities most often weak (people)", data["most_weak"]),
        "proficiency": line_chart("Share of the skills each role needs that are at target, by unit (month end)",
                                  data["proficiency"]["months"],
                                  {names[u]: v for u, v in data["proficiency"]["series"].items()}),
    }
    return render_template("trainer/adoption.html", data=data, charts=charts, names=names, withheld=withheld,
                           smallest=smallest)


@bp.get("/adoption/<any(units, proficiency, scores, weak, gains):which>.csv")
def adoption_csv(which: str):
    """Every table of the adoption dashboard as CSV, with the same figures as the page."""

    units, _, data, _ = _adoption_data()
    names = {u.id: u.name for u in units}
    if which == "units":
        ttp = data["proficiency"]["time_to_proficiency"]
        return csv_response("adoption-by-unit.csv", [
            "business_unit", "active_last_30_days", "assignments", "assignments_done", "median_days_to_proficiency",
            "gaps_closed", "gaps_open"], ([names[u], data["participation"][u], data["completion"][u][1],
                                          data["completion"][u][0], ttp[u]["median_days"], ttp[u]["closed"],
                                          ttp[u]["open"]] for u in names))
    if which in ("proficiency", "scores"):
        months, series = ((data["proficiency"]["months"], data["proficiency"]["series"]) if which == "proficiency"
                          else (data["months"], data["trend"]))
        return csv_response(f"adoption-{which}-by-month.csv",
                            ["business_unit", "month", "share_at_target" if which == "proficiency" else "average_score"],
                            ([names[u], m, v] for u, values in series.items() for m, v in zip(months, values)))
    if which == "weak":
        return csv_response("adoption-most-weak.csv", ["skill", "people_weak"], data["most_weak"])
    return csv_response("adoption-gains.csv", ["module", "people", "score_before", "score_after"],
                        ([g["module"], g["people"], g["before"], g["after"]] for g in data["gains"]))


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


@bp.post("/sessions/<int:session_id>")
def session_update(session_id: int):
    try:
        starts = datetime.fromisoformat(request.form.get("starts_at", "")).replace(tzinfo=timezone.utc)
        minutes, capacity = db_int(request.form.get("minutes", "")), db_int(request.form.get("capacity", ""))
    except ValueError:
        flash("Enter the start as a date and time, and whole numbers for minutes and capacity.", "error")
        return _back()
    try:
        session = workshops.update_session(current_user, session_id, starts, minutes,
                                             request.form.get("location", ""), capacity)
    except ServiceError as error:
        _session_error(error)
    else:
        flash("Session updated.", "success")
        return redirect(url_for("trainer.unit", unit_id=session.business_unit_id) + "#sessions-h")
    return _back()
