from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
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
    return render_template("trainer/home.html", units=units, counts=counts)


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    return render_template("trainer/unit.html", unit=unit, people=trainees_in_unit(unit))


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    person = get_person_for(current_user, person_id)
    return render_template("trainer/person.html", person=person, profile=assess(person, explain_top=5))
