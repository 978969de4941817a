"""Exercises tailored to an organisation's own CRM: the brief, the starting data and how much each
check counts, changed in the browser. A tailored version is played in the sandbox before it is kept
(`simulations.scenario.tailoring_problems`): the reference solution must still earn every check and
an empty run none, so no trainee meets a check that can never pass or one that passes for nothing.
Every change is audited with the version before and after."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import ScenarioText, User
from app.models.types import utcnow
from app.services import audit
from app.services.errors import NotFound, ProblemsFound
from app.skills.taxonomy import SKILL_SLUGS
from simulations.scenario import Problem, parse_scenario, parse_yaml_text, raw_scenarios, tailoring_problems

MAX_WEIGHT = 10


class TailoringRefused(ProblemsFound):
    def __init__(self, problems: list):
        super().__init__("exercise", problems)


def shipped_raw(scenario_id: str) -> dict:
    from app.services.simulation import SCENARIO_DIR, scenario_files

    raw = raw_scenarios(scenario_files(SCENARIO_DIR)).get(scenario_id)
    if raw is None:
        raise NotFound("No such exercise.")
    return raw


def tailored(scenario_id: str, organisation_id: int | None) -> ScenarioText | None:
    return db.session.scalar(select(ScenarioText).where(ScenarioText.scenario_id == scenario_id,
                                                        ScenarioText.organisation_id == organisation_id))


def raw_of(scenario_id: str, organisation_id: int | None) -> dict:
    """The exercise as the organisation's trainees get it now: its tailored version, else the shipped one."""
    row = tailored(scenario_id, organisation_id)
    return row.raw if row is not None else shipped_raw(scenario_id)


def _problem(field: str, message: str) -> Problem:
    return Problem("the form", None, field, message)


def build(scenario_id: str, title: str, brief: str, setup_yaml: str, weights: dict[str, str]) -> dict:
    """The tailored mapping the form describes (the checks, solution and hints stay as shipped)."""
    base = shipped_raw(scenario_id)
    problems = []
    setup, error = parse_yaml_text(setup_yaml, "The starting data")
    if error:
        problems.append(_problem("setup", error))
    checks = []
    for check in base.get("checks", []):
        entry = dict(check)
        text = (weights.get(check["id"]) or "").strip()
        try:
            weight = float(text.replace(",", ".")) if text else float(check.get("weight", 1))
        except ValueError:
            weight = None
        if weight is None or not 0 < weight <= MAX_WEIGHT:
            problems.append(_problem("weight", f"“{check.get('label', check['id'])}” must count a number above 0 "
                                               f"and at most {MAX_WEIGHT}"))
        elif weight != float(check.get("weight", 1)):
            entry["weight"] = int(weight) if weight == int(weight) else weight
        checks.append(entry)
    if problems:
        raise TailoringRefused(problems)

    def text(new: str, shipped) -> str:  # the shipped wording stays byte for byte when it was not changed
        return shipped if new.strip() == str(shipped or "").strip() else new.strip()

    return {**base, "title": text(title, base.get("title")), "brief": text(brief, base.get("brief")),
            "setup": setup, "checks": checks}


def check(raw: dict):
    scenario, problems = parse_scenario(raw, "the form", SKILL_SLUGS)
    if problems:
        raise TailoringRefused(problems)
    played = tailoring_problems(scenario)
    if played:
        raise TailoringRefused([_problem("sandbox", message) for message in played])
    return scenario


def _changed() -> None:
    g.pop("tailored_stamp", None)  # this request (or test) reads the change at once; other processes next request


def save(user: User, scenario_id: str, raw: dict) -> ScenarioText | None:
    """Keep the tailored version (None when it is the shipped one again: nothing to keep)."""
    check(raw)
    _changed()
    before = raw_of(scenario_id, user.organisation_id)
    row = tailored(scenario_id, user.organisation_id)
    if raw == shipped_raw(scenario_id):
        if row is not None:
            db.session.delete(row)
            db.session.commit()
            audit.record("content.exercise_reset", target=scenario_id, detail={"before": before, "after": raw},
                         actor=user)
        return None
    if row is None:
        row = ScenarioText(scenario_id=scenario_id, organisation_id=user.organisation_id)
        db.session.add(row)
    row.raw, row.author_id, row.updated_at = raw, user.id, utcnow()
    db.session.commit()
    audit.record("content.exercise_tailored", target=scenario_id, detail={"before": before, "after": raw}, actor=user)
    return row


def reset(user: User, scenario_id: str) -> None:
    _changed()
    row = tailored(scenario_id, user.organisation_id)
    if row is not None:
        before = row.raw
        db.session.delete(row)
        db.session.commit()
        audit.record("content.exercise_reset", target=scenario_id,
                     detail={"before": before, "after": shipped_raw(scenario_id)}, actor=user)
