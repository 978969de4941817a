"""A trainee works a weak skill through their path: the path names the gap, the lesson's hands-on
check is done in the sandbox, the lesson is completed at once and leaves the path, the practice
exercise the path suggests next moves the verdict off "weak" (the result says so), and the
trainer's heatmap counts one weak person fewer — at desktop and phone width, every
screen checked for sideways scrolling, console errors and serious accessibility problems."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def weak_in_pipeline(page, live_server) -> int:
    """The 'weak / people' count of Sales EMEA × Opportunity pipeline on the trainer's heatmap."""
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    cell = page.get_by_role("row", name=re.compile("Sales EMEA")).get_by_role(
        "link", name=re.compile("weak in Opportunity pipeline"))
    weak = int(re.match(r"\s*(\d+) /", cell.inner_text()).group(1))
    page.get_by_role("button", name="Sign out").click()
    return weak


def test_a_weak_skill_is_closed_through_the_path(screen, live_server, fitted_demo):
    page = screen
    before = weak_in_pipeline(page, live_server)
    assert before >= 1

    sign_in_through_form(page, live_server, "trainee@demo.uptake")
    page.get_by_role("link", name="My training path").click()
    step = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="A pipeline that tells the truth"))
    expect(step).to_contain_text("Opportunity pipeline")
    assert_screen_ok(page, "path")
    step.get_by_role("link", name="A pipeline that tells the truth").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A pipeline that tells the truth")
    assert_screen_ok(page, "lesson")
    page.get_by_role("button", name="Do the hands-on check").click()

    brief = page.locator(".task-panel").inner_text()
    budget = re.search(r"budget\s+came in at ([\d,]+)", brief).group(1).replace(",", "")
    page.get_by_role("link", name="Fleet tracking rollout").first.click()
    page.get_by_label("Stage").select_option("Negotiation")
    page.get_by_label("Amount").fill(budget)
    page.get_by_label("Close date").fill((date.today() + timedelta(days=21)).isoformat())
    page.get_by_label("Next step").fill("Legal contract review")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Opportunity saved.")).to_be_visible()
    assert_screen_ok(page, "sandbox record")
    page.get_by_role("button", name="Finish the exercise").click()

    changed = page.locator(".after-attempt")
    expect(changed.locator(".next-step")).to_contain_text("Practice: record a lost deal")
    assert_screen_ok(page, "check result")
    page.get_by_role("link", name="your path").click()  # the lesson is completed at once: off the path
    expect(page.get_by_role("link", name="A pipeline that tells the truth")).to_have_count(0)
    page.goto(f"{live_server}/me/modules/el-pipeline")
    expect(page.locator(".lede")).to_contain_text("completed")

    page.goto(f"{live_server}/me/modules/ex-close-lost")
    page.get_by_role("button", name="Do the hands-on check").click()
    page.get_by_role("link", name="Regional distribution contract").first.click()
    page.get_by_label("Stage").select_option("Closed Lost")
    page.get_by_label("Lost reason").select_option("Price")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Opportunity saved.")).to_be_visible()
    page.get_by_role("button", name="Finish the exercise").click()
    expect(page.locator(".after-attempt")).to_contain_text(re.compile(r"Opportunity pipeline: weak →"))
    assert_screen_ok(page, "practice result")
    page.get_by_role("button", name="Sign out").click()

    assert weak_in_pipeline(page, live_server) == before - 1
