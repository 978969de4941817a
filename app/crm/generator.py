"""A CRM history in the real export formats, generated from what each person truly applies: the
demo organisation's CRM data, and the truth the CRM benchmark (`bench.crm`) measures recovery against.

Each person applies some skills in their daily CRM work (`applies`) and not others. Each behaviour an
indicator counts is done well with a high probability (0.9) by someone who applies the skill the
indicator names first, and a low one (0.35) otherwise, a little less (0.1) when another skill it names
is not applied. With `independence` > 0 that share of each person's behaviour follows
a personal diligence unrelated to skill instead: the misspecified world in which behaviour is partly
independent of skill.

Files written (Salesforce formats, as `app.crm.formats` reads them): User.csv, EventLogFile_Login.csv,
EventLogFile_LightningPageView.csv, EventLogFile_Report.csv, EventLogFile_ReportExport.csv, Opportunity.csv,
OpportunityFieldHistory.csv, Task.csv, Event.csv, Contact.csv, Account.csv, Lead.csv, Case.csv. Rows are written as they are drawn, so a file of
millions of events never sits in memory.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from app.crm.formats import salesforce_id
from app.crm.indicators import definitions

GOOD, POOR = 0.9, 0.35  # the chance of doing a behaviour well, applying its (first) skill or not
SECONDARY = 0.1  # less, when another skill the indicator names is not applied
COMPANIES = ("Northwind Traders", "Contoso", "Fabrikam", "Adventure Works", "Blue Yonder Airlines", "Litware",
             "Tailspin Toys", "Wide World Importers", "Proseware", "Coho Winery", "Alpine Ski House", "Margie's Travel",
             "Lucerne Publishing", "Trey Research", "Woodgrove Bank", "Humongous Insurance", "Fourth Coffee",
             "Graphic Design Institute", "Southridge Video", "Wingtip Toys")


@dataclass
class Person:
    crm_id: str  # the CRM's 18-character user id
    email: str
    name: str
    applies: dict[str, bool]  # skill slug → applies it in daily CRM work
    cases: bool = False  # works cases (service roles)
    diligence: float = field(default=0.5)


def crm_user_id(n: int) -> str:
    """A made-up but well-formed 18-character Salesforce user id."""
    return salesforce_id(f"0055g{n:010d}"[:15])


class _Ids:
    def __init__(self):
        self.counts: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return salesforce_id(f"{prefix}5g{self.counts[prefix]:010d}"[:15])


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S.") + f"{moment.microsecond // 1000:03d}"


class _Writers:
    HEADERS = {
        "User": ["Id", "Username", "Email", "Name", "IsActive"],
        "EventLogFile_Login": ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID", "USER_NAME",
                               "LOGIN_STATUS", "SOURCE_IP", "TIMESTAMP_DERIVED", "USER_ID_DERIVED"],
        "EventLogFile_LightningPageView": ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID",
                                           "PAGE_ENTITY_TYPE", "PAGE_ENTITY_ID", "PAGE_URL", "DURATION",
                                           "TIMESTAMP_DERIVED", "USER_ID_DERIVED"],
        "EventLogFile_Report": ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID", "REPORT_ID",
                                "ROW_COUNT", "TIMESTAMP_DERIVED", "USER_ID_DERIVED", "REPORT_ID_DERIVED"],
        "EventLogFile_ReportExport": ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID",
                                      "REPORT_ID", "TIMESTAMP_DERIVED", "USER_ID_DERIVED", "REPORT_ID_DERIVED"],
        "Opportunity": ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "NextStep", "IsClosed", "IsWon",
                        "OwnerId", "CreatedDate", "CreatedById"],
        "OpportunityFieldHistory": ["Id", "OpportunityId", "CreatedById", "CreatedDate", "Field", "OldValue",
                                    "NewValue"],
        "Task": ["Id", "WhatId", "Subject", "ActivityDate", "Status", "TaskSubtype", "OwnerId", "CreatedDate",
                 "CreatedById"],
        "Event": ["Id", "WhatId", "Subject", "StartDateTime", "EndDateTime", "OwnerId", "CreatedDate", "CreatedById"],
        "Contact": ["Id", "AccountId", "LastName", "FirstName", "Email", "Phone", "OwnerId", "CreatedDate",
                    "CreatedById"],
        "Account": ["Id", "Name", "Industry", "Phone", "OwnerId", "CreatedDate", "CreatedById"],
        "Lead": ["Id", "LastName", "Company", "Status", "IsConverted", "ConvertedDate", "ConvertedAccountId", "OwnerId",
                 "CreatedDate", "CreatedById"],
        "Case": ["Id", "CaseNumber", "Status", "Priority", "IsClosed", "ClosedDate", "OwnerId", "CreatedDate",
                 "CreatedById"],
    }

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = {name: folder / f"{name}.csv" for name in self.HEADERS}
        self.files = {name: path.open("w", newline="", encoding="utf-8") for name, path in self.paths.items()}
        self.writers = {name: csv.writer(f, quoting=csv.QUOTE_ALL) for name, f in self.files.items()}
        self.counts = {name: 0 for name in self.HEADERS}
        for name, header in self.HEADERS.items():
            self.writers[name].writerow(header)

    def row(self, name: str, values: list) -> None:
        self.writers[name].writerow(values)
        self.counts[name] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def write_exports(people: list[Person], folder: Path, end: date, months: int = 3, seed: int = 0,
                  independence: float = 0.0, page_views: int = 20, needs_all: bool = False) -> dict[str, int]:
    """Write `months` of CRM history ending on `end` (the export date) for `people` into `folder`;
    returns the rows written per file. `page_views` per person and working day (bulk, as real logs are).
    With `needs_all`, a behaviour is done well only by someone applying every skill its indicator names
    (the world in which one indicator cannot tell its skills apart)."""
    rng = random.Random(seed)  # synthetic data  # nosec B311
    skills_of = {d.key: d.skills for d in definitions()}
    org = "00D5g000004Org1EAC"
    ids = _Ids()
    out = _Writers(folder)
    export_time = datetime(end.year, end.month, end.day, 18, tzinfo=timezone.utc)
    start = end - timedelta(days=30 * months)
    accounts: list[tuple[str, str]] = []  # (id, name) of long-standing accounts
    contact_emails: list[tuple[str, datetime]] = []  # every contact's email and when it was made
    for n, company in enumerate(COMPANIES):
        account = ids("001")
        accounts.append((account, company))
        out.row("Account", [account, company, "Retail", f"+44 20 7946 {n:04d}", people[0].crm_id if people else "",
                            _iso(export_time - timedelta(days=700)), people[0].crm_id if people else ""])
    request = 0

    def does_well(person: Person, indicator: str) -> bool:
        if rng.random() < independence:
            return rng.random() < person.diligence
        first, *others = skills_of[indicator]
        chance = GOOD if person.applies.get(first, False) else POOR
        if needs_all and not all(person.applies.get(s, False) for s in others):
            chance = POOR
        elif not all(person.applies.get(s, False) for s in others):
            chance -= SECONDARY
        return rng.random() < chance

    def moment(day: date, hour: float) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(hours=hour)

    for person in people:
        out.row("User", [person.crm_id, person.email, person.email, person.name, "true"])
        short = person.crm_id[:15]
        day = start
        while day <= end:
            if day.weekday() >= 5 or rng.random() < 0.08:  # weekends, leave, sick days
                day += timedelta(days=1)
                continue
            signed_in = moment(day, 8 + rng.random())
            request += 1
            out.row("EventLogFile_Login", ["Login", _stamp(signed_in), f"4exLog{request:012d}", org, short,
                                           person.email, "LOGIN_NO_ERROR", "203.0.113.10", _iso(signed_in),
                                           person.crm_id])
            for _ in range(page_views):
                seen = signed_in + timedelta(minutes=rng.uniform(1, 480))
                request += 1
                out.row("EventLogFile_LightningPageView", ["LightningPageView", _stamp(seen), f"TID:{request:012d}",
                                                           org, short, "Opportunity", "", "/lightning/o/Opportunity/list",
                                                           str(rng.randint(2000, 90000)), _iso(seen), person.crm_id])
            if day.weekday() == 1 and does_well(person, "reports-weekly"):  # the weekly look at the pipeline report
                run = signed_in + timedelta(minutes=rng.uniform(5, 60))
                request += 1
                out.row("EventLogFile_Report", ["Report", _stamp(run), f"4exRpt{request:012d}", org, short,
                                                "00O5g00000Rep01", str(rng.randint(5, 80)), _iso(run), person.crm_id,
                                                "00O5g00000Rep01EAB"])
                if rng.random() < 0.2:  # and sometimes takes it to a spreadsheet
                    request += 1
                    taken = run + timedelta(minutes=2)
                    out.row("EventLogFile_ReportExport", ["ReportExport", _stamp(taken), f"4exExp{request:012d}", org,
                                                          short, "00O5g00000Rep01", _iso(taken), person.crm_id,
                                                          "00O5g00000Rep01EAB"])
            if rng.random() < 0.3:  # a new contact (after a search, or not)
                made = signed_in + timedelta(minutes=rng.uniform(20, 400))
                if does_well(person, "search-before-create"):
                    request += 1
                    looked = made - timedelta(minutes=rng.uniform(1, 10))
                    out.row("EventLogFile_LightningPageView", ["LightningPageView", _stamp(looked), f"TID:{request:012d}",
                                                               org, short, "", "", "/lightning/search?searchInput=x",
                                                               "4000", _iso(looked), person.crm_id])
                complete = does_well(person, "contact-complete")
                account = rng.choice(accounts)[0]
                contact = ids("003")
                email = f"contact.{contact[-8:].lower()}@example.com"
                if not does_well(person, "contact-not-duplicate"):
                    earlier = [e for e, when in contact_emails if when < made]
                    email = rng.choice(earlier) if earlier else email  # someone already in the CRM, entered again
                contact_emails.append((email, made))
                out.row("Contact", [contact, account if complete or rng.random() < 0.5 else "", "Lee", "Sam",
                                    email if complete or rng.random() < 0.5 else "",
                                    "+44 20 7946 0100" if complete else "", person.crm_id, _iso(made), person.crm_id])
            for _ in range(rng.choice((0, 1, 1, 2))):  # calls and meetings of the day, logged promptly or days later
                late = timedelta(hours=rng.uniform(1, 20)) if does_well(person, "activity-logged-same-day") else \
                    timedelta(days=rng.uniform(2, 6))
                if rng.random() < 0.25:  # a meeting (an Event record) rather than a call
                    ends = moment(day, 11)
                    out.row("Event", [ids("00U"), "", "Meeting", _iso(ends - timedelta(hours=1)), _iso(ends),
                                      person.crm_id, _iso(min(ends + late, export_time)), person.crm_id])
                    continue
                logged = min(moment(day, 12) + late, export_time)
                out.row("Task", [ids("00T"), "", "Call", day.isoformat(), "Completed", "Call", person.crm_id,
                                 _iso(logged), person.crm_id])
            if rng.random() < 0.1:  # a lead from a company that is already a customer
                account, company = rng.choice(accounts)
                converted = day
                if not does_well(person, "lead-converted-without-duplicate"):
                    account = ids("001")
                    out.row("Account", [account, company + " Inc.", "", "", person.crm_id,
                                        _iso(moment(converted, 15)), person.crm_id])
                out.row("Lead", [ids("00Q"), "Ng", company, "Closed - Converted", "true", converted.isoformat(),
                                 account, person.crm_id, _iso(moment(converted, 9) - timedelta(days=5)), person.crm_id])
            if person.cases and rng.random() < 0.35:
                opened = moment(day, 10)
                closed = opened + (timedelta(days=rng.uniform(0.2, 6)) if does_well(person, "case-closed-with-resolution")
                                   else timedelta(days=rng.uniform(8, 20)))
                if closed < export_time:
                    out.row("Case", [ids("500"), f"{sum(out.counts.values()):08d}", "Closed", "Medium", "true",
                                     _iso(closed), person.crm_id, _iso(opened), person.crm_id])
            day += timedelta(days=1)
        for _ in range(rng.randint(4, 9)):  # the open pipeline at the export
            opportunity = ids("006")
            kept = does_well(person, "pipeline-next-step")
            close = end + timedelta(days=rng.randint(10, 120)) if kept or rng.random() < 0.5 else \
                end - timedelta(days=rng.randint(5, 60))
            created = export_time - timedelta(days=rng.randint(20, 150))
            out.row("Opportunity", [opportunity, rng.choice(accounts)[0], "Renewal", "Proposal/Price Quote",
                                    str(rng.randint(5, 90) * 1000), close.isoformat(),
                                    "Call back with revised quote" if kept else "", "false", "false", person.crm_id,
                                    _iso(created), person.crm_id])
            stages = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote")
            for step in range(1, len(stages)):  # the deal moved through the stages, a week or two apart
                moved = created + timedelta(days=step * rng.uniform(6, 14))
                if moved >= export_time:
                    break
                out.row("OpportunityFieldHistory", [ids("017"), opportunity, person.crm_id, _iso(moved), "StageName",
                                                    stages[step - 1], stages[step]])
                if does_well(person, "stage-change-with-next-step"):
                    out.row("OpportunityFieldHistory", [ids("017"), opportunity, person.crm_id,
                                                        _iso(moved + timedelta(minutes=rng.uniform(1, 300))),
                                                        "NextStep", "", f"Next: {stages[step]} follow-up"])
    out.close()
    return out.counts
