"""What Uptake tells people about their training, by email through the outbox: a new assignment
(with its due date and why), a refresher the model assigned, a reminder before the due date and
when it passes, and after `escalate_after_days` overdue a note to the person's trainers.

Every message has one cause and one dedup key, so running the reminder sweep any number of times
(on any number of workers) sends each reminder once. Reminders carry a link that turns them off
without signing in; assignment notices are not reminders and are always sent.
"""
from __future__ import annotations

from datetime import date, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import Assignment, BusinessUnit, Organisation, TrainingSession, User
from app.models.people import trainer_units
from app.models.types import utcnow
from app.services.messages import local_time, queue, sender_of
from app.services.organisations import today_for

UNSUBSCRIBE_SALT = "uptake-reminders-off"


def base_url() -> str:
    """Where people reach Uptake: the request's own address, or UPTAKE_BASE_URL for the worker."""
    if has_request_context():
        return request.host_url.rstrip("/")
    return current_app.config.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_link(user: User) -> str:
    return f"{base_url()}/auth/reminders/{_serializer().dumps(user.id)}"


def user_from_token(token: str) -> User | None:
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def people_of(assignment: Assignment) -> list[User]:
    """The active trainees an assignment is for, as of now (unit and job-role assignments reach
    everyone in them)."""
    stmt = select(User).where(User.active.is_(True), User.role == "trainee")
    column = {"user": User.id, "unit": User.business_unit_id, "job_role": User.job_role_id}[assignment.target_type]
    return list(db.session.scalars(stmt.where(column == assignment.target_id).order_by(User.id)))


def notify_assigned(assignment: Assignment, title: str, people: list[User] | None = None) -> int:
    """Queue the "you have been assigned" message to each person (the caller commits)."""
    count = 0
    if assignment.session_id is not None:  # a seat in a workshop: the invitation is the notice
        if assignment.rsvp == "waitlisted":
            return 0  # invited when a place frees (sessions.fill_from_waiting_list)
        session = db.session.get(TrainingSession, assignment.session_id)
        return invite_to_session(session, people if people is not None else people_of(assignment), title)
    for person in people if people is not None else people_of(assignment):
        organisation = db.session.get(Organisation, person.organisation_id)
        refresher = assignment.origin == "refresher"
        subject = (f"Refresher due {long_date(assignment.due_date)}: {title}" if refresher
                   else f"New training for you: {title}, due {long_date(assignment.due_date)}")
        count += queue(organisation, "refresher" if refresher else "assignment", person.email, subject, "assignment",
                       f"assigned:{assignment.id}:{person.id}", person=person, title=title, assignment=assignment,
                       due=long_date(assignment.due_date), why=assignment.note, refresher=refresher,
                       home=f"{base_url()}/me/")
    return count


def _trainers_of(person: User) -> list[User]:
    """Who hears when the person falls behind: the trainers of their unit, else the organisation's admins."""
    trainers = list(db.session.scalars(
        select(User).join(trainer_units, trainer_units.c.user_id == User.id)
        .where(trainer_units.c.business_unit_id == person.business_unit_id, User.active.is_(True),
               User.role == "trainer").order_by(User.id)))
    return trainers or list(db.session.scalars(select(User).where(
        User.organisation_id == person.organisation_id, User.role == "admin", User.active.is_(True)).order_by(User.id)))


def _escalate_to(person: User) -> list[tuple[User, str]]:
    """Who hears that the person is late, each with the page to open: their unit's trainers (or
    the admins) at the person's profile, and their line manager, if any, at the team view."""
    found = [(trainer, f"{base_url()}/trainer/people/{person.id}") for trainer in _trainers_of(person)]
    manager = person.manager
    if manager is not None and manager.active and all(manager.id != t.id for t, _ in found):
        found.append((manager, f"{base_url()}/team"))
    return found


