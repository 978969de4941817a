"""The sandbox CRM's objects and fields. Records are plain JSON-compatible dicts."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, email, phone, date, money, number, picklist, ref, bool, longtext
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # object type a ref points to
    listed: bool = False  # shown as a column in list views


def F(name, label, kind="text", required=False, choices=(), ref=None, listed=False) -> Field:
    return Field(name, label, kind, required, tuple(choices), ref, listed)


INDUSTRIES = ("Logistics", "Retail", "Manufacturing", "Food & Beverage", "Healthcare", "Software", "Finance")
COUNTRIES = ("United States", "Canada", "United Kingdom", "Germany", "France", "Netherlands", "Norway", "Spain")
STAGES = ("Prospecting", "Qualification", "Needs analysis", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
OPEN_STAGES = STAGES[:5]
LEAD_STATUSES = ("New", "Working", "Nurture", "Qualified", "Unqualified", "Converted")
SOURCES = ("Website", "Trade show", "Webinar", "Referral", "Cold call", "Partner")

OBJECTS: dict[str, dict] = {
    "account": {"label": "Account", "plural": "Accounts", "title": "name", "fields": [
        F("name", "Account name", required=True, listed=True), F("industry", "Industry", "picklist", choices=INDUSTRIES, listed=True),
        F("country", "Country", "picklist", choices=COUNTRIES, listed=True), F("website", "Website"), F("phone", "Phone", "phone"),
        F("tier", "Tier", "picklist", choices=("Standard", "Gold", "Platinum"), listed=True),
        F("parent_id", "Parent account", "ref", ref="account")]},
    "contact": {"label": "Contact", "plural": "Contacts", "title": "full_name", "fields": [
        F("first_name", "First name", listed=True), F("last_name", "Last name", required=True, listed=True),
        F("title", "Title"), F("email", "Email", "email", listed=True), F("phone", "Phone", "phone"),
        F("mobile", "Mobile", "phone"), F("account_id", "Account", "ref", ref="account", listed=True),
        F("active", "Active", "bool")]},
    "lead": {"label": "Lead", "plural": "Leads", "title": "full_name", "fields": [
        F("first_name", "First name", listed=True), F("last_name", "Last name", required=True, listed=True),
        F("company", "Company", required=True, listed=True), F("email", "Email", "email"), F("phone", "Phone", "phone"),
        F("status", "Lead status", "picklist", required=True, choices=LEAD_STATUSES, listed=True),
        F("source", "Lead source", "picklist", choices=SOURCES, listed=True), F("campaign_id", "Campaign", "ref", ref="campaign"),
        F("unqualified_reason", "Unqualified reason", "picklist",
          choices=("No budget", "No need", "Competitor", "Wrong contact", "Student / research"))]},
    "opportunity": {"label": "Opportunity", "plural": "Opportunities", "title": "name", "fields": [
        F("name", "Opportunity name", required=True, listed=True), F("account_id", "Account", "ref", required=True, ref="account", listed=True),
        F("stage", "Stage", "picklist", required=True, choices=STAGES, listed=True), F("amount", "Amount", "money", listed=True),
        F("close_date", "Close date", "date", required=True, listed=True), F("next_step", "Next step"),
        F("contact_id", "Primary contact", "ref", ref="contact"), F("campaign_id", "Primary campaign", "ref", ref="campaign"),
        F("lost_reason", "Lost reason", "picklist", choices=("Price", "Competitor", "No decision", "Timing"))]},
    "activity": {"label": "Activity", "plural": "Activities", "title": "subject", "fields": [
        F("kind", "Type", "picklist", required=True, choices=("Call", "Meeting", "Email", "Task"), listed=True),
        F("subject", "Subject", required=True, listed=True), F("date", "Date", "date", listed=True),
        F("status", "Status", "picklist", choices=("Open", "Completed"), listed=True),
        F("contact_id", "Contact", "ref", ref="contact"), F("account_id", "Account", "ref", ref="account"),
        F("opportunity_id", "Opportunity", "ref", ref="opportunity"), F("case_id", "Case", "ref", ref="case"),
        F("notes", "Notes", "longtext")]},
    "case": {"label": "Case", "plural": "Cases", "title": "subject", "fields": [
        F("subject", "Subject", required=True, listed=True), F("account_id", "Account", "ref", ref="account", listed=True),
        F("contact_id", "Contact", "ref", ref="contact"),
        F("priority", "Priority", "picklist", required=True, choices=("Low", "Medium", "High", "Critical"), listed=True),
        F("status", "Status", "picklist", required=True,
          choices=("New", "In progress", "Waiting on customer", "Escalated", "Closed"), listed=True),
        F("category", "Category", "picklist", choices=("Billing", "Delivery", "Technical", "Account access")),
        F("opened", "Opened", "date", listed=True), F("resolution", "Resolution", "longtext")]},
    "campaign": {"label": "Campaign", "plural": "Campaigns", "title": "name", "fields": [
        F("name", "Campaign name", required=True, listed=True),
        F("type", "Type", "picklist", choices=("Webinar", "Trade show", "Email", "Event"), listed=True),
        F("status", "Status", "picklist", choices=("Planned", "In progress", "Completed"), listed=True),
        F("start_date", "Start date", "date", listed=True)]},
    "campaign_member": {"label": "Campaign member", "plural": "Campaign members", "title": "status", "fields": [
        F("campaign_id", "Campaign", "ref", required=True, ref="campaign", listed=True),
        F("contact_id", "Contact", "ref", ref="contact", listed=True), F("lead_id", "Lead", "ref", ref="lead", listed=True),
        F("status", "Member status", "picklist", choices=("Sent", "Registered", "Attended", "No-show"), listed=True)]},
}
# Related lists on a record page: (child object, field pointing at the parent)
RELATED = {
    "account": [("contact", "account_id"), ("opportunity", "account_id"), ("case", "account_id"), ("activity", "account_id")],
    "contact": [("activity", "contact_id"), ("case", "contact_id"), ("campaign_member", "contact_id")],
    "opportunity": [("activity", "opportunity_id")],
    "case": [("activity", "case_id")],
    "campaign": [("campaign_member", "campaign_id"), ("lead", "campaign_id")],
    "lead": [("campaign_member", "lead_id")],
}


def fields(obj: str) -> list[Field]:
    return OBJECTS[obj]["fields"]


def field(obj: str, name: str) -> Field | None:
    return next((f for f in fields(obj) if f.name == name), None)


def title_of(obj: str, record: dict) -> str:
    if OBJECTS[obj]["title"] == "full_name":
        return " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p) or "(no name)"
    return str(record.get(OBJECTS[obj]["title"]) or "(untitled)")
