"""Creating an organisation with its first admin, its settings, and bulk changes to its people:
service layer, no HTTP."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, BusinessUnit, JobRole, Organisation, User
from app.services import organisations as orgs
from app.services import people
from app.services.auth import authenticate
from app.services.errors import Conflict, NotFound, ValidationFailed
from tests.helpers import user_by_email

GOOD = "a long enough password"


def _count(db, model):
    return db.session.scalar(select(func.count(model.id)))


def test_first_run_creates_the_organisation_and_an_admin_who_can_sign_in(app, db):
    assert orgs.needs_setup()
    org, admin = orgs.create_organisation(orgs.Settings("Acme Ltd", "Europe/London"), " Ada@Acme.example ",
                                          "Ada Lovelace", GOOD, first_run=True)
    assert not orgs.needs_setup()
    assert (org.name, org.time_zone, org.default_due_days, org.sender_address) == ("Acme Ltd", "Europe/London", 30, "")
    assert (admin.email, admin.role, admin.organisation_id) == ("ada@acme.example", "admin", org.id)
    assert authenticate("ada@acme.example", GOOD).id == admin.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created"))
    assert event.organisation_id == org.id and event.actor_id == admin.id and event.detail["first_run"] is True


def test_first_run_is_refused_once_an_organisation_exists(demo, db):
    before = _count(db, Organisation), _count(db, User)
    with pytest.raises(Conflict, match="already been set up"):
        orgs.create_organisation(orgs.Settings("Intruder Inc"), "eve@intruder.example", "Eve", GOOD, first_run=True)
    db.session.rollback()
    assert (_count(db, Organisation), _count(db, User)) == before
    # an operator (the CLI) may still add another organisation beside it
    org, admin = orgs.create_organisation(orgs.Settings("Second Co"), "sam@second.example", "Sam")
    assert admin.awaiting_activation and org.id != user_by_email("admin@demo.uptake").organisation_id


@pytest.mark.parametrize("settings, email, name, password, field", [
    (orgs.Settings(""), "a@b.example", "A", GOOD, "name"),
    (orgs.Settings("X" * 121), "a@b.example", "A", GOOD, "name"),
    (orgs.Settings("Acme", "Mars/Olympus_Mons"), "a@b.example", "A", GOOD, "time_zone"),
    (orgs.Settings("Acme", "Europe/London", "not an address"), "a@b.example", "A", GOOD, "sender_address"),
    (orgs.Settings("Acme", "UTC", "", 0), "a@b.example", "A", GOOD, "default_due_days"),
    (orgs.Settings("Acme", "UTC", "", "soon"), "a@b.example", "A", GOOD, "default_due_days"),
    (orgs.Settings("Acme"), "not-an-email", "A", GOOD, "admin_email"),
    (orgs.Settings("Acme"), "a@b.example", "   ", GOOD, "admin_name"),
    (orgs.Settings("Acme"), "a@b.example", "A", "short", "password"),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(app, db, settings, email, name, password, field):
    with pytest.raises(ValidationFailed) as refused:
        orgs.create_organisation(settings, email, name, password, first_run=True)
    assert refused.value.field == field and refused.value.message
    db.session.rollback()
    assert _count(db, Organisation) == 0 and _count(db, User) == 0


def test_names_and_emails_already_taken_are_conflicts(demo, db):
    demo_org = user_by_email("admin@demo.uptake").organisation.name
    with pytest.raises(Conflict) as taken:
        orgs.create_organisation(orgs.Settings(demo_org.upper()), "new@else.example", "New")
    assert taken.value.field == "name"
    with pytest.raises(Conflict) as taken:
        orgs.create_organisation(orgs.Settings("Elsewhere"), "ADMIN@demo.uptake", "New")
    assert taken.value.field == "admin_email"


def test_settings_change_is_audited_with_before_and_after_and_bad_values_change_nothing(demo, db):
    admin = user_by_email("admin@demo.uptake")
    org = admin.organisation
    name = org.name
    orgs.update_settings(admin, orgs.Settings(name, "America/New_York", "Training@Demo.example", "14"))
    db.session.refresh(org)
    assert (org.time_zone, org.sender_address, org.default_due_days) == ("America/New_York", "training@demo.example", 14)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
    assert event.detail == {"time_zone": ["UTC", "America/New_York"], "sender_address": ["", "training@demo.example"],
                            "default_due_days": [30, 14]}
    with pytest.raises(ValidationFailed, match="between 1 and 365"):
        orgs.update_settings(admin, orgs.Settings(name, "UTC", "", 400))
    db.session.rollback()
    db.session.refresh(org)
    assert (org.time_zone, org.default_due_days) == ("America/New_York", 14)


def test_today_is_the_date_in_the_organisations_time_zone(demo):
    org = user_by_email("admin@demo.uptake").organisation
    noon_utc = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    org.time_zone = "Pacific/Auckland"
    assert orgs.today_for(org, noon_utc) == date(2026, 12, 4)
    org.time_zone = "America/Los_Angeles"
    assert orgs.today_for(org, datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)) == date(2026, 12, 2)


def _trainees(db, unit_name):
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == unit_name))
    return unit, [u for u in unit.members if u.role == "trainee"]


def test_bulk_move_changes_each_person_once_and_audits_each(demo, db):
    admin = user_by_email("admin@demo.uptake")
    _, movers = _trainees(db, "Sales North America")
    target = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    ids = [u.id for u in movers[:3]]
    assert people.bulk_change(admin, ids, "move", str(target.id)) == 3
    db.session.expire_all()
    assert all(db.session.get(User, i).business_unit_id == target.id for i in ids)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.moved")).all()
    assert sorted(e.target for e in events) == sorted(db.session.get(User, i).email for i in ids)
    assert all(e.detail["business_unit"] == ["Sales North America", "Customer Service"] for e in events)
    # again: nobody changes, nothing more is recorded
    assert people.bulk_change(admin, ids, "move", str(target.id)) == 0
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.moved")).all()) == 3


def test_bulk_change_is_all_or_none(demo, db):
    admin = user_by_email("admin@demo.uptake")
    trainer = user_by_email("trainer@demo.uptake")
    _, trainees = _trainees(db, "Sales North America")
    versions = {u.id: u.session_version for u in trainees}
    # the trainer has no business unit, so they cannot become a trainee: the trainees stay as they are too
    with pytest.raises(ValidationFailed, match=trainer.name):
        people.bulk_change(admin, [trainer.id, *versions], "role", "trainee")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="your own account"):
        people.bulk_change(admin, [admin.id, *versions], "deactivate")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="own admin role"):
        people.bulk_change(admin, [admin.id], "role", "trainer")
    db.session.rollback()
    db.session.expire_all()
    assert user_by_email("trainer@demo.uptake").role == "trainer" and user_by_email("admin@demo.uptake").active
    assert all(db.session.get(User, i).active and db.session.get(User, i).session_version == v for i, v in versions.items())


def test_bulk_change_refuses_bad_input_and_other_organisations_people(demo, db):
    from tests.helpers import add_other_organisation

    add_other_organisation(db)
    admin = user_by_email("admin@demo.uptake")
    outsider = user_by_email("admin@other.example")
    trainee = user_by_email("trainee@demo.uptake")
    with pytest.raises(NotFound):
        people.bulk_change(admin, [trainee.id, outsider.id], "deactivate")
    db.session.rollback()
    assert user_by_email("trainee@demo.uptake").active
    other_unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.organisation_id == outsider.organisation_id))
    for action, value, message in [("explode", None, "what to change"), ("move", "999999", "business unit"),
                                   ("move", "abc", "business unit"), ("job_role", None, "job role"),
                                   ("role", "owner", "trainee, trainer or admin")]:
        with pytest.raises(ValidationFailed, match=message):
            people.bulk_change(admin, [trainee.id], action, value)
    with pytest.raises(ValidationFailed, match="at least one"):
        people.bulk_change(admin, [], "deactivate")
    assert other_unit is None or other_unit.organisation_id != admin.organisation_id


def test_bulk_deactivation_signs_people_out_and_reactivation_brings_them_back(demo, db):
    admin = user_by_email("admin@demo.uptake")
    trainee = user_by_email("trainee@demo.uptake")
    version = trainee.session_version
    assert people.bulk_change(admin, [trainee.id], "deactivate") == 1
    db.session.expire_all()
    assert not trainee.active and trainee.session_version > version
    assert people.bulk_change(admin, [trainee.id], "reactivate") == 1
    db.session.expire_all()
    assert trainee.active
    role = db.session.scalar(select(JobRole).where(JobRole.organisation_id == admin.organisation_id,
                                                   JobRole.id != trainee.job_role_id))
    assert people.bulk_change(admin, [trainee.id], "job_role", str(role.id)) == 1
    db.session.expire_all()
    assert trainee.job_role_id == role.id


def test_accepted_plan_elearning_is_due_in_the_organisations_default_days(fitted_demo, db):
    from app.models import Assignment
    from app.services import assignments

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    unit.organisation.default_due_days = 12
    db.session.commit()
    assignments.accept_plan(trainer, unit)
    elearning = [a for a in db.session.scalars(select(Assignment).where(Assignment.origin == "plan"))
                 if a.note.startswith("eLearning")]
    assert elearning and all(a.due_date == orgs.today_for(unit.organisation) + timedelta(days=12) for a in elearning)
