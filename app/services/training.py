"""Training paths, module progress, the unit heatmap and unit training-needs plans."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import markdown
import nh3
from sqlalchemy import and_, case, func, or_, select

from app.extensions import db
from app.models import (IN_PROGRESS, Attempt, BusinessUnit, JobRole, MasteryEstimate, ModuleProgress, Objective, Quiz,
                        Skill, User)
from app.models.types import utcnow
from app.services.errors import NotFound, ValidationFailed
from app.services.objectives import requires
from app.services.skill_model import DEFAULT_TARGET, VerdictChange, assess, changes_from
from app.skills.curriculum import Module, load_modules
from app.skills.planner import Path, PathStep, SkillStatus, UnitPlan, plan_path, plan_unit
from app.skills.taxonomy import SKILL_SLUGS

PASS_MARK = 0.7
_cache: dict = {}


def catalogue() -> dict[str, Module]:
    if "modules" not in _cache:
        from app.services.simulation import scenarios

        quizzes = set(db.session.scalars(select(Quiz.key)))
        modules, problems = load_modules(SKILL_SLUGS, quizzes or None, set(scenarios()))
        if problems:
            raise ValidationFailed("The module catalogue has problems: " + "; ".join(problems))
        _cache["modules"] = {m.id: m for m in modules}
    return _cache["modules"]


def get_module(module_id: str) -> Module:
    module = catalogue().get(module_id)
    if module is None:
        raise NotFound("No such module.")
    return module


def render_lesson(module: Module, organisation_id: int | None) -> str:
    """The lesson as the organisation's trainees read it (`lessons.text_of`: its trainers' rewrite, else the
    shipped file)."""
    from app.services.lessons import text_of

    return render_markdown(text_of(module, organisation_id), organisation_id)


def render_markdown(lesson: str, organisation_id: int | None) -> str:
    """Lesson Markdown as sanitised HTML (no scripts, styles or event handlers can get through), with
    its sandbox figures drawn from the sandbox itself (app/services/lesson_figures.py)."""
    from app.services import lesson_figures
    from app.services.simulation import scenarios

    text, specs = lesson_figures.split_figures(lesson)
    html = nh3.clean(markdown.markdown(text, extensions=["tables"]),
                     tags={"h2", "h3", "p", "ul", "ol", "li", "strong", "em", "code", "table", "thead", "tbody",
                           "tr", "th", "td", "a", "blockquote"}, link_rel="noopener noreferrer")
    for n, spec in enumerate(specs):
        figure = lesson_figures.build_figure(spec, scenarios(organisation_id))
        html = html.replace(lesson_figures.placeholder(n), lesson_figures.figure_html(figure, n + 1), 1)
    return html


READING_WORDS_PER_MINUTE = 180  # a careful read of instructions with examples, not skimming


def time_parts(module: Module, organisation_id: int | None) -> tuple[int, int]:
    """An honest time for a lesson: minutes to read it (figures count as the words they show) and
    minutes for its check (the exercise's own estimate, or a minute per test question)."""
    from app.services import lesson_figures
    from app.services.simulation import scenarios

    from app.services.lessons import text_of

    text, specs = lesson_figures.split_figures(text_of(module, organisation_id))
    words = len(re.findall(r"\w+", text)) + 40 * len(specs)
    read = max(1, -(-words // READING_WORDS_PER_MINUTE))
    check = 0
    if module.check.get("exercise"):
        scenario = scenarios(organisation_id).get(module.check["exercise"])
        check = scenario.minutes if scenario else 0
    elif module.check.get("quiz"):
        from app.services.content import quiz_def

        from app.services.ownership import replacements

        key = replacements(Quiz, organisation_id).get(module.check["quiz"], module.check["quiz"])
        quiz = db.session.scalar(select(Quiz).where(Quiz.key == key))
        if quiz is not None:
            definition = quiz_def(quiz, organisation_id)
            check = len(definition.item_ids) + sum(count for _, count in definition.rules)
    return read, check


def statuses_for(user: User, rows: list[dict] | None = None) -> list[SkillStatus]:
    """The planner's view of `assess(user)` (pass rows already assessed to avoid a second assessment)."""
    return [SkillStatus(r["slug"], r["name"], r["probability"], r["evidence"], r["verdict"], r["target"], r["weight"],
                        r["fades_in_days"], r["answers"], r["exercises"], r.get("transfer", ""))
            for r in (rows if rows is not None else assess(user))]


def passed_attempts(user_ids: list[int], keys: set[str] | None = None) -> dict[int, list[tuple[str, float, object]]]:
    """Per person, every passed quiz or exercise (70 % or more; of `keys` only, when given) as (quiz or
    exercise key, score, submitted_at): one query, whatever the number of people. An attempt at an
    organisation's copy of a shipped test counts under the shipped test's key too, so a module or an
    assignment that names the shipped test is done by passing the copy."""
    from sqlalchemy.orm import aliased

    from app.services.sql import among

    shipped = aliased(Quiz)
    query = (select(Attempt.user_id, Attempt.scenario_key, Quiz.key, shipped.key, Attempt.score, Attempt.submitted_at)
             .outerjoin(Quiz, Quiz.id == Attempt.quiz_id).outerjoin(shipped, shipped.id == Quiz.replaces_id)
             .where(among(Attempt.user_id, user_ids), Attempt.status != IN_PROGRESS, Attempt.score >= PASS_MARK))
    if keys is not None:
        query = query.where(or_(Attempt.scenario_key.in_(keys), Quiz.key.in_(keys), shipped.key.in_(keys)))
    result: dict[int, list] = {uid: [] for uid in user_ids}
    for user_id, scenario, quiz, replaced, score, at in db.session.execute(query):
        result[user_id].append((scenario or quiz, score, at))
        if replaced:
            result[user_id].append((replaced, score, at))
    return result


def passed_since(finished: list[tuple[str, float, object]], key: str | None, since) -> bool:
    """The quiz or exercise `key` was passed (70% or more) at or after `since`."""
    return any(k == key and score >= PASS_MARK and at >= since for k, score, at in finished)


def check_passed(module: Module | None, progress: ModuleProgress | None, finished) -> bool:
    """A started module whose closing check was passed after it was opened."""
    if module is None or progress is None or not module.check:
        return False
    return passed_since(finished, module.check.get("quiz") or module.check.get("exercise"), progress.started_at)


def refresh_progress(user: User) -> dict[str, ModuleProgress]:
    """Complete started modules whose check the trainee has passed since opening them."""
    progress = {p.module_key: p for p in db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user.id))}
    finished = passed_attempts([user.id])[user.id]
    changed = False
    for key, row in progress.items():
        if row.status != "completed" and check_passed(catalogue().get(key), row, finished):
            row.status, row.completed_at, changed = "completed", utcnow(), True
    if changed:
        db.session.commit()
    return progress


def on_evidence(attempt, user: User) -> None:
    """New graded evidence: a module whose check was just passed is completed now, not when the
    path page is next opened."""
    refresh_progress(user)


def person_path(user: User, rows: list[dict] | None = None) -> tuple[Path, dict[str, ModuleProgress]]:
    progress = refresh_progress(user)
    completed = {k for k, p in progress.items() if p.status == "completed"}
    return plan_path(statuses_for(user, rows), list(catalogue().values()), completed), progress


@dataclass(frozen=True)
class AfterAttempt:
    """What a graded quiz or exercise changed for the trainee, and what the path suggests now."""

    changes: list[VerdictChange]
    next_step: PathStep | None
    required: int  # skills the person's job role needs (0: no objectives set yet)


def after_attempt(user: User, attempt_id: int) -> AfterAttempt:
    rows = assess(user)
    path, progress = person_path(user, rows)
    open_steps = [s for s in path.steps if progress.get(s.module.id) is None
                  or progress[s.module.id].status != "completed"]
    return AfterAttempt(changes_from(attempt_id), open_steps[0] if open_steps else None,
                        sum(1 for r in rows if r["weight"] > 0))


def open_module(user: User, module_id: str) -> ModuleProgress:
    module = get_module(module_id)
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id,
                                                         ModuleProgress.module_key == module.id))
    if row is None:
        row = ModuleProgress(user_id=user.id, module_key=module.id, status="started", started_at=utcnow())
        db.session.add(row)
        db.session.commit()
    return row


