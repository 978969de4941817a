"""Scheduled workshop sessions: who holds a seat, attendance (which completes the workshop), changes
to date and place, and the unit's sessions as an iCalendar feed. Sessions are created when a unit's
plan is accepted (`assignments.accept_plan`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import icalendar
from sqlalchemy import select

from app.extensions import db
from app.models import Assignment, BusinessUnit, ModuleProgress, Skill, TrainingSession, User
from app.services import audit, training
from app.services.access import get_unit_for
from app.services.assignments import HORIZON_DAYS
from app.services.errors import NotFound, ValidationFailed
from app.services.text import one_line


def _session_label(session: TrainingSession) -> str:
    return f"{training.get_module(session.module_key).title}, {session.starts_at:%d %b %Y %H:%M} UTC"



def unit_sessions(unit: BusinessUnit, cancelled: bool = False) -> list[TrainingSession]:
    """The unit's sessions by start; the cancelled ones only when asked (`cancelled=True`: all)."""
    query = select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)
    if not cancelled:
        query = query.where(TrainingSession.cancelled_at.is_(None))
    return list(db.session.scalars(query.order_by(TrainingSession.starts_at)))


def cancelled_sessions(unit: BusinessUnit) -> list[TrainingSession]:
    return [s for s in unit_sessions(unit, cancelled=True) if s.cancelled_at is not None]


def ical(unit: BusinessUnit, host: str = "uptake") -> str:
    """The unit's sessions as an RFC 5545 calendar, written by the icalendar library (escaping, line
    folding, CRLF endings): whatever a place or title contains stays inside its own property."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Uptake//Training sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{unit.name} training")
    stamp = datetime.now(timezone.utc)
    catalogue = training.catalogue()
    names = dict(db.session.execute(select(Skill.slug, Skill.name)).all())
    for s in unit_sessions(unit, cancelled=True):  # a cancelled one stays, marked, so calendars drop it
        module = catalogue.get(s.module_key)
        starts = s.starts_at if s.starts_at.tzinfo else s.starts_at.replace(tzinfo=timezone.utc)
        event = icalendar.Event()
        event.add("uid", f"session-{s.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(minutes=s.minutes))
        event.add("summary", module.title if module else "Training session")
        event.add("location", s.location)
        event.add("sequence", s.sequence)
        event.add("status", "CANCELLED" if s.cancelled_at else "CONFIRMED")
        if module:
            event.add("description", "Skills: " + ", ".join(names.get(k, k) for k in module.skills))
        calendar.add_component(event)
    return calendar.to_ical().decode()


def session_seats(sessions: list[TrainingSession]) -> dict[int, list[tuple[User, bool]]]:
    """Per session, who holds a seat in it and whether their attendance is recorded (module completed)."""
    ids = [s.id for s in sessions]
    if not ids:
        return {}
    rows = db.session.execute(select(Assignment.session_id, User).join(User, User.id == Assignment.target_id).where(
        Assignment.session_id.in_(ids), Assignment.active.is_(True), Assignment.target_type == "user")
        .order_by(User.name)).all()
    modules = {s.id: s.module_key for s in sessions}
    completed = {(p.user_id, p.module_key) for p in db.session.scalars(select(ModuleProgress).where(
        ModuleProgress.user_id.in_({u.id for _, u in rows}), ModuleProgress.status == "completed"))}
    seats: dict[int, list[tuple[User, bool]]] = {i: [] for i in ids}
    for session_id, person in rows:
        seats[session_id].append((person, (person.id, modules[session_id]) in completed))
    return seats


HOLDING = ("invited", "accepted")  # replies that take a place in the room


def _seat_rows(session_ids) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(
        Assignment.session_id.in_(session_ids), Assignment.active.is_(True), Assignment.target_type == "user")
        .order_by(Assignment.id)))


def replies(sessions: list[TrainingSession]) -> dict[int, dict[int, Assignment]]:
    """Per session, each seat holder's seat (its reply and note) by person id, waiting list included."""
    out: dict[int, dict[int, Assignment]] = {s.id: {} for s in sessions}
    for seat in _seat_rows([s.id for s in sessions]):
        out[seat.session_id][seat.target_id] = seat
    return out