def send_reminders(today: date | None = None) -> dict[str, int]:
    """One sweep over every organisation's open assignments: queue what is due today. `today`
    (for tests) replaces each organisation's own date."""
    from app.services.assignments import statuses_for_people

    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}  # newly queued (a repeat sweep adds none)
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        day = today or today_for(organisation)
        people = list(db.session.scalars(select(User).where(
            User.organisation_id == organisation.id, User.role == "trainee", User.active.is_(True))))
        units = {u.id: u.name for u in db.session.scalars(select(BusinessUnit).where(
            BusinessUnit.organisation_id == organisation.id))}
        statuses = statuses_for_people(people, day)
        for person in people:
            for status in statuses[person.id]:
                a = status.assignment
                if status.done or (a.session_id is not None and a.rsvp in ("waitlisted", "declined")):
                    continue  # a seat they wait for, or a date they cannot make, is not theirs to be reminded of
                late = (day - a.due_date).days
                context = dict(person=person, title=status.title, due=long_date(a.due_date), home=f"{base_url()}/me/",
                               assignment=a, late=late)
                reminders = not person.reminders_opt_out
                if reminders and 0 <= -late <= organisation.remind_days_before:
                    counts["due_soon"] += queue(
                        organisation, "reminder", person.email, f"Due {long_date(a.due_date)}: {status.title}",
                        "reminder", f"due-soon:{a.id}:{person.id}:{a.due_date}",
                        unsubscribe=unsubscribe_link(person), **context)
                elif reminders and late > 0:
                    counts["overdue"] += queue(
                        organisation, "overdue", person.email, f"Overdue since {long_date(a.due_date)}: {status.title}",
                        "reminder", f"overdue:{a.id}:{person.id}:{a.due_date}",
                        unsubscribe=unsubscribe_link(person), **context)
                if late >= organisation.escalate_after_days:
                    for trainer, page in _escalate_to(person):
                        counts["escalated"] += queue(
                            organisation, "escalation", trainer.email,
                            f"{person.name} is {late} days late with {status.title}", "escalation",
                            f"escalation:{a.id}:{person.id}:{a.due_date}:{trainer.id}", trainer=trainer,
                            unit=units.get(person.business_unit_id, "no unit"), person_page=page, **context)
        db.session.commit()
    return counts


def set_reminders(user: User, on: bool) -> None:
    user.reminders_opt_out = not on
    db.session.commit()



def session_calendar(session: TrainingSession, person: User, organisation: Organisation, title: str,
                     method: str = "REQUEST") -> str:
    """An RFC 5546 invitation (METHOD:REQUEST) — or, once the session is called off, its cancellation
    (METHOD:CANCEL, STATUS:CANCELLED) — to one workshop session for one attendee; its UID is the one
    the unit's calendar feed uses and its SEQUENCE rises with every change, so a calendar replaces
    the earlier invitation (or removes it) instead of adding a second event."""
    import icalendar

    starts = session.starts_at if session.starts_at.tzinfo else session.starts_at.replace(tzinfo=timezone.utc)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Uptake//Workshop invitation//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"session-{session.id}@{urlsplit(base_url()).hostname or 'uptake'}")
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=session.minutes))
    event.add("summary", title)
    event.add("location", session.location)
    event.add("description", f"Instructor-led session from your Uptake training plan. {base_url()}/me/")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{sender_of(organisation)}")
    organizer.params["cn"] = icalendar.vText(organisation.name)
    event["organizer"] = organizer
    attendee = icalendar.vCalAddress(f"mailto:{person.email}")
    attendee.params.update({"cn": icalendar.vText(person.name), "role": icalendar.vText("REQ-PARTICIPANT"),
                            "partstat": icalendar.vText("NEEDS-ACTION"), "rsvp": icalendar.vText("TRUE")})
    event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def invite_to_session(session: TrainingSession, people: list[User], title: str) -> int:
    """Queue the invitation (or, after a change, the updated invitation) to each person holding a seat."""
    count = 0
    for person in people:
        organisation = db.session.get(Organisation, person.organisation_id)
        when = local_time(organisation, session.starts_at)
        subject = f"{'Updated invitation' if session.sequence else 'Invitation'}: {title}, {when}"
        count += queue(organisation, "workshop", person.email, subject, "workshop",
                       f"workshop:{session.id}:{person.id}:{session.sequence}",
                       calendar=session_calendar(session, person, organisation, title), person=person, title=title,
                       when=when, session=session, updated=session.sequence > 0, home=f"{base_url()}/me/")
    return count


def cancel_for_session(session: TrainingSession, people: list[User], title: str) -> int:
    """Queue the cancellation (METHOD:CANCEL) to each person who was invited to the session."""
    count = 0
    for person in people:
        organisation = db.session.get(Organisation, person.organisation_id)
        when = local_time(organisation, session.starts_at)
        count += queue(organisation, "workshop", person.email, f"Cancelled: {title}, {when}", "workshop_cancelled",
                       f"workshop-cancel:{session.id}:{person.id}",
                       calendar=session_calendar(session, person, organisation, title, method="CANCEL"),
                       person=person, title=title, when=when, session=session, home=f"{base_url()}/me/")
    return count


STUCK_DAYS = 14  # a weak required skill and no test or exercise for this long: someone is stuck