def mark_read(user: User, module_id: str) -> ModuleProgress:
    module = get_module(module_id)
    if module.check:
        raise ValidationFailed("This module is completed by passing its check.")
    if module.kind != "job_aid":
        raise ValidationFailed("A workshop is completed when your trainer records your attendance.")
    row = open_module(user, module_id)
    row.status, row.completed_at = "completed", utcnow()
    db.session.commit()
    return row


# --- business units ----------------------------------------------------------------------------------
def heatmap(units: list[BusinessUnit], by: str = "unit", min_people: int = 1) -> dict:
    """For each unit (or job role, `by="job_role"`, over the given units' people) × skill: the people
    whose role needs the skill, how many are weak and how many have too little evidence — one
    aggregate query, whatever the number of people. `rows` are the (id, name) groups in order.
    A cell over fewer than `min_people` people carries no figures, only `hidden` (the minimum
    group size: `team.min_group_size(viewer)`)."""
    unit_ids = [u.id for u in units]
    group = User.job_role_id if by == "job_role" else User.business_unit_id
    rows = db.session.execute(  # grouped by the skill's id, named after: a text key per row costs a quarter more
        select(group, MasteryEstimate.skill_id, func.count(MasteryEstimate.id),
               func.sum(case((MasteryEstimate.verdict == "weak", 1), else_=0)),
               func.sum(case((MasteryEstimate.verdict == "not_enough_evidence", 1), else_=0)))
        .join(User, User.id == MasteryEstimate.user_id)
        .where(requires(MasteryEstimate.skill_id))
        .where(User.business_unit_id.in_(unit_ids), User.active.is_(True), User.role == "trainee")
        .group_by(group, MasteryEstimate.skill_id)).all()
    slugs = dict(db.session.execute(select(Skill.id, Skill.slug)).all())
    cells = {(key, slugs[skill]): {"people": n, "weak": int(weak or 0), "unknown": int(unknown or 0),
                           "share": (weak or 0) / n if n else 0.0} if n >= min_people else {"hidden": True}
             for key, skill, n, weak, unknown in rows}
    from app.services.ownership import visible

    org = units[0].organisation_id if units else None
    skills = list(db.session.execute(select(Skill.slug, Skill.name).where(Skill.active.is_(True), visible(Skill, org))
                                     .order_by(Skill.name)))
    if by == "job_role":
        groups = list(db.session.execute(select(JobRole.id, JobRole.name).where(JobRole.id.in_(
            select(User.job_role_id).where(User.business_unit_id.in_(unit_ids), User.role == "trainee"))
        ).order_by(JobRole.name)))
    else:
        groups = [(u.id, u.name) for u in units]
    return {"cells": cells, "skills": skills, "rows": groups, "by": by, "min_people": min_people}


