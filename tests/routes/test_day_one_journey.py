"""Issue #15's "done when", as one journey from an empty database (no demo): the first admin creates
the organisation on the first-run page; imported people receive activation mail through a real
SMTP server (aiosmtpd); one activates by the link, another signs in through a real OpenID Provider
(pyop); an assignment's reminder and escalation arrive on schedule (the sweep is given tomorrow's
dates — nothing sleeps); a workshop invitation arrives that a calendar reads as an invitation
(icalendar); and the trainer's attendance record completes the module."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import icalendar
import requests
from sqlalchemy import select

from app.models import Assignment, BusinessUnit, JobRole, Message, ModuleProgress, TrainingSession, User
from app.services import messages, notices, sessions, sso, user_import
from app.services.assignments import create_assignment, statuses_for_people
from app.services.content import load_content
from tests.helpers import csrf_from, post_form, user_by_email
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.services.test_messages import smtp  # noqa: F401 - the real SMTP server fixture

PEOPLE = ("email,name,role,business_unit,job_role,trainer_units\n"
          "tom.trainer@acme.example,Tom Trainer,trainer,,,Field Sales\n"
          "sam.seller@acme.example,Sam Seller,trainee,Field Sales,account executive,\n"
          "ola.okafor@acme.example,Ola Okafor,trainee,Field Sales,account executive,\n").encode()


def _mail_to(inbox, address: str) -> list:
    return [m for _, rcpt, m in inbox.received if address in rcpt]


def _deliver(now=None) -> None:
    result = messages.deliver_due(now=now)
    assert result.get("failed", 0) == 0, result


def test_a_company_runs_uptake_from_an_empty_database(app, client, db, smtp, tmp_path_factory):  # noqa: F811
    # 1. the first-run page creates the organisation and its first admin, signed in at once
    assert client.get("/").location.endswith("/auth/setup")
    setup = client.get("/auth/setup")
    created = client.post("/auth/setup", data={
        "csrf_token": csrf_from(setup), "name": "Acme Ltd", "time_zone": "Europe/London",
        "admin_name": "Ada Lovelace", "admin_email": "ada@acme.example", "password": "a long admin password",
        "password_again": "a long admin password"})
    assert created.status_code == 302 and created.location.endswith("/admin/")
    admin = user_by_email("ada@acme.example")
    assert admin.role == "admin" and admin.organisation.time_zone == "Europe/London"

    # 2. the admin adds a unit and a job role, then imports people; the content is loaded
    for kind, name in (("units", "Field Sales"), ("job-roles", "account executive")):
        assert post_form(client, f"/admin/{kind}/new", f"/admin/{kind}/new",
                         {"name": name, "description": ""}).status_code == 302
    assert not load_content().problems  # the shipped bank loads although Acme has no "sales manager" role
    user_import.apply(admin, PEOPLE, "http://localhost")
    _deliver()
    for address in ("tom.trainer@acme.example", "sam.seller@acme.example", "ola.okafor@acme.example"):
        (mail,) = _mail_to(smtp, address)
        assert "Activate your Uptake account at Acme Ltd" in mail["Subject"]
        assert mail.get_body(("plain",)) and mail.get_body(("html",))

    # 3. Sam activates through the link in the mail; Tom too (he will train them)
    for address, password in (("sam.seller@acme.example", "sams long password"),
                              ("tom.trainer@acme.example", "toms long password")):
        text = _mail_to(smtp, address)[0].get_body(("plain",)).get_content()
        link = urlsplit(re.search(r"https?://\S+/auth/activate/\S+", text).group(0)).path
        page = client.get(link)
        assert page.status_code == 200
        assert client.post(link, data={"csrf_token": csrf_from(page), "password": password}).status_code == 302
    assert not user_by_email("sam.seller@acme.example").awaiting_activation

    # 4. Ola signs in through the company's identity provider instead
    sso.forget_clients()
    with running_provider(str(tmp_path_factory.getbasetemp())) as op:
        app.config["SSO_CA_BUNDLE"] = op.ca_bundle
        op.redirect_uris.append("http://localhost/auth/sso/callback")
        op.people["ola.okafor@acme.example"] = {"email": "ola.okafor@acme.example", "email_verified": True,
                                                "name": "Ola Okafor"}
        sso.update_settings(admin, sso.SsoSettings(
            enabled=True, discovery_url=f"{op.issuer}/.well-known/openid-configuration", client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET, allowed_domains="acme.example"))
        ola_browser = app.test_client()
        start = ola_browser.get(f"/auth/sso/{admin.organisation_id}")
        op.sign_in_as = "ola.okafor@acme.example"
        back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=10,
                                     verify=op.ca_bundle).headers["Location"])
        signed_in = ola_browser.get(f"{back.path}?{back.query}")
        assert signed_in.status_code == 302 and signed_in.location.endswith("/me/")
        assert "Ola Okafor" in ola_browser.get("/me/").get_data(as_text=True)
        app.config["SSO_CA_BUNDLE"] = ""
    sso.forget_clients()

    # 5. Tom assigns Sam a module; the notice, the reminder and the escalation arrive on schedule
    tom, sam = user_by_email("tom.trainer@acme.example"), user_by_email("sam.seller@acme.example")
    today = date.today()
    due = today + timedelta(days=10)
    assignment = create_assignment(tom, "module", "el-pipeline", "user", sam.id, due, note="Before the Q1 review")
    _deliver()
    (notice,) = _mail_to(smtp, sam.email)[1:]
    assert "A pipeline that tells the truth" in notice.get_body(("plain",)).get_content()
    organisation = admin.organisation
    assert notices.send_reminders(today=due - timedelta(days=organisation.remind_days_before + 1)) == \
        {"due_soon": 0, "overdue": 0, "escalated": 0}  # too early: nothing
    assert notices.send_reminders(today=due - timedelta(days=organisation.remind_days_before))["due_soon"] == 1
    assert notices.send_reminders(today=due + timedelta(days=1))["overdue"] == 1
    late = due + timedelta(days=organisation.escalate_after_days)
    assert notices.send_reminders(today=late)["escalated"] == 1
    assert notices.send_reminders(today=late)["escalated"] == 0  # a second sweep sends nothing twice
    _deliver()
    subjects = [m["Subject"] for m in _mail_to(smtp, sam.email)]
    assert any("due" in s.lower() and "A pipeline" in s for s in subjects[2:]), subjects
    (escalation,) = _mail_to(smtp, tom.email)[1:]
    assert f"{sam.name} is {organisation.escalate_after_days} days late" in escalation["Subject"]

    # 6. a workshop: the invitation is one a calendar client reads as an invitation
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Field Sales"))
    starts = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=14)
    room = TrainingSession(business_unit_id=unit.id, module_key="ilt-pipeline", created_by=tom.id, starts_at=starts,
                           minutes=120, location="Room 2, London office", capacity=8)
    db.session.add(room)
    db.session.flush()
    seat = Assignment(kind="module", ref="ilt-pipeline", target_type="user", target_id=sam.id, due_date=starts.date(),
                      created_by=tom.id, origin="plan", session_id=room.id)
    db.session.add(seat)
    notices.invite_to_session(room, [sam], "Workshop: pipeline reviews with real data")
    db.session.commit()
    _deliver()
    invitation = next(m for m in _mail_to(smtp, sam.email) if m["Subject"].startswith("Invitation:"))
    part = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST" and event.decoded("dtstart") == starts
    assert str(event["ATTENDEE"]) == f"mailto:{sam.email}" and str(event["LOCATION"]) == "Room 2, London office"

    # 7. after the session, Tom records attendance: that completes the workshop module for Sam
    room.starts_at = datetime.now(timezone.utc) - timedelta(hours=3)
    db.session.commit()
    assert sessions.record_attendance(tom, room.id, {sam.id}) == 1
    assert db.session.scalar(select(ModuleProgress.status).where(
        ModuleProgress.user_id == sam.id, ModuleProgress.module_key == "ilt-pipeline")) == "completed"
    statuses = statuses_for_people([db.session.get(User, sam.id)])[sam.id]
    assert next(s for s in statuses if s.assignment.id == seat.id).done
    assert db.session.scalar(select(JobRole.name).where(JobRole.id == sam.job_role_id)) == "account executive"
    assert db.session.get(Assignment, assignment.id).active
    assert db.session.scalar(select(Message.id).where(Message.status == "failed")) is None
