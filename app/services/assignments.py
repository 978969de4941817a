"""Assignments with due dates and accepting a unit's plan (the sessions it schedules: `sessions`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import (Assignment, BusinessUnit, JobRole, MasteryEstimate, ModuleProgress, Quiz,
                        TrainingSession, User)
from app.services import audit, training
from app.services.access import get_person_for, get_unit_for
from app.services.errors import NotFound, ValidationFailed
from app.services.notices import notify_assigned
from app.services.objectives import requires
from app.services.organisations import today_for
from app.services.ownership import in_use
from app.services.simulation import scenarios
from app.services.sql import among
from app.skills.planner import REFRESH_HORIZON_DAYS, describe_gap, evidence_phrase

HORIZON_DAYS = 730  # due dates and session starts: at most two years ahead
KINDS = {"module": "Module", "quiz": "Test", "exercise": "Exercise", "path": "Whole training path"}


@dataclass
class AssignmentStatus:
    assignment: Assignment
    title: str
    done: bool
    overdue: bool
    session: TrainingSession | None = None  # the scheduled session, for an instructor-led seat


def _title(kind: str, ref: str | None) -> str:
    if kind == "module":
        return training.get_module(ref).title
    if kind == "quiz":
        quiz = db.session.scalar(select(Quiz).where(Quiz.key == ref))
        return quiz.title if quiz else ref
    if kind == "exercise":
        return scenarios()[ref].title if ref in scenarios() else ref  # the shipped title names it everywhere
    return "Complete your training path"


def _target_label(target_type: str, target_id: int) -> str:
    """Who an assignment is for, as the audit trail says it: "Sales EMEA (whole unit)", a person's name."""
    if target_type == "unit":
        unit = db.session.get(BusinessUnit, target_id)
        return f"{unit.name} (whole unit)" if unit else "a business unit"
    if target_type == "job_role":
        role = db.session.get(JobRole, target_id)
        return f"everyone who is {role.name}" if role else "a job role"
    person = db.session.get(User, target_id)
    return f"{person.name} <{person.email}>" if person else "a person"


def _check_due(due: date, today: date) -> None:
    if due < today:
        raise ValidationFailed("The due date cannot be in the past.", field="due_date")
    if due > today + timedelta(days=HORIZON_DAYS):
        raise ValidationFailed(f"Choose a due date within two years (by {today + timedelta(days=HORIZON_DAYS):%d %B %Y}).",
                               field="due_date")


def create_assignment(actor: User, kind: str, ref: str | None, target_type: str, target_id: int, due: date,
                      note: str = "", today: date | None = None) -> Assignment:
    if kind not in KINDS:
        raise ValidationFailed("Choose a module, a test, an exercise or the whole training path.", field="kind")
    if kind == "module" and ref not in training.catalogue():
        raise ValidationFailed("Choose a module from the catalogue.", field="ref")
    if kind == "quiz" and db.session.scalar(select(Quiz.id).where(Quiz.key == ref, Quiz.active.is_(True),
                                                                  in_use(Quiz, actor.organisation_id))) is None:
        raise ValidationFailed("Choose an existing test.", field="ref")
    if kind == "exercise" and ref not in scenarios(actor.organisation_id):
        raise ValidationFailed("Choose an existing exercise.", field="ref")
    _check_due(due, today or date.today())
    if target_type == "unit":
        get_unit_for(actor, target_id)  # NotFound outside the actor's units
    elif target_type == "user":
        person = get_person_for(actor, target_id)
        if person.role != "trainee":
            raise ValidationFailed("Assign training to trainees.", field="target")
    elif target_type == "job_role":
        role = db.session.get(JobRole, target_id)
        if actor.role != "admin" or role is None or role.organisation_id != actor.organisation_id:
            raise ValidationFailed("Only admins assign to a whole job role.", field="target")
    else:
        raise ValidationFailed("Choose who the assignment is for.", field="target")
    assignment = Assignment(kind=kind, ref=None if kind == "path" else ref, target_type=target_type, target_id=target_id,
                            due_date=due, note=note.strip()[:2000], created_by=actor.id, active=True)
    db.session.add(assignment)
    db.session.flush()
    notify_assigned(assignment, _title(kind, assignment.ref))
    db.session.commit()
    audit.record("assignment.created", target=_target_label(target_type, target_id),
                 detail={"what": titles_of([assignment])[assignment.id], "due": due.isoformat()}, actor=actor)
    return assignment


