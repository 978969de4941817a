"""A trainee does a simulated CRM exercise end to end in Chromium."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_through_form

pytestmark = pytest.mark.browser


def test_close_a_lost_deal_in_the_sandbox(page, live_server):
    sign_in_through_form(page, live_server, "trainee@demo.uptake")
    page.get_by_role("button", name="Start Record a lost deal honestly").click()
    expect(page.get_by_role("heading", name="Your task")).to_be_visible()
    brief = page.locator(".task-panel").inner_text()
    account = re.search(r"\n(.+?) has chosen a competitor", brief).group(1)

    page.get_by_role("link", name="Regional distribution contract").click()
    page.get_by_label("Stage").select_option("Closed Lost")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The record was not saved")
    expect(page.get_by_text("Give a lost reason when closing an opportunity as lost.")).to_be_visible()

    page.get_by_label("Lost reason").select_option("Price")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Opportunity saved.")).to_be_visible()

    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check my work")
    expect(page.get_by_role("row", name=re.compile("Closed as lost"))).to_contain_text("passed")
    expect(page.get_by_role("row", name=re.compile("No validation errors"))).not_to_contain_text("passed")

    page.get_by_role("button", name="Finish the exercise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Result: Record a lost deal honestly")
    expect(page.locator(".lede")).to_contain_text(account)
    replay = page.locator("ol.replay")
    expect(replay).to_contain_text("Refused: Give a lost reason")
    expect(replay).to_contain_text("Tried to update opportunity “Regional distribution contract”: stage")
    expect(replay).to_contain_text("Updated opportunity “Regional distribution contract”: stage “")
    expect(replay).to_contain_text("→ “Closed Lost”; lost reason (empty) → “Price”")
