"""Simulated CRM exercises: start or resume, act in the sandbox, check, finish, replay.

The sandbox state is never stored: the attempt keeps its seeded initial state and every action
in order, and the pure engine replays them. That is what makes replays exact and keeps a failed
action from ever changing anything. Each action takes the same per-attempt lock as quiz saves.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path

from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IN_PROGRESS, SUBMITTED, Attempt, Evidence, ScenarioAction, User
from app.models.types import utcnow
from app.services.attempts import AttemptClosed, lock_open_attempt
from app.services.errors import NotFound, ValidationFailed
from app.services.events import record_evidence
from app.skills.taxonomy import SKILL_SLUGS
from simulations.actions import InvalidAction, Outcome, apply
from simulations.checks import CheckResult, total
from simulations.reports import ReportError
from simulations.scenario import Run, Scenario, brief_text, grade, load_scenarios, next_hint, scenario_files

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "simulations" / "scenarios"
_cache: dict = {}


def scenarios(organisation_id: int | None = None) -> dict[str, Scenario]:
    """The scenario files, validated, with this organisation's tailored versions in place of the shipped
    ones (`services.exercises`; None: the shipped ones alone); reloaded when a file or one of its
    tailored versions changes, so every server process sees a change at its next request."""
    from app.models import ScenarioText
    from simulations.scenario import parse_scenario

    files = scenario_files(SCENARIO_DIR)
    stamps = g.setdefault("tailored_stamp", {})  # asked once per request: pages read scenarios() many times
    tailored = stamps.get(organisation_id)
    if tailored is None:
        tailored = stamps[organisation_id] = tuple(db.session.execute(
            select(func.count(ScenarioText.id), func.max(ScenarioText.updated_at))
            .where(ScenarioText.organisation_id == organisation_id)).one())
    stamp = (tuple((f.name, f.stat().st_mtime_ns) for f in files), tailored)
    cache = _cache.setdefault(organisation_id, {})
    if cache.get("stamp") != stamp:
        loaded, problems = load_scenarios(files, SKILL_SLUGS)
        found = {s.id: s for s in loaded}
        own = select(ScenarioText).where(ScenarioText.organisation_id == organisation_id)
        for row in db.session.scalars(own) if tailored[0] else ():
            scenario, own = parse_scenario(row.raw, f"tailored {row.scenario_id}", SKILL_SLUGS)
            if scenario is not None and scenario.id in found:
                found[scenario.id] = scenario
            problems.extend(own)  # a tailored version that no longer loads leaves the shipped one in place
        for problem in problems:
            current_app.logger.error("scenario problem: %s", problem)
        cache.update(stamp=stamp, scenarios=found, problems=problems)
    return cache["scenarios"]


def check_title(check_key: str) -> str:
    """A stored check key (`scenario:check`) as people read it: the exercise and what was checked."""
    scenario_key, _, check_id = check_key.partition(":")
    scenario = scenarios().get(scenario_key)
    if scenario is None:
        return "An exercise that is no longer offered"
    label = next((c.label for c in scenario.checks if c.id == check_id), "a check no longer in it")
    return f"Exercise “{scenario.title}”: {label}"


def available_scenarios(user: User) -> list[Scenario]:
    role = user.job_role.name if user.job_role else None
    return sorted((s for s in scenarios(user.organisation_id).values() if "all" in s.roles or role in s.roles),
                  key=lambda s: s.title)


def get_scenario(key: str, organisation_id: int | None) -> Scenario:
    """An exercise as this organisation gives it (its tailored version, else the shipped one)."""
    scenario = scenarios(organisation_id).get(key)
    if scenario is None:
        raise NotFound("No such exercise.")
    return scenario


def attempt_scenario(attempt: Attempt) -> Scenario:
    """The exercise an attempt is at, as it was when the attempt started (brief, checks and weights: a
    later tailoring changes neither its grade nor its review); attempts from before that was kept get
    the exercise as the trainee's organisation gives it now."""
    if attempt.scenario_raw:
        return _snapshot(json.dumps(attempt.scenario_raw, sort_keys=True))
    return get_scenario(attempt.scenario_key, attempt.user.organisation_id)