def people_needing(units: list[BusinessUnit], slug: str, unit_id: int | None = None,
                   role_id: int | None = None) -> tuple[Skill, list]:
    """Everyone in `units` (optionally one unit or one job role) whose role needs the skill, with the
    stored estimate: weakest first, people without an estimate yet last. The heatmap's click-through."""
    from app.services.ownership import visible

    org = units[0].organisation_id if units else None
    skill = db.session.scalar(select(Skill).where(Skill.slug == slug, visible(Skill, org)))
    allowed = {u.id for u in units}
    if skill is None or (unit_id is not None and unit_id not in allowed):
        raise NotFound("No such skill or business unit.")
    query = (select(User, BusinessUnit.name, JobRole.name, MasteryEstimate)
             .join(BusinessUnit, BusinessUnit.id == User.business_unit_id).join(JobRole, JobRole.id == User.job_role_id)
             .where(requires(skill.id))
             .outerjoin(MasteryEstimate, and_(MasteryEstimate.user_id == User.id, MasteryEstimate.skill_id == skill.id))
             .where(User.business_unit_id.in_([unit_id] if unit_id is not None else allowed),
                    User.role == "trainee", User.active.is_(True)))
    if role_id is not None:
        query = query.where(User.job_role_id == role_id)
    order = {"weak": 0, "not_enough_evidence": 1, "proficient": 2}
    rows = sorted(db.session.execute(query).all(),
                  key=lambda r: (order.get(r[3].verdict, 3) if r[3] else 3, r[3].probability if r[3] else 1, r[0].name))
    return skill, rows


