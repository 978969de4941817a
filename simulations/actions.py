"""Typed actions and the pure engine: apply(state, action) -> Outcome with the new state.

State: {"records": {object: {id: record}}, "seq": int, "today": "YYYY-MM-DD", "reports": [...]}.
The input state is never modified; a failed action returns the same state with the errors.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from simulations.reports import run_report
from simulations.schema import OBJECTS, RELATED
from simulations.validation import coerce, duplicate_message, duplicates, rule_errors


class InvalidAction(ValueError):
    """The action itself is malformed (unknown type, object or record)."""


@dataclass
class Outcome:
    state: dict
    ok: bool
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    record_id: str | None = None
    result: Any = None


MUTATING = {"create", "update", "delete", "convert_lead", "merge", "log_activity", "add_members"}
PASSIVE = {"view", "search", "run_report", "hint", "check"}


def _new_id(state: dict, obj: str) -> str:
    state["seq"] += 1
    return f"{obj[:3]}-{state['seq']}"


def _record(state: dict, obj: str, rid: Any) -> dict:
    if obj not in OBJECTS:
        raise InvalidAction(f"unknown object {obj!r}")
    record = state["records"].get(obj, {}).get(rid)
    if record is None:
        raise InvalidAction(f"no {OBJECTS[obj]['label'].lower()} {rid!r}")
    return record


def _save(state: dict, obj: str, values: dict, rid: str | None, confirm_duplicate: bool) -> Outcome:
    records = state["records"]
    errors: dict[str, str] = {}
    clean = coerce(obj, values, errors, records)
    merged = {**(records[obj][rid] if rid else {}), **clean}
    if not errors:
        errors = rule_errors(obj, merged)
    if errors:
        return Outcome(state, False, errors)
    dupes = duplicates(obj, merged, records, exclude=rid)
    if dupes and not confirm_duplicate and (rid is None or any(k in clean for k in ("email", "name", "website"))):
        return Outcome(state, False, {"_duplicate": duplicate_message(obj, dupes, records)},
                       result={"duplicates": dupes})
    new = copy.deepcopy(state)
    rid = rid or _new_id(new, obj)
    new["records"].setdefault(obj, {})[rid] = merged
    return Outcome(new, True, record_id=rid, warnings=[duplicate_message(obj, dupes, records)] if dupes else [])


def apply(state: dict, action: dict) -> Outcome:
    kind = action.get("type")
    handler = HANDLERS.get(kind)
    if handler is None:
        raise InvalidAction(f"unknown action type {kind!r}")
    return handler(state, action)


def _create(state, a):
    if a.get("object") not in OBJECTS:
        raise InvalidAction(f"unknown object {a.get('object')!r}")
    values = dict(a.get("fields") or {})
    if a["object"] == "lead":
        values.setdefault("status", "New")
    if a["object"] == "contact":
        values.setdefault("active", True)
    return _save(state, a["object"], values, None, bool(a.get("confirm_duplicate")))


def _update(state, a):
    _record(state, a.get("object"), a.get("id"))
    return _save(state, a["object"], dict(a.get("fields") or {}), a["id"], bool(a.get("confirm_duplicate")))


def _delete(state, a):
    obj, rid = a.get("object"), a.get("id")
    _record(state, obj, rid)
    for child, ref in RELATED.get(obj, []):
        if any(r.get(ref) == rid for r in state["records"].get(child, {}).values()):
            return Outcome(state, False, {"_record": f"This {OBJECTS[obj]['label'].lower()} has related "
                                                     f"{OBJECTS[child]['plural'].lower()}; it cannot be deleted."})
    new = copy.deepcopy(state)
    del new["records"][obj][rid]
    return Outcome(new, True, record_id=rid)


def _log_activity(state, a):
    values = dict(a.get("fields") or {})
    values.setdefault("date", state["today"])
    values.setdefault("status", "Open" if values.get("kind") == "Task" else "Completed")
    return _save(state, "activity", values, None, True)


def _convert_lead(state, a):
    """Convert a lead into an existing or new account, a contact and optionally an opportunity."""
    lead = _record(state, "lead", a.get("id"))
    if lead.get("status") == "Converted":
        return Outcome(state, False, {"_record": "This lead has already been converted."})
    if lead.get("status") not in ("Qualified", "Working"):
        return Outcome(state, False, {"status": "Only a qualified (or working) lead can be converted."})
    current, account_id = state, a.get("account_id")
    if account_id:
        _record(state, "account", account_id)
    else:
        out = _save(current, "account", {"name": lead["company"]}, None, bool(a.get("confirm_duplicate")))
        if not out.ok:
            return out
        current, account_id = out.state, out.record_id
    contact = {k: lead.get(k) for k in ("first_name", "last_name", "email", "phone")}
    out = _save(current, "contact", {**contact, "account_id": account_id, "active": True}, None, True)
    if not out.ok:
        return Outcome(state, False, out.errors)
    current, contact_id = out.state, out.record_id
    opportunity_id = None
    if a.get("opportunity_name"):
        out = _save(current, "opportunity", {"name": a["opportunity_name"], "account_id": account_id,
                                             "stage": "Qualification", "close_date": a.get("close_date"),
                                             "amount": a.get("amount"), "contact_id": contact_id,
                                             "campaign_id": lead.get("campaign_id")}, None, True)
        if not out.ok:
            return Outcome(state, False, out.errors)
        current, opportunity_id = out.state, out.record_id
    new = copy.deepcopy(current)
    new["records"]["lead"][a["id"]].update(status="Converted", converted_contact_id=contact_id,
                                           converted_account_id=account_id)
    return Outcome(new, True, record_id=contact_id,
                   result={"account_id": account_id, "contact_id": contact_id, "opportunity_id": opportunity_id})


def _merge(state, a):
    """Merge `duplicate_id` into `master_id`: chosen fields come from the duplicate, related records
    move to the master, the duplicate is removed."""
    obj = a.get("object")
    if obj not in ("account", "contact", "lead"):
        raise InvalidAction("only accounts, contacts and leads can be merged")
    master, dupe = _record(state, obj, a.get("master_id")), _record(state, obj, a.get("duplicate_id"))
    if a["master_id"] == a["duplicate_id"]:
        return Outcome(state, False, {"_record": "Choose two different records to merge."})
    new = copy.deepcopy(state)
    merged = dict(master)
    for name in a.get("take_from_duplicate") or []:
        merged[name] = dupe.get(name)
    for name, value in dupe.items():
        if merged.get(name) in (None, "") and value not in (None, ""):
            merged[name] = value  # fill blanks from the duplicate
    new["records"][obj][a["master_id"]] = merged
    for child, ref in RELATED.get(obj, []):
        for record in new["records"].get(child, {}).values():
            if record.get(ref) == a["duplicate_id"]:
                record[ref] = a["master_id"]
    if obj == "account":
        for record in new["records"].get("account", {}).values():
            if record.get("parent_id") == a["duplicate_id"]:
                record["parent_id"] = a["master_id"]
    del new["records"][obj][a["duplicate_id"]]
    return Outcome(new, True, record_id=a["master_id"])


def _add_members(state, a):
    campaign_id = a.get("campaign_id")
    _record(state, "campaign", campaign_id)
    current, added, skipped = state, [], 0
    for ref, ids in (("contact_id", a.get("contact_ids") or []), ("lead_id", a.get("lead_ids") or [])):
        for rid in ids:
            _record(state, ref[:-3], rid)
            out = _save(current, "campaign_member", {"campaign_id": campaign_id, ref: rid,
                                                     "status": a.get("status") or "Sent"}, None, False)
            if out.ok:
                current = out.state
                added.append(out.record_id)
            else:
                skipped += 1
    if not added:
        return Outcome(state, False, {"_record": "Nobody was added: they are all members already."})
    return Outcome(current, True, result={"added": len(added), "skipped": skipped})


def _passive(state, a):
    if a["type"] == "view":
        _record(state, a.get("object"), a.get("id"))
    if a["type"] == "run_report":
        rows = run_report(state, a.get("object"), a.get("filters") or {}, a.get("group_by"), a.get("measure"))
        new = copy.deepcopy(state)
        new.setdefault("reports", []).append({k: a.get(k) for k in ("object", "filters", "group_by", "measure")})
        return Outcome(new, True, result=rows)
    return Outcome(state, True)


HANDLERS = {"create": _create, "update": _update, "delete": _delete, "log_activity": _log_activity,
            "convert_lead": _convert_lead, "merge": _merge, "add_members": _add_members,
            **{k: _passive for k in PASSIVE}}
