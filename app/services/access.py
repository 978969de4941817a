"""Who may see what. Every page asks these functions; nothing is filtered in templates.

A record outside the viewer's reach is answered as NotFound (404), never as "forbidden",
so its existence is not revealed. Role checks (403) happen at the blueprint edge.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

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


PEOPLE_PER_PAGE = 100


def trainees_page(unit: BusinessUnit, page: int, per_page: int = PEOPLE_PER_PAGE) -> tuple[list[User], int, int]:
    """One page of the unit's trainees by name (job roles loaded with them), the page actually shown
    (a page past the end shows the last) and how many trainees the unit has in all: a unit of
    thousands is listed a hundred at a time, not rendered whole."""
    total = db.session.scalar(select(func.count(User.id)).where(*_trainees_of(unit))) or 0
    page = min(max(page, 1), max((total - 1) // per_page + 1, 1))
    people = list(db.session.scalars(
        select(User).options(selectinload(User.job_role)).where(*_trainees_of(unit))
        .order_by(User.name, User.id).offset((page - 1) * per_page).limit(per_page)))
    return people, page, total


def _trainees_of(unit: BusinessUnit) -> tuple:
    return User.business_unit_id == unit.id, User.role == "trainee"


def trainees_in_unit(unit: BusinessUnit) -> list[User]:
    return list(db.session.scalars(select(User).where(*_trainees_of(unit)).order_by(User.name, User.id)))
