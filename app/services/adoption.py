"""Adoption dashboard figures: participation, completion, results and proficiency over time, time to
proficiency, the capabilities most often weak and before/after training gains — outcomes, not logins."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, literal_column, select

from app.extensions import db
from app.models import (Attempt, BusinessUnit, Evidence, MasteryEstimate, MasteryHistory, ModuleProgress,
                        Objective, Skill, User)
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
            "most_weak": [(name, int(n)) for name, n in weak], "gains": gains(list(people)),
            "proficiency": proficiency_history(units, months, now)}


def month_ends(now: datetime, months: int) -> list[tuple[str, datetime]]:
    """The last `months` calendar months as ("YYYY-MM", the moment the month's figure is read): the
    first instant of the next month, or `now` for the current month."""
    firsts = [now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return [(f.strftime("%Y-%m"), firsts[n + 1] if n + 1 < len(firsts) else now) for n, f in enumerate(firsts)]


def proficiency_history(units: list[BusinessUnit], months: int = 6, now: datetime | None = None) -> dict:
    """From the verdict history, per unit: the share of required skills (each person × each skill
    their job role needs) at target at the end of each month, and time to proficiency — the days from
    a skill's first weak verdict to its next proficient one (median over closed gaps), with how many
    gaps closed and how many are open now. One query of verdict changes, replayed in time order."""
    now = now or utcnow()
    ends = month_ends(now, months)
    unit_ids = [u.id for u in units]
    rows = db.session.execute(
        select(User.business_unit_id, MasteryHistory.user_id, MasteryHistory.skill_id, MasteryHistory.verdict,
               MasteryHistory.recorded_at)
        .join(User, User.id == MasteryHistory.user_id)
        .join(Objective, (Objective.job_role_id == User.job_role_id) & (Objective.skill_id == MasteryHistory.skill_id)
              & Objective.business_unit_id.is_(None) & (Objective.weight > 0))
        .where(User.business_unit_id.in_(unit_ids), User.role == "trainee", User.active.is_(True),
               MasteryHistory.recorded_at <= now)
        .order_by(MasteryHistory.recorded_at, MasteryHistory.id)).all()
    verdict: dict[tuple[int, int], str] = {}
    pairs, at_target = defaultdict(int), defaultdict(int)
    weak_since: dict[tuple[int, int], datetime] = {}
    closed: dict[int, list[float]] = defaultdict(list)
    series: dict[int, list[float | None]] = {u: [] for u in unit_ids}
    unit_of: dict[int, int] = {}
    position = 0
    for n, (_, end) in enumerate(ends):
        last = n + 1 == len(ends)
        while position < len(rows) and (rows[position][4] < end or last):
            unit, user, skill, new, when = rows[position]
            position += 1
            unit_of[user] = unit
            old = verdict.get((user, skill))
            pairs[unit] += old is None
            at_target[unit] += (new == "proficient") - (old == "proficient")
            verdict[(user, skill)] = new
            if new == "weak":
                weak_since.setdefault((user, skill), when)
            elif new == "proficient" and (user, skill) in weak_since:
                closed[unit].append((when - weak_since.pop((user, skill))).total_seconds() / 86400)
        for unit in unit_ids:
            series[unit].append(at_target[unit] / pairs[unit] if pairs[unit] else None)
    open_gaps = defaultdict(int)
    for (user, _), v in verdict.items():
        open_gaps[unit_of[user]] += v == "weak"
    return {"months": [label for label, _ in ends], "series": series, "recorded": bool(rows),
            "time_to_proficiency": {u: {"median_days": median(closed[u]) if closed[u] else None,
                                        "closed": len(closed[u]), "open": open_gaps[u]} for u in unit_ids}}


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