@lru_cache(maxsize=256)
def _snapshot(raw_json: str) -> Scenario:
    from simulations.scenario import parse_scenario

    scenario, problems = parse_scenario(json.loads(raw_json), "the attempt's exercise", SKILL_SLUGS)
    if scenario is None:  # it was played in the sandbox before it was kept: only a changed taxonomy gets here
        raise NotFound("This exercise can no longer be shown: " + "; ".join(map(str, problems)))
    return scenario


def start_exercise(user: User, key: str) -> Attempt:
    scenario = get_scenario(key, user.organisation_id)  # any exercise may be taken; the list only suggests the role's ones
    existing = _open_attempt(user, key)
    if existing is not None:
        return existing
    from simulations.generator import build

    from app.services.exercises import raw_of

    seed = secrets.randbits(48)
    state, bindings = build(scenario.setup, seed, date.today())
    attempt = Attempt(user_id=user.id, kind="scenario", scenario_key=key, seed=seed, initial_state=state,
                      scenario_raw=raw_of(key, user.organisation_id),
                      bindings={k: list(v) for k, v in bindings.items()}, item_keys=[], option_orders={},
                      status=IN_PROGRESS, started_at=utcnow(), last_saved_at=utcnow())
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:  # a second tab started it at the same moment
        db.session.rollback()
        return _open_attempt(user, key)
    return attempt


def _open_attempt(user: User, key: str) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.user_id == user.id, Attempt.scenario_key == key,
                                                   Attempt.status == IN_PROGRESS))


