"""Admins set objectives per job role and per unit; verdicts follow."""
from sqlalchemy import select

from app.models import BusinessUnit, JobRole, MasteryEstimate, Objective, Skill
from tests.helpers import csrf_from, user_by_email


def form_for(page_html: str, changes: dict) -> dict:
    import re

    fields = dict(re.findall(r'name="((?:target|weight)-\d+)" inputmode="numeric" size="4" value="(\d+)"', page_html))
    fields.update(changes)
    return fields


def test_admin_changes_a_target_and_verdicts_follow(client, fitted_demo, login_as, db):
    login_as("admin")
    role = db.session.scalar(select(JobRole).where(JobRole.name == "account executive"))
    skill = db.session.scalar(select(Skill).where(Skill.slug == "navigation-search"))
    url = f"/admin/objectives?role={role.id}"
    page = client.get(url).get_data(as_text=True)
    data = form_for(page, {f"target-{skill.id}": "99", f"weight-{skill.id}": "100"})
    response = client.post("/admin/objectives", data={**data, "role": role.id, "csrf_token": csrf_from(client.get(url))})
    assert response.status_code == 302
    objective = db.session.scalar(select(Objective).where(Objective.job_role_id == role.id, Objective.skill_id == skill.id,
                                                          Objective.business_unit_id.is_(None)))
    assert objective.target == 0.99 and objective.weight == 1.0
    tara = user_by_email("trainee@demo.uptake")
    db.session.expire_all()
    estimate = db.session.scalar(select(MasteryEstimate).where(MasteryEstimate.user_id == tara.id,
                                                               MasteryEstimate.skill_id == skill.id))
    assert estimate.target == 0.99


def test_unit_override_and_validation(client, fitted_demo, login_as, db):
    login_as("admin")
    role = db.session.scalar(select(JobRole).where(JobRole.name == "service agent"))
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    skill = db.session.scalar(select(Skill).where(Skill.slug == "campaigns"))
    url = f"/admin/objectives?role={role.id}&unit={unit.id}"
    page = client.get(url).get_data(as_text=True)
    bad = client.post("/admin/objectives", data={**form_for(page, {f"target-{skill.id}": "120"}), "role": role.id,
                                                 "unit": unit.id, "csrf_token": csrf_from(client.get(url))})
    assert bad.status_code == 422 and "between 50% and 99%" in bad.get_data(as_text=True)
    ok = client.post("/admin/objectives", data={**form_for(page, {f"weight-{skill.id}": "50"}), "role": role.id,
                                                "unit": unit.id, "csrf_token": csrf_from(client.get(url))})
    assert ok.status_code == 302
    override = db.session.scalar(select(Objective).where(Objective.business_unit_id == unit.id,
                                                         Objective.skill_id == skill.id))
    assert override is not None and override.weight == 0.5


def test_objectives_page_is_admin_only(client, demo, login_as):
    login_as("trainer")
    assert client.get("/admin/objectives").status_code == 403
