"""Reading CRM exports in their documented formats, row by row, without Flask or a database."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.crm import formats
from app.crm.formats import CrmUser, Event, Problem, Record

DATA = Path(__file__).resolve().parents[1] / "data" / "crm"
TARA = "0055g00000AbCdEAAV"


def read(name_or_text: str, object_type: str = ""):
    path = DATA / name_or_text
    raw = path.read_bytes() if path.suffix and path.exists() else name_or_text.encode()
    reader = formats.Reader(formats.open_text(io.BytesIO(raw)), object_type)
    return reader, [item for _, item in reader]


def of(items, kind):
    return [i for i in items if isinstance(i, kind)]


def test_the_18_character_id_is_the_documented_checksum_of_the_15_character_one():
    assert formats.salesforce_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's own example
    assert formats.salesforce_id("0055g00000AbCdE") == TARA
    assert formats.salesforce_id(TARA) == TARA and formats.salesforce_id("sysuser-17") == "sysuser-17"


def test_times_in_every_form_the_exports_use_come_out_in_utc():
    utc = timezone.utc
    assert formats.parse_time("20261102081502.123") == datetime(2026, 11, 2, 8, 15, 2, 123000, tzinfo=utc)
    assert formats.parse_time("2026-11-20T11:00:00+01:00") == datetime(2026, 11, 20, 10, 0, tzinfo=utc)
    assert formats.parse_time("2026-11-07") == datetime(2026, 11, 7, tzinfo=utc)
    with pytest.raises(ValueError, match="not a date and time"):
        formats.parse_time("next Tuesday")


def test_an_event_log_login_file_gives_successful_and_failed_logins_and_the_username():
    reader, items = read("EventLogFile_Login.csv")
    assert reader.header.format == "salesforce-event-log"
    events = of(items, Event)
    assert [e.kind for e in events].count("login") == 4 and [e.kind for e in events].count("login_failed") == 1
    assert {e.user for e in events} == {TARA, "0055g00000XyZwQAAV"}
    assert CrmUser(TARA, email="trainee@demo.uptake") in of(items, CrmUser)
    first = events[0]
    assert first.key == "sf:Login:4exLFFQZ1234567-1"
    assert first.occurred_at == datetime(2026, 11, 2, 8, 15, 2, 123000, tzinfo=timezone.utc)


def test_lightning_page_views_tell_a_search_from_a_record_page():
    _, items = read("EventLogFile_LightningPageView.csv")
    kinds = [(e.kind, e.object_type) for e in of(items, Event)]
    assert kinds == [("search", ""), ("page_view", "Account"), ("page_view", "Opportunity")]


def test_report_runs_and_exports_name_the_report():
    _, runs = read("EventLogFile_Report.csv")
    _, exports = read("EventLogFile_ReportExport.csv")
    assert [e.kind for e in of(runs, Event)] == ["report_run", "report_run"]
    assert of(exports, Event)[0].kind == "report_export"
    assert of(runs, Event)[0].record_id == "00O5g00000Rep01EAB"


def test_event_types_uptake_does_not_read_are_counted_not_dropped_silently():
    text = ('"EVENT_TYPE","TIMESTAMP","REQUEST_ID","USER_ID"\n"API","20261102081502.123","r1","0055g00000AbCdE"\n'
            '"API","20261102081503.123","r2","0055g00000AbCdE"\n"Login","20261102081504.123","r3","0055g00000AbCdE"\n')
    reader, items = read(text)
    assert reader.skipped == {"API": 2} and len(of(items, Event)) == 1 and reader.rows == 3


def test_field_history_names_the_object_field_and_values():
    reader, items = read("OpportunityFieldHistory.csv")
    assert (reader.header.format, reader.header.object_type) == ("salesforce-field-history", "Opportunity")
    change = of(items, Event)[1]
    assert (change.kind, change.field, change.old_value, change.new_value) == ("field_change", "NextStep", "",
                                                                               "Send proposal")
    assert change.record_id == "0065g00000Opp01AAB" and change.key == "sf:history:0175g00000Hst02AAA"


@pytest.mark.parametrize("name, object_type, count", [("Opportunity.csv", "Opportunity", 5), ("Task.csv", "Task", 4),
                                                       ("Event.csv", "Event", 1), ("Contact.csv", "Contact", 3),
                                                       ("Account.csv", "Account", 3), ("Lead.csv", "Lead", 3),
                                                       ("Case.csv", "Case", 4)])
def test_record_exports_are_recognised_by_their_standard_fields(name, object_type, count):
    reader, items = read(name)
    assert reader.header.object_type == object_type
    records = of(items, Record)
    assert len(records) == count and all(r.object_type == object_type for r in records)
    created = of(items, Event)  # each record's creation is an event of its creator
    assert len(created) == count and {e.kind for e in created} == {"record_created"}


def test_an_opportunity_keeps_the_fields_the_indicators_read():
    _, items = read("Opportunity.csv")
    first = of(items, Record)[0]
    assert first.owner == TARA and first.fields["NextStep"] == "Send proposal"
    assert first.fields["CloseDate"] == "2030-06-30" and first.fields["IsClosed"] == "false"


def test_a_user_export_maps_crm_ids_to_email_addresses():
    _, items = read("User.csv")
    assert of(items, CrmUser)[2] == CrmUser("0055g00000IntGrAAJ", email="it-alerts@corp.example",
                                            name="Integration User")
    assert not of(items, Event)


@pytest.mark.parametrize("name", ["generic_events.jsonl", "generic_events.csv"])
def test_the_generic_format_reads_as_csv_and_as_json_lines(name):
    reader, items = read(name)
    assert reader.header.format == "generic"
    events = of(items, Event)
    assert events[0].kind == "search" and events[1].kind == "record_created"
    assert all(e.key.startswith("ev:") for e in events)


def test_a_generic_row_without_its_own_id_is_identified_by_its_content():
    text = "occurred_at,user_email,event\n2026-11-02T09:01:00Z,a@b.example,login\n2026-11-02T09:01:00Z,a@b.example,login\n"
    _, items = read(text)
    first, second = of(items, Event)
    assert first.key == second.key  # the same row twice is one event


def test_bad_rows_become_problems_with_their_line_and_the_rest_is_read():
    text = ("occurred_at,user_email,event\n2026-11-02T09:01:00Z,a@b.example,login\nyesterday,a@b.example,login\n"
            "2026-11-02T09:01:00Z,a@b.example,teleport\n2026-11-02T09:01:00Z,,login\n2026-11-03T09:00:00Z,a@b.example\n")
    _, items = read(text)
    problems = [p.message for p in of(items, Problem)]
    assert len(of(items, Event)) == 1 and len(problems) == 4
    assert problems[0].startswith("Line 3:") and "not a date and time" in problems[0]
    assert "teleport" in problems[1] and "user_id or user_email" in problems[2] and "Line 6" in problems[3]


def test_json_lines_with_a_broken_line_report_it_and_go_on():
    text = ('{"occurred_at": "2026-11-02T09:01:00Z", "user_email": "a@b.example", "event": "login"}\n{not json\n'
            '{"occurred_at": "2026-11-03T09:01:00Z", "user_email": "a@b.example", "event": "login"}\n')
    _, items = read(text)
    assert len(of(items, Event)) == 2 and "Line 2 not valid JSON" in of(items, Problem)[0].message


@pytest.mark.parametrize("text, message", [
    ("name,amount\nx,1\n", "does not recognise"),
    ("Id,Field,OldValue,NewValue,CreatedDate\n", "parent record"),
    ("occurred_at,event\n", "user_id or user_email"),
    ("Id,CreatedDate,Foo\n", "say which object"),
])
def test_a_file_of_another_shape_is_refused_with_what_was_expected(text, message):
    with pytest.raises(formats.FormatError, match=message):
        read(text)


def test_the_object_can_be_named_when_the_columns_do_not_tell():
    reader, items = read("Id,CreatedDate,OwnerId,Subject\n00T1,2026-11-02T09:00:00Z,005A,Call\n", object_type="Task")
    assert reader.header.object_type == "Task" and of(items, Record)[0].fields == {"Subject": "Call"}
