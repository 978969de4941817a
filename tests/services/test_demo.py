from collections import Counter

from sqlalchemy import select

from app.models import BusinessUnit, JobRole, Skill, User
from app.services.demo import load_demo
from app.skills.taxonomy import SKILL_SLUGS


def test_demo_organisation_has_units_roles_skills_and_people(app, db):
    load_demo()
    units = set(db.session.scalars(select(BusinessUnit.name)))
    assert units == {"Sales North America", "Sales EMEA", "Customer Service", "Marketing"}
    assert set(db.session.scalars(select(JobRole.name))) == {
        "account executive", "sales manager", "service agent", "marketing specialist"}
    assert set(db.session.scalars(select(Skill.slug))) == SKILL_SLUGS
    users = list(db.session.scalars(select(User)))
    roles = Counter(u.role for u in users)
    assert roles["trainee"] >= 40 and roles["trainer"] == 2 and roles["admin"] == 1
    per_unit = Counter(u.business_unit.name for u in users if u.role == "trainee")
    assert set(per_unit) == units and min(per_unit.values()) >= 5
    assert all(u.business_unit and u.job_role for u in users if u.role == "trainee")
    trainer = next(u for u in users if u.email == "trainer@demo.uptake")
    assert {u.name for u in trainer.trained_units} == {"Sales North America", "Sales EMEA"}


def test_demo_load_is_idempotent_and_keeps_admin_edits(app, db):
    load_demo()
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Marketing"))
    unit.description = "edited by an admin"
    db.session.commit()
    assert load_demo() == {"users": 0}
    assert db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Marketing")).description \
        == "edited by an admin"
    assert len(list(db.session.scalars(select(BusinessUnit)))) == 4
