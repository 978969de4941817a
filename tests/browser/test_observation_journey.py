"""A trainer watches Tara at work, opens the data-quality checklist from her page, marks what they
saw and finds it on her page with her verdict updated — desktop and phone, every screen checked."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_trainer_records_an_on_the_job_observation(screen, live_server, fitted_demo):
    from tests.helpers import user_by_email

    page = screen
    tara = user_by_email("trainee@demo.uptake")
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/people/{tara.id}")
    page.get_by_label("Watch Tara Ingram at work and record what you saw").select_option(label="Data quality")
    page.get_by_role("button", name="Open the checklist").click()
    expect(page.get_by_role("heading", name="On-the-job observation")).to_be_visible()
    assert_screen_ok(page, "observation checklist")
    page.get_by_role("button", name="Record the observation").click()  # nothing marked yet
    expect(page.get_by_text("Mark at least one behaviour you saw")).to_be_visible()
    assert_screen_ok(page, "observation refused")
    group = page.get_by_role("group", name="Fills required and key fields completely and in the agreed formats")
    group.get_by_label("Done right").check()
    page.get_by_role("group", name="Spots a duplicate and merges it").get_by_label("Done wrong").check()
    page.get_by_label("Note").fill("Left a duplicate contact on Acme")
    page.get_by_role("button", name="Record the observation").click()
    expect(page.get_by_text("Observation recorded: Tara Ingram's Data quality verdict is updated.")).to_be_visible()
    expect(page.get_by_text("Left a duplicate contact on Acme")).to_be_visible()
    assert_screen_ok(page, "person page after the observation")
