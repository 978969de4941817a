"""The CRM exports Uptake reads, streamed row by row (a file of a few hundred MB never sits in memory).

- **Salesforce event log files** (EventLogFile CSV, one event type a file or several): Login, URI,
  LightningPageView, Report and ReportExport events, by their documented columns (EVENT_TYPE,
  TIMESTAMP or TIMESTAMP_DERIVED, REQUEST_ID, USER_ID or USER_ID_DERIVED, and per type USER_NAME /
  LOGIN_STATUS, URI, PAGE_URL / PAGE_ENTITY_TYPE / PAGE_ENTITY_ID, REPORT_ID / REPORT_ID_DERIVED).
  Rows of other event types are counted as skipped, by type.
- **Salesforce field history** (OpportunityFieldHistory, AccountHistory, LeadHistory, CaseHistory,
  ContactHistory exports): Id, the parent's id column (OpportunityId, AccountId, …), Field,
  OldValue, NewValue, CreatedById, CreatedDate.
- **Salesforce record exports** (Data Loader or report exports by API name): Opportunity, Task, Event,
  Lead, Contact, Account, Case and User with their standard fields. Each record is kept as its latest
  snapshot and its creation is an event; a User export maps CRM user ids to email addresses.
- **The generic format** for other CRMs (HubSpot, Dynamics…), as CSV or JSON Lines: `occurred_at`
  (ISO 8601), `user_id` and/or `user_email`, `event` (one of `GENERIC_EVENTS`), and optionally
  `object`, `record_id`, `field`, `old_value`, `new_value`, `event_id` (the source's own id; without
  it a row is identified by its content, so the same row sent twice is one event).

Every row read is an event, a record, a user or a problem with its line number; nothing is dropped
without being counted.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Iterable, Iterator

GENERIC_EVENTS = ("login", "page_view", "search", "report_run", "report_export", "record_created",
                  "record_updated", "field_change", "activity_logged")
EVENT_LOG_TYPES = {"Login": "login", "URI": "page_view", "LightningPageView": "page_view", "Report": "report_run",
                   "ReportExport": "report_export"}
HISTORY_PARENTS = {"opportunityid": "Opportunity", "accountid": "Account", "leadid": "Lead", "caseid": "Case",
                   "contactid": "Contact", "parentid": ""}
# the standard fields kept from each object's export (API names), besides Id, OwnerId, CreatedById, CreatedDate
RECORD_FIELDS = {
    "Opportunity": ("Name", "AccountId", "StageName", "CloseDate", "NextStep", "Amount", "IsClosed", "IsWon",
                    "LastModifiedDate"),
    "Task": ("Subject", "TaskSubtype", "Type", "ActivityDate", "Status", "WhatId", "WhoId", "CompletedDateTime"),
    "Event": ("Subject", "StartDateTime", "EndDateTime", "ActivityDateTime", "WhatId", "WhoId"),
    "Lead": ("Company", "Email", "Status", "IsConverted", "ConvertedDate", "ConvertedAccountId",
             "ConvertedContactId", "ConvertedOpportunityId"),
    "Contact": ("FirstName", "LastName", "AccountId", "Email", "Phone"),
    "Account": ("Name", "Industry", "Phone", "BillingCity", "Website"),
    "Case": ("CaseNumber", "Status", "Priority", "Origin", "IsClosed", "ClosedDate", "IsEscalated"),
    "User": ("Username", "Email", "Name", "IsActive"),
}
# columns that tell an object's export apart (checked in this order)
RECORD_SIGNS = (("User", {"username"}), ("Opportunity", {"stagename"}), ("Lead", {"isconverted"}),
                ("Case", {"casenumber"}), ("Event", {"startdatetime"}), ("Task", {"activitydate", "status"}),
                ("Contact", {"lastname"}), ("Account", {"name"}))
FORMATS = ("salesforce-event-log", "salesforce-field-history", "salesforce-records", "generic")
FORMAT_NAMES = {"salesforce-event-log": "Salesforce event log file", "salesforce-field-history": "Salesforce field history",
                "salesforce-records": "Salesforce record export", "generic": "Generic event file"}


class FormatError(ValueError):
    """The file is not one Uptake reads (the message says what it expected)."""


@dataclass(frozen=True)
class Event:
    """One thing a CRM user did."""

    key: str  # unique within the organisation's CRM: re-importing the same event changes nothing
    kind: str
    occurred_at: datetime
    user: str  # the CRM's user id (or, in the generic format without one, the email)
    object_type: str = ""
    record_id: str = ""
    field: str = ""
    old_value: str = ""
    new_value: str = ""


@dataclass(frozen=True)
class Record:
    """A CRM record as the newest export shows it."""

    object_type: str
    record_id: str
    owner: str
    created_by: str
    created_at: datetime | None
    fields: dict


@dataclass(frozen=True)
class CrmUser:
    """What a row says about a CRM user: their id and, when it says, their email (or username)."""

    user: str
    email: str = ""
    name: str = ""


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class Header:
    format: str
    object_type: str = ""  # records and field history: which object
    columns: list[str] = field(default_factory=list)


# --- identifiers and times -------------------------------------------------------------------------
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id(value: str) -> str:
    """A Salesforce id in its 18-character form: the 15-character, case-sensitive form gets its
    documented three-character suffix, so USER_ID and USER_ID_DERIVED name the same person."""
    value = value.strip()
    if len(value) != 15 or not value.isalnum():
        return value
    suffix = ""
    for start in (0, 5, 10):
        flags = sum(1 << i for i, ch in enumerate(value[start:start + 5]) if "A" <= ch <= "Z")
        suffix += _ALPHABET[flags]
    return value + suffix


def parse_time(text: str) -> datetime:
    """ISO 8601 (with Z or an offset; no offset is UTC), a date alone (midnight UTC), or the event
    log's TIMESTAMP form 20260115093000.123."""
    text = text.strip()
    if not text:
        raise ValueError("no time given")
    if text.isdigit() or (len(text) > 14 and text[:14].isdigit() and text[14] == "."):
        whole, _, fraction = text.partition(".")
        if len(whole) != 14:
            raise ValueError(f"“{text}” is not a time")
        moment = datetime.strptime(whole, "%Y%m%d%H%M%S")
        return moment.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"“{text}” is not a date and time (ISO 8601, e.g. 2026-11-03T09:30:00Z)") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _content_key(prefix: str, values: Iterable[str]) -> str:
    return prefix + hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


