"""A trainer builds a test in the browser — the count of questions per skill follows the job role as
it is chosen — and a trainee finds it, takes it and sees the result; desktop and phone, every screen
checked."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_trainer_builds_a_test_and_a_trainee_takes_it(screen, live_server, content_loaded, browser):
    from app.services.content import active_bank
    from quizzes.assembly import suits

    bank = active_bank().values()
    everyone = sum("case-management" in i.skills for i in bank)
    agents = sum("case-management" in i.skills and suits(i, "service agent") for i in bank)
    sales = sum("case-management" in i.skills and suits(i, "sales manager") for i in bank)
    assert agents != sales  # so the count visibly follows the role

    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Tests", exact=True).click()
    page.get_by_role("link", name="Build a test").click()
    page.get_by_label("Title").fill("Cases in five minutes")
    page.get_by_label("A number of questions of each skill, drawn anew for every attempt").check()
    page.get_by_text("How many of each skill").click()
    count = page.locator('[data-skill="case-management"]')
    expect(count).to_have_text(f"of {everyone} published (0 calibrated)")
    page.get_by_label("For job role").select_option("sales manager")
    expect(count).to_have_text(f"of {sales} published (0 calibrated)")
    page.get_by_label("For job role").select_option("")
    page.get_by_label(re.compile(r"^Case management\s*: how many questions$")).fill("3")
    page.get_by_label("Time limit in minutes (empty: none)").fill("5")
    assert_screen_ok(page, "test builder")
    page.get_by_role("button", name="Save the test").click()
    expect(page.get_by_text("Saved “Cases in five minutes”")).to_be_visible()
    assert_screen_ok(page, "tests")

    trainee = browser.new_page(viewport=page.viewport_size)
    try:
        sign_in_through_form(trainee, live_server, "trainee@demo.uptake")
        trainee.get_by_role("link", name="Cases in five minutes").first.click()
        trainee.get_by_role("button", name=re.compile("^Start")).click()
        expect(trainee.get_by_text(re.compile(r"^Question 1 of 3"))).to_be_visible()  # three case questions
        trainee.get_by_role("button", name="Review and submit").click()
        trainee.get_by_role("button", name="Submit answers").click()
        expect(trainee.get_by_role("heading", name="Result: Cases in five minutes")).to_be_visible()
    finally:
        trainee.close()
