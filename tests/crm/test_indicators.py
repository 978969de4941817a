"""Behaviour indicators from CRM rows: each counts what it says, per person and month, and gives no
evidence where a person had no opportunity to show the behaviour."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.crm import indicators
from app.crm.formats import Event, Record
from app.crm.indicators import EventRow, RecordRow, compute
from tests.crm.test_formats import TARA, of, read

SEEN = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)  # when the exports were imported
UTC = timezone.utc


def rows(*names):
    events, records = [], []
    for name in names:
        _, items = read(name)
        events += [EventRow(e.user, e.kind, e.occurred_at, e.object_type, e.record_id, e.field) for e in of(items, Event)]
        records += [RecordRow(r.object_type, r.record_id, r.owner, r.created_by, r.created_at, r.fields, SEEN)
                    for r in of(items, Record)]
    return events, records


def measured(key, *names):
    events, records = rows(*names)
    found = compute([indicators.by_key()[key]], events, records)
    return {(user, period): value for (user, _, period), value in found.items()}


def test_every_indicator_names_skills_of_the_taxonomy_a_measure_and_plain_words():
    from app.skills.taxonomy import SKILL_SLUGS

    defined = indicators.definitions()
    assert len(defined) >= 6 and len({d.key for d in defined}) == len(defined)
    for d in defined:
        assert set(d.skills) <= SKILL_SLUGS and d.measure in indicators.MEASURES
        assert d.title and len(d.explains) > 40 and 0 < d.expected <= 1 and d.min_opportunity >= 1


def test_open_opportunities_need_a_next_step_and_a_close_date_ahead():
    # Tara: one kept, one with no next step, one with a close date passed; the closed one does not count
    assert measured("pipeline-next-step", "Opportunity.csv") == {(TARA, "2026-11"): (1, 3)}


def test_activities_count_as_logged_promptly_within_a_day_of_happening():
    # calls on the 3rd (logged that day: yes) and the 5th (logged on the 9th: no), an email task logged
    # before it was done (yes), a meeting logged half an hour after it ended (yes); a task still to do: no evidence
    assert measured("activity-logged-same-day", "Task.csv", "Event.csv") == {(TARA, "2026-11"): (3, 4)}


def test_contacts_need_email_phone_and_account():
    assert measured("contact-complete", "Contact.csv") == {(TARA, "2026-11"): (1, 3)}


def test_a_lead_converted_into_a_second_account_of_the_same_company_is_a_duplicate():
    # Contoso converted into the existing account (clean); Northwind Traders converted into a new
    # "Northwind Traders Inc." made that day while "Northwind Traders" existed (duplicate)
    assert measured("lead-converted-without-duplicate", "Lead.csv", "Account.csv") == {(TARA, "2026-11"): (1, 2)}


def test_a_record_counts_as_searched_first_only_with_a_search_in_the_15_minutes_before():
    # the search at 09:00:12 precedes the contact made at 09:05 (yes); contacts on the 6th and 12th: no
    assert measured("search-before-create", "EventLogFile_LightningPageView.csv", "Contact.csv") == {
        (TARA, "2026-11"): (1, 3)}


def test_working_weeks_with_a_report_are_counted_against_weeks_signed_in():
    # signed in during the weeks of 2, 9 and 16 November; a report run or exported in the first two
    assert measured("reports-weekly", "EventLogFile_Login.csv", "EventLogFile_Report.csv",
                    "EventLogFile_ReportExport.csv") == {(TARA, "2026-11"): (2, 3)}


def test_cases_closed_within_a_week_of_opening():
    assert measured("case-closed-with-resolution", "Case.csv") == {(TARA, "2026-11"): (2, 3)}


def test_no_opportunity_means_no_evidence_rather_than_a_failure():
    # the other user has one open opportunity: below the minimum of three, so nothing is measured
    assert ("0055g00000XyZwQAAV", "2026-11") not in measured("pipeline-next-step", "Opportunity.csv")
    assert measured("case-closed-with-resolution", "Opportunity.csv") == {}


def test_each_month_is_its_own_measurement():
    start = datetime(2026, 10, 30, 9, tzinfo=UTC)
    records = [RecordRow("Contact", f"c{i}", "u", "u", start + timedelta(days=i), {"Email": "x", "Phone": "y",
                                                                                   "AccountId": "a"}, SEEN)
               for i in range(5)]
    found = compute([indicators.by_key()["contact-complete"]], [], records)
    # 30 and 31 October (2 < 3: not enough), 1–3 November (3 of 3)
    assert found == {("u", "contact-complete", "2026-11"): (3, 3)}


def test_a_yaml_naming_a_measure_that_does_not_exist_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "crm_indicators.yaml"
    bad.write_text("- {key: x, skills: [data-quality], measure: vibes, title: X, explains: y}\n")
    monkeypatch.setattr(indicators, "DEFINITIONS", bad)
    indicators.definitions.cache_clear()
    try:
        with pytest.raises(ValueError, match="vibes"):
            indicators.definitions()
    finally:
        indicators.definitions.cache_clear()


def test_a_search_after_creating_or_long_before_does_not_count():
    made = datetime(2026, 11, 5, 10, tzinfo=UTC)
    events = [EventRow("u", "record_created", made + timedelta(hours=i), "Contact", f"c{i}") for i in range(3)]
    events += [EventRow("u", "search", made + timedelta(minutes=5)),  # after the first: too late for it
               EventRow("u", "search", made + timedelta(hours=1, minutes=-16)),  # 16 minutes before the second
               EventRow("u", "search", made + timedelta(hours=2, minutes=-14))]  # 14 minutes before the third
    found = compute([indicators.by_key()["search-before-create"]], events, [])
    assert found == {("u", "search-before-create", "2026-11"): (1, 3)}


def test_applied_is_judged_with_an_interval_and_too_few_occasions_say_nothing():
    from app.crm.indicators import judge

    assert judge(9, 10, 0.75) is True and judge(7, 10, 0.75) is True  # 70 % of 10 is within reach of 75 %
    assert judge(3, 10, 0.75) is False and judge(40, 80, 0.75) is False  # clearly below
    assert judge(3, 3, 0.75) is None and judge(2, 4, 0.75) is None  # too few occasions to say either way
    assert judge(0, 4, 0.75) is False  # but none of four is clear enough
    assert judge(0, 0, 0.75) is None


def test_a_stage_change_counts_as_kept_with_a_next_step_update_within_a_day():
    at = datetime(2026, 11, 10, 9, tzinfo=UTC)

    def change(field, when, record="o1", user="u"):
        return EventRow(user, "field_change", when, "Opportunity", record, field)

    events = [change("StageName", at), change("NextStep", at + timedelta(hours=3)),  # kept
              change("StageName", at, "o2"), change("NextStep", at + timedelta(days=2), "o2"),  # too late
              change("StageName", at, "o3"), change("NextStep", at, "o3", user="someone else"),  # not theirs
              change("Amount", at, "o4")]  # not a stage change
    found = compute([indicators.by_key()["stage-change-with-next-step"]], events, [])
    assert found == {("u", "stage-change-with-next-step", "2026-11"): (1, 3)}


def test_the_field_history_export_feeds_the_stage_change_indicator():
    events, records = rows("OpportunityFieldHistory.csv")
    found = compute([indicators.by_key()["stage-change-with-next-step"]], events, records, minimum=False)
    assert found[(TARA, "stage-change-with-next-step", "2026-11")] == (1, 1)


def test_a_contact_repeating_an_existing_email_is_a_duplicate():
    day = datetime(2026, 11, 3, 9, tzinfo=UTC)

    def contact(n, email, who="u", hours=0):
        return RecordRow("Contact", f"c{n}", who, who, day + timedelta(hours=hours), {"Email": email}, SEEN)

    records = [contact(1, "a@x.example", who="someone else"), contact(2, "A@x.example ", hours=1),
               contact(3, "b@x.example", hours=2), contact(4, "c@x.example", hours=3), contact(5, "", hours=4)]
    found = compute([indicators.by_key()["contact-not-duplicate"]], [], records)
    assert found == {("u", "contact-not-duplicate", "2026-11"): (2, 3)}  # c2 repeats c1; c5 has no email
