"""The team view for line managers, the admin's line-manager field, and the minimum group size on
the trainer's heatmap (page and CSV)."""
from sqlalchemy import select

from app.models import Organisation
from tests.helpers import DEMO_EMAILS, post_form, sign_in, user_by_email

MANAGER = "vera.larsen21@demo.uptake"


def test_a_line_manager_finds_my_team_and_sees_progress_not_mastery(client, fitted_demo, db):
    assert sign_in(client, MANAGER).status_code == 302
    home = client.get("/me/").get_data(as_text=True)
    assert 'href="/team"' in home  # the link appears for people who manage someone
    page = client.get("/team")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "5 people report to you" in body
    assert "Tara Ingram" in body and "Proficient" in body and " of " in body
    assert "%" not in body.split("The team's skills")[1]  # counts over the team, no one's probability


def test_someone_with_no_reports_has_no_team_link_and_an_empty_team_page(client, login_as):
    login_as("trainee")
    assert 'href="/team"' not in client.get("/me/").get_data(as_text=True)
    assert "Nobody reports to you" in client.get("/team").get_data(as_text=True)


def test_the_trainer_heatmap_hides_small_groups_but_the_admin_sees_them(app, client, fitted_demo, db):
    organisation = db.session.scalar(select(Organisation))
    organisation.min_group_size = 10  # Marketing has 8 trainees
    db.session.commit()
    trainer = app.test_client()
    sign_in(trainer, "trainer2@demo.uptake")  # Customer Service (12) and Marketing (8)
    page = trainer.get("/trainer/").get_data(as_text=True)
    assert "fewer than 10" in page and "Groups of fewer than 10 people are not shown" in page
    csv = trainer.get("/trainer/heatmap.csv").get_data(as_text=True)
    assert "Marketing" in csv and all(line.split(",")[2] == "fewer than 10"
                                      for line in csv.splitlines() if line.startswith("Marketing"))
    sign_in(client, DEMO_EMAILS["admin"])
    assert "fewer than" not in client.get("/trainer/").get_data(as_text=True)


def test_the_admin_sets_a_line_manager_on_the_user_form(client, login_as, db):
    login_as("admin")
    tara = user_by_email(DEMO_EMAILS["trainee"])
    url = f"/admin/users/{tara.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{MANAGER}"' in form
    data = {"name": tara.name, "email": tara.email, "role": "trainee", "business_unit_id": str(tara.business_unit_id),
            "job_role_id": str(tara.job_role_id), "manager_email": "nobody@demo.uptake"}
    refused = post_form(client, url, url, data)
    assert refused.status_code == 400 and "active person of your organisation" in refused.get_data(as_text=True)
    assert post_form(client, url, url, {**data, "manager_email": DEMO_EMAILS["trainer"]}).status_code == 302
    db.session.expire_all()
    assert user_by_email(DEMO_EMAILS["trainee"]).manager.email == DEMO_EMAILS["trainer"]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "line_manager" in log or "line manager" in log


def test_the_adoption_dashboard_leaves_out_units_below_the_minimum_for_trainers(app, client, fitted_demo, db):
    organisation = db.session.scalar(select(Organisation))
    organisation.min_group_size = 10  # Marketing has 8 trainees, Customer Service 12
    db.session.commit()
    trainer = app.test_client()
    sign_in(trainer, "trainer2@demo.uptake")
    page = trainer.get("/trainer/adoption").get_data(as_text=True)
    assert "Not shown: Marketing — fewer than 10 trainees" in page
    assert "Customer Service" in page.split("Not shown")[1]  # the larger unit's figures are there
    csv = trainer.get("/trainer/adoption/units.csv").get_data(as_text=True)
    assert "Customer Service" in csv and "Marketing" not in csv
    import csv as csv_module
    import io

    gains = list(csv_module.DictReader(io.StringIO(trainer.get("/trainer/adoption/gains.csv").get_data(as_text=True))))
    assert all(int(row["people"]) >= 10 for row in gains)  # no module's before/after over fewer people
    sign_in(client, DEMO_EMAILS["admin"])
    admin_page = client.get("/trainer/adoption").get_data(as_text=True)
    assert "Not shown" not in admin_page and "Marketing" in admin_page