def send_digests(now=None) -> int:
    """The weekly digest to each active trainer: per unit they train, the gaps closed and opened in
    the last seven days, what is overdue, who is stuck, and the unit × skill heatmap; and each line
    manager's team digest (`_team_digests`). One each per ISO week; returns how many were queued."""
    from sqlalchemy import func as sql_func

    from app.models import Attempt, MasteryEstimate, MasteryHistory, Skill
    from app.services.assignments import overdue_in_unit
    from app.charts import heatmap_png
    from app.services.team import min_group_size
    from app.services.training import heatmap

    now = now or utcnow()
    week_ago = now - timedelta(days=7)
    year, week, _ = now.isocalendar()
    names = dict(db.session.execute(select(Skill.id, Skill.name)).all())
    queued = 0
    trainers = db.session.scalars(select(User).where(User.role == "trainer", User.active.is_(True)).order_by(User.id))
    for trainer in trainers:
        units = [u for u in trainer.trained_units if u.active]
        if not units:
            continue
        organisation = db.session.get(Organisation, trainer.organisation_id)
        sections = []
        for unit in units:
            members = select(User.id).where(User.business_unit_id == unit.id, User.role == "trainee",
                                            User.active.is_(True))
            changes = db.session.execute(
                select(User.name, MasteryHistory.skill_id, MasteryHistory.previous_verdict, MasteryHistory.verdict)
                .join(User, User.id == MasteryHistory.user_id)
                .where(MasteryHistory.user_id.in_(members), MasteryHistory.recorded_at >= week_ago,
                       MasteryHistory.previous_verdict.is_not(None))
                .order_by(MasteryHistory.recorded_at)).all()
            closed = [(n, names.get(s, "?")) for n, s, before, after in changes if before == "weak" and after == "proficient"]
            opened = [(n, names.get(s, "?")) for n, s, before, after in changes if after == "weak" and before != "weak"]
            today = today_for(organisation, now)
            overdue = [(p.name, st.title, (today - st.assignment.due_date).days) for p, st in overdue_in_unit(unit, today)]
            last_active = dict(db.session.execute(
                select(Attempt.user_id, sql_func.max(Attempt.started_at)).where(Attempt.user_id.in_(members))
                .group_by(Attempt.user_id)).all())
            weak = db.session.execute(
                select(User.id, User.name).join(MasteryEstimate, MasteryEstimate.user_id == User.id)
                .where(User.id.in_(members), MasteryEstimate.verdict == "weak").distinct().order_by(User.name)).all()
            quiet_since = now - timedelta(days=STUCK_DAYS)
            stuck = [name for pid, name in weak if last_active.get(pid) is None or last_active[pid] < quiet_since]
            sections.append({"unit": unit, "closed": closed, "opened": opened, "overdue": overdue, "stuck": stuck})
        heat = heatmap(units, min_people=min_group_size(trainer))
        queued += queue(organisation, "digest", trainer.email, f"Your units this week: {year}-W{week:02d}", "digest",
                        f"digest:{trainer.id}:{year}-W{week:02d}", image=heatmap_png(heat),
                        trainer=trainer, sections=sections, heat=heat,
                        stuck_days=STUCK_DAYS, home=f"{base_url()}/trainer/")
    queued += _team_digests(now, year, week)
    db.session.commit()
    return queued


def _team_digests(now, year: int, week: int) -> int:
    """The weekly note to each line manager: what their direct reports have overdue, who has open
    work and has not trained for two weeks, and — only for a team at the minimum group size — how
    many gaps the team closed. Never a person's skill verdict."""
    from sqlalchemy import func as sql_func

    from app.models import Attempt, MasteryHistory
    from app.services.assignments import statuses_for_people
    from app.services.team import direct_reports, min_group_size

    queued = 0
    managers = db.session.scalars(select(User).where(User.active.is_(True), User.id.in_(
        select(User.manager_id).where(User.active.is_(True), User.manager_id.is_not(None)))).order_by(User.id))
    for manager in managers:
        people = direct_reports(manager)
        organisation = db.session.get(Organisation, manager.organisation_id)
        today = today_for(organisation, now)
        statuses = statuses_for_people(people, today)
        overdue = [(p.name, st.title, (today - st.assignment.due_date).days) for p in people
                   for st in statuses.get(p.id, []) if st.overdue and not st.done]
        last_active = dict(db.session.execute(
            select(Attempt.user_id, sql_func.max(Attempt.started_at)).where(Attempt.user_id.in_([p.id for p in people]))
            .group_by(Attempt.user_id)).all())
        quiet_since = now - timedelta(days=STUCK_DAYS)
        quiet = [p.name for p in people if any(not st.done for st in statuses.get(p.id, []))
                 and (last_active.get(p.id) is None or last_active[p.id] < quiet_since)]
        closed = None
        if len(people) >= min_group_size(manager):
            closed = db.session.scalar(select(sql_func.count(MasteryHistory.id)).where(
                MasteryHistory.user_id.in_([p.id for p in people]), MasteryHistory.recorded_at >= now - timedelta(days=7),
                MasteryHistory.previous_verdict == "weak", MasteryHistory.verdict == "proficient"))
        queued += queue(organisation, "team_digest", manager.email, f"Your team this week: {year}-W{week:02d}",
                        "team_digest", f"team-digest:{manager.id}:{year}-W{week:02d}", manager=manager,
                        people=people, overdue=overdue, quiet=quiet, closed=closed, quiet_days=STUCK_DAYS,
                        smallest=min_group_size(manager), home=f"{base_url()}/team")
    return queued
