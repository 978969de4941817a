"""The first-run page, the organisation's settings, bulk changes to people and `flask org create`,
through HTTP and the CLI."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.models import AuditEvent, BusinessUnit, Organisation, User
from app.services.organisations import today_for
from tests.helpers import csrf_from, post_form, sign_in, user_by_email

SETUP = {"name": "Acme Ltd", "time_zone": "Europe/Berlin", "admin_name": "Ada Admin",
         "admin_email": "ada@acme.example", "password": "correct horse battery", "password_again": "correct horse battery"}


def test_a_fresh_install_leads_to_the_first_run_page_and_it_creates_a_signed_in_admin(client, db):
    assert client.get("/").headers["Location"] == "/auth/setup"
    assert client.get("/auth/sign-in").headers["Location"] == "/auth/setup"
    page = client.get("/auth/setup")
    assert page.status_code == 200 and "Set up Uptake" in page.get_data(as_text=True)
    # mistakes are shown beside their field, what was typed stays, nothing is created
    refused = post_form(client, "/auth/setup", "/auth/setup", {**SETUP, "password_again": "something else entirely"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "The two passwords differ" in text and 'value="Acme Ltd"' in text
    assert "correct horse battery" not in text  # a password is never sent back
    refused = post_form(client, "/auth/setup", "/auth/setup", {**SETUP, "time_zone": "Berlin"})
    assert refused.status_code == 422 and "Berlin is not a time zone" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
    done = post_form(client, "/auth/setup", "/auth/setup", SETUP)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    home = client.get("/admin/").get_data(as_text=True)
    assert "Uptake is ready" in home and "Acme Ltd" in home and "Europe/Berlin" in home
    # the page closes for good: a second visitor is sent to sign in, a replayed form creates nothing
    other = client.application.test_client()
    assert other.get("/auth/setup").headers["Location"] == "/auth/sign-in"
    token = csrf_from(other.get("/auth/sign-in"))
    other.post("/auth/setup", data={**SETUP, "name": "Evil Corp", "admin_email": "eve@evil.example", "csrf_token": token})
    assert db.session.scalar(select(func.count(Organisation.id))) == 1 and user_by_email("eve@evil.example") is None


def test_admin_changes_the_organisations_settings_and_the_audit_log_shows_it(client, login_as, db):
    login_as("admin")
    page = client.get("/admin/organisation")
    assert page.status_code == 200 and 'value="UTC"' in page.get_data(as_text=True)
    org_name = user_by_email("admin@demo.uptake").organisation.name
    form = {"name": org_name, "time_zone": "Asia/Tokyo", "sender_address": "", "default_due_days": "0",
            "remind_days_before": "2", "escalate_after_days": "5"}
    refused = post_form(client, "/admin/organisation", "/admin/organisation", form)
    assert refused.status_code == 422 and "between 1 and 365" in refused.get_data(as_text=True)
    assert 'value="Asia/Tokyo"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert user_by_email("admin@demo.uptake").organisation.time_zone == "UTC"
    saved = post_form(client, "/admin/organisation", "/admin/organisation", {**form, "default_due_days": "21"})
    assert saved.status_code == 302
    db.session.expire_all()
    org = user_by_email("admin@demo.uptake").organisation
    assert (org.time_zone, org.default_due_days, org.remind_days_before, org.escalate_after_days) == ("Asia/Tokyo", 21, 2, 5)
    assert "Changed the organisation&#39;s settings" in client.get("/admin/audit").get_data(as_text=True)


def test_the_assign_form_proposes_the_organisations_default_due_date(client, login_as, db):
    org = user_by_email("admin@demo.uptake").organisation
    org.default_due_days = 9
    db.session.commit()
    login_as("trainer")
    unit = user_by_email("trainee@demo.uptake").business_unit_id
    page = client.get(f"/trainer/units/{unit}/assign").get_data(as_text=True)
    expected = (today_for(org) + timedelta(days=9)).isoformat()
    assert re.search(rf'id="due_date"[^>]*value="{expected}"', page)


def test_settings_and_bulk_changes_are_for_admins_only(client, login_as, db):
    trainee = user_by_email("trainee@demo.uptake")
    login_as("trainer")
    assert client.get("/admin/organisation").status_code == 403
    token = csrf_from(client.get("/trainer/"))
    assert client.post("/admin/users/bulk", data={"csrf_token": token, "user_ids": [trainee.id],
                                                  "action": "deactivate"}).status_code == 403
    db.session.expire_all()
    assert user_by_email("trainee@demo.uptake").active


def test_admin_ticks_people_and_moves_them_to_another_unit(client, login_as, db):
    login_as("admin")
    listing = client.get("/admin/users?role=trainee")
    text = listing.get_data(as_text=True)
    assert 'form="bulk"' in text and "Apply to ticked people" in text
    target = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    movers = [u for u in db.session.scalars(select(User).where(User.role == "trainee")) if u.business_unit_id != target.id][:2]
    response = client.post("/admin/users/bulk", data={
        "csrf_token": csrf_from(listing), "user_ids": [str(u.id) for u in movers], "action": "move",
        "value_move": str(target.id), "value_job_role": "", "value_role": "trainee", "back": "/admin/users?role=trainee"},
        follow_redirects=True)
    assert "Move to business unit: 2 of 2 people changed." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(db.session.get(User, u.id).business_unit_id == target.id for u in movers)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.moved")) == 2
    # a refusal says why and changes nobody
    admin = user_by_email("admin@demo.uptake")
    response = client.post("/admin/users/bulk", data={
        "csrf_token": csrf_from(listing), "user_ids": [str(admin.id), str(movers[0].id)], "action": "deactivate"},
        follow_redirects=True)
    assert "Nothing was changed: You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, movers[0].id).active
    # an off-site "back" address is not followed
    response = client.post("/admin/users/bulk", data={"csrf_token": csrf_from(listing), "user_ids": [str(movers[0].id)],
                                                      "action": "reactivate", "back": "//evil.example/x"})
    assert response.headers["Location"] == "/admin/users"


def test_flask_org_create_prints_an_activation_link_that_works(runner, app, db):
    result = runner.invoke(args=["org", "create", "--name", "Globex", "--admin-email", "hank@globex.example",
                                 "--admin-name", "Hank Scorpio", "--time-zone", "America/Chicago",
                                 "--base-url", "https://uptake.globex.example"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://uptake\.globex\.example(/auth/activate/\S+)", result.output).group(1)
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "Hank Scorpio" in page.get_data(as_text=True)
    client.post(link, data={"csrf_token": csrf_from(page), "password": "a sturdy new password"})
    assert sign_in(client, "hank@globex.example", "a sturdy new password").headers["Location"] == "/admin/"
    again = runner.invoke(args=["org", "create", "--name", "globex", "--admin-email", "x@y.example", "--admin-name", "X"])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(args=["org", "create", "--name", "Initech", "--admin-email", "x@y.example", "--admin-name", "X",
                              "--time-zone", "Springfield"])
    assert bad.exit_code != 0 and "Springfield is not a time zone" in bad.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 1
