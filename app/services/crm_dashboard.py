"""What the adoption dashboard shows of real CRM use, per business unit (only units of at least the
minimum group size reach here): active users by month, which CRM features people use and which nobody
in a unit uses, the behaviour indicators' trends, and the effect of training on behaviour — people
trained against people not yet trained over the same months, with a 95 % interval."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, literal_column, select

from app.crm import indicators
from app.extensions import db
from app.models import BusinessUnit, CrmEvent, CrmIndicator, CrmUser, JobRole, ModuleProgress, User
from app.models.types import utcnow
from app.services.adoption import month_ends

FEATURES = (  # (label, event kind, object type or "")
    ("Global search", "search", ""), ("Reports run", "report_run", ""), ("Reports exported", "report_export", ""),
    ("Opportunities created", "record_created", "Opportunity"), ("Leads created", "record_created", "Lead"),
    ("Contacts created", "record_created", "Contact"), ("Accounts created", "record_created", "Account"),
    ("Cases created", "record_created", "Case"), ("Calls and tasks logged", "record_created", "Task"),
    ("Meetings logged", "record_created", "Event"), ("Records updated", "field_change", ""),
)
FEATURE_DAYS = 90


def _month(column):
    return func.substr(func.cast(column, db.String), literal_column("1"), literal_column("7"))


def usage(units: list[BusinessUnit], months: int = 6, now: datetime | None = None) -> dict:
    now = now or utcnow()
    ids = [u.id for u in units]
    labels = [label for label, _ in month_ends(now, months)]
    since = datetime(int(labels[0][:4]), int(labels[0][5:7]), 1, tzinfo=timezone.utc)
    people = dict(db.session.execute(select(User.id, User.business_unit_id).where(
        User.business_unit_id.in_(ids), User.role == "trainee", User.active.is_(True))).all())
    size = defaultdict(int)
    for unit in people.values():
        size[unit] += 1
    linked = (select(CrmEvent).join(CrmUser, (CrmUser.organisation_id == CrmEvent.organisation_id)
                                    & (CrmUser.crm_user == CrmEvent.crm_user))
              .join(User, User.id == CrmUser.user_id))
    scope = (User.business_unit_id.in_(ids), User.role == "trainee", User.active.is_(True),
             CrmUser.ignored.is_(False), CrmEvent.confirmed.is_(True))
    month = _month(CrmEvent.occurred_at)
    active_rows = db.session.execute(
        linked.with_only_columns(User.business_unit_id, month, func.count(func.distinct(User.id)))
        .where(*scope, CrmEvent.occurred_at >= since, CrmEvent.kind != "login_failed")
        .group_by(User.business_unit_id, month)).all()
    active = {u: [None] * len(labels) for u in ids}
    for unit, m, n in active_rows:
        if m in labels and size[unit]:
            active[unit][labels.index(m)] = n / size[unit]
    recent = now - timedelta(days=FEATURE_DAYS)
    used = defaultdict(dict)
    for unit, kind, obj, n in db.session.execute(
            linked.with_only_columns(User.business_unit_id, CrmEvent.kind, CrmEvent.object_type,
                                     func.count(func.distinct(User.id)))
            .where(*scope, CrmEvent.occurred_at >= recent)
            .group_by(User.business_unit_id, CrmEvent.kind, CrmEvent.object_type)).all():
        for label, want_kind, want_obj in FEATURES:
            if kind == want_kind and (not want_obj or obj == want_obj):
                used[unit][label] = used[unit].get(label, 0) + n
    by_role = _active_by_role(linked, scope, ids, labels, since)
    _zero_where_measured(active, by_role)
    measured = any(any(v is not None for v in series) for series in active.values())
    features = {u: {label: used[u].get(label, 0) for label, _, _ in FEATURES} for u in ids}
    unused = {u: [label for label, n in features[u].items() if n == 0] for u in ids} if measured else {}
    return {"months": labels, "active": active, "active_by_role": by_role,
            "feature_labels": [label for label, _, _ in FEATURES],
            "features": features, "unused": unused, "measured": measured,
            "trends": _trends(ids, labels), "effect": _training_effect(ids, labels)}


def _zero_where_measured(*tables: dict) -> None:
    """In a month with CRM data from anyone, a unit or role without any is at 0 %, not unmeasured."""
    months = {n for table in tables for series in table.values() for n, v in enumerate(series) if v is not None}
    for table in tables:
        for series in table.values():
            for n in months:
                series[n] = series[n] if series[n] is not None else 0.0


def _active_by_role(linked, scope, unit_ids: list[int], labels: list[str], since: datetime) -> dict[str, list]:
    """Job role → share of its trainees (in these units) who used the CRM, per month."""
    sizes = dict(db.session.execute(select(JobRole.name, func.count(User.id)).join(User, User.job_role_id == JobRole.id)
                                    .where(User.business_unit_id.in_(unit_ids), User.role == "trainee",
                                           User.active.is_(True)).group_by(JobRole.name)).all())
    month = _month(CrmEvent.occurred_at)
    result = {name: [None] * len(labels) for name in sorted(sizes)}
    for name, m, n in db.session.execute(
            linked.join(JobRole, JobRole.id == User.job_role_id)
            .with_only_columns(JobRole.name, month, func.count(func.distinct(User.id)))
            .where(*scope, CrmEvent.occurred_at >= since, CrmEvent.kind != "login_failed")
            .group_by(JobRole.name, month)).all():
        if m in labels and sizes.get(name):
            result[name][labels.index(m)] = n / sizes[name]
    return result


def _trends(unit_ids: list[int], labels: list[str]) -> dict:
    """Indicator → unit → share per month (pooled numerator / denominator over the unit's people)."""
    rows = db.session.execute(select(CrmIndicator.indicator, User.business_unit_id, CrmIndicator.period,
                                     func.sum(CrmIndicator.numerator), func.sum(CrmIndicator.denominator))
                              .join(User, User.id == CrmIndicator.user_id)
                              .where(User.business_unit_id.in_(unit_ids), User.role == "trainee",
                                     CrmIndicator.period.in_(labels))
                              .group_by(CrmIndicator.indicator, User.business_unit_id, CrmIndicator.period)).all()
    trends: dict[str, dict[int, list]] = {}
    for key, unit, period, hits, total in rows:
        series = trends.setdefault(key, {}).setdefault(unit, [None] * len(labels))
        series[labels.index(period)] = int(hits) / int(total) if total else None
    return trends


def _training_effect(unit_ids: list[int], labels: list[str]) -> list[dict]:
    """Per indicator, over the same months: the mean share of people trained in its skills before the
    month began against people not (yet) trained, with a 95 % interval on the difference (person-months
    as units, a normal approximation). Shown only with at least five person-months on each side."""
    from app.services.training import catalogue

    teaching = defaultdict(set)  # skill → module ids that teach it
    for module in catalogue().values():
        if module.kind in ("elearning", "exercise", "instructor_led"):
            for slug in module.skills:
                teaching[slug].add(module.id)
    rows = db.session.execute(select(CrmIndicator.user_id, CrmIndicator.indicator, CrmIndicator.period,
                                     CrmIndicator.numerator, CrmIndicator.denominator)
                              .join(User, User.id == CrmIndicator.user_id)
                              .where(User.business_unit_id.in_(unit_ids), User.role == "trainee",
                                     CrmIndicator.period.in_(labels))).all()
    if not rows:
        return []
    completed = defaultdict(list)  # person → [(module id, completed_at)]
    for person, key, when in db.session.execute(select(ModuleProgress.user_id, ModuleProgress.module_key,
                                                       ModuleProgress.completed_at)
                                                .where(ModuleProgress.user_id.in_({r[0] for r in rows}),
                                                       ModuleProgress.status == "completed")):
        if when is not None:
            completed[person].append((key, when))
    defs = indicators.by_key()
    groups: dict[str, tuple[list, list]] = {}
    for person, key, period, hits, total in rows:
        if key not in defs or not total:
            continue
        month_start = datetime(int(period[:4]), int(period[5:7]), 1, tzinfo=timezone.utc)
        modules = set().union(*(teaching[s] for s in defs[key].skills))
        trained = any(m in modules and when < month_start for m, when in completed[person])
        groups.setdefault(key, ([], []))[0 if trained else 1].append(hits / total)
    result = []
    for key, (trained, untrained) in sorted(groups.items()):
        if len(trained) < 5 or len(untrained) < 5:
            continue
        difference, half_width = _difference(trained, untrained)
        result.append({"indicator": key, "title": defs[key].title, "trained": sum(trained) / len(trained),
                       "untrained": sum(untrained) / len(untrained), "trained_n": len(trained),
                       "untrained_n": len(untrained), "difference": difference, "low": difference - half_width,
                       "high": difference + half_width})
    return result


def _difference(a: list[float], b: list[float]) -> tuple[float, float]:
    def mean_var(values):
        mean = sum(values) / len(values)
        return mean, sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)

    (ma, va), (mb, vb) = mean_var(a), mean_var(b)
    return ma - mb, 1.96 * math.sqrt(va / len(a) + vb / len(b))
