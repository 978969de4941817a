"""Adoption dashboard figures: participation, completion, results and proficiency over time, time to
proficiency, the capabilities most often weak and before/after training gains — outcomes, not logins."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal_column, or_, select

from app.extensions import db
from app.models import (IN_PROGRESS, Attempt, BusinessUnit, Evidence, MasteryEstimate, MasteryHistory, ModuleProgress,
                        Skill, UnitFigures, User)
from app.models.types import utcnow
from app.services import assignments, training
from app.services.objectives import requires
from app.services.sql import EXACT, days_between, exact, json_elements, upsert


def dashboard(units: list[BusinessUnit], months: int = 6, now: datetime | None = None) -> dict:
    """The adoption dashboard's figures over `units`, computed now (see `figures_for_view` for the
    stored figures a company-sized view reads)."""
    now = now or utcnow()
    return combine(units, unit_figures(units, months, now), [label for label, _ in month_ends(now, months)])


FIGURES_MAX_AGE = timedelta(hours=1)  # older stored figures (a stopped worker) are recomputed for the view


def figures_for_view(units: list[BusinessUnit], now: datetime | None = None) -> dict:
    """The dashboard a viewer reads: computed for the request while the units hold fewer active
    trainees than ADOPTION_LIVE_LIMIT; above it, added up from each unit's stored figures (recomputed
    by the worker every 15 minutes, and here for a unit that has none, older than an hour, or of other
    months), with `as_of` the oldest computation used. `as_of` is None for live figures."""
    now = now or utcnow()
    labels = [label for label, _ in month_ends(now, 6)]
    people = db.session.scalar(select(func.count(User.id)).where(
        User.business_unit_id.in_([u.id for u in units]), User.role == "trainee", User.active.is_(True)))
    if people < current_app.config["ADOPTION_LIVE_LIMIT"]:
        return {**dashboard(units, now=now), "as_of": None}
    stored = {row.business_unit_id: row for row in db.session.scalars(
        select(UnitFigures).where(UnitFigures.business_unit_id.in_([u.id for u in units])))
        if row.computed_at >= now - FIGURES_MAX_AGE and row.figures.get("months") == labels}
    missing = [u for u in units if u.id not in stored]
    figures = {u: row.figures["unit"] for u, row in stored.items()}
    if missing:
        figures.update(store_figures(missing, now))
    return {**combine(units, figures, labels), "as_of": min([r.computed_at for r in stored.values()] or [now])}


def store_figures(units: list[BusinessUnit], now: datetime | None = None) -> dict[int, dict]:
    """Compute the units' figures and store them (replacing earlier ones); returns them."""
    now = now or utcnow()
    figures = unit_figures(units, 6, now)
    labels = [label for label, _ in month_ends(now, 6)]
    upsert(UnitFigures, [{"business_unit_id": u, "computed_at": now, "figures": {"months": labels, "unit": f}}
                         for u, f in figures.items()], ["business_unit_id"])
    db.session.commit()
    return figures


def refresh_figures(now: datetime | None = None) -> int:
    """The worker's job: recompute the stored figures of every organisation with at least
    ADOPTION_LIVE_LIMIT active trainees (smaller ones are computed per request). Units refreshed."""
    from app.models import Organisation

    limit = current_app.config["ADOPTION_LIVE_LIMIT"]
    large = db.session.scalars(select(User.organisation_id).where(User.role == "trainee", User.active.is_(True))
                               .group_by(User.organisation_id).having(func.count(User.id) >= limit)).all()
    refreshed = 0
    for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(large))):
        units = list(db.session.scalars(select(BusinessUnit).where(BusinessUnit.organisation_id == org.id)))
        refreshed += len(store_figures(units, now))
    return refreshed


