"""A line manager's view of their direct reports, and the minimum group size that keeps any
aggregate from exposing one person.

A manager is not a trainer: they see what their people have to do and whether it is done or late
(that is their job), and how the team stands on the skills its roles need — as counts over the
team, and only when the team has at least the organisation's minimum group size (5 by default),
as Pluralsight's Skill IQ does. Never a person's own mastery. Admins see every aggregate whatever
its size.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import BusinessUnit, JobRole, MasteryEstimate, Organisation, Skill, User
from app.services import assignments
from app.services.objectives import requires


def min_group_size(viewer: User) -> int:
    """How many people an aggregate must cover before this viewer sees it: 1 for admins."""
    if viewer.role == "admin":
        return 1
    organisation = db.session.get(Organisation, viewer.organisation_id)
    return max(1, organisation.min_group_size or 1)


def direct_reports(manager: User) -> list[User]:
    return list(db.session.scalars(select(User).where(User.manager_id == manager.id, User.active.is_(True),
                                                      User.organisation_id == manager.organisation_id)
                                   .order_by(User.name)))


def manages_anyone(user: User) -> bool:
    return db.session.scalar(select(User.id).where(User.manager_id == user.id, User.active.is_(True)).limit(1)) \
        is not None


@dataclass
class TeamMember:
    person: User
    unit: str
    job_role: str
    open: int
    overdue: int
    done: int
    overdue_titles: list[str]


@dataclass
class TeamSkill:
    name: str
    people: int  # team members whose role needs the skill and who have an estimate
    proficient: int
    weak: int
    unmeasured: int


def team_view(manager: User) -> dict:
    """The manager's direct reports with their assignments' progress, and the team's skill counts —
    or `skills=None` with `hidden=True` when the team is smaller than the minimum group size."""
    people = direct_reports(manager)
    units = dict(db.session.execute(select(BusinessUnit.id, BusinessUnit.name).where(
        BusinessUnit.id.in_({p.business_unit_id for p in people if p.business_unit_id}))).all())
    roles = dict(db.session.execute(select(JobRole.id, JobRole.name).where(
        JobRole.id.in_({p.job_role_id for p in people if p.job_role_id}))).all())
    statuses = assignments.statuses_for_people(people)
    members = []
    for person in people:
        mine = statuses.get(person.id, [])
        members.append(TeamMember(person, units.get(person.business_unit_id, "—"), roles.get(person.job_role_id, "—"),
                                  open=sum(not s.done for s in mine), overdue=sum(s.overdue and not s.done for s in mine),
                                  done=sum(s.done for s in mine),
                                  overdue_titles=[s.title for s in mine if s.overdue and not s.done]))
    smallest = min_group_size(manager)
    hidden = len(people) < smallest
    return {"members": members, "skills": None if hidden else team_skills(people), "hidden": hidden,
            "min_group_size": smallest}


def team_skills(people: list[User]) -> list[TeamSkill]:
    """Per skill the people's roles need: how many are proficient, weak or not yet measured (one query)."""
    if not people:
        return []
    rows = db.session.execute(
        select(Skill.name, func.count(MasteryEstimate.id),
               func.sum(case((MasteryEstimate.verdict == "proficient", 1), else_=0)),
               func.sum(case((MasteryEstimate.verdict == "weak", 1), else_=0)),
               func.sum(case((MasteryEstimate.verdict == "not_enough_evidence", 1), else_=0)))
        .join(Skill, Skill.id == MasteryEstimate.skill_id).join(User, User.id == MasteryEstimate.user_id)
        .where(requires(MasteryEstimate.skill_id))
        .where(MasteryEstimate.user_id.in_([p.id for p in people]))
        .group_by(Skill.name).order_by(Skill.name)).all()
    return [TeamSkill(name, n, int(good or 0), int(weak or 0), int(unknown or 0))
            for name, n, good, weak, unknown in rows]


def units_large_enough(units: list[BusinessUnit], viewer: User) -> tuple[list[BusinessUnit], list[BusinessUnit]]:
    """The units whose figures the viewer may see (at least the minimum group size of active
    trainees) and those withheld — one query; admins see every unit."""
    smallest = min_group_size(viewer)
    if smallest <= 1 or not units:
        return list(units), []
    sizes = dict(db.session.execute(select(User.business_unit_id, func.count(User.id)).where(
        User.business_unit_id.in_([u.id for u in units]), User.role == "trainee", User.active.is_(True))
        .group_by(User.business_unit_id)).all())
    return ([u for u in units if sizes.get(u.id, 0) >= smallest], [u for u in units if sizes.get(u.id, 0) < smallest])
