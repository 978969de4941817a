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


def test_the_demo_crm_history_moves_verdicts_shows_coaching_and_loads_once(fitted_demo, db):
    from sqlalchemy import func, select

    from app.models import CrmEvent, CrmIndicator, CrmUser, MasteryEstimate
    from app.services.demo_crm import load_crm

    first = load_crm()
    assert first["events"] > 5000 and first["records"] > 1000 and first["people"] > 20
    people_measured = db.session.scalar(select(func.count(func.distinct(CrmIndicator.user_id))))
    trainees = db.session.scalar(select(func.count()).select_from(User).where(User.role == "trainee"))
    assert people_measured >= 0.9 * trainees  # everyone's CRM use is measured, not a handful
    coached = db.session.scalar(select(func.count()).select_from(MasteryEstimate)
                                .where(MasteryEstimate.transfer == "coaching"))
    assert coached > 5  # people who know it but do not apply it: visible in the demo
    unmatched = db.session.scalars(select(CrmUser.email).where(CrmUser.user_id.is_(None))).all()
    assert unmatched == ["integration@crm.demo.uptake"]  # left for the admin to mark as not a person
    events = db.session.scalar(select(func.count()).select_from(CrmEvent))
    assert load_crm()["events"] == 0
    assert db.session.scalar(select(func.count()).select_from(CrmEvent)) == events