def unit_figures(units: list[BusinessUnit], months: int = 6, now: datetime | None = None) -> dict[int, dict]:
    """Each unit's own figures, in plain JSON types so they can be stored: a fixed number of grouped
    queries whatever the number of units or people (the assignment statuses read every person's row).
    Summable parts are kept as sums (weak people per skill, before/after totals per module) so
    `combine` can add units up exactly."""
    ids = [u.id for u in units]
    now = now or utcnow()
    member = (User.business_unit_id.in_(ids), User.role == "trainee", User.active.is_(True))
    recent = exists().where(Attempt.user_id == User.id, Attempt.started_at >= now - timedelta(days=30))
    active = {unit: (n, int(took_part or 0)) for unit, n, took_part in db.session.execute(
        select(User.business_unit_id, func.count(User.id), func.sum(case((recent, 1), else_=0)))
        .where(*member).group_by(User.business_unit_id))}

    # plain rows (id, unit, job role) are all the assignment statuses need: no ORM objects for thousands of people
    people = {p.id: p for p in db.session.execute(select(User.id, User.business_unit_id, User.job_role_id)
                                                  .where(*member))}
    done, total = defaultdict(int), defaultdict(int)
    for pid, statuses in assignments.statuses_for_people(list(people.values())).items():
        for status in statuses:
            total[people[pid].business_unit_id] += 1
            done[people[pid].business_unit_id] += status.done

    ends = month_ends(now, months)
    labels, since = [label for label, _ in ends], (ends[0][1] - timedelta(days=1)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)
    # "YYYY-MM" of each finished test or exercise; literal constants so SELECT and GROUP BY render
    # identically on PostgreSQL
    month = func.substr(func.cast(Attempt.submitted_at, db.String), literal_column("1"), literal_column("7"))
    scores = {(unit, m): float(avg) / EXACT for unit, m, avg in db.session.execute(
        select(User.business_unit_id, month, func.avg(exact(Attempt.score))).join(User, User.id == Attempt.user_id)
        .where(User.business_unit_id.in_(ids), Attempt.status != IN_PROGRESS, Attempt.score.is_not(None),
               Attempt.submitted_at >= since)
        .group_by(User.business_unit_id, month))}

    weak: dict[int, dict[str, int]] = defaultdict(dict)
    for unit, name, n in db.session.execute(
            select(User.business_unit_id, Skill.name, func.count(MasteryEstimate.id))
            .join(Skill, Skill.id == MasteryEstimate.skill_id).join(User, User.id == MasteryEstimate.user_id)
            .where(requires(MasteryEstimate.skill_id))
            .where(*member, MasteryEstimate.verdict == "weak").group_by(User.business_unit_id, Skill.name)):
        weak[unit][name] = int(n)
    module_gains = gains_by_unit(ids)
    proficiency = proficiency_history(units, months, now)
    return {u.id: {"people": active.get(u.id, (0, 0))[0], "active": active.get(u.id, (0, 0))[1],
                   "assignments": total[u.id], "done": done[u.id],
                   "trend": [scores.get((u.id, m)) for m in labels], "weak": weak.get(u.id, {}),
                   "gains": module_gains.get(u.id, {}), "proficiency": proficiency["series"][u.id],
                   "time_to_proficiency": proficiency["time_to_proficiency"][u.id],
                   "recorded": u.id in proficiency["recorded_units"]} for u in units}