def places_taken(session: TrainingSession) -> int:
    return sum(seat.rsvp in HOLDING for seat in _seat_rows([session.id]))


def fill_from_waiting_list(session: TrainingSession) -> list[User]:
    """Give free places to the people waiting longest, and invite them (the caller commits)."""
    from app.services.notices import invite_to_session

    free = session.capacity - places_taken(session)
    promoted = []
    for seat in _seat_rows([session.id]):
        if free <= 0:
            break
        if seat.rsvp == "waitlisted":
            seat.rsvp = "invited"
            promoted.append(db.session.get(User, seat.target_id))
            free -= 1
    if promoted:
        db.session.flush()
        module = training.catalogue().get(session.module_key)
        invite_to_session(session, promoted, module.title if module else "Training session")
    return promoted


def respond(person: User, assignment_id: int, answer: str, note: str = "") -> Assignment:
    """A trainee answers the invitation to their seat: accept, or decline and ask for another date
    (the place goes to the first on the waiting list; the trainer sees the note)."""
    seat = db.session.get(Assignment, assignment_id)
    if (seat is None or seat.session_id is None or not seat.active or seat.target_type != "user"
            or seat.target_id != person.id):
        raise NotFound("No such workshop seat.")
    if answer not in ("accepted", "declined"):
        raise ValidationFailed("Answer yes or ask for another date.")
    if seat.rsvp == "waitlisted":
        raise ValidationFailed("You are on the waiting list: you will be invited as soon as a place is free.")
    session = db.session.get(TrainingSession, seat.session_id)
    if session.starts_at <= datetime.now(timezone.utc):
        raise ValidationFailed("This session has already started; talk to your trainer.")
    if answer == "accepted" and seat.rsvp == "declined" and places_taken(session) >= session.capacity:
        # their place went to someone else meanwhile: back in the queue, first in line of those waiting after them
        seat.rsvp, seat.rsvp_note = "waitlisted", ""
        db.session.commit()
        return seat
    seat.rsvp = answer
    seat.rsvp_note = one_line(note, "Note", 500, field="note") if answer == "declined" and note.strip() else ""
    db.session.flush()
    if answer == "declined":
        fill_from_waiting_list(session)
    db.session.commit()
    return seat


def attended_by(person: User) -> list[tuple[str, datetime]]:
    """The workshops the person's attendance is recorded for: (title, when it was recorded), newest
    first — the training record a trainer or an auditor asks for."""
    catalogue = training.catalogue()
    workshops = {key for key, module in catalogue.items() if module.kind == "instructor_led"}
    rows = db.session.execute(select(ModuleProgress.module_key, ModuleProgress.completed_at).where(
        ModuleProgress.user_id == person.id, ModuleProgress.status == "completed",
        ModuleProgress.module_key.in_(workshops)).order_by(ModuleProgress.completed_at.desc())).all()
    return [(catalogue[key].title, started) for key, started in rows]


def _not_cancelled(session: TrainingSession) -> None:
    if session.cancelled_at is not None:
        raise ValidationFailed("This session is cancelled; plan a new one from the unit's plan.")


