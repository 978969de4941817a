"""Admin use cases for the organisation's catalogue: business units, job roles and skills.

Units and job roles share one shape (a named record within an organisation); skills are keyed by a
stable slug that content files refer to: the shipped taxonomy is shared by every organisation and
changed only with the content files, and a skill an organisation adds is its own.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import BusinessUnit, JobRole, Skill, User
from app.services import audit
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.text import one_line, paragraphs

ORG_MODELS = {"units": BusinessUnit, "job-roles": JobRole}
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _clean_name(name: str) -> str:
    return one_line(name)


def list_org_records(model, organisation_id: int) -> list:
    return list(db.session.scalars(
        select(model).where(model.organisation_id == organisation_id).order_by(model.name)
    ))


def get_org_record(model, organisation_id: int, record_id: int):
    record = db.session.get(model, record_id)
    if record is None or record.organisation_id != organisation_id:
        raise NotFound("No such record.")
    return record


def _audit_kind(record) -> str:
    return {"BusinessUnit": "unit", "JobRole": "job_role", "Skill": "skill"}[type(record).__name__]


def save_org_record(model, organisation_id: int, name: str, description: str = "", record=None,
                    actor: User | None = None):
    """Create (record=None) or rename a unit or job role; names are unique per organisation. Recorded
    in the audit trail with what changed."""
    name, description = _clean_name(name), paragraphs(description)
    clash = db.session.scalar(select(model).where(
        model.organisation_id == organisation_id, func.lower(model.name) == name.lower()
    ))
    if clash is not None and clash is not record:
        raise Conflict(f"“{name}” already exists.", field="name")
    created = record is None
    if created:
        record = model(organisation_id=organisation_id, active=True)
        db.session.add(record)
    before = {"name": record.name, "description": record.description}
    record.name, record.description = name, description
    db.session.commit()
    _audit_saved(record, created, before, actor)
    return record


def _audit_saved(record, created: bool, before: dict, actor: User | None) -> None:
    after = {"name": record.name, "description": record.description}
    changed = {k: f"{before[k]} → {after[k]}" for k in after if before[k] != after[k]}
    if created or changed:
        audit.record(f"{_audit_kind(record)}.{'created' if created else 'updated'}", target=record.name,
                     detail={} if created else changed, actor=actor)


def set_active(record, active: bool, actor: User | None = None):
    if isinstance(record, Skill) and record.organisation_id is None:
        raise ValidationFailed(SHIPPED_SKILL.format(name=record.name, doing="switched off"))
    if record.active != active:
        record.active = active
        db.session.commit()
        audit.record(f"{_audit_kind(record)}.{'activated' if active else 'deactivated'}", target=record.name,
                     actor=actor)
    return record


SHIPPED_SKILL = ("{name} is part of the skill taxonomy Uptake ships, shared by every organisation, so it cannot be "
                 "{doing} here. To leave it out of your training, give it no weight in your job roles' objectives.")


def list_skills(organisation_id: int) -> list[Skill]:
    """The shipped taxonomy and the organisation's own skills."""
    from app.services.ownership import visible

    return list(db.session.scalars(select(Skill).where(visible(Skill, organisation_id)).order_by(Skill.name)))


def active_skills(organisation_id: int | None) -> list[Skill]:
    """The active skills the organisation trains and assesses (shipped and its own), by name."""
    from app.services.ownership import visible

    return list(db.session.scalars(select(Skill).where(Skill.active.is_(True), visible(Skill, organisation_id))
                                   .order_by(Skill.name)))


def get_skill(skill_id: int, organisation_id: int) -> Skill:
    skill = db.session.get(Skill, skill_id)
    if skill is None or skill.organisation_id not in (None, organisation_id):
        raise NotFound("No such skill.")
    return skill


def save_skill(actor: User, slug: str, name: str, description: str = "", skill: Skill | None = None) -> Skill:
    """Add one of the organisation's own skills (the actor's) or edit one. The slug is fixed once
    created: content refers to it. A shipped skill is not edited here."""
    name, description = _clean_name(name), paragraphs(description)
    if skill is not None and skill.organisation_id is None:
        raise ValidationFailed(SHIPPED_SKILL.format(name=skill.name, doing="renamed"), field="name")
    if skill is None:
        slug = slug.strip().lower()
        if not SLUG_RE.match(slug) or len(slug) > 64:
            raise ValidationFailed("Use lower-case letters, digits and single hyphens, e.g. lead-management.",
                                   field="slug")
        if db.session.scalar(select(Skill).where(Skill.slug == slug)) is not None:
            raise Conflict(f"A skill with slug “{slug}” already exists.", field="slug")
        skill = Skill(slug=slug, active=True, organisation_id=actor.organisation_id)
        db.session.add(skill)
    created = skill.id is None
    before = {"name": skill.name, "description": skill.description}
    skill.name, skill.description = name, description
    db.session.commit()
    _audit_saved(skill, created, before, actor)
    return skill
