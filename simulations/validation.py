"""Validation rules with the messages a real CRM shows, and duplicate detection on save."""
from __future__ import annotations

import re
from datetime import date

from simulations.schema import OBJECTS, field, fields, title_of

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-./]{6,20}$")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(obj: str, values: dict, errors: dict[str, str], records: dict) -> dict:
    """Check each given field's type; returns cleaned values and fills `errors` (field → message)."""
    clean = {}
    for name, value in values.items():
        spec = field(obj, name)
        if spec is None:
            errors[name] = f"{OBJECTS[obj]['label']} has no field “{name}”."
            continue
        if isinstance(value, str):
            value = value.strip()
        if _blank(value):
            clean[name] = None
            continue
        if spec.kind == "email" and not EMAIL_RE.match(str(value)):
            errors[name] = "Enter a valid email address, such as name@company.com."
        elif spec.kind == "phone" and not PHONE_RE.match(str(value)):
            errors[name] = "Enter a valid phone number."
        elif spec.kind == "picklist" and value not in spec.choices:
            errors[name] = f"Choose one of: {', '.join(spec.choices)}."
        elif spec.kind in ("money", "number"):
            try:
                value = round(float(str(value).replace(",", "")), 2)
                if value < 0:
                    errors[name] = "Enter an amount of 0 or more."
            except ValueError:
                errors[name] = "Enter a number."
        elif spec.kind == "date":
            try:
                value = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD."
        elif spec.kind == "bool":
            value = value in (True, "true", "on", "1", 1)
        elif spec.kind == "ref" and value not in records.get(spec.ref, {}):
            errors[name] = f"Choose an existing {OBJECTS[spec.ref]['label'].lower()}."
        elif spec.kind in ("text", "longtext") and len(str(value)) > (4000 if spec.kind == "longtext" else 255):
            errors[name] = "This text is too long."
        clean[name] = value
    return clean


def rule_errors(obj: str, record: dict) -> dict[str, str]:
    """Required fields and business rules on the record as it would be saved."""
    errors = {f.name: "Complete this field." for f in fields(obj) if f.required and _blank(record.get(f.name))}
    if obj == "opportunity":
        if record.get("stage") == "Closed Won" and not record.get("amount"):
            errors.setdefault("amount", "A Closed Won opportunity needs an amount.")
        if record.get("stage") == "Closed Lost" and _blank(record.get("lost_reason")):
            errors.setdefault("lost_reason", "Give a lost reason when closing an opportunity as lost.")
        if record.get("stage") in ("Proposal", "Negotiation") and _blank(record.get("next_step")):
            errors.setdefault("next_step", "Opportunities in Proposal or Negotiation need a next step.")
    if obj == "case" and record.get("status") == "Closed" and _blank(record.get("resolution")):
        errors.setdefault("resolution", "Describe the resolution before closing the case.")
    if obj == "activity" and record.get("kind") == "Task" and _blank(record.get("date")):
        errors.setdefault("date", "A task needs a due date.")
    if obj == "lead" and record.get("status") == "Unqualified" and _blank(record.get("unqualified_reason")):
        errors.setdefault("unqualified_reason", "Give a reason when marking a lead unqualified.")
    if obj == "campaign_member" and not (record.get("contact_id") or record.get("lead_id")):
        errors.setdefault("contact_id", "Choose a contact or a lead.")
    if obj in ("contact", "lead") and not (record.get("email") or record.get("phone") or record.get("mobile")):
        errors.setdefault("email", "Give an email address or a phone number so the person can be reached.")
    return errors


def normalise_name(value: str | None) -> str:
    value = (value or "").lower()
    value = re.sub(r"\b(ltd|limited|inc|gmbh|as|sa|llc|plc|bv|co)\b\.?", "", value)
    return re.sub(r"[^a-z0-9]", "", value)


def duplicates(obj: str, record: dict, records: dict, exclude: str | None = None) -> list[str]:
    """Ids of existing records that look like the same real-world thing."""
    found = []
    for rid, other in records.get(obj, {}).items():
        if rid == exclude:
            continue
        if obj in ("contact", "lead") and record.get("email") and (other.get("email") or "").lower() == record["email"].lower():
            found.append(rid)
        elif obj == "account" and normalise_name(record.get("name")) and (
                normalise_name(other.get("name")) == normalise_name(record.get("name"))
                or (record.get("website") and other.get("website") == record.get("website"))):
            found.append(rid)
        elif obj == "campaign_member" and other.get("campaign_id") == record.get("campaign_id") and (
                (record.get("contact_id") and other.get("contact_id") == record.get("contact_id"))
                or (record.get("lead_id") and other.get("lead_id") == record.get("lead_id"))):
            found.append(rid)
    if obj == "contact" and record.get("email"):  # a contact that exists as an unconverted lead too
        found += [rid for rid, lead in records.get("lead", {}).items()
                  if (lead.get("email") or "").lower() == record["email"].lower() and lead.get("status") != "Converted"]
    return found


def duplicate_message(obj: str, ids: list[str], records: dict) -> str:
    names = []
    for rid in ids[:3]:
        kind = obj if rid in records.get(obj, {}) else "lead"
        names.append(f"{title_of(kind, records[kind][rid])} ({OBJECTS[kind]['label'].lower()})")
    return "This record looks like a duplicate of " + ", ".join(names) + "."
