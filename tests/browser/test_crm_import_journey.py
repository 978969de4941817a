"""An admin uploads a Salesforce event log, reads the preview (who is matched, who is not), confirms,
adds the user and opportunity exports, marks an unknown login as not a person; the trainer then finds
what the CRM measured on Tara's page and on the adoption dashboard, and Tara on her own "My CRM use"
page — desktop and phone, every screen checked."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data" / "crm"


def _upload(page, base, name):
    page.goto(f"{base}/admin/crm")
    page.get_by_label("CSV or JSON Lines file").set_input_files(str(DATA / name))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def test_admin_imports_crm_exports_and_the_trainer_sees_the_behaviour(screen, live_server, fitted_demo):
    from tests.helpers import user_by_email

    page = screen
    sign_in_through_form(page, live_server, "admin@demo.uptake")
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Import CRM data").click()
    expect(page.get_by_role("heading", name="Evidence from your CRM")).to_be_visible()
    assert_screen_ok(page, "CRM data page")
    _upload(page, live_server, "EventLogFile_Login.csv")
    expect(page.get_by_text("2: 1 matched to people, 1 not matched")).to_be_visible()
    expect(page.get_by_text("Not matched: kept, counted once linked")).to_be_visible()
    assert_screen_ok(page, "event log preview")
    page.get_by_role("button", name="Import 5 events").click()
    expect(page.get_by_text("Imported 5 new events")).to_be_visible()
    for name in ("User.csv", "Opportunity.csv", "OpportunityFieldHistory.csv"):
        _upload(page, live_server, name)
        page.get_by_role("button", name="Import").first.click()
        expect(page.get_by_text("Imported", exact=False).first).to_be_visible()
    page.goto(f"{live_server}/admin/crm/users")
    row = page.get_by_role("row", name="Maria Keller")
    row.get_by_role("combobox").select_option(label="Not a person (do not measure)")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is not measured (not a person)")).to_be_visible()
    assert_screen_ok(page, "CRM users")
    page.goto(f"{live_server}/admin/crm")
    page.get_by_role("button", name="Issue an ingest token").click()
    expect(page.get_by_role("heading", name="Your CRM ingest token")).to_be_visible()
    assert_screen_ok(page, "ingest token")
    page.get_by_role("button", name="Sign out").click()

    tara = user_by_email("trainee@demo.uptake")
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/people/{tara.id}")
    expect(page.get_by_role("heading", name="In the CRM", exact=True)).to_be_visible()
    expect(page.get_by_text("Open opportunities with a next step and a close date still ahead: 1 of 3")).to_be_visible()
    assert_screen_ok(page, "Tara's page with her CRM use")
    page.goto(f"{live_server}/trainer/adoption")
    expect(page.get_by_role("heading", name="Use of the CRM itself")).to_be_visible()
    assert_screen_ok(page, "adoption dashboard with CRM use")
    page.get_by_role("button", name="Sign out").click()

    sign_in_through_form(page, live_server, "trainee@demo.uptake")
    page.get_by_role("link", name="My CRM use").click()
    expect(page.get_by_role("heading", name="What your CRM use shows")).to_be_visible()
    expect(page.get_by_text("Only you, your trainers")).to_be_visible()
    assert_screen_ok(page, "My CRM use")
