"""Who may see what. Every page asks these functions; nothing is filtered in templates.

A record outside the viewer's reach is answered as NotFound (404), never as "forbidden",
so its existence is not revealed. Role checks (403) happen at the blueprint edge.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import BusinessUnit, User
from app.services.errors import NotFound


def visible_units(viewer: User) -> list[BusinessUnit]:
    if viewer.role == "admin":
        return list(db.session.scalars(
            select(BusinessUnit)
            .where(BusinessUnit.organisation_id == viewer.organisation_id)
            .order_by(BusinessUnit.name)
        ))
    if viewer.role == "trainer":
        return list(viewer.trained_units)
    return []


def visible_unit_ids(viewer: User) -> set[int]:
    return {unit.id for unit in visible_units(viewer)}


def get_unit_for(viewer: User, unit_id: int) -> BusinessUnit:
    unit = db.session.get(BusinessUnit, unit_id)
    if unit is None or unit.id not in visible_unit_ids(viewer):
        raise NotFound("No such business unit.")
    return unit


def get_person_for(viewer: User, person_id: int) -> User:
    """A person's record as the viewer may see it: admins their organisation, trainers the
    trainees of their units, trainees only themselves."""
    person = db.session.get(User, person_id)
    if person is None or person.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if viewer.role == "admin" or person.id == viewer.id:
        return person
    if viewer.role == "trainer" and person.role == "trainee" and person.business_unit_id in visible_unit_ids(viewer):
        return person
    raise NotFound("No such person.")


def trainees_in_unit(unit: BusinessUnit) -> list[User]:
    return list(db.session.scalars(
        select(User)
        .where(User.business_unit_id == unit.id, User.role == "trainee")
        .order_by(User.name)
    ))
