from flask import abort, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attempt, Skill, User
from app.services import simulation, training
from app.services.access import get_person_for, get_unit_for, trainees_in_unit, visible_units
from app.services.skill_model import assess
from app.trainer import bp


@bp.get("/")
def home():
    units = visible_units(current_user)
    counts = dict(db.session.execute(
        select(User.business_unit_id, func.count(User.id))
        .where(User.role == "trainee", User.active.is_(True), User.business_unit_id.in_([u.id for u in units]))
        .group_by(User.business_unit_id)
    ).all())
    return render_template("trainer/home.html", units=units, counts=counts, heat=training.heatmap(units))


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    plan, people = training.unit_plan(unit)
    skill_names = dict(db.session.execute(select(Skill.slug, Skill.name)).all())
    return render_template("trainer/unit.html", unit=unit, people=trainees_in_unit(unit), plan=plan, by_id=people,
                           skill_names=skill_names)


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    person = get_person_for(current_user, person_id)
    exercises = list(db.session.scalars(select(Attempt).where(Attempt.user_id == person.id, Attempt.kind == "scenario")
                                        .order_by(Attempt.started_at.desc())))
    path, progress = training.person_path(person) if person.role == "trainee" else (None, {})
    return render_template("trainer/person.html", person=person, profile=assess(person, explain_top=5),
                           exercises=exercises, titles={k: s.title for k, s in simulation.scenarios().items()},
                           path=path, progress=progress)


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
