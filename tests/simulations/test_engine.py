"""The sandbox CRM engine: validation messages, duplicates, conversions, merges, reports, fuzz."""
import copy
import random
from datetime import date

import pytest

from simulations.actions import MUTATING, InvalidAction, apply
from simulations.generator import build
from simulations.reports import ReportError, run_report
from simulations.schema import OBJECTS, RELATED, fields

SETUP = {
    "account": [{"sym": "acme", "name": "Halvorsen Logistics", "country": "Germany", "industry": "Logistics"}],
    "contact": [{"sym": "ann", "first_name": "Ann", "last_name": "Berg", "email": "ann@halvorsen.example",
                 "account_id": "$acme"}],
    "lead": [{"sym": "lead", "first_name": "Per", "last_name": "Lund", "company": "Halvorsen Logistics Ltd",
              "email": "per@halvorsen.example", "status": "Working"}],
    "opportunity": [{"sym": "opp", "name": "Scanners", "account_id": "$acme", "stage": "Qualification",
                     "amount": 1000.0, "close_date": "{date:+30}"}],
    "campaign": [{"sym": "camp", "name": "Webinar"}],
}


@pytest.fixture
def world():
    return build(SETUP, 1, date(2026, 11, 25))


def test_apply_never_modifies_its_input(world):
    state, b = world
    before = copy.deepcopy(state)
    out = apply(state, {"type": "update", "object": "opportunity", "id": b["opp"][1], "fields": {"amount": 5}})
    assert out.ok and out.state["records"]["opportunity"][b["opp"][1]]["amount"] == 5
    assert state == before


@pytest.mark.parametrize("fields_, field, message", [
    ({"stage": "Closed Won", "amount": None}, "amount", "Closed Won opportunity needs an amount"),
    ({"stage": "Closed Lost"}, "lost_reason", "lost reason"),
    ({"stage": "Negotiation"}, "next_step", "need a next step"),
    ({"close_date": ""}, "close_date", "Complete this field."),
    ({"close_date": "next week"}, "close_date", "YYYY-MM-DD"),
    ({"stage": "Won-ish"}, "stage", "Choose one of"),
    ({"amount": "lots"}, "amount", "Enter a number"),
])
def test_validation_rules_use_crm_messages(world, fields_, field, message):
    state, b = world
    out = apply(state, {"type": "update", "object": "opportunity", "id": b["opp"][1], "fields": fields_})
    assert not out.ok and message in out.errors[field] and out.state is state


def test_email_format_and_duplicate_warning(world):
    state, b = world
    bad = apply(state, {"type": "create", "object": "contact", "fields": {"last_name": "X", "email": "not-an-email"}})
    assert "valid email" in bad.errors["email"]
    dupe = apply(state, {"type": "create", "object": "contact",
                         "fields": {"first_name": "Anne", "last_name": "Berg", "email": "ANN@halvorsen.example"}})
    assert not dupe.ok and "looks like a duplicate of Ann Berg (contact)" in dupe.errors["_duplicate"]
    forced = apply(state, {"type": "create", "object": "contact", "confirm_duplicate": True,
                           "fields": {"last_name": "Berg", "email": "ann@halvorsen.example"}})
    assert forced.ok and forced.warnings
    account = apply(state, {"type": "create", "object": "account", "fields": {"name": "Halvorsen Logistics GmbH"}})
    assert not account.ok and "_duplicate" in account.errors


def test_convert_lead_into_existing_account(world):
    state, b = world
    out = apply(state, {"type": "convert_lead", "id": b["lead"][1], "account_id": b["acme"][1],
                        "opportunity_name": "Expansion", "close_date": "2027-01-31"})
    assert out.ok and out.result["account_id"] == b["acme"][1]
    records = out.state["records"]
    assert records["lead"][b["lead"][1]]["status"] == "Converted"
    assert records["contact"][out.result["contact_id"]]["email"] == "per@halvorsen.example"
    assert records["opportunity"][out.result["opportunity_id"]]["account_id"] == b["acme"][1]
    again = apply(out.state, {"type": "convert_lead", "id": b["lead"][1]})
    assert not again.ok and "already been converted" in again.errors["_record"]
    new_account = apply(state, {"type": "convert_lead", "id": b["lead"][1]})  # would duplicate the account
    assert not new_account.ok and "_duplicate" in new_account.errors