def required_verdicts(people: list[User]) -> dict[int, dict[str, str]]:
    """Person → {skill name: stored verdict} for the skills each person's job role needs: one query."""
    rows = db.session.execute(
        select(MasteryEstimate.user_id, Skill.name, MasteryEstimate.verdict)
        .join(Skill, Skill.id == MasteryEstimate.skill_id).join(User, User.id == MasteryEstimate.user_id)
        .where(requires(MasteryEstimate.skill_id))
        .where(MasteryEstimate.user_id.in_([p.id for p in people]))).all()
    result: dict[int, dict[str, str]] = {}
    for user_id, name, verdict in rows:
        result.setdefault(user_id, {})[name] = verdict
    return result


def unit_plan(unit: BusinessUnit, today: date | None = None) -> tuple[UnitPlan, dict]:
    """The unit's plan and its people (id → row with name, email, job_role_id). Four queries of
    plain rows whatever the unit's size; only weak estimates are read, since only gaps shape a plan."""
    members = (User.business_unit_id == unit.id, User.role == "trainee", User.active.is_(True))
    people = {row.id: row for row in db.session.execute(
        select(User.id, User.name, User.email, User.job_role_id).where(*members))}
    estimates = db.session.execute(
        select(MasteryEstimate.user_id, Skill.slug, Skill.name, MasteryEstimate.probability, MasteryEstimate.evidence,
               MasteryEstimate.verdict, MasteryEstimate.answers, MasteryEstimate.exercises, MasteryEstimate.transfer)
        .join(Skill, Skill.id == MasteryEstimate.skill_id).join(User, User.id == MasteryEstimate.user_id)
        .where(*members, or_(MasteryEstimate.verdict == "weak", MasteryEstimate.transfer == "coaching"))
    ).all()  # only gaps (and the knowing-but-not-applying, who need coaching) shape the plan
    objectives = db.session.execute(select(Objective.job_role_id, Objective.business_unit_id, Skill.slug,
                                           Objective.target, Objective.weight).join(Skill)).all()
    targets: dict[tuple[int, str], tuple[float, float]] = {}
    for role, unit_id, slug, target, weight in sorted(objectives, key=lambda r: r[1] is not None):
        if unit_id in (None, unit.id):
            targets[(role, slug)] = (target, weight)
    statuses: dict[int, list[SkillStatus]] = {pid: [] for pid in people}
    for user_id, slug, name, probability, evidence, verdict, answers, exercises, transfer in estimates:
        target, weight = targets.get((people[user_id].job_role_id, slug), (DEFAULT_TARGET, 0.0))
        statuses[user_id].append(SkillStatus(slug, name, probability, evidence, verdict, target, weight, None,
                                             answers, exercises, transfer))
    done: dict[int, set[str]] = {pid: set() for pid in people}
    for user_id, key in db.session.execute(select(ModuleProgress.user_id, ModuleProgress.module_key).join(
            User, User.id == ModuleProgress.user_id).where(*members, ModuleProgress.status == "completed")):
        done[user_id].add(key)
    return plan_unit(statuses, list(catalogue().values()), today or date.today(), completed=done), people
