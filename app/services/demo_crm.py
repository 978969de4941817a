"""The demo organisation's CRM history: four months of Salesforce exports generated from each demo
trainee's skill profile (`app.crm.generator`) and imported through the same importer an admin uses, so
the loop from CRM behaviour to verdicts, paths and the dashboard is visible from the first sign-in.
It is loaded once: an organisation that already has CRM events gets nothing more.

A demo trainee applies in the CRM most skills the model judges proficient (one in five not: the people a
trainer should coach rather than train) and few of those judged weak. One integration login is left for
the admin to mark as not a person. Loading twice adds nothing: the same seed writes the same events.
"""
from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.crm.generator import Person, crm_user_id, write_exports
from app.extensions import db
from app.models import CrmEvent, MasteryEstimate, Organisation, Skill, User
from app.services import crm, crm_evidence
from app.services.demo import DEMO_DOMAIN, DEMO_ORGANISATION

KNOWN_NOT_APPLIED = 0.2  # of skills judged proficient, the share a demo trainee does not apply
WEAK_BUT_APPLIED = 0.15


def demo_people(seed: int = 2026) -> list[Person]:
    rng = random.Random(seed)  # synthetic demo data  # nosec B311
    org = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    if org is None:
        return []
    trainees = db.session.scalars(select(User).where(User.organisation_id == org.id, User.role == "trainee",
                                                     User.active.is_(True)).order_by(User.id)).all()
    verdicts = {}
    for user_id, slug, verdict in db.session.execute(select(MasteryEstimate.user_id, Skill.slug, MasteryEstimate.verdict)
                                                      .join(Skill, Skill.id == MasteryEstimate.skill_id)):
        verdicts.setdefault(user_id, {})[slug] = verdict
    people = []
    for user in trainees:
        mine = verdicts.get(user.id, {})
        applies = {slug: rng.random() > KNOWN_NOT_APPLIED if verdict == "proficient" else rng.random() < WEAK_BUT_APPLIED
                   for slug, verdict in mine.items()}
        role = user.job_role.name if user.job_role else ""
        people.append(Person(crm_user_id(user.id), user.email, user.name, applies, cases=role == "service agent"))
    people.append(Person(crm_user_id(999_999), f"integration@crm.{DEMO_DOMAIN}", "Integration User", {}))
    return people


def load_crm(end: date | None = None, months: int = 4, seed: int = 2026) -> dict:
    """Generate and import the demo CRM history; returns what the imports counted."""
    org = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    nothing = {"events": 0, "known": 0, "records": 0, "people": 0}
    if org is None or db.session.scalar(select(CrmEvent.id).where(CrmEvent.organisation_id == org.id).limit(1)):
        return nothing  # no demo organisation, or its CRM history is already there
    people = demo_people(seed)
    if not people:
        return nothing
    totals = {"events": 0, "known": 0, "records": 0}
    with tempfile.TemporaryDirectory(prefix="uptake-demo-crm-") as folder:
        write_exports(people, Path(folder), end or date.today(), months=months, seed=seed, page_views=3)
        # users first (they map CRM ids to emails), records before the events that name them
        order = ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityFieldHistory", "Task", "Event",
                 "Case", "EventLogFile_Login", "EventLogFile_LightningPageView", "EventLogFile_Report",
                 "EventLogFile_ReportExport"]
        for name in order:
            with (Path(folder) / f"{name}.csv").open("rb") as raw:
                run = crm.stage(None, org.id, raw, filename=f"{name}.csv")
            crm.confirm(None, org.id, run.id, recompute_now=False)
            totals["events"] += run.events_new
            totals["known"] += run.events_known
            totals["records"] += run.records
    totals["people"] = len(crm_evidence.recompute(org.id))
    return totals
