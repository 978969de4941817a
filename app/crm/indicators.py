"""Behaviour indicators: from a company's CRM events and records, per CRM user and calendar month, a
numerator of a denominator for each indicator declared in `simulations/crm_indicators.yaml`.

Pure functions over plain rows (no database): `compute(definitions, events, records)` returns
{(crm user, indicator key, "YYYY-MM"): (numerator, denominator)} for every month in which the
denominator reaches the indicator's `min_opportunity` — no opportunity, no evidence.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import yaml

from app.crm.formats import Record, parse_time

DEFINITIONS = Path(__file__).resolve().parents[2] / "simulations" / "crm_indicators.yaml"
SEARCH_WINDOW = timedelta(minutes=15)
PROMPT = timedelta(days=1)
CASE_DAYS = 7
TRUE = {"true", "1", "yes"}


@dataclass(frozen=True)
class Indicator:
    key: str
    skills: tuple[str, ...]
    measure: str
    title: str
    explains: str
    min_opportunity: int
    expected: float


@dataclass(frozen=True)
class EventRow:
    user: str
    kind: str
    occurred_at: datetime
    object_type: str = ""
    record_id: str = ""
    field: str = ""  # for a field change: which field


@dataclass(frozen=True)
class RecordRow(Record):
    """A record as read (`formats.Record`) and when the export that showed it was imported."""

    seen_at: datetime


@lru_cache(maxsize=1)
def definitions() -> tuple[Indicator, ...]:
    raw = yaml.safe_load(DEFINITIONS.read_text(encoding="utf-8")) or []
    found = tuple(Indicator(d["key"], tuple(d["skills"]), d["measure"], d["title"], " ".join(d["explains"].split()),
                            int(d.get("min_opportunity", 1)), float(d.get("expected", 0.8))) for d in raw)
    unknown = [i.measure for i in found if i.measure not in MEASURES]
    if unknown:
        raise ValueError(f"crm_indicators.yaml names measures that do not exist: {', '.join(unknown)}")
    return found


def by_key() -> dict[str, Indicator]:
    return {i.key: i for i in definitions()}


def period_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def period_end(period: str) -> datetime:
    """The first instant after the month (evidence from a month is dated at its end)."""
    year, month = int(period[:4]), int(period[5:7])
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)


def _when(text: str) -> datetime | None:
    try:
        return parse_time(text) if text else None
    except ValueError:
        return None


Tally = dict[tuple[str, str], list[int]]  # (crm user, period) → [numerator, denominator]


def _count(tally: Tally, user: str, moment: datetime, hit: bool) -> None:
    cell = tally.setdefault((user, period_of(moment)), [0, 0])
    cell[0] += int(hit)
    cell[1] += 1


# --- measures: each reads the rows it needs and fills a tally -----------------------------------------
def open_opportunities_kept(events: list[EventRow], records: list[RecordRow]) -> Tally:
    tally: Tally = {}
    for r in records:
        if r.object_type != "Opportunity" or r.fields.get("IsClosed", "").lower() in TRUE or not r.owner:
            continue
        close = _when(r.fields.get("CloseDate", ""))
        kept = bool(r.fields.get("NextStep", "").strip()) and close is not None and close.date() >= r.seen_at.date()
        _count(tally, r.owner, r.seen_at, kept)
    return tally


def activities_logged_promptly(events: list[EventRow], records: list[RecordRow]) -> Tally:
    tally: Tally = {}
    for r in records:
        if r.object_type == "Task":
            if r.fields.get("Status", "").lower() != "completed":
                continue  # still to do: nothing to log yet
            day = _when(r.fields.get("ActivityDate", ""))
            happened = day + timedelta(days=1) if day is not None else _when(r.fields.get("CompletedDateTime", ""))
        elif r.object_type == "Event":
            happened = _when(r.fields.get("EndDateTime", "") or r.fields.get("StartDateTime", "")
                             or r.fields.get("ActivityDateTime", ""))
            if happened is not None and happened > r.seen_at:
                continue  # has not happened yet
        else:
            continue
        if happened is None or r.created_at is None or not r.owner:
            continue
        _count(tally, r.owner, min(happened, r.seen_at), r.created_at - happened <= PROMPT)
    return tally


def contacts_complete(events: list[EventRow], records: list[RecordRow]) -> Tally:
    tally: Tally = {}
    for r in records:
        if r.object_type != "Contact" or r.created_at is None or not r.created_by:
            continue
        complete = all(r.fields.get(f, "").strip() for f in ("Email", "Phone", "AccountId"))
        _count(tally, r.created_by, r.created_at, complete)
    return tally


def contacts_not_duplicated(events: list[EventRow], records: list[RecordRow]) -> Tally:
    """Each contact created with an email counts; done well when no contact with the same email existed."""
    first_seen: dict[str, datetime] = {}
    contacts = sorted((r for r in records if r.object_type == "Contact" and r.created_at is not None
                       and r.fields.get("Email", "").strip()), key=lambda r: (r.created_at, r.record_id))
    tally: Tally = {}
    for r in contacts:
        email = r.fields["Email"].strip().lower()
        if r.created_by:
            _count(tally, r.created_by, r.created_at, email not in first_seen)
        first_seen.setdefault(email, r.created_at)
    return tally


def _name(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return " ".join(w for w in words if w not in {"inc", "ltd", "llc", "gmbh", "plc", "sa", "ag", "the", "co"})


def leads_converted_cleanly(events: list[EventRow], records: list[RecordRow]) -> Tally:
    accounts = {r.record_id: r for r in records if r.object_type == "Account"}
    by_name: dict[str, list[datetime]] = defaultdict(list)
    for a in accounts.values():
        if a.created_at is not None:
            by_name[_name(a.fields.get("Name", ""))].append(a.created_at)
    tally: Tally = {}
    for r in records:
        if r.object_type != "Lead" or r.fields.get("IsConverted", "").lower() not in TRUE or not r.owner:
            continue
        converted = _when(r.fields.get("ConvertedDate", ""))
        target = accounts.get(r.fields.get("ConvertedAccountId", ""))
        if converted is None or target is None or target.created_at is None:
            continue
        existed = [t for t in by_name.get(_name(r.fields.get("Company", "")), []) if t < converted]
        if not existed:
            continue  # a new company: no existing account to find, so no evidence either way
        # ConvertedDate is a date: an account created that day or later was created by the conversion
        _count(tally, r.owner, converted, target.created_at < converted)
    return tally


def searched_before_creating(events: list[EventRow], records: list[RecordRow]) -> Tally:
    searches: dict[str, list[datetime]] = defaultdict(list)
    created: list[EventRow] = []
    for e in events:
        if e.kind == "search":
            searches[e.user].append(e.occurred_at)
        elif e.kind == "record_created" and e.object_type in ("Account", "Contact", "Lead"):
            created.append(e)
    for times in searches.values():
        times.sort()
    tally: Tally = {}
    for e in created:
        times = searches.get(e.user, [])
        i = bisect_left(times, e.occurred_at - SEARCH_WINDOW)
        _count(tally, e.user, e.occurred_at, i < len(times) and times[i] <= e.occurred_at)
    return tally


def stage_changes_with_next_step(events: list[EventRow], records: list[RecordRow]) -> Tally:
    """From field history: each stage change counts, done well when the same person also changed the
    opportunity's next step within a day of it."""
    next_steps: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    stages: list[EventRow] = []
    for e in events:
        if e.kind == "field_change" and e.object_type == "Opportunity":
            if e.field.lower() == "nextstep":
                next_steps[(e.user, e.record_id)].append(e.occurred_at)
            elif e.field.lower() == "stagename":
                stages.append(e)
    tally: Tally = {}
    for e in stages:
        near = any(abs(t - e.occurred_at) <= PROMPT for t in next_steps.get((e.user, e.record_id), ()))
        _count(tally, e.user, e.occurred_at, near)
    return tally