def test_merge_moves_related_records_and_fills_blanks(world):
    state, b = world
    dupe = apply(state, {"type": "create", "object": "contact", "confirm_duplicate": True,
                         "fields": {"last_name": "Berg", "mobile": "+47 555 1234", "email": "ann@halvorsen.example"}})
    call = apply(dupe.state, {"type": "log_activity", "fields": {"kind": "Call", "subject": "Hi", "contact_id": dupe.record_id}})
    merged = apply(call.state, {"type": "merge", "object": "contact", "master_id": b["ann"][1], "duplicate_id": dupe.record_id})
    contacts = merged.state["records"]["contact"]
    assert dupe.record_id not in contacts and contacts[b["ann"][1]]["mobile"] == "+47 555 1234"
    assert merged.state["records"]["activity"][call.record_id]["contact_id"] == b["ann"][1]


def test_delete_is_refused_while_related_records_exist(world):
    state, b = world
    out = apply(state, {"type": "delete", "object": "account", "id": b["acme"][1]})
    assert not out.ok and "related" in out.errors["_record"]


def test_reports_filter_group_and_sum(world):
    state, b = world
    rows = run_report(state, "opportunity", {"stage": "open", "account.country": "Germany"}, "stage", "amount")
    assert rows == [{"group": "Qualification", "count": 1, "sum": 1000.0}]
    assert run_report(state, "opportunity", {"account.country": "France"}, None, None) == []
    with pytest.raises(ReportError):
        run_report(state, "opportunity", {}, "colour", None)
    out = apply(state, {"type": "run_report", "object": "opportunity", "filters": {}, "group_by": "stage", "measure": None})
    assert out.state["reports"][-1]["group_by"] == "stage"


def test_malformed_actions_raise_invalid_action(world):
    state, b = world
    for action in ({"type": "teleport"}, {"type": "update", "object": "ufo", "id": "x"},
                   {"type": "update", "object": "contact", "id": "nope"}, {"type": "merge", "object": "case"}):
        with pytest.raises(InvalidAction):
            apply(state, action)


def _invariants(state):
    for obj, records in state["records"].items():
        for rid, record in records.items():
            for f in fields(obj):
                if f.kind == "ref" and record.get(f.name):
                    assert record[f.name] in state["records"].get(f.ref, {}), (obj, rid, f.name)
                if f.required and obj != "lead":
                    assert record.get(f.name) not in (None, ""), (obj, rid, f.name)


def _random_action(rng, state):
    obj = rng.choice(list(OBJECTS))
    ids = list(state["records"].get(obj, {}))
    values = {f.name: rng.choice([None, "", "x", "2027-01-01", 5, "a@b.co", *(f.choices or ("y",)),
                                  *(list(state["records"].get(f.ref, {})) if f.ref else [])])
              for f in rng.sample(fields(obj), k=min(3, len(fields(obj))))}
    kind = rng.choice(["create", "update", "delete", "log_activity", "convert_lead", "merge", "add_members",
                       "run_report", "view", "search"])
    pick = lambda o: rng.choice(list(state["records"].get(o, {})) or ["missing"])  # noqa: E731
    return {"create": {"type": "create", "object": obj, "fields": values, "confirm_duplicate": rng.random() < .5},
            "update": {"type": "update", "object": obj, "id": rng.choice(ids or ["missing"]), "fields": values},
            "delete": {"type": "delete", "object": obj, "id": rng.choice(ids or ["missing"])},
            "log_activity": {"type": "log_activity", "fields": {"kind": rng.choice(["Call", "Task", "Email"]),
                                                                "subject": "s", "contact_id": pick("contact")}},
            "convert_lead": {"type": "convert_lead", "id": pick("lead"), "account_id": rng.choice([None, pick("account")])},
            "merge": {"type": "merge", "object": rng.choice(["account", "contact", "lead"]),
                      "master_id": pick("contact"), "duplicate_id": pick("contact")},
            "add_members": {"type": "add_members", "campaign_id": pick("campaign"), "contact_ids": [pick("contact")]},
            "run_report": {"type": "run_report", "object": obj, "filters": {}, "group_by": None, "measure": None},
            "view": {"type": "view", "object": obj, "id": rng.choice(ids or ["missing"])},
            "search": {"type": "search", "query": "x"}}[kind]


def test_random_action_sequences_never_corrupt_the_sandbox(world):
    """Fuzz: 3,000 random actions; each either applies or is refused cleanly, and invariants hold."""
    from simulations.reports import ReportError

    rng = random.Random(2026)
    state = world[0]
    applied = 0
    for _ in range(3000):
        action = _random_action(rng, state)
        try:
            out = apply(state, action)
        except (InvalidAction, ReportError):
            continue
        if out.ok and action["type"] in MUTATING:
            applied += 1
        state = out.state
        _invariants(state)
    assert applied > 100


def test_related_lists_point_at_existing_fields():
    for parent, children in RELATED.items():
        for child, ref in children:
            assert any(f.name == ref and f.ref == parent for f in fields(child)), (parent, child, ref)