def cancel_session(actor: User, session_id: int, reason: str = "") -> TrainingSession:
    """Call a session off before it starts: everyone invited (waiting list included) gets a
    cancellation that removes it from their calendar, and their seats end — the workshop module
    stays unfinished, so the unit's plan proposes it again for a new date."""
    from app.models.types import utcnow
    from app.services.notices import cancel_for_session

    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    get_unit_for(actor, session.business_unit_id)
    _not_cancelled(session)
    if session.starts_at <= datetime.now(timezone.utc):
        raise ValidationFailed("This session has already started; record who attended instead of cancelling it.")
    session.cancel_reason = one_line(reason, "Reason", 500, field="reason") if reason.strip() else ""
    session.cancelled_at = utcnow()
    session.sequence += 1
    seats = [seat for seat in _seat_rows([session.id]) if seat.rsvp != "declined"]
    people = [db.session.get(User, seat.target_id) for seat in seats]
    for seat in _seat_rows([session.id]):
        seat.active = False
    db.session.flush()
    module = training.catalogue().get(session.module_key)
    cancel_for_session(session, people, module.title if module else "Training session")
    db.session.commit()
    audit.record("session.cancelled", target=_session_label(session), actor=actor,
                 detail={"reason": session.cancel_reason, "told": len(people)})
    return session


def record_attendance(actor: User, session_id: int, attended: set[int]) -> int:
    """The trainer records who attended: their workshop module is completed (that is what completes
    a workshop). Only people holding a seat in the session can be marked; returns how many were."""
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    get_unit_for(actor, session.business_unit_id)
    _not_cancelled(session)
    if session.starts_at > datetime.now(timezone.utc):
        raise ValidationFailed("Attendance can be recorded once the session has started.")
    holders = {u.id for u, _ in session_seats([session])[session.id]}
    unknown = attended - holders
    if unknown:
        raise ValidationFailed("Only people booked on this session can be marked as attended.")
    now = datetime.now(timezone.utc)
    existing = {p.user_id: p for p in db.session.scalars(select(ModuleProgress).where(
        ModuleProgress.user_id.in_(attended), ModuleProgress.module_key == session.module_key))}
    for person_id in sorted(attended):
        row = existing.get(person_id)
        if row is None:
            row = ModuleProgress(user_id=person_id, module_key=session.module_key, started_at=session.starts_at)
            db.session.add(row)
        row.status, row.completed_at = "completed", row.completed_at or now
    db.session.commit()
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(attended))).all())
    audit.record("session.attendance", target=_session_label(session), actor=actor,
                 detail={"attended": ", ".join(sorted(names.values()))})
    return len(attended)


def update_session(actor: User, session_id: int, starts_at: datetime, minutes: int, location: str,
                   capacity: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    get_unit_for(actor, session.business_unit_id)
    _not_cancelled(session)
    if not 15 <= minutes <= 8 * 60:
        raise ValidationFailed("A session lasts between 15 minutes and 8 hours.", field="minutes")
    if not 1 <= capacity <= 500:
        raise ValidationFailed("Capacity must be between 1 and 500.", field="capacity")
    taken = places_taken(session)
    if capacity < taken:
        raise ValidationFailed(f"{taken} people hold a place; capacity cannot be below that (move someone first).",
                               field="capacity")
    location = one_line(location, "Place or meeting link", 255, field="location")
    now = datetime.now(timezone.utc)
    if not now - timedelta(days=7) <= starts_at <= now + timedelta(days=HORIZON_DAYS):
        raise ValidationFailed("Choose a start within two years from now (or up to a week ago, to correct a record).",
                               field="starts_at")
    changed = (session.starts_at, session.minutes, session.location) != (starts_at, minutes, location)
    session.starts_at, session.minutes = starts_at, minutes
    session.location, session.capacity = location, capacity
    if changed:  # everyone booked gets the updated invitation, which replaces the old one in their calendar
        from app.services.notices import invite_to_session

        session.sequence += 1
        db.session.flush()
        module = training.catalogue().get(session.module_key)
        seats = [db.session.get(User, seat.target_id) for seat in _seat_rows([session.id]) if seat.rsvp in HOLDING]
        invite_to_session(session, seats, module.title if module else "Training session")
    fill_from_waiting_list(session)  # a larger room takes people from the waiting list
    db.session.commit()
    audit.record("session.updated", target=_session_label(session), actor=actor,
                 detail={"starts_at": starts_at.isoformat(), "location": session.location})
    return session
