"""Every trainer and admin table downloads as CSV with the page's figures, only for what the viewer
may see, and safe to open in a spreadsheet."""
import csv
import io

import pytest
from sqlalchemy import select

from app.models import Assignment, BusinessUnit, MasteryEstimate, Skill
from app.services import skill_model
from app.services.adoption import dashboard
from tests.helpers import post_form, user_by_email


def table(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv", (url, response.status_code)
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def unit_id(db, name):
    return db.session.scalar(select(BusinessUnit.id).where(BusinessUnit.name == name))


@pytest.mark.parametrize("which, header", [
    ("units", ["business_unit", "active_last_30_days", "assignments", "assignments_done", "median_days_to_proficiency",
               "gaps_closed", "gaps_open"]),
    ("proficiency", ["business_unit", "month", "share_at_target"]),
    ("scores", ["business_unit", "month", "average_score"]),
    ("weak", ["skill", "people_weak"]),
    ("gains", ["module", "people", "score_before", "score_after"]),
])
def test_adoption_tables_download_for_the_trainers_units(client, fitted_demo, login_as, db, which, header):
    from app.models import Organisation

    # every figure shown, whatever its group size (the minimum is tested in test_team_routes.py)
    db.session.scalar(select(Organisation)).min_group_size = 1
    db.session.commit()
    login_as("trainer")
    rows = table(client, f"/trainer/adoption/{which}.csv")
    assert rows[0] == header and len(rows) > 1
    if which in ("units", "proficiency", "scores"):
        assert {r[0] for r in rows[1:]} == {"Sales North America", "Sales EMEA"}


def test_time_to_proficiency_from_the_replayed_demo_history(client, fitted_demo, login_as, db):
    """The demo's learners closed gaps after their eLearning: the dashboard and its CSV say how fast."""
    for person in skill_model.people_without_history():
        skill_model.rebuild_history(person)
    units = list(db.session.scalars(select(BusinessUnit)))
    figures = dashboard(units)["proficiency"]
    closed = {u.name: figures["time_to_proficiency"][u.id] for u in units}
    assert sum(t["closed"] for t in closed.values()) > 0
    assert all(t["median_days"] is None or t["median_days"] > 0 for t in closed.values())
    assert all(v is None or 0 <= v <= 1 for s in figures["series"].values() for v in s)
    login_as("trainer")
    rows = {r[0]: r for r in table(client, "/trainer/adoption/units.csv")[1:]}
    for name, row in rows.items():
        assert int(row[5]) == closed[name]["closed"] and int(row[6]) == closed[name]["open"]
    page = client.get("/trainer/adoption").get_data(as_text=True)
    assert "Proficiency over time" in page and "Time to proficiency" in page


def test_unit_people_and_assignments_and_a_profile(client, fitted_demo, login_as, db):
    tara = user_by_email("trainee@demo.uptake")
    login_as("trainer")
    people = table(client, f"/trainer/units/{tara.business_unit_id}/people.csv")
    assert people[0][:4] == ["name", "email", "job_role", "active"] and len(people) == 1 + 12
    mine = next(r for r in people if r[1] == tara.email)
    assert int(mine[4]) == int(mine[5]) + int(mine[6]) + int(mine[7]) > 0
    weak = set(db.session.scalars(select(Skill.name).join(MasteryEstimate).where(
        MasteryEstimate.user_id == tara.id, MasteryEstimate.verdict == "weak")))
    assert set(filter(None, mine[8].split("; "))) <= weak and int(mine[6]) == len(set(filter(None, mine[8].split("; "))))

    client.post(f"/trainer/units/{tara.business_unit_id}/accept-plan",
                data={"csrf_token": _csrf(client, f"/trainer/units/{tara.business_unit_id}")})
    assigned = table(client, f"/trainer/units/{tara.business_unit_id}/assignments.csv")
    assert assigned[0] == ["person", "email", "assignment", "kind", "for", "origin", "due_date", "done", "overdue",
                           "note"]
    made = db.session.scalars(select(Assignment).where(Assignment.origin == "plan")).all()
    assert len([r for r in assigned[1:] if r[5] == "plan"]) == len(made) > 0

    profile = table(client, f"/trainer/people/{tara.id}/profile.csv")
    assert profile[0][:3] == ["skill", "mastery_probability", "target"] and len(profile) == 1 + 11
    assert profile[0][4:7] == ["answers", "exercises", "verdict"]
    assert all(r[6] in ("proficient", "weak", "not_enough_evidence") for r in profile[1:])


def _csrf(client, url):
    from tests.helpers import csrf_from

    return csrf_from(client.get(url))


def test_trainers_get_nothing_outside_their_units(client, fitted_demo, login_as, db):
    login_as("trainer")
    marketing = unit_id(db, "Marketing")
    stranger = next(u for u in db.session.get(BusinessUnit, marketing).members)
    for url in (f"/trainer/units/{marketing}/people.csv", f"/trainer/units/{marketing}/assignments.csv",
                f"/trainer/people/{stranger.id}/profile.csv"):
        assert client.get(url).status_code == 404, url
    assert {r[0] for r in table(client, "/trainer/units.csv")[1:]} == {"Sales North America", "Sales EMEA"}
    post_form(client, "/trainer/", "/auth/sign-out", {})
    login_as("trainee")
    assert client.get("/trainer/units.csv").status_code == 403


@pytest.mark.parametrize("which, header, expected", [
    ("units", ["name", "description", "active"], "Customer Service"),
    ("job-roles", ["name", "description", "active"], "service agent"),
    ("skills", ["name", "key", "description", "active"], "case-management"),
    ("objectives", ["job_role", "business_unit", "skill", "target", "weight"], "Case management"),
    ("quizzes", ["key", "title", "job_role", "time_limit_minutes", "layout", "active"], "adaptive-skills-check"),
])
def test_admin_tables_download(client, fitted_demo, login_as, which, header, expected):
    login_as("admin")
    rows = table(client, f"/admin/{which}.csv")
    assert rows[0] == header and any(expected in r for r in rows[1:])


def test_admin_table_exports_neutralise_formulas(client, demo, login_as, db):
    from app.services import catalogue

    catalogue.save_org_record(BusinessUnit, user_by_email("admin@demo.uptake").organisation_id,
                              "=HYPERLINK(\"http://evil\")", "@SUM(A1)")
    login_as("admin")
    text = client.get("/admin/units.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "\n=" not in text
    post_form(client, "/admin/", "/auth/sign-out", {})
    login_as("trainer")
    assert client.get("/admin/units.csv").status_code == 403


def test_heatmap_by_job_role_and_its_click_through_to_the_people(client, fitted_demo, login_as, db):
    from app.models import JobRole

    login_as("trainer")
    page = client.get("/trainer/?by=job_role").get_data(as_text=True)
    assert "<strong>job role</strong>" in page and "account executive" in page and "service agent" not in page
    executive = db.session.scalar(select(JobRole.id).where(JobRole.name == "account executive"))
    by_role = table(client, "/trainer/heatmap.csv?by=job_role")
    assert by_role[0][0] == "job_role" and {r[0] for r in by_role[1:]} <= {"account executive", "sales manager"}
    cell = next(r for r in by_role[1:] if r[0] == "account executive" and r[1] == "Data quality")

    people = client.get(f"/trainer/gaps?skill=data-quality&role={executive}")
    assert people.status_code == 200 and "Data quality: who needs it" in people.get_data(as_text=True)
    assert f"/trainer/gaps.csv?skill=data-quality&amp;role={executive}" in people.get_data(as_text=True)
    rows = table(client, f"/trainer/gaps.csv?skill=data-quality&role={executive}")
    assert rows[0][6:9] == ["answers", "exercises", "verdict"]
    assert len(rows) - 1 == int(cell[2]) and sum(r[8] == "weak" for r in rows[1:]) == int(cell[3])
    verdicts = [r[8] for r in rows[1:]]
    assert verdicts == sorted(verdicts, key=["weak", "not_enough_evidence", "proficient"].index)  # weakest first
    assert {r[2] for r in rows[1:]} <= {"Sales North America", "Sales EMEA"}

    north = unit_id(db, "Sales North America")
    in_unit = table(client, f"/trainer/gaps.csv?skill=data-quality&unit={north}")
    assert in_unit[1:] and {r[2] for r in in_unit[1:]} == {"Sales North America"}
    for url in (f"/trainer/gaps?skill=data-quality&unit={unit_id(db, 'Marketing')}", "/trainer/gaps?skill=nope"):
        assert client.get(url).status_code == 404