def weeks_with_reports(events: list[EventRow], records: list[RecordRow]) -> Tally:
    active: dict[str, set[date]] = defaultdict(set)
    reporting: dict[str, set[date]] = defaultdict(set)
    for e in events:
        monday = e.occurred_at.date() - timedelta(days=e.occurred_at.weekday())
        if e.kind == "login":
            active[e.user].add(monday)
        elif e.kind in ("report_run", "report_export"):
            reporting[e.user].add(monday)
            active[e.user].add(monday)
    tally: Tally = {}
    for user, weeks in active.items():
        for monday in weeks:
            thursday = monday + timedelta(days=3)  # a week belongs to the month of its Thursday (as ISO weeks do)
            _count(tally, user, datetime(thursday.year, thursday.month, thursday.day, tzinfo=timezone.utc),
                   monday in reporting[user])
    return tally


def cases_closed_within_week(events: list[EventRow], records: list[RecordRow]) -> Tally:
    tally: Tally = {}
    for r in records:
        if r.object_type != "Case" or r.fields.get("IsClosed", "").lower() not in TRUE or not r.owner:
            continue
        closed = _when(r.fields.get("ClosedDate", ""))
        if closed is None or r.created_at is None:
            continue
        _count(tally, r.owner, closed, closed - r.created_at <= timedelta(days=CASE_DAYS))
    return tally


MEASURES: dict[str, Callable[[list[EventRow], list[RecordRow]], Tally]] = {
    f.__name__: f for f in (open_opportunities_kept, stage_changes_with_next_step, activities_logged_promptly,
                            contacts_complete, contacts_not_duplicated,
                            leads_converted_cleanly, searched_before_creating, weeks_with_reports,
                            cases_closed_within_week)}


APPLIED_Z = 1.2816  # one-sided 90 %
MIN_JUDGED = 5  # occasions before "applied" can be said


def judge(hits: int, total: int, expected: float) -> bool | None:
    """Is the behaviour applied? False when even the upper end of a one-sided 90 % Wilson interval on
    the share stays below what someone applying it reaches; True when it does not, on at least
    `MIN_JUDGED` occasions; None (not enough evidence yet) otherwise."""
    if total <= 0:
        return None
    share, z2 = hits / total, APPLIED_Z ** 2
    centre = (share + z2 / (2 * total)) / (1 + z2 / total)
    half = APPLIED_Z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    if centre + half < expected:
        return False
    return True if total >= MIN_JUDGED else None


def compute(indicators: Iterable[Indicator], events: Iterable[EventRow], records: Iterable[RecordRow],
            minimum: bool = True) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(crm user, indicator key, period) → (numerator, denominator), where the denominator reaches
    the indicator's minimum opportunity (with `minimum=False`, every month with a denominator: for a
    caller that adds up several CRM users who are one person, then applies the minimum)."""
    events, records = list(events), list(records)
    result = {}
    for indicator in indicators:
        for (user, period), (hits, total) in MEASURES[indicator.measure](events, records).items():
            if total >= indicator.min_opportunity or not minimum:
                result[(user, indicator.key, period)] = (hits, total)
    return result
