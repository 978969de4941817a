"""Assignments, standing rules, completion, overdue, plan acceptance and iCalendar."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Assignment, BusinessUnit, TrainingSession
from app.services import assignments as svc
from app.services import sessions as workshops
from app.services import simulation
from app.services.errors import NotFound, ValidationFailed
from app.services.people import UserInput, create_user
from tests.helpers import user_by_email

TODAY = date.today()


@pytest.fixture
def org(content_loaded, db):
    trainer = user_by_email("trainer@demo.uptake")
    tara = user_by_email("trainee@demo.uptake")
    service = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    return trainer, tara, service


@pytest.mark.parametrize("kind, ref, target, due_days, field", [
    ("lesson", None, "user", 5, "kind"), ("module", "el-nope", "user", 5, "ref"), ("quiz", "no-quiz", "user", 5, "ref"),
    ("exercise", "no-exercise", "user", 5, "ref"), ("module", "el-pipeline", "user", -1, "due_date"),
    ("module", "el-pipeline", "job_role", 5, "target"), ("module", "el-pipeline", "galaxy", 5, "target"),
])
def test_invalid_assignments_are_refused(org, kind, ref, target, due_days, field):
    trainer, tara, _ = org
    target_id = tara.id if target == "user" else tara.job_role_id
    with pytest.raises(ValidationFailed) as excinfo:
        svc.create_assignment(trainer, kind, ref, target, target_id, TODAY + timedelta(days=due_days))
    assert excinfo.value.field == field


def test_trainer_cannot_assign_outside_their_units(org):
    trainer, _, service = org
    with pytest.raises(NotFound):
        svc.create_assignment(trainer, "module", "el-cases", "unit", service.id, TODAY + timedelta(days=7))


def test_unit_assignment_is_standing_and_reaches_new_members(org):
    trainer, tara, _ = org
    svc.create_assignment(trainer, "quiz", "crm-basics", "unit", tara.business_unit_id, TODAY + timedelta(days=7))
    newcomer = create_user(tara.organisation_id, UserInput(
        email="later@demo.uptake", name="Late Joiner", role="trainee", business_unit_id=tara.business_unit_id,
        job_role_id=tara.job_role_id, password="late-joiner-pass"))
    statuses = svc.assignments_for(newcomer)
    assert [s.title for s in statuses] == ["CRM basics: find it, log it, keep it clean"] and not statuses[0].done


def test_exercise_assignment_completes_when_passed_and_overdue_otherwise(org, db):
    trainer, tara, _ = org
    a = svc.create_assignment(trainer, "exercise", "close-lost-with-reason", "user", tara.id, TODAY)
    later = TODAY + timedelta(days=2)
    assert svc.assignments_for(tara, today=later)[0].overdue
    attempt = simulation.start_exercise(tara, "close-lost-with-reason")
    simulation.perform(tara, attempt.id, {"type": "update", "object": "opportunity", "id": attempt.bindings["deal"][1],
                                          "fields": {"stage": "Closed Lost", "lost_reason": "Price"}})
    simulation.finish(tara, attempt.id)
    status = svc.assignments_for(tara, today=later)[0]
    assert status.assignment.id == a.id and status.done and not status.overdue
    unit = db.session.get(BusinessUnit, tara.business_unit_id)
    assert svc.overdue_in_unit(unit, today=later) == []


def test_accepting_a_plan_creates_sessions_assignments_and_a_calendar(fitted_demo, db):
    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    counts = svc.accept_plan(trainer, unit)
    assert counts["sessions"] >= 1 and counts["assignments"] >= counts["sessions"]
    sessions = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).all()
    assert len(sessions) == counts["sessions"]
    made = db.session.scalars(select(Assignment).where(Assignment.origin == "plan")).all()
    assert len(made) == counts["assignments"] and all(a.created_by == trainer.id for a in made)
    # each says which gap caused it and the evidence behind that gap
    assert all(a.note.startswith(("Instructor-led session from the unit plan.", "eLearning from the unit plan."))
               and "sure you have mastered it" in a.note and re.search(r"from \d+ answers?( and \d+ exercises?)?", a.note)
               and not re.search(r"\d\.\d answers", a.note) for a in made)
    ics = workshops.ical(unit, "uptake.test")
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == len(sessions) and "DTSTART:" in ics and "@uptake.test" in ics
    assert "\n" not in ics.replace("\r\n", "")


def _statements(db, fn):
    from sqlalchemy import event

    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_overdue_list_costs_the_same_queries_for_any_number_of_people(org, db):
    trainer, tara, _ = org
    unit = db.session.get(BusinessUnit, tara.business_unit_id)
    svc.create_assignment(trainer, "quiz", "crm-basics", "unit", unit.id, TODAY)
    svc.create_assignment(trainer, "module", "el-pipeline", "user", tara.id, TODAY)
    later = TODAY + timedelta(days=1)
    db.session.expire_all()
    small = _statements(db, lambda: svc.overdue_in_unit(unit, today=later))
    for n in range(25):
        create_user(tara.organisation_id, UserInput(email=f"extra{n}@demo.uptake", name=f"Extra {n}", role="trainee",
                                                    business_unit_id=unit.id, job_role_id=tara.job_role_id,
                                                    password="extra-person-pass"))
    db.session.expire_all()
    overdue = []
    large = _statements(db, lambda: overdue.extend(svc.overdue_in_unit(unit, today=later)))
    assert large == small
    assert len(overdue) == 12 + 25 + 1  # everyone's unit quiz, and Tara's module


def test_path_assignment_is_done_when_every_required_skill_is_at_target(fitted_demo, db):
    from app.models import MasteryEstimate

    trainer = user_by_email("trainer@demo.uptake")
    tara = user_by_email("trainee@demo.uptake")
    svc.create_assignment(trainer, "path", None, "user", tara.id, TODAY + timedelta(days=30))
    assert not svc.assignments_for(tara)[0].done  # the demo gives her weak skills
    for estimate in db.session.scalars(select(MasteryEstimate).where(MasteryEstimate.user_id == tara.id)):
        estimate.verdict = "proficient"
    db.session.commit()
    assert svc.assignments_for(tara)[0].done


def test_an_admins_job_role_assignment_reaches_that_role_in_every_unit(org, db):
    from app.models import User

    admin, tara = user_by_email("admin@demo.uptake"), org[1]
    svc.create_assignment(admin, "module", "el-pipeline", "job_role", tara.job_role_id, TODAY + timedelta(days=14))
    trainees = db.session.scalars(select(User).where(User.role == "trainee")).all()
    statuses = svc.statuses_for_people(trainees)
    reached = {p.id for p in trainees if [s.title for s in statuses[p.id]] == ["A pipeline that tells the truth"]}
    assert reached == {p.id for p in trainees if p.job_role_id == tara.job_role_id}
    assert len({p.business_unit_id for p in trainees if p.id in reached}) > 1  # across units


def test_accepting_the_plan_again_adds_nothing_and_trainees_see_their_session(fitted_demo, db):
    from datetime import datetime, timezone

    from app.services import training

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    first = svc.accept_plan(trainer, unit)
    assert first["sessions"] >= 1
    assert svc.accept_plan(trainer, unit) == {"sessions": 0, "assignments": 0}
    assert len(db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).all()) \
        == first["sessions"]
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    seat = db.session.scalars(select(Assignment).where(Assignment.session_id == session.id)).first()
    person = db.session.get(type(trainer), seat.target_id)
    later = (datetime.now(timezone.utc) + timedelta(days=90)).replace(hour=14, minute=0, second=0, microsecond=0)
    workshops.update_session(trainer, session.id, later, 120, "Room 4, Lyon office", 14)
    mine = next(s for s in svc.assignments_for(person) if s.assignment.id == seat.id)
    assert mine.session.location == "Room 4, Lyon office" and mine.session.starts_at == later
    with pytest.raises(ValidationFailed, match="attendance"):
        training.mark_read(person, session.module_key)  # a trainee cannot complete a workshop alone


def test_attendance_completes_the_workshop_for_booked_people_only(fitted_demo, db):
    from datetime import datetime, timedelta, timezone

    from app.models import ModuleProgress

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    svc.accept_plan(trainer, unit)
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    booked = workshops.session_seats([session])[session.id]
    assert booked and not any(done for _, done in booked)
    with pytest.raises(ValidationFailed, match="once the session has started"):
        workshops.record_attendance(trainer, session.id, {booked[0][0].id})
    session.starts_at = datetime.now(timezone.utc) - timedelta(hours=2)
    db.session.commit()
    outsider = user_by_email("trainee@demo.uptake")  # Sales EMEA, not booked here
    with pytest.raises(ValidationFailed, match="Only people booked"):
        workshops.record_attendance(trainer, session.id, {outsider.id})
    assert workshops.record_attendance(trainer, session.id, {booked[0][0].id}) == 1
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == booked[0][0].id,
                                                         ModuleProgress.module_key == session.module_key))
    assert row.status == "completed"
    assert dict((p.id, done) for p, done in workshops.session_seats([session])[session.id])[booked[0][0].id] is True


def test_the_calendar_keeps_every_place_inside_its_own_line_and_names_skills(fitted_demo, db):
    from datetime import timezone

    import icalendar

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    svc.accept_plan(trainer, unit)
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    # a place saved before places were checked, with a bare CR that once injected calendar lines
    session.location = "Room 4\rLOCATION:Somewhere else\nATTENDEE:mailto:x@evil.example; a, b"
    db.session.commit()
    ics = workshops.ical(unit, "uptake.test")
    parsed = icalendar.Calendar.from_ical(ics)
    events = parsed.walk("VEVENT")
    assert len(events) == len(workshops.unit_sessions(unit)) >= 1
    ours = next(e for e in events if str(e["UID"]) == f"session-{session.id}@uptake.test")
    assert str(ours["LOCATION"]).startswith("Room 4") and "ATTENDEE" not in ours and "x@evil" in str(ours["LOCATION"])
    assert "Skills: " in str(ours["DESCRIPTION"]) and "-" not in str(ours["DESCRIPTION"]).split("Skills: ")[1].split(",")[0]
    starts = session.starts_at if session.starts_at.tzinfo else session.starts_at.replace(tzinfo=timezone.utc)
    assert ours.decoded("DTSTART") == starts


@pytest.mark.parametrize("change, field", [
    ({"starts_at": "9999-12-31T23:59"}, "starts_at"), ({"starts_at": "2001-01-01T09:00"}, "starts_at"),
    ({"location": "Room 4\rLOCATION:evil"}, "location"), ({"location": "Room \u202e4"}, "location"),
    ({"location": "   "}, "location"), ({"minutes": 5}, "minutes"), ({"capacity": 0}, "capacity")])
def test_session_changes_out_of_bounds_are_refused_and_change_nothing(fitted_demo, db, change, field):
    from datetime import datetime, timezone

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    svc.accept_plan(trainer, unit)
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    before = (session.starts_at, session.location, session.minutes, session.capacity)
    values = {"starts_at": (datetime.now(timezone.utc) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
              "location": "Room 4", "minutes": 60, "capacity": 10, **change}
    with pytest.raises(ValidationFailed) as excinfo:
        workshops.update_session(trainer, session.id, datetime.fromisoformat(values["starts_at"]).replace(tzinfo=timezone.utc),
                           values["minutes"], values["location"], values["capacity"])
    assert excinfo.value.field == field
    db.session.rollback()
    db.session.refresh(session)
    assert (session.starts_at, session.location, session.minutes, session.capacity) == before


def test_due_dates_more_than_two_years_ahead_are_refused(org):
    trainer, tara, _ = org
    with pytest.raises(ValidationFailed, match="within two years") as excinfo:
        svc.create_assignment(trainer, "module", "el-pipeline", "user", tara.id, date(9999, 12, 31))
    assert excinfo.value.field == "due_date"
