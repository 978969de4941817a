import pytest
from sqlalchemy import select

from app.models import BusinessUnit, JobRole, Skill
from app.services import catalogue, people
from app.services.errors import Conflict, ValidationFailed
from tests.helpers import user_by_email


@pytest.fixture
def org(demo):
    admin = user_by_email("admin@demo.uptake")
    unit = admin.organisation.units[0]
    from app.extensions import db
    role = db.session.scalar(select(JobRole).where(JobRole.organisation_id == admin.organisation_id))
    return admin, unit, role


def test_create_trainee_hashes_password_and_normalises_email(org):
    admin, unit, role = org
    user = people.create_user(admin.organisation_id, people.UserInput(
        email=" New.Person@Example.COM ", name="New Person", role="trainee",
        business_unit_id=unit.id, job_role_id=role.id, password="a-long-password-1"))
    assert user.email == "new.person@example.com"
    assert user.password_hash != "a-long-password-1" and user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("change, field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": "trainee@demo.uptake"}, "email"),
    ({"name": "   "}, "name"),
    ({"role": "superuser"}, "role"),
    ({"business_unit_id": None}, "business_unit_id"),
    ({"job_role_id": None}, "job_role_id"),
    ({"business_unit_id": 999999}, "business_unit_id"),
    ({"password": "short"}, "password"),
    ({"password": None}, "password"),
])
def test_create_user_refuses_bad_input_with_the_field_named(org, db, change, field):
    admin, unit, role = org
    values = dict(email="x.y@example.com", name="X Y", role="trainee", business_unit_id=unit.id,
                  job_role_id=role.id, password="a-long-password-1")
    values.update(change)
    before = len(admin.organisation.units[0].members)
    with pytest.raises((ValidationFailed, Conflict)) as excinfo:
        people.create_user(admin.organisation_id, people.UserInput(**values))
    db.session.rollback()
    assert excinfo.value.field == field
    assert user_by_email("x.y@example.com") is None
    assert len(admin.organisation.units[0].members) == before


def test_role_change_and_password_change_end_existing_sessions(org):
    admin, unit, role = org
    trainee = user_by_email("trainee@demo.uptake")
    token = trainee.get_id()
    people.update_user(admin, trainee, people.UserInput(
        email=trainee.email, name=trainee.name, role="trainer", trainer_unit_ids=[unit.id]))
    assert trainee.get_id() != token
    assert [u.id for u in trainee.trained_units] == [unit.id]
    assert trainee.business_unit is None  # trainers are not members of a unit as trainees


def test_admin_cannot_lock_themselves_out(org, db):
    admin, _, _ = org
    with pytest.raises(ValidationFailed):
        people.set_user_active(admin, admin, False)
    with pytest.raises(ValidationFailed):
        people.update_user(admin, admin, people.UserInput(email=admin.email, name=admin.name, role="trainee"))
    db.session.rollback()
    assert user_by_email("admin@demo.uptake").role == "admin"


def test_deactivation_ends_sessions(org):
    admin, _, _ = org
    trainee = user_by_email("trainee@demo.uptake")
    token = trainee.get_id()
    people.set_user_active(admin, trainee, False)
    assert not trainee.active and trainee.get_id() != token


def test_unit_and_role_names_are_unique_per_organisation(org, db):
    admin, unit, _ = org
    with pytest.raises(Conflict):
        catalogue.save_org_record(BusinessUnit, admin.organisation_id, unit.name.upper())
    db.session.rollback()
    created = catalogue.save_org_record(JobRole, admin.organisation_id, "  customer   success  manager ")
    assert created.name == "customer success manager"
    renamed = catalogue.save_org_record(JobRole, admin.organisation_id, "CSM", record=created)
    assert renamed.id == created.id and renamed.name == "CSM"


@pytest.mark.parametrize("slug", ["Has Spaces", "under_score", "-lead", "lead--x", "", "x" * 65])
def test_skill_slug_must_be_a_clean_key(demo, db, slug):
    with pytest.raises(ValidationFailed):
        catalogue.save_skill(user_by_email("admin@demo.uptake"), slug, "Some skill")
    db.session.rollback()


def test_skill_slug_is_normalised_to_lower_case(demo, db):
    assert catalogue.save_skill(user_by_email("admin@demo.uptake"), " CPQ-Quotes ", "Quotes").slug == "cpq-quotes"


def test_skill_slug_is_fixed_after_creation(demo, db):
    admin = user_by_email("admin@demo.uptake")
    skill = catalogue.save_skill(admin, "territory-planning", "Territory planning")
    assert skill.organisation_id == admin.organisation_id
    catalogue.save_skill(admin, "renamed-slug", "Territory planning (advanced)", skill=skill)
    again = db.session.get(Skill, skill.id)
    assert again.slug == "territory-planning" and again.name == "Territory planning (advanced)"
    with pytest.raises(Conflict):
        catalogue.save_skill(admin, "territory-planning", "Duplicate")
