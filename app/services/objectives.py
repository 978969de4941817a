"""Admins set objectives: per job role (optionally overridden for one unit), each skill's target
confidence and weight. Verdicts depend on targets, so affected people are re-assessed."""
from __future__ import annotations

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import BusinessUnit, JobRole, Objective, Skill, User
from app.services import audit
from app.services.errors import NotFound, ValidationFailed


def required_of_role(skill_id):
    """Join condition on `Objective` for queries that also select `User`: the skill (`skill_id`, a
    column) is required of the user's job role in the user's unit — weight above 0 in the unit's
    override where there is one, else in the role's default. Every "skills the role needs" figure
    (heatmap, gaps, dashboards, path completion) counts through this one rule."""
    override = aliased(Objective)
    return and_(Objective.job_role_id == User.job_role_id, Objective.skill_id == skill_id, Objective.weight > 0,
                or_(Objective.business_unit_id == User.business_unit_id,
                    and_(Objective.business_unit_id.is_(None),
                         ~exists().where(override.job_role_id == User.job_role_id, override.skill_id == skill_id,
                                         override.business_unit_id == User.business_unit_id)
                         .correlate_except(override))))  # the person's row, however deeply this is nested


def requires(skill_id):
    """Condition for queries that select `User` (and the column `skill_id`): the user's job role in the
    user's unit needs the skill (`required_of_role`), as a semi-join — at most one objective applies, so
    this counts the same rows as joining `Objective`, and lets the database read the estimates once
    through the people instead of hashing all of them (the heatmap at 100,000 people: 610 → 385 ms)."""
    return exists().where(required_of_role(skill_id))


def table(role: JobRole, unit: BusinessUnit | None) -> list[dict]:
    """Every active skill of the role's organisation (shipped and its own) with the role's objective (and
    the unit override, if any)."""
    from app.services.catalogue import active_skills

    rows = {(o.skill_id, o.business_unit_id): o for o in db.session.scalars(
        select(Objective).where(Objective.job_role_id == role.id))}
    result = []
    for skill in active_skills(role.organisation_id):
        base = rows.get((skill.id, None))
        override = rows.get((skill.id, unit.id)) if unit else None
        current = override or base
        result.append({"skill": skill, "target": current.target if current else 0.8,
                       "weight": current.weight if current else 0.0, "overridden": override is not None,
                       "base": base})
    return result


def save(actor: User, role: JobRole, unit: BusinessUnit | None, values: dict[int, tuple[str, str]]) -> int:
    """values: skill id → (target %, weight %) as typed. All rows are validated before any is saved;
    a form with no rows (or naming skills that do not exist) changes nothing."""
    if not values:
        raise ValidationFailed("The form had no targets, so nothing was changed. Set targets and weights, then save.")
    from app.services.ownership import visible

    known = set(db.session.scalars(select(Skill.id).where(Skill.active.is_(True), Skill.id.in_(list(values)),
                                                          visible(Skill, role.organisation_id))))
    if unknown := sorted(set(values) - known):
        raise ValidationFailed(f"The form names {len(unknown)} skill(s) that do not exist or are inactive; "
                               "nothing was changed. Reload the page and try again.")
    parsed = {}
    for skill_id, (target_text, weight_text) in values.items():
        try:
            target, weight = float(target_text) / 100, float(weight_text) / 100
        except ValueError:
            raise ValidationFailed("Targets and weights must be numbers.", field=str(skill_id)) from None
        if not 0.5 <= target <= 0.99:
            raise ValidationFailed("Targets must be between 50% and 99%.", field=str(skill_id))
        if not 0 <= weight <= 1:
            raise ValidationFailed("Weights must be between 0% and 100%.", field=str(skill_id))
        parsed[skill_id] = (target, weight)
    unit_id = unit.id if unit else None
    db.session.execute(delete(Objective).where(Objective.job_role_id == role.id,
                                               Objective.business_unit_id.is_(None) if unit is None
                                               else Objective.business_unit_id == unit_id))
    for skill_id, (target, weight) in parsed.items():
        if unit is None and weight == 0:
            continue  # no objective: the role does not need the skill
        db.session.add(Objective(job_role_id=role.id, business_unit_id=unit_id, skill_id=skill_id,
                                 target=target, weight=weight))
    db.session.commit()
    audit.record("objectives.saved", target=role.name + (f" / {unit.name}" if unit else ""),
                 detail={"skills": len(parsed)}, actor=actor)
    from app.services.skill_model import refresh_person

    people = select(User).where(User.job_role_id == role.id, User.role == "trainee", User.active.is_(True))
    if unit is not None:
        people = people.where(User.business_unit_id == unit.id)
    for person in db.session.scalars(people):
        refresh_person(person)
    return len(parsed)


def get_role(organisation_id: int, role_id: int) -> JobRole:
    role = db.session.get(JobRole, role_id)
    if role is None or role.organisation_id != organisation_id:
        raise NotFound("No such job role.")
    return role