# --- detection -------------------------------------------------------------------------------------
def detect(columns: list[str], object_type: str = "") -> Header:
    """Which format a header row is, or FormatError saying what was expected."""
    lower = {c.strip().lower() for c in columns}
    if "event_type" in lower and ({"timestamp", "timestamp_derived"} & lower):
        return Header("salesforce-event-log", columns=columns)
    if {"field", "oldvalue", "newvalue", "createddate"} <= lower:
        parent = next((HISTORY_PARENTS[c] for c in HISTORY_PARENTS if c in lower), None)
        if parent is None:
            raise FormatError("A field history export needs the parent record's column (OpportunityId, AccountId, "
                              "LeadId, CaseId, ContactId or ParentId).")
        return Header("salesforce-field-history", object_type=object_type or parent, columns=columns)
    if "occurred_at" in lower and "event" in lower:
        if not ({"user_id", "user_email"} & lower):
            raise FormatError("A generic event file needs a user_id or user_email column.")
        return Header("generic", columns=columns)
    if "id" in lower and ("createddate" in lower or "username" in lower):
        if object_type:
            if object_type not in RECORD_FIELDS:
                raise FormatError(f"Uptake reads exports of {', '.join(RECORD_FIELDS)}, not {object_type}.")
            return Header("salesforce-records", object_type=object_type, columns=columns)
        for name, signs in RECORD_SIGNS:
            if signs <= lower:
                return Header("salesforce-records", object_type=name, columns=columns)
        raise FormatError("This looks like a record export but not of an object Uptake reads "
                          f"({', '.join(RECORD_FIELDS)}); say which object it is.")
    raise FormatError("Uptake does not recognise this file. It reads Salesforce event log files (EVENT_TYPE, "
                      "TIMESTAMP…), field history exports (Field, OldValue, NewValue, CreatedDate…), record exports "
                      "(Id, OwnerId, CreatedDate… by API name) and the generic event format "
                      "(occurred_at, user_id or user_email, event…).")


