"""Assignment notices, reminders before and after the due date, escalation to trainers and the
unsubscribe link — with time travel (the sweep is given the date), never sleeps."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Message, ModuleProgress, User
from app.services import assignments, messages, notices
from tests.helpers import user_by_email

TODAY = date.today()


@pytest.fixture
def people(content_loaded, db):
    return user_by_email("trainer@demo.uptake"), user_by_email("trainee@demo.uptake")


def _mail(db, prefix: str):
    return db.session.scalars(select(Message).where(Message.dedup_key.like(f"{prefix}%")).order_by(Message.id)).all()


def test_an_assignment_tells_each_person_what_is_due_when_and_why(people, db):
    trainer, tara = people
    a = assignments.create_assignment(trainer, "exercise", "close-lost-with-reason", "user", tara.id,
                                      TODAY + timedelta(days=10), note="Your pipeline answers were weak.")
    (mail,) = _mail(db, f"assigned:{a.id}:")
    assert mail.recipient == tara.email and mail.kind == "assignment"
    due = notices.long_date(TODAY + timedelta(days=10))
    assert due in mail.subject and "Record a lost deal honestly" in mail.subject
    assert "Why: Your pipeline answers were weak." in mail.text_body and "/me/" in mail.text_body
    assert "Your pipeline answers were weak." in mail.html_body


def test_a_unit_assignment_reaches_every_active_trainee_of_the_unit_once(people, db):
    trainer, tara = people
    colleague = next(p for p in tara.business_unit.members if p.role == "trainee" and p.id != tara.id)
    colleague.active = False
    db.session.commit()
    a = assignments.create_assignment(trainer, "quiz", "crm-basics", "unit", tara.business_unit_id,
                                      TODAY + timedelta(days=7))
    sent_to = [m.recipient for m in _mail(db, f"assigned:{a.id}:")]
    expected = sorted(p.email for p in tara.business_unit.members if p.role == "trainee" and p.active)
    assert sorted(sent_to) == expected and colleague.email not in sent_to and len(sent_to) > 3
    assert notices.notify_assigned(a, "again") == 0  # the same cause queues nothing new


def test_reminders_come_before_the_due_date_after_it_and_then_the_trainer_hears(people, db):
    trainer, tara = people
    a = assignments.create_assignment(trainer, "exercise", "close-lost-with-reason", "user", tara.id,
                                      TODAY + timedelta(days=5))
    mine = f":{a.id}:{tara.id}:"

    def sweep(days):
        notices.send_reminders(today=TODAY + timedelta(days=days))
        return [m for m in db.session.scalars(select(Message).order_by(Message.id)) if mine in m.dedup_key]

    assert sweep(0) == [] and sweep(1) == []  # more than 3 days ahead: nothing yet
    due_soon = sweep(2)
    assert [m.kind for m in due_soon] == ["reminder"] and due_soon[0].recipient == tara.email
    assert "Due " in due_soon[0].subject and "/auth/reminders/" in due_soon[0].text_body
    assert len(sweep(3)) == 1 and len(sweep(5)) == 1  # one reminder before the date, however often the sweep runs
    overdue = sweep(6)
    assert [m.kind for m in overdue] == ["reminder", "overdue"] and "1 day late" in overdue[1].text_body
    assert len(sweep(11)) == 2  # 6 days late: not escalated yet (after 7)
    escalated = sweep(12)
    to_trainer, to_manager = escalated[-2:]
    assert [to_trainer.kind, to_manager.kind] == ["escalation"] * 2 and to_trainer.recipient == trainer.email
    assert tara.name in to_trainer.subject and f"/trainer/people/{tara.id}" in to_trainer.text_body
    # her line manager hears too, pointed at the team view rather than her skill profile
    assert to_manager.recipient == tara.manager.email and "/team" in to_manager.text_body
    assert "/trainer/people/" not in to_manager.text_body + to_manager.html_body
    assert "trainer2@demo.uptake" not in [m.recipient for m in escalated]  # not Tara's unit's trainer
    assert len(sweep(20)) == len(escalated)


def test_escalation_waits_as_long_as_the_organisation_says(people, db):
    trainer, tara = people
    tara.organisation.escalate_after_days = 2
    db.session.commit()
    a = assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, TODAY)
    notices.send_reminders(today=TODAY + timedelta(days=2))
    assert [m.recipient for m in _mail(db, f"escalation:{a.id}:")] == [trainer.email, tara.manager.email]


def test_done_work_and_switched_off_reminders_send_nothing_but_the_trainer_still_hears(people, db):
    trainer, tara = people
    done = assignments.create_assignment(trainer, "module", "el-pipeline", "user", tara.id, TODAY + timedelta(days=1))
    db.session.add(ModuleProgress(user_id=tara.id, module_key="el-pipeline", status="completed"))
    db.session.commit()
    late = assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, TODAY)
    token = notices.unsubscribe_link(tara).rsplit("/", 1)[1]
    assert notices.user_from_token(token).id == tara.id
    assert notices.user_from_token(token[:-2] + "xx") is None and notices.user_from_token("garbage") is None
    notices.set_reminders(notices.user_from_token(token), on=False)
    notices.send_reminders(today=TODAY + timedelta(days=8))
    assert _mail(db, "due-soon:") == [] and _mail(db, "overdue:") == []
    assert not [m for m in _mail(db, "escalation:") if m.dedup_key.startswith(f"escalation:{done.id}:")]
    assert [m.recipient for m in _mail(db, f"escalation:{late.id}:")] == [trainer.email, tara.manager.email]


def test_accepting_a_plan_mails_each_new_assignment(fitted_demo, db):
    from app.models import Assignment, BusinessUnit

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    assignments.accept_plan(trainer, unit)
    elearning = db.session.scalars(select(Assignment).where(Assignment.origin == "plan",
                                                            Assignment.session_id.is_(None))).all()
    ids = {str(a.id) for a in elearning}
    mails = [m for m in _mail(db, "assigned:") if m.dedup_key.split(":")[1] in ids]
    assert elearning and {(m.dedup_key.split(":")[1], m.recipient) for m in mails} == {
        (str(a.id), db.session.get(User, a.target_id).email) for a in elearning}
    assert all("eLearning from the unit plan" in m.text_body for m in mails)
    assert len(mails) == len(elearning)  # accepting again queues nothing new
    assignments.accept_plan(trainer, unit)
    assert len([m for m in _mail(db, "assigned:") if m.dedup_key.split(":")[1] in ids]) == len(elearning)


def test_refreshers_the_model_assigns_are_mailed(fitted_demo, db):
    from app.models import Assignment

    made = db.session.scalars(select(Assignment).where(Assignment.origin == "refresher")).all()
    assert made
    for assignment in made:
        (mail,) = _mail(db, f"assigned:{assignment.id}:")
        assert mail.kind == "refresher" and mail.subject.startswith("Refresher due")
        assert "is likely to fall below" in mail.text_body


def test_the_worker_delivers_reminders_through_the_outbox(people, db):
    trainer, tara = people
    assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, TODAY + timedelta(days=1))
    notices.send_reminders(today=TODAY)
    assert messages.deliver_due()["sent"] >= 2
    assert all(m.status == "sent" for m in _mail(db, "due-soon:"))


def test_workshop_seats_get_a_calendar_invitation_and_an_update_when_it_changes(fitted_demo, db, app):
    from datetime import datetime, timezone

    import icalendar

    from app.models import Assignment, BusinessUnit, TrainingSession
    from app.services import sessions

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    assignments.accept_plan(trainer, unit)
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    seats = db.session.scalars(select(Assignment).where(Assignment.session_id == session.id)).all()
    invitations = _mail(db, f"workshop:{session.id}:")
    assert seats and sorted(m.recipient for m in invitations) == sorted(
        db.session.get(User, a.target_id).email for a in seats)
    assert not [m for m in _mail(db, "assigned:") if int(m.dedup_key.split(":")[1]) in {a.id for a in seats}]
    first = invitations[0]
    calendar = icalendar.Calendar.from_ical(first.calendar)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert str(event["ATTENDEE"]).lower() == f"mailto:{first.recipient}" and event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert str(event["ORGANIZER"]).startswith("mailto:") and event.decoded("DTSTART") == session.starts_at
    assert str(event["UID"]).startswith(f"session-{session.id}@")
    assert first.subject.startswith("Invitation: ") and "(UTC)" in first.subject
    # only the capacity changes: nobody's calendar needs anything
    sessions.update_session(trainer, session.id, session.starts_at, session.minutes, session.location, session.capacity + 1)
    assert len(_mail(db, f"workshop:{session.id}:")) == len(invitations)
    moved = datetime.now(timezone.utc).replace(microsecond=0, second=0) + timedelta(days=20)
    sessions.update_session(trainer, session.id, moved, 120, "Room 4.02, Berlin office", session.capacity)
    updates = [m for m in _mail(db, f"workshop:{session.id}:") if m.dedup_key.endswith(":1")]
    assert len(updates) == len(invitations) and all(m.subject.startswith("Updated invitation") for m in updates)
    (event,) = icalendar.Calendar.from_ical(updates[0].calendar).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1 and str(event["LOCATION"]) == "Room 4.02, Berlin office"
    assert event.decoded("DTSTART") == moved and event.decoded("DTEND") == moved + timedelta(minutes=120)
    assert str(event["UID"]).startswith(f"session-{session.id}@")
    # delivered, the invitation is a text/calendar part a calendar client offers to accept
    messages.deliver_due()
    from pathlib import Path
    import email
    import email.policy

    eml = (Path(app.instance_path) / "mail" / f"{updates[0].id:08d}.eml").read_bytes()
    parsed = email.message_from_bytes(eml, policy=email.policy.default)
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST" and "BEGIN:VEVENT" in part.get_content()


def test_the_weekly_digest_tells_each_trainer_what_moved_in_their_units(fitted_demo, db):
    from datetime import datetime, timezone

    from app.models import MasteryHistory, Skill
    from app.models.types import utcnow

    trainer, tara = user_by_email("trainer@demo.uptake"), user_by_email("trainee@demo.uptake")
    skill = db.session.scalar(select(Skill).where(Skill.slug == "opportunity-pipeline"))
    db.session.add(MasteryHistory(user_id=tara.id, skill_id=skill.id, probability=0.9, target=0.8, verdict="proficient",
                                  previous_verdict="weak", recorded_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, TODAY)
    now = datetime.now(timezone.utc) + timedelta(days=3)  # the assignment is three days late then
    queued = notices.send_digests(now=now)
    digests = _mail(db, "digest:")
    assert len(digests) == 2 and queued == 2 + len(_mail(db, "team-digest:"))  # both demo trainers, each once
    mine = next(m for m in digests if m.recipient == trainer.email)
    assert "Sales EMEA" in mine.text_body and "Sales North America" in mine.text_body
    assert f"Gaps closed (1): {tara.name} — {skill.name}" in mine.text_body
    emea = mine.text_body.split("Sales EMEA")[1].split("Sales North America")[0]
    assert "Overdue (1): " in emea and f"{tara.name} — " in emea.split("Overdue")[1] and "3 days late" in emea
    assert "Share of people weak" in mine.html_body
    other = next(m for m in digests if m.recipient == "trainer2@demo.uptake")
    assert tara.name not in other.text_body  # only their own units
    assert notices.send_digests(now=now) == 0  # once a week
    assert notices.send_digests(now=now + timedelta(days=7)) == queued


def test_the_digest_carries_the_heatmap_as_an_inline_image(fitted_demo, db):
    import io
    from datetime import datetime, timezone

    from PIL import Image

    from app.charts import heat_colour
    from app.services.messages import email_of
    from app.services.training import heatmap

    trainer = user_by_email("trainer@demo.uptake")
    notices.send_digests(now=datetime.now(timezone.utc))
    mine = next(m for m in _mail(db, "digest:") if m.recipient == trainer.email)
    picture = Image.open(io.BytesIO(mine.image))
    assert picture.format == "PNG" and picture.width >= 400
    heat = heatmap(list(trainer.trained_units))
    assert picture.height > 26 * len(heat["skills"])  # a row per skill
    # the cell colours are the heatmap's: the reddest share drawn is there in the picture
    worst = max(c["share"] for c in heat["cells"].values())
    assert heat_colour(worst) in {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=100000)}
    parsed = email_of(mine)
    html = parsed.get_body(("html",))
    related = next(p for p in parsed.walk() if p.get_content_type() == "image/png")
    assert related["Content-ID"] == "<image@uptake>" and related.get_content() == mine.image
    assert 'src="cid:image@uptake"' in html.get_content()


def test_small_groups_are_grey_in_the_digest_image(fitted_demo, db):
    import io

    from PIL import Image

    from app.charts import heatmap_png
    from app.services.training import heatmap

    units = list(user_by_email("trainer2@demo.uptake").trained_units)  # Customer Service 12, Marketing 8
    shown, guarded = heatmap(units), heatmap(units, min_people=10)
    colours = lambda png: {c for _, c in Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=100000)}  # noqa: E731
    assert (226, 229, 236) not in colours(heatmap_png(shown)) and (226, 229, 236) in colours(heatmap_png(guarded))


def test_line_managers_get_a_team_digest_without_anyones_skill_verdict(fitted_demo, db):
    from datetime import datetime, timezone

    from app.models import MasteryHistory, Skill
    from app.models.types import utcnow

    trainer, tara = user_by_email("trainer@demo.uptake"), user_by_email("trainee@demo.uptake")
    vera = tara.manager
    skill = db.session.scalar(select(Skill).where(Skill.slug == "opportunity-pipeline"))
    db.session.add(MasteryHistory(user_id=tara.id, skill_id=skill.id, probability=0.9, target=0.8, verdict="proficient",
                                  previous_verdict="weak", recorded_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, TODAY)
    notices.send_digests(now=datetime.now(timezone.utc) + timedelta(days=3))
    team = {m.recipient: m for m in _mail(db, "team-digest:")}
    assert set(team) == {"vera.larsen21@demo.uptake", "amara.tanaka22@demo.uptake", "kavya.okafor10@demo.uptake",
                         "liam.larsen11@demo.uptake"}  # the demo's four line managers, once each
    mine = team[vera.email]
    assert f"{tara.name} — " in mine.text_body.split("Overdue (1)")[1] and "3 days late" in mine.text_body
    assert "Skill gaps the team closed this week: 1" in mine.text_body and "/team" in mine.text_body
    assert skill.name not in mine.text_body + mine.html_body  # counts, never which skill of whom
    # a team below the minimum group size gets no skill figure at all
    tara.organisation.min_group_size = 6
    db.session.commit()
    notices.send_digests(now=datetime.now(timezone.utc) + timedelta(days=10))
    later = [m for m in _mail(db, "team-digest:") if m.recipient == vera.email][-1]
    assert "closed this week" not in later.text_body and "at least 6 people report to you" in later.text_body
