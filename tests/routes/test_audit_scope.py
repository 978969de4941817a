"""The audit trail belongs to one organisation and reads as sentences: every edit of the catalogue
(units, job roles, skills) is recorded with what changed, and another organisation's admin sees none
of it — nor its content imports."""
from sqlalchemy import select

from app.models import AuditEvent, BusinessUnit, User
from tests.helpers import add_other_organisation, csrf_from, post_form, sign_in


def test_catalogue_edits_are_recorded_with_what_changed(client, demo, db, login_as):
    login_as("admin")
    post_form(client, "/admin/units/new", "/admin/units/new", {"name": "Inside Sales", "description": "Phones"})
    unit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.created"))
    assert unit is not None and unit.target == "Inside Sales"
    unit_id = db.session.scalar(select(BusinessUnit.id).where(BusinessUnit.name == "Inside Sales"))
    post_form(client, f"/admin/units/{unit_id}/edit", f"/admin/units/{unit_id}/edit",
              {"name": "Inside Sales EMEA", "description": "Phones"})
    post_form(client, "/admin/units", f"/admin/units/{unit_id}/active/off", {})
    post_form(client, "/admin/skills/new", "/admin/skills/new",
              {"slug": "forecasting", "name": "Forecasting", "description": "Commit and best case"})
    events = {e.action: e for e in db.session.scalars(select(AuditEvent))}
    assert events["unit.updated"].detail == {"name": "Inside Sales → Inside Sales EMEA"}
    assert events["unit.deactivated"].target == "Inside Sales EMEA"
    assert events["skill.created"].target == "Forecasting"
    page = client.get("/admin/audit?action=unit").get_data(as_text=True)
    assert "Added a business unit" in page and "Deactivated a business unit" in page
    assert "Changed a business unit" in page and "Inside Sales → Inside Sales EMEA" in page


def test_another_organisations_admin_sees_none_of_the_trail_or_imports(app, demo, db, login_as, client):
    login_as("admin")  # the demo admin signs in (recorded) and uploads a file
    page = client.get("/trainer/content/imports/new")
    response = client.post("/trainer/content/imports/new", data={
        "csrf_token": csrf_from(page), "format": "gift",
        "file": (__import__("io").BytesIO(b"// skills: lead-management\n::Q1:: Is a lead a person? {T}\n"), "leads.gift")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    import_url = response.headers["Location"]
    add_other_organisation(db)
    other = app.test_client()
    sign_in(other, "admin@other.example", "other-admin-password")
    trail = other.get("/admin/audit").get_data(as_text=True)
    assert "admin@demo.uptake" not in trail and "leads.gift" not in trail
    assert "admin@other.example" in trail  # their own sign-in is there
    csv = other.get("/admin/audit.csv").get_data(as_text=True)
    assert "admin@demo.uptake" not in csv
    assert other.get(import_url).status_code == 404
    decide = other.post(import_url + "/confirm", data={"csrf_token": csrf_from(other.get("/admin/audit"))})
    assert decide.status_code == 404
    assert client.get(import_url).status_code == 200  # still there for its own organisation


def test_a_failed_sign_in_lands_in_the_accounts_organisation_only(app, demo, db):
    sign_in(app.test_client(), "trainee@demo.uptake", "wrong-password")
    sign_in(app.test_client(), "nobody@nowhere.example", "wrong-password")
    rows = {e.target: e.organisation_id for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sign_in.failure"))}
    demo_org = db.session.scalar(select(User.organisation_id).where(User.email == "trainee@demo.uptake"))
    assert rows == {"trainee@demo.uptake": demo_org, "nobody@nowhere.example": None}


def test_assignments_and_sessions_are_recorded_by_name_not_id(content_loaded, db):
    from datetime import date, timedelta

    from app.services.assignments import create_assignment
    from tests.helpers import user_by_email

    trainer = user_by_email("trainer@demo.uptake")
    unit = trainer.trained_units[0]
    create_assignment(trainer, "module", "ilt-daily", "unit", unit.id, date.today() + timedelta(days=7))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.created"))
    assert event.target == f"{unit.name} (whole unit)"
    assert event.detail["what"] == "Workshop: the CRM in your day (search, logging, sync)"
    assert "ilt-daily" not in str(event.detail) and str(unit.id) not in event.target
