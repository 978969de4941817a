"""Trainer pages for what happens in the room and on the job: workshop sessions (attendance,
changes, cancellation, the unit's calendar) and on-the-job observations."""
from datetime import date, datetime, timezone

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Skill
from app.params import db_int
from app.services import sessions as workshops
from app.services.access import get_person_for, get_unit_for
from app.services.errors import NotFound, ServiceError, ValidationFailed
from app.services.organisations import today_for
from app.services.ownership import visible
from app.trainer import bp
from app.trainer.routes import _back, _session_error


@bp.route("/people/<int:person_id>/observe", methods=["GET", "POST"])
def observe(person_id: int):
    """An on-the-job observation of one skill: the skill's checklist, each behaviour done right,
    done wrong or not seen; what is marked is evidence, and the verdict moves at once."""
    from app.services import observations

    person = get_person_for(current_user, person_id)
    skill = db.session.scalar(select(Skill).where(Skill.slug == request.values.get("skill", ""), Skill.active.is_(True),
                                                  visible(Skill, current_user.organisation_id)))
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