def statuses_for_people(people: list[User], today: date | None = None) -> dict[int, list[AssignmentStatus]]:
    """Every person's own, unit and job-role assignments, each marked done or overdue — a fixed number
    of queries whatever the number of people (unit pages and the adoption dashboard use it)."""
    today = today or date.today()
    ids = [p.id for p in people]
    if not ids:
        return {}
    units = {p.business_unit_id for p in people if p.business_unit_id}
    roles = {p.job_role_id for p in people if p.job_role_id}
    rows = list(db.session.scalars(select(Assignment).where(Assignment.active.is_(True), or_(
        and_(Assignment.target_type == "user", among(Assignment.target_id, ids)),
        and_(Assignment.target_type == "unit", Assignment.target_id.in_(units)),
        and_(Assignment.target_type == "job_role", Assignment.target_id.in_(roles)))).order_by(Assignment.due_date)))
    if not rows:
        return {pid: [] for pid in ids}
    # only what the assignments ask about: their modules' progress and passes of their tests and checks
    modules = {a.ref for a in rows if a.kind == "module"}
    progress = {(p.user_id, p.module_key): p for p in db.session.scalars(
        select(ModuleProgress).where(among(ModuleProgress.user_id, ids), ModuleProgress.module_key.in_(modules)))} \
        if modules else {}
    checks = {(m.check.get("quiz") or m.check.get("exercise")) for key in modules
              if (m := training.catalogue().get(key)) and m.check}
    finished = training.passed_attempts(ids, checks | {a.ref for a in rows if a.kind in ("quiz", "exercise")})
    measured, open_gaps = _path_state(ids) if any(a.kind == "path" for a in rows) else (set(), set())
    catalogue, titles = training.catalogue(), {}
    seats = {s.id: s for s in db.session.scalars(select(TrainingSession).where(
        TrainingSession.id.in_({a.session_id for a in rows if a.session_id})))}
    result = {}
    for person in people:
        mine = []
        for a in rows:
            if not ((a.target_type == "user" and a.target_id == person.id)
                    or (a.target_type == "unit" and a.target_id == person.business_unit_id)
                    or (a.target_type == "job_role" and a.target_id == person.job_role_id)):
                continue
            if a.kind == "module":
                row = progress.get((person.id, a.ref))
                done = bool(row and (row.status == "completed"
                                     or training.check_passed(catalogue.get(a.ref), row, finished[person.id])))
            elif a.kind in ("quiz", "exercise"):
                done = training.passed_since(finished[person.id], a.ref, a.created_at)
            else:  # the whole path: every required skill measured and at target
                done = person.id in measured and person.id not in open_gaps
            if (a.kind, a.ref) not in titles:
                titles[(a.kind, a.ref)] = _title(a.kind, a.ref)
            mine.append(AssignmentStatus(a, titles[(a.kind, a.ref)], done, not done and a.due_date < today,
                                         seats.get(a.session_id)))
        result[person.id] = mine
    return result


def _path_state(ids: list[int]) -> tuple[set[int], set[int]]:
    """People with any estimate, and people with a required skill still weak or unmeasured."""
    measured = set(db.session.scalars(select(MasteryEstimate.user_id).where(among(MasteryEstimate.user_id, ids))
                                      .distinct()))
    open_gaps = set(db.session.scalars(
        select(MasteryEstimate.user_id).join(User, User.id == MasteryEstimate.user_id)
        .where(requires(MasteryEstimate.skill_id))
        .where(among(MasteryEstimate.user_id, ids), MasteryEstimate.verdict.in_(("weak", "not_enough_evidence")))
        .distinct()))
    return measured, open_gaps


def assignments_for(user: User, today: date | None = None) -> list[AssignmentStatus]:
    """One person's assignments with whether each is done or overdue."""
    return statuses_for_people([user], today)[user.id]


def overdue_in_unit(unit: BusinessUnit, today: date | None = None) -> list[tuple[User, AssignmentStatus]]:
    people = list(db.session.scalars(select(User).where(User.business_unit_id == unit.id, User.role == "trainee",
                                                        User.active.is_(True)).order_by(User.name)))
    statuses = statuses_for_people(people, today)
    return [(p, s) for p in people for s in statuses[p.id] if s.overdue]