def combine(units: list[BusinessUnit], figures: dict[int, dict], labels: list[str]) -> dict:
    """The dashboard over `units` from their figures (`unit_figures`, computed now or stored)."""
    ids = [u.id for u in units if u.id in figures]
    weak: dict[str, int] = defaultdict(int)
    module_gains: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for u in ids:
        for name, n in figures[u]["weak"].items():
            weak[name] += n
        for title, (n, before, after) in figures[u]["gains"].items():
            module_gains[title][0] += n
            module_gains[title][1] += before
            module_gains[title][2] += after
    trend = {u: figures[u]["trend"] for u in ids}
    return {"participation": {u: figures[u]["active"] / figures[u]["people"] if figures[u]["people"] else None
                              for u in ids},
            "completion": {u: (figures[u]["done"] / figures[u]["assignments"] if figures[u]["assignments"] else None,
                               figures[u]["assignments"]) for u in ids},
            "trend": trend, "months": labels, "scored": any(v is not None for values in trend.values() for v in values),
            "most_weak": sorted(weak.items(), key=lambda w: (-w[1], w[0]))[:8],
            "gains": [{"module": title, "people": n, "before": before / n, "after": after / n}
                      for title, (n, before, after) in sorted(module_gains.items())],
            "proficiency": {"months": labels, "series": {u: figures[u]["proficiency"] for u in ids},
                            "recorded": any(figures[u]["recorded"] for u in ids),
                            "time_to_proficiency": {u: figures[u]["time_to_proficiency"] for u in ids}}}


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
    a skill's first weak verdict to the first proficient one after it (median over the gaps closed),
    with how many gaps closed and how many are open now. Two aggregate queries, whatever the size."""
    now = now or utcnow()
    ends = month_ends(now, months)
    unit_ids = [u.id for u in units]
    def required(history):
        return (requires(history.skill_id) & User.business_unit_id.in_(unit_ids) & (User.role == "trainee")
                & User.active.is_(True))

    def held(at):  # the verdict in force at `at`
        return ((MasteryHistory.recorded_at <= at)
                & (MasteryHistory.superseded_at.is_(None) | (MasteryHistory.superseded_at > at)))

    columns = []
    for _, end in ends:
        columns += [func.sum(case((held(end), 1), else_=0)),
                    func.sum(case((held(end) & (MasteryHistory.verdict == "proficient"), 1), else_=0))]
    columns.append(func.sum(case((held(now) & (MasteryHistory.verdict == "weak"), 1), else_=0)))
    counts = {row[0]: row[1:] for row in db.session.execute(
        select(User.business_unit_id, *columns).select_from(MasteryHistory).join(User, User.id == MasteryHistory.user_id)
        .where(required(MasteryHistory), MasteryHistory.recorded_at <= now)
        .group_by(User.business_unit_id))}
    series = {u: [(counts[u][2 * n + 1] / counts[u][2 * n] if u in counts and counts[u][2 * n] else None)
                  for n in range(len(ends))] for u in unit_ids}

    weak = (select(User.business_unit_id.label("unit"), MasteryHistory.user_id, MasteryHistory.skill_id,
                   func.min(MasteryHistory.recorded_at).label("since"))
            .select_from(MasteryHistory).join(User, User.id == MasteryHistory.user_id)
            .where(required(MasteryHistory), MasteryHistory.verdict == "weak", MasteryHistory.recorded_at <= now)
            .group_by(User.business_unit_id, MasteryHistory.user_id, MasteryHistory.skill_id).subquery())
    later = MasteryHistory.__table__.alias("later")
    closed: dict[int, list[float]] = defaultdict(list)
    for unit, days in db.session.execute(
            select(weak.c.unit, days_between(func.min(later.c.recorded_at), weak.c.since))
            .join(later, (later.c.user_id == weak.c.user_id) & (later.c.skill_id == weak.c.skill_id)
                  & (later.c.verdict == "proficient") & (later.c.recorded_at > weak.c.since)
                  & (later.c.recorded_at <= now))
            .group_by(weak.c.unit, weak.c.user_id, weak.c.skill_id, weak.c.since)):
        closed[unit].append(float(days))
    return {"months": [label for label, _ in ends], "series": series, "recorded": bool(counts),
            "recorded_units": set(counts),
            "time_to_proficiency": {u: {"median_days": median(closed[u]) if closed[u] else None,
                                        "closed": len(closed[u]), "open": int(counts[u][-1]) if u in counts else 0}
                                    for u in unit_ids}}


def gains_by_unit(unit_ids: list[int]) -> dict[int, dict[str, list]]:
    """Per unit and module completed by its active trainees: [people, sum of their mean scores on the
    module's skills before they started it, sum of their means after] — over the people who have both.
    One aggregate query in the database: at company scale the answers never reach Python."""
    modules = [m for m in training.catalogue().values() if m.skills]
    if not unit_ids or not modules:
        return {}
    skill = json_elements(Evidence.skills)
    on_module_skills = exists(select(literal_column("1")).select_from(skill).where(or_(*(
        and_(ModuleProgress.module_key == m.id, skill.c.value.in_(m.skills)) for m in modules))))
    person = (select(User.business_unit_id.label("unit"), ModuleProgress.module_key.label("module"),
                     func.avg(case((Evidence.occurred_at < ModuleProgress.started_at, exact(Evidence.score)))).label("before"),
                     func.avg(case((Evidence.occurred_at >= ModuleProgress.started_at, exact(Evidence.score)))).label("after"))
              .join(User, User.id == ModuleProgress.user_id).join(Evidence, Evidence.user_id == ModuleProgress.user_id)
              .where(ModuleProgress.status == "completed", ModuleProgress.module_key.in_([m.id for m in modules]),
                     User.business_unit_id.in_(unit_ids), User.role == "trainee", User.active.is_(True),
                     on_module_skills)
              .group_by(ModuleProgress.id, User.business_unit_id, ModuleProgress.module_key).subquery())
    titles = {m.id: m.title for m in modules}
    result: dict[int, dict[str, list]] = defaultdict(dict)
    for unit, key, n, before, after in db.session.execute(
            select(person.c.unit, person.c.module, func.count(), func.sum(person.c.before), func.sum(person.c.after))
            .where(person.c.before.is_not(None), person.c.after.is_not(None)).group_by(person.c.unit, person.c.module)):
        result[unit][titles[key]] = [int(n), float(before) / EXACT, float(after) / EXACT]
    return result
