"""Adoption dashboard figures: participation, completion, results over time, the capabilities most
often weak and before/after training gains — outcomes, not logins."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, literal_column, select

from app.extensions import db
from app.models import (Attempt, BusinessUnit, Evidence, MasteryEstimate, ModuleProgress, Objective,
                        Skill, User)
from app.models.types import utcnow
from app.services import assignments, training


def dashboard(units: list[BusinessUnit], months: int = 6) -> dict:
    ids = [u.id for u in units]
    now = utcnow()
    people = {u.id: u for u in db.session.scalars(select(User).where(
        User.business_unit_id.in_(ids), User.role == "trainee", User.active.is_(True)))}
    unit_of = {pid: p.business_unit_id for pid, p in people.items()}
    recent = set(db.session.scalars(select(Attempt.user_id).where(
        Attempt.user_id.in_(list(people)), Attempt.started_at >= now - timedelta(days=30)).distinct()))
    participation = {u.id: _share([p for p in people if unit_of[p] == u.id], recent) for u in units}

    done, total = defaultdict(int), defaultdict(int)
    for pid, statuses in assignments.statuses_for_people(list(people.values())).items():
        for status in statuses:
            total[unit_of[pid]] += 1
            done[unit_of[pid]] += status.done
    completion = {u.id: (done[u.id] / total[u.id] if total[u.id] else None, total[u.id]) for u in units}

    start = (now.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    # "YYYY-MM" of each answer; literal constants so SELECT and GROUP BY render identically on PostgreSQL
    month = func.substr(func.cast(Evidence.occurred_at, db.String), literal_column("1"), literal_column("7"))
    rows = db.session.execute(select(User.business_unit_id, month, func.avg(Evidence.score))
                              .join(User, User.id == Evidence.user_id)
                              .where(User.business_unit_id.in_(ids), Evidence.occurred_at >= start)
                              .group_by(User.business_unit_id, month)).all()
    labels = sorted({month for _, month, _ in rows})
    trend = {u.id: [next((float(avg) for unit, m, avg in rows if unit == u.id and m == month), None) for month in labels]
             for u in units}

    weak = db.session.execute(select(Skill.name, func.count(MasteryEstimate.id))
                              .join(Skill, Skill.id == MasteryEstimate.skill_id)
                              .join(User, User.id == MasteryEstimate.user_id)
                              .join(Objective, (Objective.job_role_id == User.job_role_id)
                                    & (Objective.skill_id == MasteryEstimate.skill_id)
                                    & Objective.business_unit_id.is_(None) & (Objective.weight > 0))
                              .where(User.business_unit_id.in_(ids), MasteryEstimate.verdict == "weak")
                              .group_by(Skill.name).order_by(func.count(MasteryEstimate.id).desc()).limit(8)).all()
    return {"participation": participation, "completion": completion, "trend": trend, "months": labels,
            "most_weak": [(name, int(n)) for name, n in weak], "gains": gains(list(people))}


def _share(members: list[int], active: set[int]) -> float | None:
    return sum(m in active for m in members) / len(members) if members else None


def gains(person_ids: list[int]) -> list[dict]:
    """For each completed module: mean score on its skills before it was started vs after."""
    catalogue = training.catalogue()
    completed = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id.in_(person_ids),
                                                                ModuleProgress.status == "completed")).all()
    by_module: dict[str, list[tuple[float, float]]] = defaultdict(list)
    evidence = db.session.execute(select(Evidence.user_id, Evidence.skills, Evidence.score, Evidence.occurred_at)
                                  .where(Evidence.user_id.in_({p.user_id for p in completed}))).all()
    for progress in completed:
        module = catalogue.get(progress.module_key)
        if module is None:
            continue
        mine = [(s, at) for uid, skills, s, at in evidence
                if uid == progress.user_id and set(skills) & set(module.skills)]
        before = [s for s, at in mine if at < progress.started_at]
        after = [s for s, at in mine if progress.completed_at and at >= progress.started_at]
        if before and after:
            by_module[module.title].append((sum(before) / len(before), sum(after) / len(after)))
    return [{"module": title, "people": len(pairs), "before": sum(b for b, _ in pairs) / len(pairs),
             "after": sum(a for _, a in pairs) / len(pairs)} for title, pairs in sorted(by_module.items())]
