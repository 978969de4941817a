"""The admin's CRM import through the pages: upload, preview with matched and unmatched users, confirm
or discard, link a CRM user; the trainee's "Why?" then shows what was measured in the CRM."""
from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from app.models import CrmEvent, CrmImport, CrmUser
from tests.helpers import csrf_from, post_form, user_by_email

DATA = Path(__file__).resolve().parents[1] / "data" / "crm"


def upload(client, name, raw=None, object_type=""):
    token = csrf_from(client.get("/admin/crm"))
    return client.post("/admin/crm", data={"csrf_token": token, "object": object_type,
                                           "file": (io.BytesIO(raw if raw is not None else (DATA / name).read_bytes()), name)},
                       content_type="multipart/form-data")


def press(client, import_id, action):
    page = f"/admin/crm/imports/{import_id}"
    return client.post(page, data={"csrf_token": csrf_from(client.get(page)), "action": action})


def test_admin_uploads_an_event_log_sees_the_preview_and_confirms(client, fitted_demo, login_as, db):
    login_as("admin")
    response = upload(client, "EventLogFile_Login.csv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Salesforce event log file" in page and "5 new" in page
    assert "2: 1 matched to people, 1 not matched" in page
    assert "Tara Ingram" in page and "m.keller@corp.example" in page and "Not matched: kept" in page
    assert "02 Nov 2026 – 16 Nov 2026" in page
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert db.session.scalar(select(func.count()).select_from(CrmEvent).where(CrmEvent.confirmed.is_(True))) == 0
    done = press(client, run_id, "confirm")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported 5 new events" in page and "Link the unmatched CRM users" in page
    assert db.session.scalar(select(func.count()).select_from(CrmEvent).where(CrmEvent.confirmed.is_(True))) == 5
    again = press(client, run_id, "confirm")  # a second press (back button, double click) imports nothing twice
    assert "already been confirmed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CrmEvent)) == 5


def test_a_discarded_preview_keeps_nothing(client, fitted_demo, login_as, db):
    login_as("admin")
    run_id = int(upload(client, "Opportunity.csv").headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/admin/crm/imports/{run_id}").get_data(as_text=True)
    assert "names CRM users by id only" in page  # the hint to import the User export first
    follow = client.get(press(client, run_id, "discard").headers["Location"]).get_data(as_text=True)
    assert "Discarded" in follow and db.session.get(CrmImport, run_id).status == "discarded"
    assert db.session.scalar(select(func.count()).select_from(CrmEvent)) == 0


def test_a_file_of_another_kind_is_refused_with_what_uptake_reads(client, fitted_demo, login_as, db):
    login_as("admin")
    response = upload(client, "people.csv", raw=b"email,name\na@b.example,A\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "does not recognise this file" in page and "generic event format" in page
    assert upload(client, "x.csv", raw=b"").status_code == 422
    assert "Choose an export file" in upload(client, "", raw=b"a").get_data(as_text=True)


def test_rows_that_cannot_be_read_are_listed_with_their_line(client, fitted_demo, login_as):
    login_as("admin")
    raw = b"occurred_at,user_email,event\n2026-11-02T09:01:00Z,trainee@demo.uptake,login\nsoon,trainee@demo.uptake,login\n"
    page = client.get(upload(client, "events.csv", raw=raw).headers["Location"]).get_data(as_text=True)
    assert "1 row could not be read" in page and "Line 3:" in page


def test_admin_links_an_unmatched_crm_user_to_a_person(client, fitted_demo, login_as, db):
    login_as("admin")
    run_id = int(upload(client, "EventLogFile_Login.csv").headers["Location"].rsplit("/", 1)[1])
    press(client, run_id, "confirm")
    link = db.session.scalar(select(CrmUser).where(CrmUser.crm_user == "0055g00000XyZwQAAV"))
    page = client.get("/admin/crm/users").get_data(as_text=True)
    assert "m.keller@corp.example" in page and "matched by email" in page
    person = user_by_email("trainer2@demo.uptake")
    response = client.post("/admin/crm/users", data={"csrf_token": csrf_from(client.get("/admin/crm/users")),
                                                     "crm_user": link.id, "person": person.id})
    assert "is now linked" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(link)
    assert (link.user_id, link.matched_by) == (person.id, "admin")
    bad = client.post("/admin/crm/users", data={"csrf_token": csrf_from(client.get("/admin/crm/users")),
                                                "crm_user": "x", "person": "1"})
    assert "nothing was changed" in client.get(bad.headers["Location"]).get_data(as_text=True)


def test_crm_pages_are_for_admins_only(client, fitted_demo, login_as):
    login_as("trainer")
    assert client.get("/admin/crm").status_code == 403
    assert client.get("/admin/crm/users").status_code == 403


def test_the_trainee_sees_what_was_measured_in_the_crm_under_why(client, fitted_demo, login_as):
    login_as("admin")
    for name in ("User.csv", "Opportunity.csv"):
        press(client, int(upload(client, name).headers["Location"].rsplit("/", 1)[1]), "confirm")
    post_form(client, "/admin/", "/auth/sign-out", {})
    login_as("trainee")
    page = client.get("/me/").get_data(as_text=True)
    assert "What you do in the CRM" in page
    assert re.search(r"Measured in the CRM: open opportunities with a next step[^<]*— 1 of 3 in \w{3} \d{4}", page)
    assert re.search(r"\d+ answers?, [^<]*1 month measured in the CRM|\d+ answers? and 1 month measured in the CRM", page)


def test_a_nightly_job_sends_events_with_the_ingest_token(client, fitted_demo, login_as, db, app):
    login_as("admin")
    page = client.post("/admin/crm/token", data={"csrf_token": csrf_from(client.get("/admin/crm"))})
    token = re.search(r'value="(crm_[^"]+)"', page.get_data(as_text=True)).group(1)
    post_form(client, "/admin/", "/auth/sign-out", {})
    job = app.test_client()  # no session, no cookies: the token alone
    body = (DATA / "generic_events.jsonl").read_bytes()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    first = job.post("/api/v1/crm/events?name=nightly.jsonl", data=body, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    answer = first.get_json()
    assert (answer["format"], answer["events_new"], answer["events_known"]) == ("generic", 5, 0)
    assert [u["email"] for u in answer["unmatched_users"]] == ["someone@unknown.example"]
    again = job.post("/api/v1/crm/events", data=body, headers=headers).get_json()
    assert (again["events_new"], again["events_known"]) == (0, 5)
    assert db.session.scalar(select(func.count()).select_from(CrmEvent).where(CrmEvent.confirmed.is_(True))) == 5
    refused = job.post("/api/v1/crm/events", data=body, headers={"Authorization": "Bearer crm_wrong"})
    assert refused.status_code == 401 and "ingest token" in refused.get_json()["error"]["message"]
    assert job.post("/api/v1/crm/events", data=body).status_code == 401
    bad = job.post("/api/v1/crm/events", data=b"a,b\n1,2\n", headers=headers)
    assert bad.status_code == 422 and "does not recognise" in bad.get_json()["error"]["message"]
    login_as("admin")  # a new token replaces the old one
    client.post("/admin/crm/token", data={"csrf_token": csrf_from(client.get("/admin/crm"))})
    assert job.post("/api/v1/crm/events", data=body, headers=headers).status_code == 401


def _import_all(client):
    for name in ("User.csv", "EventLogFile_Login.csv", "EventLogFile_Report.csv", "Opportunity.csv", "Contact.csv"):
        response = upload(client, name)
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:300])
        press(client, int(response.headers["Location"].rsplit("/", 1)[1]), "confirm")


def test_a_trainee_sees_their_own_crm_use_and_their_trainer_sees_it_too(client, fitted_demo, login_as):
    login_as("admin")
    _import_all(client)
    post_form(client, "/admin/", "/auth/sign-out", {})
    login_as("trainee")
    page = client.get("/me/crm").get_data(as_text=True)
    assert "Open opportunities with a next step and a close date still ahead: 1 of 3" in page
    assert "Working weeks in which you ran or exported a report: 2 of 3" in page
    assert "Contacts created with an email, a phone number and an account: 1 of 3" in page
    assert "Only you, your trainers" in page
    post_form(client, "/me/", "/auth/sign-out", {})
    login_as("trainer")
    tara = user_by_email("trainee@demo.uptake")
    page = client.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    assert "In the CRM" in page and "1 of 3" in page and "what they do" in page


def test_a_trainee_with_nothing_measured_is_told_why(client, fitted_demo, login_as):
    login_as("trainee")
    assert "Nothing measured from your CRM use yet" in client.get("/me/crm").get_data(as_text=True)


def test_the_adoption_dashboard_shows_crm_use_beside_mastery(client, fitted_demo, login_as):
    from datetime import datetime, timedelta, timezone

    login_as("admin")
    days_ago = [datetime.now(timezone.utc) - timedelta(days=d, hours=2) for d in (1, 3, 8, 15)]
    lines = ["occurred_at,user_email,event,object,record_id"]
    lines += [f"{when:%Y-%m-%dT%H:%M:%SZ},trainee@demo.uptake,login,," for when in days_ago]
    lines += [f"{when:%Y-%m-%dT%H:%M:%SZ},trainee@demo.uptake,record_created,Contact,c{n}" for n, when in enumerate(days_ago)]
    lines += [f"{days_ago[0]:%Y-%m-%dT%H:%M:%SZ},trainee@demo.uptake,report_run,Report,r1"]
    response = upload(client, "recent.csv", raw=("\n".join(lines) + "\n").encode())
    press(client, int(response.headers["Location"].rsplit("/", 1)[1]), "confirm")
    page = client.get("/trainer/adoption").get_data(as_text=True)
    assert "Use of the CRM itself" in page and "Features used in the last 90 days" in page
    assert re.search(r"Nobody in [^<]+</strong> uses [^<]*cases created", page)
    csv = client.get("/trainer/adoption/crm.csv").get_data(as_text=True)
    assert csv.startswith("business_unit,measure,month,share") and "active users (share)" in csv


def test_the_unit_plan_lists_a_trainee_who_knows_but_does_not_apply_under_coaching(client, fitted_demo, login_as):
    login_as("admin")
    lines = ["occurred_at,user_email,event"] + [f"2026-{m:02d}-{d:02d}T08:00:00Z,trainee@demo.uptake,login"
                                                for m in (10, 11) for d in (5, 12, 19, 26)]
    response = upload(client, "logins.csv", raw=("\n".join(lines) + "\n").encode())
    press(client, int(response.headers["Location"].rsplit("/", 1)[1]), "confirm")
    tara = user_by_email("trainee@demo.uptake")
    page = client.get(f"/trainer/units/{tara.business_unit_id}").get_data(as_text=True)
    coaching = page.split("Coaching, not training", 1)[1].split("</ul>", 1)[0]
    assert "Reports &amp; dashboards" in coaching and "Tara Ingram" in coaching
    page = client.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    assert "not yet applied in the CRM: coaching, not a course" in page
