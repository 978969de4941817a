from sqlalchemy import select

from app.models import BusinessUnit, JobRole, Skill
from tests.helpers import post_form, sign_in, user_by_email


def _ids(db):
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Marketing"))
    role = db.session.scalar(select(JobRole).where(JobRole.name == "marketing specialist"))
    return unit.id, role.id


def test_admin_creates_a_trainee_who_can_then_sign_in(client, login_as, db):
    login_as("admin")
    unit_id, role_id = _ids(db)
    response = post_form(client, "/admin/users/new", "/admin/users/new", {
        "name": "Nora Field", "email": "nora.field@demo.uptake", "role": "trainee",
        "business_unit_id": unit_id, "job_role_id": role_id, "password": "nora-password-1"})
    assert response.status_code == 302
    listing = client.get("/admin/users?q=nora").get_data(as_text=True)
    assert "Saved Nora Field." in listing and "nora.field@demo.uptake" in listing
    post_form(client, "/admin/", "/auth/sign-out", {})
    assert sign_in(client, "nora.field@demo.uptake", "nora-password-1").headers["Location"] == "/me/"


def test_invalid_user_form_shows_errors_and_keeps_what_was_typed(client, login_as, db):
    login_as("admin")
    response = post_form(client, "/admin/users/new", "/admin/users/new", {
        "name": "Dup Licate", "email": "dup.licate@demo.uptake", "role": "trainee",
        "business_unit_id": "", "job_role_id": "", "password": "dup-password-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A trainee needs a business unit and a job role." in page
    assert 'value="Dup Licate"' in page
    response = post_form(client, "/admin/users/new", "/admin/users/new", {
        "name": "Dup Licate", "email": "trainee@demo.uptake", "role": "trainer", "password": "dup-password-1"})
    assert "Another user already has this email address." in response.get_data(as_text=True)
    response = post_form(client, "/admin/users/new", "/admin/users/new", {
        "name": "Short Pw", "email": "short@demo.uptake", "role": "admin", "password": "short"})
    assert response.status_code == 400 and "at least 12" in response.get_data(as_text=True)
    assert user_by_email("short@demo.uptake") is None


def test_admin_edits_a_trainer_units(client, login_as, db):
    login_as("admin")
    trainer = user_by_email("trainer2@demo.uptake")
    unit_id, _ = _ids(db)
    response = post_form(client, f"/admin/users/{trainer.id}/edit", f"/admin/users/{trainer.id}/edit", {
        "name": trainer.name, "email": trainer.email, "role": "trainer", "trainer_unit_ids": [unit_id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [u.id for u in user_by_email("trainer2@demo.uptake").trained_units] == [unit_id]


def test_deactivating_a_user_signs_them_out_and_blocks_sign_in(app, demo, db):
    admin_client, trainee_client = app.test_client(), app.test_client()
    sign_in(trainee_client, "trainee@demo.uptake")
    sign_in(admin_client, "admin@demo.uptake")
    trainee = user_by_email("trainee@demo.uptake")
    response = post_form(admin_client, "/admin/users", f"/admin/users/{trainee.id}/active/off", {})
    assert response.status_code == 302
    assert trainee_client.get("/me/").status_code == 302
    assert sign_in(trainee_client, "trainee@demo.uptake").status_code == 401
    post_form(admin_client, "/admin/users", f"/admin/users/{trainee.id}/active/on", {})
    assert sign_in(trainee_client, "trainee@demo.uptake").status_code == 302


def test_units_and_job_roles_forms(client, login_as, db):
    login_as("admin")
    response = post_form(client, "/admin/units/new", "/admin/units/new",
                         {"name": "Sales APAC", "description": "Asia-Pacific sales"})
    assert response.status_code == 302
    assert "Sales APAC" in client.get("/admin/units").get_data(as_text=True)
    response = post_form(client, "/admin/units/new", "/admin/units/new", {"name": "sales apac"})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    response = post_form(client, "/admin/job-roles/new", "/admin/job-roles/new", {"name": ""})
    assert response.status_code == 400 and "Enter a name." in response.get_data(as_text=True)
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales APAC"))
    post_form(client, "/admin/units", f"/admin/units/{unit.id}/active/off", {})
    db.session.expire_all()
    assert db.session.get(BusinessUnit, unit.id).active is False


def test_skills_form(client, login_as, db):
    login_as("admin")
    response = post_form(client, "/admin/skills/new", "/admin/skills/new",
                         {"slug": "Bad Slug", "name": "Territory planning"})
    assert response.status_code == 400 and "lower-case letters" in response.get_data(as_text=True)
    response = post_form(client, "/admin/skills/new", "/admin/skills/new",
                         {"slug": "territory-planning", "name": "Territory planning"})
    assert response.status_code == 302
    skill = db.session.scalar(select(Skill).where(Skill.slug == "territory-planning"))
    post_form(client, "/admin/skills", f"/admin/skills/{skill.id}/active/off", {})
    db.session.expire_all()
    assert db.session.get(Skill, skill.id).active is False
