"""A newcomer's first exercise moves their verdicts at once, in Chromium at desktop and phone width:
no verdict before any evidence, the exercise, the result saying what changed and what comes next,
and the profile counting the exercise — every screen checked for sideways scrolling, console
errors and serious accessibility problems."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form
from tests.helpers import newcomer_beside_tara

pytestmark = pytest.mark.browser


@pytest.fixture
def newcomer(fitted_demo):
    return newcomer_beside_tara("first.day@demo.uptake", "First Day", "first-day-password")


def test_a_newcomers_first_exercise_moves_their_verdicts(screen, live_server, newcomer):
    page = screen
    sign_in_through_form(page, live_server, "first.day@demo.uptake", "first-day-password")
    expect(page.get_by_role("heading", name="My skill profile")).to_be_visible()
    profile = page.locator("table.profile").first
    expect(profile).to_contain_text("Not measured yet")
    expect(profile).not_to_contain_text("sure it is mastered")
    assert_screen_ok(page, "home before any evidence")

    page.get_by_role("button", name="Start Move an opportunity to Negotiation").click()
    expect(page.get_by_role("heading", name="Your task")).to_be_visible()
    brief = page.locator(".task-panel").inner_text()
    budget = re.search(r"budget\s+came in at ([\d,]+)", brief).group(1).replace(",", "")
    signing = (date.today() + timedelta(days=21)).isoformat()
    page.get_by_role("link", name="Fleet tracking rollout").first.click()
    page.get_by_label("Stage").select_option("Negotiation")
    page.get_by_label("Amount").fill(budget)
    page.get_by_label("Close date").fill(signing)
    page.get_by_label("Next step").fill("Legal contract review")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Opportunity saved.")).to_be_visible()
    page.get_by_role("button", name="Finish the exercise").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Result: Move an opportunity to Negotiation")
    changed = page.locator(".after-attempt")
    expect(changed.get_by_role("heading", name="What this changed")).to_be_visible()
    expect(changed).to_contain_text("→")
    expect(changed).to_contain_text("Next on your path")
    assert_screen_ok(page, "exercise result")

    page.get_by_role("link", name="My learning").first.click()
    profile = page.locator("table.profile").first
    expect(profile).to_contain_text("1 exercise")
    expect(page.get_by_role("row", name=re.compile("Move an opportunity to Negotiation"))).to_contain_text("Done")
    assert_screen_ok(page, "home after the exercise")