def get_exercise_for(user: User, attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.kind != "scenario" or attempt.user_id != user.id:
        raise NotFound("No such exercise attempt.")
    return attempt


def steps(attempt: Attempt) -> list[ScenarioAction]:
    return list(db.session.scalars(select(ScenarioAction).where(ScenarioAction.attempt_id == attempt.id)
                                   .order_by(ScenarioAction.seq)))


def load_run(attempt: Attempt, upto: int | None = None) -> Run:
    """Rebuild the run by replaying the recorded actions (all of them, or the first `upto`)."""
    run = Run(initial=attempt.initial_state, bindings={k: tuple(v) for k, v in attempt.bindings.items()},
              state=attempt.initial_state)
    for step in steps(attempt)[:upto]:
        if step.ok:
            run.state = apply(run.state, step.action).state
        run.log.append({"action": step.action, "ok": step.ok, "errors": step.errors, "record_id": step.record_id,
                        "at": (step.at - attempt.started_at).total_seconds()})
        if step.action.get("type") == "hint":
            run.hints_used += 1
    return run


def brief(attempt: Attempt) -> str:
    return brief_text(attempt_scenario(attempt), load_run(attempt, upto=0))


def _record(attempt: Attempt, action: dict, outcome: Outcome | None, errors: dict | None = None) -> None:
    seq = (db.session.scalar(select(func.max(ScenarioAction.seq)).where(ScenarioAction.attempt_id == attempt.id)) or 0) + 1
    db.session.add(ScenarioAction(attempt_id=attempt.id, seq=seq, at=utcnow(), action=action,
                                  ok=outcome.ok if outcome else False,
                                  errors=(outcome.errors if outcome else errors) or {},
                                  record_id=outcome.record_id if outcome else None))


MAX_STEPS = 1000  # actions recorded per exercise attempt
MAX_ACTION_CHARS = 20_000  # one action, as JSON
_KEPT_WHEN_REFUSED = ("type", "object", "id", "master_id", "duplicate_id", "campaign_id")


def _without_values(action: dict, state: dict) -> dict:
    """A refused action as it is kept: what was tried on which record and which fields it tried to
    change, not the values (a refused save changes nothing, so its payload has no business being
    stored). A form sends every field; only those that differ from the record count as tried."""
    kept = {k: action[k] for k in _KEPT_WHEN_REFUSED if k in action}
    if isinstance(action.get("fields"), dict):
        current = state["records"].get(action.get("object"), {}).get(action.get("id"), {}) \
            if isinstance(action.get("object"), str) and isinstance(action.get("id"), str) else {}
        tried = [n for n, v in action["fields"].items() if str(v if v is not None else "")
                 != str(current.get(n) if current.get(n) is not None else "")]
        kept["fields"] = {str(name)[:64]: None for name in tried[:50]}
    return kept


def perform(user: User, attempt_id: int, action: dict) -> Outcome:
    """Apply one action in the trainee's sandbox and record it (refused saves are recorded too, without
    their values: validation errors hit are part of the process grade). An attempt records at most
    MAX_STEPS actions of at most MAX_ACTION_CHARS each."""
    if len(json.dumps(action, default=str)) > MAX_ACTION_CHARS:
        raise ValidationFailed(f"That change is too large to save (at most {MAX_ACTION_CHARS:,} characters). "
                               "Shorten the text and save again.")
    attempt = lock_open_attempt(user.id, attempt_id, utcnow())
    if attempt.kind != "scenario":
        db.session.rollback()
        raise NotFound("No such exercise attempt.")
    if (db.session.scalar(select(func.count(ScenarioAction.id)).where(ScenarioAction.attempt_id == attempt.id))
            or 0) >= MAX_STEPS:
        db.session.rollback()
        raise ValidationFailed(f"This exercise has reached its limit of {MAX_STEPS:,} steps. Check your work "
                               "and finish it, or start the exercise again.")
    run = load_run(attempt)
    try:
        outcome = apply(run.state, action)
    except (InvalidAction, ReportError) as error:
        db.session.rollback()
        raise ValidationFailed(str(error)) from None
    _record(attempt, action if outcome.ok else _without_values(action, run.state), outcome)
    if action.get("type") == "hint":
        attempt.hints_used = run.hints_used + 1
    db.session.commit()
    return outcome


def hint(user: User, attempt_id: int) -> str:
    """The next hint that still helps where the trainee is; one about a step already done is not
    offered and costs nothing."""
    attempt = get_exercise_for(user, attempt_id)
    scenario = attempt_scenario(attempt)
    index = next_hint(scenario, load_run(attempt))
    if index is None:
        raise ValidationFailed("No hint left that would help: what the hints cover is already done."
                               if scenario.hints else "This exercise has no hints.")
    perform(user, attempt_id, {"type": "hint", "index": index})
    return scenario.hints[index]



@dataclass
class CheckReport:
    results: list[CheckResult]
    score: float


def check_work(user: User, attempt_id: int, record_it: bool = True) -> CheckReport:
    """Grade the current state (recorded as a 'check' step) without ending the exercise."""
    if record_it:
        perform(user, attempt_id, {"type": "check"})
    attempt = get_exercise_for(user, attempt_id)
    return _grade(attempt, utcnow())


def _grade(attempt: Attempt, now: datetime) -> CheckReport:
    scenario = attempt_scenario(attempt)
    run = load_run(attempt)
    results = grade(scenario, run, elapsed=(now - attempt.started_at).total_seconds())
    return CheckReport(results, total(results))


def finish(user: User, attempt_id: int) -> CheckReport:
    """End the exercise once: grade it, store one evidence row per check, update mastery."""
    from sqlalchemy import update

    now = utcnow()
    won = db.session.execute(update(Attempt).where(
        Attempt.id == attempt_id, Attempt.user_id == user.id, Attempt.kind == "scenario",
        Attempt.status == IN_PROGRESS).values(status=SUBMITTED, submitted_at=now, closed_by="trainee")
        .execution_options(synchronize_session=False)).rowcount
    attempt = db.session.execute(select(Attempt).where(Attempt.id == attempt_id)
                                 .execution_options(populate_existing=True)).scalar_one_or_none()
    if attempt is None or attempt.user_id != user.id or attempt.kind != "scenario":
        db.session.rollback()
        raise NotFound("No such exercise attempt.")
    report = _grade(attempt, attempt.submitted_at or now)
    if won:
        attempt.score = report.score
        elapsed_ms = int((now - attempt.started_at).total_seconds() * 1000)
        for r in report.results:
            db.session.add(Evidence(user_id=user.id, source="scenario", attempt_id=attempt.id,
                                    check_key=f"{attempt.scenario_key}:{r.id}", skills=list(r.skills), score=r.score,
                                    time_spent_ms=elapsed_ms, occurred_at=now))
    db.session.commit()
    if won:
        record_evidence(user, attempt)
    return report


def result(attempt: Attempt) -> CheckReport:
    if attempt.status == IN_PROGRESS:
        raise AttemptClosed("The exercise is still in progress.")
    return _grade(attempt, attempt.submitted_at or utcnow())


def _describe(action: dict, before: dict, after: dict, record_id: str | None) -> str:
    """One replay line in words, e.g. 'Updated opportunity “Scanners”: stage, next step'."""
    from simulations.schema import OBJECTS, title_of

    kind, obj = action.get("type"), action.get("object")

    def name(o, rid, state):
        record = state["records"].get(o, {}).get(rid)
        return f"{OBJECTS[o]['label'].lower()} “{title_of(o, record)}”" if record else f"{o} {rid}"

    if kind == "view":
        return f"Opened {name(obj, action.get('id'), before)}"
    if kind == "search":
        where = f" in {OBJECTS[obj]['plural'].lower()}" if obj in OBJECTS else ""
        filters = ", ".join(f"{k} = {v}" for k, v in (action.get("filters") or {}).items())
        return f"Searched{where} for “{action.get('query') or ''}”" + (f" with {filters}" if filters else "")
    if kind == "create":
        return f"Created {name(obj, record_id, after)}" if record_id else f"Tried to create a {obj}"
    if kind == "update":
        from simulations.schema import field

        old = before["records"].get(obj, {}).get(action.get("id"), {})
        new = after["records"].get(obj, {}).get(action.get("id"), {})
        given = action.get("fields") or {}

        def label(n):
            return (field(obj, n).label if field(obj, n) else n).lower()

        def shown(value):
            if value in (None, ""):
                return "(empty)"
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return f"{value:,.2f}" if isinstance(value, float) else str(value)
            text = str(value)
            return f"“{text if len(text) <= 40 else text[:39] + '…'}”"

        if after is not before:  # applied: each field whose stored value changed, old → new
            changes = [f"{label(n)} {shown(old.get(n))} → {shown(new.get(n))}" for n in given if new.get(n) != old.get(n)]
            return f"Updated {name(obj, action.get('id'), before)}: {'; '.join(changes) or 'no change'}"
        # refused: only which fields were tried is kept
        return f"Tried to update {name(obj, action.get('id'), before)}: {', '.join(label(n) for n in given)}"
    if kind == "delete":
        return f"Deleted {name(obj, action.get('id'), before)}"
    if kind == "log_activity":
        fields = action.get("fields") or {}
        return f"Logged {str(fields.get('kind') or 'activity').lower()} “{fields.get('subject') or ''}”"
    if kind == "convert_lead":
        return f"Converted {name('lead', action.get('id'), before)}"
    if kind == "merge":
        return f"Merged {name(obj, action.get('duplicate_id'), before)} into {name(obj, action.get('master_id'), before)}"
    if kind == "add_members":
        return "Added people to a campaign"
    if kind == "run_report":
        return f"Ran a report on {obj} grouped by {action.get('group_by') or 'nothing'}"
    return {"hint": "Asked for a hint", "check": "Checked the work"}.get(kind, kind or "?")


def replay(attempt: Attempt) -> list[dict]:
    """Every step in order, in words, with what the CRM answered."""
    state = attempt.initial_state
    lines = []
    for step in steps(attempt):
        after = apply(state, step.action).state if step.ok else state
        lines.append({"seq": step.seq, "seconds": int((step.at - attempt.started_at).total_seconds()),
                      "text": _describe(step.action, state, after, step.record_id), "ok": step.ok,
                      "errors": list(step.errors.values()), "type": step.action.get("type")})
        state = after
    return lines
