"""Workshop seats: the room's capacity is respected with a waiting list, trainees accept or ask for
another date, a freed place goes to the person waiting longest (who is then invited)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.models import Assignment, BusinessUnit, Message, TrainingSession, User
from app.services import assignments, sessions, training
from app.services.errors import NotFound, ValidationFailed
from tests.helpers import user_by_email


@pytest.fixture
def small_room(fitted_demo, db):
    """A unit plan accepted into a session of the planned module that seats one person."""
    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    plan, _ = training.unit_plan(unit)
    planned = next(s for s in plan.sessions if len(s.people) >= 3)
    room = TrainingSession(business_unit_id=unit.id, module_key=planned.module.id, created_by=trainer.id,
                           starts_at=datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=10),
                           minutes=90, location="Room 1", capacity=1)
    db.session.add(room)
    db.session.commit()
    assignments.accept_plan(trainer, unit)
    seats = db.session.scalars(select(Assignment).where(Assignment.session_id == room.id).order_by(Assignment.id)).all()
    return trainer, room, seats


def _invited(db, room):
    return sorted(m.recipient for m in db.session.scalars(
        select(Message).where(Message.dedup_key.like(f"workshop:{room.id}:%"))))


def test_a_full_room_puts_the_rest_on_the_waiting_list_uninvited(small_room, db):
    _, room, seats = small_room
    assert [s.rsvp for s in seats] == ["invited"] + ["waitlisted"] * (len(seats) - 1)
    assert _invited(db, room) == [db.session.get(User, seats[0].target_id).email]
    assert sessions.places_taken(room) == 1


def test_asking_for_another_date_frees_the_place_for_the_first_waiting(small_room, db):
    _, room, seats = small_room
    first, waiting = db.session.get(User, seats[0].target_id), db.session.get(User, seats[1].target_id)
    with pytest.raises(ValidationFailed, match="waiting list"):
        sessions.respond(waiting, seats[1].id, "accepted")
    db.session.rollback()
    with pytest.raises(NotFound):
        sessions.respond(waiting, seats[0].id, "declined")  # not their seat
    db.session.rollback()
    sessions.respond(first, seats[0].id, "declined", "On holiday that week")
    db.session.expire_all()
    assert (seats[0].rsvp, seats[0].rsvp_note) == ("declined", "On holiday that week")
    assert seats[1].rsvp == "invited" and all(s.rsvp == "waitlisted" for s in seats[2:])
    assert waiting.email in _invited(db, room)
    sessions.respond(waiting, seats[1].id, "accepted")
    db.session.expire_all()
    assert seats[1].rsvp == "accepted" and sessions.replies([room])[room.id][waiting.id].rsvp == "accepted"
    # the first changes their mind, but the room is full again: they wait rather than overfill it
    sessions.respond(first, seats[0].id, "accepted")
    db.session.expire_all()
    assert seats[0].rsvp == "waitlisted" and sessions.places_taken(room) == 1


def test_a_bigger_room_invites_from_the_waiting_list_and_a_smaller_one_cannot_drop_people(small_room, db):
    trainer, room, seats = small_room
    sessions.update_session(trainer, room.id, room.starts_at, room.minutes, room.location, 3)
    db.session.expire_all()
    assert [s.rsvp for s in seats[:3]] == ["invited"] * 3 and all(s.rsvp == "waitlisted" for s in seats[3:])
    assert len(_invited(db, room)) == 3
    with pytest.raises(ValidationFailed, match="3 people hold a place"):
        sessions.update_session(trainer, room.id, room.starts_at, room.minutes, room.location, 2)


def test_a_started_session_takes_no_more_replies(small_room, db):
    _, room, seats = small_room
    room.starts_at = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="already started"):
        sessions.respond(db.session.get(User, seats[0].target_id), seats[0].id, "accepted")


def test_people_waiting_or_asking_for_another_date_get_no_reminders_for_that_date(small_room, db):
    from app.services import notices

    _, room, seats = small_room
    first = db.session.get(User, seats[0].target_id)
    day_before = room.starts_at.date() - timedelta(days=1)
    notices.send_reminders(today=day_before)
    reminded = {m.recipient for m in db.session.scalars(select(Message).where(Message.kind == "reminder"))
                if f":{seats[0].id}:" in m.dedup_key or any(f":{s.id}:" in m.dedup_key for s in seats[1:])}
    assert reminded == {first.email}  # the invited one only; the waiting list is not due anywhere yet
    sessions.respond(first, seats[0].id, "declined", "Away")
    notices.send_reminders(today=room.starts_at.date() + timedelta(days=9))
    late = [m for m in db.session.scalars(select(Message)) if m.kind in ("overdue", "escalation")
            and any(m.dedup_key.split(":")[1] == str(s.id) for s in seats)]
    second = db.session.get(User, seats[1].target_id)  # promoted when the first asked for another date
    assert {m.recipient for m in late if m.kind == "overdue"} == {second.email}
    assert {m.subject.split(" is ")[0] for m in late if m.kind == "escalation"} == {second.name}


def test_cancelling_a_session_sends_a_calendar_cancellation_and_frees_the_seats(small_room, db):
    import icalendar

    from app.services.messages import email_of
    from app.services.notices import send_reminders

    trainer, room, seats = small_room
    holder, waiting = db.session.get(User, seats[0].target_id), db.session.get(User, seats[1].target_id)
    invitation = db.session.scalar(select(Message).where(Message.dedup_key.like(f"workshop:{room.id}:{holder.id}:%")))
    invited = icalendar.Calendar.from_ical(invitation.calendar).walk("VEVENT")[0]
    sessions.cancel_session(trainer, room.id, "The trainer is ill")
    db.session.expire_all()
    cancellations = db.session.scalars(select(Message).where(Message.kind == "workshop",
                                                             Message.dedup_key.like(f"workshop-cancel:{room.id}:%")))
    by_person = {m.recipient: m for m in cancellations}
    assert set(by_person) == {db.session.get(User, s.target_id).email for s in seats}  # the waiting list too
    message = by_person[holder.email]
    assert message.subject.startswith("Cancelled:") and "The trainer is ill" in message.text_body
    calendar = icalendar.Calendar.from_ical(message.calendar)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(invited["UID"]) and int(event["SEQUENCE"]) > int(invited["SEQUENCE"])
    part = next(p for p in email_of(message).walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    # the seats are gone: nobody is reminded of it, and the trainee's waiting-list place ends
    assert all(not s.active for s in seats) and sessions.places_taken(room) == 0
    assert db.session.get(TrainingSession, room.id) not in sessions.unit_sessions(
        db.session.get(BusinessUnit, room.business_unit_id))
    send_reminders(today=room.starts_at.date() + timedelta(days=30))
    assert db.session.scalar(select(Message).where(Message.recipient == waiting.email,
                                                   Message.kind == "reminder")) is None
    # the unit's feed keeps it, marked cancelled, so subscribed calendars drop it
    feed = icalendar.Calendar.from_ical(sessions.ical(db.session.get(BusinessUnit, room.business_unit_id)))
    assert [str(e["STATUS"]) for e in feed.walk("VEVENT") if str(e["UID"]).startswith(f"session-{room.id}@")] \
        == ["CANCELLED"]


def test_a_cancelled_session_cannot_be_changed_attended_or_cancelled_again(small_room, db):
    trainer, room, seats = small_room
    sessions.cancel_session(trainer, room.id)
    for call in (lambda: sessions.cancel_session(trainer, room.id),
                 lambda: sessions.update_session(trainer, room.id, room.starts_at, 60, "Room 2", 5),
                 lambda: sessions.record_attendance(trainer, room.id, set())):
        with pytest.raises(ValidationFailed, match="cancelled"):
            call()
        db.session.rollback()


def test_a_session_that_has_started_is_not_cancelled(small_room, db):
    trainer, room, _ = small_room
    room.starts_at = datetime.now(timezone.utc) - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="record who attended"):
        sessions.cancel_session(trainer, room.id)
