"""CRM behaviour as evidence: the organisation's monthly indicators computed from its confirmed
events and records (`app.crm.indicators`), stored with an evidence row each (source "crm", model key
`check:crm:<indicator>`), the verdicts they move refreshed; and what a person's CRM use says of each
skill — applied or not (the transfer gap), and in plain words for "My CRM use" and "Why?"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.crm import indicators
from app.extensions import db
from app.models import CrmEvent, CrmIndicator, CrmRecord, CrmUser, Evidence, User
from app.models.types import utcnow

# the events indicators read (page views, the bulk of an event log, are left in the database)
INDICATOR_EVENTS = ("login", "search", "report_run", "report_export", "record_created", "field_change")

def recompute(org_id: int, now: datetime | None = None) -> set[int]:
    """Compute every indicator for the organisation's linked people, store what changed as evidence,
    and refresh the verdicts of the people whose evidence changed. Returns their ids."""
    from app.services.skill_model import refresh_person

    people = dict(db.session.execute(select(CrmUser.crm_user, CrmUser.user_id).where(
        CrmUser.organisation_id == org_id, CrmUser.user_id.is_not(None), CrmUser.ignored.is_(False))).all())
    events = (indicators.EventRow(*r) for r in db.session.execute(select(
        CrmEvent.crm_user, CrmEvent.kind, CrmEvent.occurred_at, CrmEvent.object_type, CrmEvent.record_id,
        CrmEvent.field).where(
        CrmEvent.organisation_id == org_id, CrmEvent.confirmed.is_(True),
        CrmEvent.kind.in_(INDICATOR_EVENTS),
        CrmEvent.crm_user.in_(list(people)))).yield_per(10_000)) if people else iter(())
    records = (indicators.RecordRow(*r) for r in db.session.execute(select(
        CrmRecord.object_type, CrmRecord.record_id, CrmRecord.owner, CrmRecord.created_by, CrmRecord.created_at,
        CrmRecord.fields, CrmRecord.updated_at).where(CrmRecord.organisation_id == org_id)).yield_per(10_000))
    values: dict[tuple[int, str, str], list[int]] = {}
    defs = indicators.by_key()
    found = indicators.compute(indicators.definitions(), events, records, minimum=False)
    for (crm_user, key, period), (hits, total) in found.items():
        person = people.get(crm_user)
        if person is None:
            continue
        cell = values.setdefault((person, key, period), [0, 0])  # two CRM logins of one person add up
        cell[0] += hits
        cell[1] += total
    values = {k: v for k, v in values.items() if v[1] >= defs[k[1]].min_opportunity}  # no opportunity, no evidence
    existing = {(r.user_id, r.indicator, r.period): r for r in db.session.scalars(
        select(CrmIndicator).where(CrmIndicator.organisation_id == org_id))}
    evidence_of = {e.crm_indicator_id: e for e in db.session.scalars(
        select(Evidence).join(CrmIndicator, CrmIndicator.id == Evidence.crm_indicator_id)
        .where(CrmIndicator.organisation_id == org_id))}
    changed: set[int] = set()
    now = now or utcnow()
    for key, row in existing.items():
        if key not in values:
            changed.add(row.user_id)
            db.session.delete(row)  # its evidence goes with it
    db.session.flush()
    for (person, key, period), (hits, total) in values.items():
        row = existing.get((person, key, period))
        if row is not None and (row.numerator, row.denominator) == (hits, total):
            continue
        changed.add(person)
        if row is None:
            row = CrmIndicator(organisation_id=org_id, user_id=person, indicator=key, period=period)
            db.session.add(row)
        row.numerator, row.denominator, row.computed_at = hits, total, now
        db.session.flush()
        evidence = evidence_of.get(row.id)
        if evidence is None:
            evidence = Evidence(user_id=person, source="crm", crm_indicator_id=row.id, check_key=f"crm:{key}",
                                skills=list(defs[key].skills))
            db.session.add(evidence)
        evidence.score = hits / total
        evidence.occurred_at = min(indicators.period_end(period), now)
    db.session.commit()
    for person in sorted(changed):
        user = db.session.get(User, person)
        if user is not None and user.active:
            refresh_person(user)
    return changed


RECENT_MONTHS = 3


def applying(user_id: int) -> dict[str, dict]:
    """Per skill the CRM measures for this person, as the first skill of its indicators (the one the
    behaviour mainly shows): the last three measured months pooled (numerator, denominator, the share
    someone applying it reaches) and whether it is applied — True, False, or None where the occasions are
    too few to say (`indicators.judge`)."""
    defs = indicators.by_key()
    rows = db.session.execute(select(CrmIndicator.indicator, CrmIndicator.period, CrmIndicator.numerator,
                                     CrmIndicator.denominator).where(CrmIndicator.user_id == user_id)).all()
    periods = sorted({r[1] for r in rows}, reverse=True)[:RECENT_MONTHS]
    pooled: dict[str, list[float]] = {}
    for key, period, hits, total in rows:
        if period not in periods or key not in defs:
            continue
        cell = pooled.setdefault(defs[key].skills[0], [0, 0, 0.0])
        cell[0] += hits
        cell[1] += total
        cell[2] += defs[key].expected * total
    return {slug: {"numerator": int(h), "denominator": int(t), "share": h / t, "expected": round(e / t, 4),
                   "applied": indicators.judge(int(h), int(t), e / t)} for slug, (h, t, e) in pooled.items() if t}


def mark_transfer(user: User, rows: list[dict], now: datetime | None = None, as_of: bool = False) -> None:
    """Set each assessed row's `transfer`: "coaching" where tests and exercises alone say proficient but
    the CRM says the skill is not applied (coaching, not training), "untrained" where it is applied in the
    CRM without tests or exercises showing it (a short check, not a course), else ""."""
    from app.services.skill_model import assess

    applied = applying(user.id)
    if not applied:
        return
    tested = {r["slug"]: r["verdict"] for r in assess(user, now, as_of=as_of, leave_out=("crm",))}
    for row in rows:
        seen = applied.get(row["slug"])
        if seen is None or seen["applied"] is None:
            continue  # not measured in the CRM, or too few occasions to say
        proficient = tested.get(row["slug"]) == "proficient"
        row["transfer"] = ("coaching" if proficient and seen["applied"] is False
                           else "untrained" if seen["applied"] and not proficient else "")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def month_name(period: str) -> str:
    """ "2026-11" → "November 2026"."""
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def person_indicators(user_id: int) -> list[dict]:
    """What is measured from this person's own CRM use, newest month first, with its plain words."""
    defs = indicators.by_key()
    rows = db.session.scalars(select(CrmIndicator).where(CrmIndicator.user_id == user_id)
                              .order_by(CrmIndicator.period.desc(), CrmIndicator.indicator))
    return [{"key": r.indicator, "period": r.period, "month": month_name(r.period), "numerator": r.numerator,
             "denominator": r.denominator,
             "title": defs[r.indicator].title if r.indicator in defs else r.indicator,
             "explains": defs[r.indicator].explains if r.indicator in defs else "",
             "expected": defs[r.indicator].expected if r.indicator in defs else None,
             "skills": list(defs[r.indicator].skills) if r.indicator in defs else []} for r in rows]


def evidence_title(check_key: str) -> str:
    """A CRM indicator's evidence as people read it under "Why?"."""
    key = check_key.split(":", 1)[1] if ":" in check_key else check_key
    found = indicators.by_key().get(key)
    return f"Measured in the CRM: {found.title.lower() if found else key}"