def titles_of(rows: list[Assignment]) -> dict[int, str]:
    """Each assignment as people read it: "Workshop: …", "Test: …" — never a raw id."""
    kinds = {"module": "", "quiz": "Test: ", "exercise": "Exercise: ", "path": ""}
    cache: dict[tuple[str, str | None], str] = {}
    result = {}
    for a in rows:
        if (a.kind, a.ref) not in cache:
            try:
                cache[(a.kind, a.ref)] = kinds.get(a.kind, "") + _title(a.kind, a.ref)
            except NotFound:
                cache[(a.kind, a.ref)] = "A module no longer in the catalogue"
        result[a.id] = cache[(a.kind, a.ref)]
    return result


def get_assignment_for(actor: User, assignment_id: int) -> Assignment:
    """An open assignment the actor may manage: for a unit or person within their reach, or (admins)
    a job role of their organisation. Anything else is not found."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not assignment.active:
        raise NotFound("No such assignment.")
    if assignment.target_type == "unit":
        get_unit_for(actor, assignment.target_id)
    elif assignment.target_type == "user":
        get_person_for(actor, assignment.target_id)
    else:
        role = db.session.get(JobRole, assignment.target_id)
        if actor.role != "admin" or role is None or role.organisation_id != actor.organisation_id:
            raise NotFound("No such assignment.")
    return assignment


def withdraw_assignment(actor: User, assignment_id: int) -> Assignment:
    """Take an assignment back: it leaves every trainee's list and the overdue lists at once; what
    people already completed stays completed. A workshop seat is freed."""
    assignment = get_assignment_for(actor, assignment_id)
    what = titles_of([assignment])[assignment.id]
    assignment.active = False
    db.session.commit()
    audit.record("assignment.withdrawn", target=_target_label(assignment.target_type, assignment.target_id),
                 detail={"what": what}, actor=actor)
    return assignment


def change_due_date(actor: User, assignment_id: int, due: date, today: date | None = None) -> Assignment:
    assignment = get_assignment_for(actor, assignment_id)
    if assignment.session_id is not None:
        raise ValidationFailed("A workshop seat is due on its session's date: change the session instead.",
                               field="due_date")
    _check_due(due, today or date.today())
    before = assignment.due_date
    assignment.due_date = due
    db.session.commit()
    audit.record("assignment.updated", target=_target_label(assignment.target_type, assignment.target_id), actor=actor,
                 detail={"what": titles_of([assignment])[assignment.id], "due": f"{before:%d %b %Y} → {due:%d %b %Y}"})
    return assignment


def unit_assignments(unit: BusinessUnit) -> list[Assignment]:
    members = select(User.id).where(User.business_unit_id == unit.id)
    return list(db.session.scalars(select(Assignment).where(Assignment.active.is_(True), or_(
        and_(Assignment.target_type == "unit", Assignment.target_id == unit.id),
        and_(Assignment.target_type == "user", Assignment.target_id.in_(members)))).order_by(Assignment.due_date)))


def _plan_note(delivery: str, skills, gaps: dict) -> str:
    reasons = [describe_gap(gaps[k]) for k in skills if k in gaps]
    return (f"{delivery} from the unit plan. " + " ".join(f"{r}." for r in reasons))[:2000]


def accept_plan(actor: User, unit: BusinessUnit, today: date | None = None,
                chosen: set[str] | None = None) -> dict[str, int]:
    """Turn the unit's training-needs plan into sessions and assignments, each noting the gap it
    closes and the evidence behind that gap; `chosen` keeps only the lines the trainer left ticked
    ("session:<module>", "elearning:<person>:<module>"), None keeps all. Accepting again adds only what is new: a planned
    session reuses the unit's upcoming session of the same module, and nobody gets a module they
    already have an open assignment for."""
    get_unit_for(actor, unit.id)
    today = today or today_for(unit.organisation)
    due_days = unit.organisation.default_due_days  # eLearning from the plan is due as the organisation set
    plan, _ = training.unit_plan(unit, today)
    members = select(User.id).where(User.business_unit_id == unit.id)
    held = {(a.target_id, a.ref) for a in db.session.scalars(select(Assignment).where(
        Assignment.active.is_(True), Assignment.kind == "module", Assignment.target_type == "user",
        Assignment.target_id.in_(members)))}
    upcoming = {s.module_key: s for s in db.session.scalars(select(TrainingSession).where(
        TrainingSession.business_unit_id == unit.id,
        TrainingSession.starts_at >= datetime.combine(today, time(0, 0), tzinfo=timezone.utc))
        .order_by(TrainingSession.starts_at.desc()))}
    sessions = assigned = 0
    for planned in plan.sessions:
        if chosen is not None and f"session:{planned.module.id}" not in chosen:
            continue
        newcomers = [p for p in planned.people if (p, planned.module.id) not in held]
        if not newcomers:
            continue
        session = upcoming.get(planned.module.id)
        if session is None:
            session = TrainingSession(
                business_unit_id=unit.id, module_key=planned.module.id,
                starts_at=datetime.combine(planned.suggested_date, time(9, 0), tzinfo=timezone.utc),
                minutes=planned.module.minutes, location="To be confirmed", capacity=len(planned.people) + 2,
                created_by=actor.id)
            db.session.add(session)
            db.session.flush()
            upcoming[planned.module.id] = session
            sessions += 1
        from app.services.sessions import places_taken

        free = session.capacity - places_taken(session)
        for person in newcomers:
            waiting = free <= 0  # the room is full: a place on the waiting list, invited when one frees
            free -= 1
            db.session.add(Assignment(kind="module", ref=planned.module.id, target_type="user", target_id=person,
                                      due_date=session.starts_at.date(), created_by=actor.id, active=True,
                                      origin="plan", session_id=session.id, rsvp="waitlisted" if waiting else "invited",
                                      note=_plan_note("Instructor-led session", planned.skills,
                                                      plan.gaps.get(person, {}))))
            held.add((person, planned.module.id))
            assigned += 1
    for person, modules in plan.elearning.items():
        for module in modules:
            if (person, module.id) in held or (chosen is not None and f"elearning:{person}:{module.id}" not in chosen):
                continue
            db.session.add(Assignment(kind="module", ref=module.id, target_type="user", target_id=person,
                                      due_date=today + timedelta(days=due_days), created_by=actor.id, active=True, origin="plan",
                                      note=_plan_note("eLearning", module.skills, plan.gaps.get(person, {}))))
            held.add((person, module.id))
            assigned += 1
    db.session.flush()
    for made in db.session.scalars(select(Assignment).where(
            Assignment.origin == "plan", Assignment.target_type == "user", Assignment.target_id.in_(members),
            Assignment.active.is_(True))):
        notify_assigned(made, _title(made.kind, made.ref))  # only new ones queue anything
    db.session.commit()
    audit.record("assignment.plan_accepted", target=unit.name, detail={"sessions": sessions, "assignments": assigned},
                 actor=actor)
    return {"sessions": sessions, "assignments": assigned}


def schedule_refresher(user: User, rows: list[dict], today: date | None = None) -> Assignment | None:
    """Assign the refresher check ahead of required skills the model predicts will fall below target
    within REFRESH_HORIZON_DAYS (`rows` as from `skill_model.assess`). One open refresher at a time:
    a new one only once the last was passed. Due the day before the earliest predicted fade."""
    if user.role != "trainee" or not user.active:
        return None
    fading = sorted((r for r in rows if r["weight"] > 0 and r["verdict"] == "proficient"
                     and r["fades_in_days"] is not None and r["fades_in_days"] <= REFRESH_HORIZON_DAYS),
                    key=lambda r: r["fades_in_days"])
    module = next((m for m in training.catalogue().values() if m.kind == "refresher_quiz" and m.check.get("quiz")), None)
    if not fading or module is None:
        return None
    quiz = module.check["quiz"]
    if db.session.scalar(select(Quiz.id).where(Quiz.key == quiz, Quiz.active.is_(True))) is None:
        return None
    earlier = db.session.scalars(select(Assignment).where(
        Assignment.active.is_(True), Assignment.origin == "refresher", Assignment.target_type == "user",
        Assignment.target_id == user.id)).all()
    finished = training.passed_attempts([user.id])[user.id]
    if any(not training.passed_since(finished, a.ref, a.created_at) for a in earlier):
        return None
    today = today or date.today()
    reasons = "; ".join(f"{r['name']} is likely to fall below your role's target ({r['target'] * 100:.0f}%) in about "
                        f"{r['fades_in_days']:.0f} days — the model is {r['probability'] * 100:.0f}% sure now, from "
                        f"{evidence_phrase(r['answers'], r['exercises'])}" for r in fading)
    assignment = Assignment(kind="quiz", ref=quiz, target_type="user", target_id=user.id, origin="refresher",
                            due_date=today + timedelta(days=max(1, int(fading[0]["fades_in_days"]) - 1)),
                            note=f"Refresher, assigned automatically. {reasons}."[:2000], created_by=None, active=True)
    db.session.add(assignment)
    db.session.flush()
    notify_assigned(assignment, _title("quiz", quiz), [user])
    db.session.commit()
    return assignment