# --- reading ---------------------------------------------------------------------------------------
Item = Event | Record | CrmUser | Problem


class Reader:
    """Iterate over a text stream's rows as Events, Records, CrmUsers and Problems; `header` says
    which format was found and `skipped` counts rows of event types Uptake does not read."""

    def __init__(self, stream: io.TextIOBase, object_type: str = ""):
        self.stream = stream
        self.skipped: dict[str, int] = {}
        self.rows = 0
        first = stream.readline()
        while first and not first.strip():
            first = stream.readline()
        self.json_lines = first.lstrip().startswith("{")
        if self.json_lines:
            try:
                self._first_json = json.loads(first)
            except json.JSONDecodeError as error:
                raise FormatError(f"Line 1 is not valid JSON: {error.msg}.") from None
            if not isinstance(self._first_json, dict):
                raise FormatError("Each line of a JSON Lines file must be an object.")
            self.header = detect(list(self._first_json), object_type)
            if self.header.format != "generic":
                raise FormatError("JSON Lines files must be in the generic event format.")
        else:
            columns = next(csv.reader([first])) if first else []
            self.header = detect([c.lstrip("\ufeff") for c in columns], object_type)
            self._columns = [c.lstrip("\ufeff").strip() for c in columns]

    def _dicts(self) -> Iterator[tuple[int, dict]]:
        if self.json_lines:
            yield 1, self._first_json
            for number, line in enumerate(self.stream, start=2):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    yield number, {"__problem__": f"not valid JSON ({error.msg})"}
                    continue
                yield number, value if isinstance(value, dict) else {"__problem__": "not a JSON object"}
            return
        lower = [c.lower() for c in self._columns]
        reader = csv.reader(self.stream)
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(lower):
                yield number, {"__problem__": f"has {len(cells)} cells where the header names {len(lower)}"}
                continue
            yield number, dict(zip(lower, cells))

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        read = {"salesforce-event-log": self._event_log, "salesforce-field-history": self._history,
                "salesforce-records": self._record, "generic": self._generic}[self.header.format]
        for number, row in self._dicts():
            self.rows += 1
            if "__problem__" in row:
                yield number, Problem(number, f"Line {number} {row['__problem__']}.")
                continue
            row = {str(k).lower(): ("" if v is None else str(v)) for k, v in row.items()}
            try:
                for item in read(row):
                    yield number, item
            except ValueError as error:
                yield number, Problem(number, f"Line {number}: {error}")

    # one function per format: a row in, what it says out ---------------------------------------------
    def _event_log(self, row: dict) -> Iterator[Item]:
        event_type = row.get("event_type", "").strip()
        kind = EVENT_LOG_TYPES.get(event_type)
        if kind is None:
            self.skipped[event_type or "(none)"] = self.skipped.get(event_type or "(none)", 0) + 1
            return
        user = salesforce_id(row.get("user_id_derived") or row.get("user_id", ""))
        if not user:
            raise ValueError("no USER_ID")
        when = parse_time(row.get("timestamp_derived") or row.get("timestamp", ""))
        request = row.get("request_id", "").strip()
        key = f"sf:{event_type}:{request}" if request else _content_key(f"sf:{event_type}:", row.values())
        if event_type == "Login":
            if row.get("user_name"):
                yield CrmUser(user, email=row["user_name"].strip())
            status = row.get("login_status", "LOGIN_NO_ERROR").strip() or "LOGIN_NO_ERROR"
            yield Event(key, "login" if status == "LOGIN_NO_ERROR" else "login_failed", when, user)
        elif event_type == "URI":
            uri = row.get("uri", "")
            yield Event(key, "search" if "search" in uri.lower() else "page_view", when, user,
                        record_id=salesforce_id(row.get("uri_id_derived", "")), new_value=uri[:255])
        elif event_type == "LightningPageView":
            url = row.get("page_url", "")
            entity = row.get("page_entity_type", "").strip()
            search = "search" in url.lower() or entity.lower() == "search"
            yield Event(key, "search" if search else "page_view", when, user, object_type="" if search else entity,
                        record_id=salesforce_id(row.get("page_entity_id", "")), new_value=url[:255])
        else:  # Report, ReportExport
            report = salesforce_id(row.get("report_id_derived") or row.get("report_id", ""))
            yield Event(key, kind, when, user, object_type="Report", record_id=report)

    def _history(self, row: dict) -> Iterator[Item]:
        parent_column = next(c for c in HISTORY_PARENTS if c in row)
        record = salesforce_id(row.get(parent_column, ""))
        user = salesforce_id(row.get("createdbyid", ""))
        if not user or not record:
            raise ValueError("a history row needs CreatedById and the parent record's id")
        when = parse_time(row.get("createddate", ""))
        key = f"sf:history:{salesforce_id(row['id'])}" if row.get("id") else _content_key("sf:history:", row.values())
        yield Event(key, "field_change", when, user, object_type=self.header.object_type, record_id=record,
                    field=row.get("field", "").strip(), old_value=row.get("oldvalue", "")[:255],
                    new_value=row.get("newvalue", "")[:255])

    def _record(self, row: dict) -> Iterator[Item]:
        name = self.header.object_type
        record = salesforce_id(row.get("id", ""))
        if not record:
            raise ValueError("no Id")
        if name == "User":
            yield CrmUser(record, email=(row.get("email") or row.get("username") or "").strip(),
                          name=row.get("name", "").strip())
            return
        created = parse_time(row["createddate"]) if row.get("createddate", "").strip() else None
        owner = salesforce_id(row.get("ownerid", ""))
        creator = salesforce_id(row.get("createdbyid", "")) or owner
        fields = {f: row[f.lower()].strip() for f in RECORD_FIELDS[name] if f.lower() in row}
        yield Record(name, record, owner, creator, created, fields)
        if created is not None and creator:
            yield Event(f"sf:created:{record}", "record_created", created, creator, object_type=name, record_id=record)

    def _generic(self, row: dict) -> Iterator[Item]:
        kind = row.get("event", "").strip().lower()
        if kind not in GENERIC_EVENTS:
            raise ValueError(f"event “{row.get('event', '')}” is not one of {', '.join(GENERIC_EVENTS)}")
        user, email = row.get("user_id", "").strip(), row.get("user_email", "").strip()
        if not user and not email:
            raise ValueError("no user_id or user_email")
        user = user or email.lower()
        if email:
            yield CrmUser(user, email=email)
        when = parse_time(row.get("occurred_at", ""))
        source_id = row.get("event_id", "").strip()
        key = f"ev:{source_id}" if source_id else _content_key("ev:", [row.get(c, "") for c in sorted(row)])
        yield Event(key[:160], kind, when, user, object_type=row.get("object", "").strip()[:64],
                    record_id=row.get("record_id", "").strip()[:64], field=row.get("field", "").strip()[:64],
                    old_value=row.get("old_value", "")[:255], new_value=row.get("new_value", "")[:255])


def open_text(binary: io.BufferedIOBase) -> io.TextIOWrapper:
    """A binary upload as text: UTF-8 (with or without a byte-order mark), CSV newlines kept."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
