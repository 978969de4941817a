"""A trainer rewrites a shipped question a test asks, in the browser: the page says the change makes the
organisation's own copy, the editor refuses a broken version and keeps what was typed, the copy's page
shows it as a trainee will see it and grades a tried answer, publishing makes the copy's version 1, and
a trainee who then starts the test gets the new wording in the shipped question's place — desktop and
phone, every screen checked."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser

NEW_STEM = "A contact that is not linked to any account still shows up in account reports."


def test_trainer_rewrites_a_question_and_trainees_get_the_new_version(screen, live_server, content_loaded, browser):
    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Questions", exact=True).click()
    page.get_by_label("Search").fill("normally be linked")
    page.get_by_role("button", name="Show").click()
    assert_screen_ok(page, "question list")
    page.get_by_role("link", name="A contact record should normally be linked to an account.").click()
    expect(page.get_by_text("Version 1 is in the bank")).to_be_visible()
    expect(page.get_by_text("shipped with Uptake and shared by every organisation")).to_be_visible()
    page.get_by_role("link", name="Edit a copy").click()

    page.get_by_label("Question").fill("")
    page.get_by_label("Explanation shown after the test").fill("Orphan contacts drop out of account views and reports.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Question: is missing")).to_be_visible()  # refused, and the typing is still there
    expect(page.get_by_label("Explanation shown after the test")).to_have_value(
        "Orphan contacts drop out of account views and reports.")
    assert_screen_ok(page, "refused draft")

    page.get_by_label("Question").fill(NEW_STEM)
    page.get_by_role("radio", name="False").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved as a draft of your organisation's own copy")).to_be_visible()
    expect(page.get_by_text("Never published")).to_be_visible()
    page.get_by_role("radio", name="True").check()
    page.get_by_role("button", name="Try this answer").click()
    expect(page.get_by_role("heading", name="This answer scores 0 %")).to_be_visible()
    assert_screen_ok(page, "question page with a draft")
    page.get_by_role("button", name="Publish as version 1").click()
    expect(page.get_by_text("Published as version 1")).to_be_visible()

    trainee = browser.new_page(viewport=page.viewport_size)
    try:
        sign_in_through_form(trainee, live_server, "trainee@demo.uptake")
        trainee.goto(f"{live_server}/me/quizzes/crm-basics")
        trainee.get_by_role("button", name=re.compile("^Start")).click()
        # CRM basics shows its eight questions on one page; wait for that page, not the one before it.
        expect(trainee.locator("#attempt-form")).to_be_visible()
        expect(trainee.get_by_text(NEW_STEM)).to_be_visible()
        expect(trainee.get_by_role("button", name="Next")).to_have_count(0)
    finally:
        trainee.close()


def test_the_editor_of_every_item_type_reads_well(screen, live_server, content_loaded):
    """Each type's form (options with marks, answers, steps, pairs…) at this width: no sideways
    scrolling, no script errors, no serious accessibility problem."""
    from quizzes.registry import ITEM_TYPES

    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    for kind, item_type in ITEM_TYPES.items():
        page.goto(f"{live_server}/trainer/questions/new?type={kind}")
        expect(page.get_by_role("heading", name=f"New question {item_type.label}")).to_be_visible()
        assert_screen_ok(page, f"new {kind}")


def test_trainer_adds_a_screenshot_to_a_new_question(screen, live_server, content_loaded, tmp_path):
    from tests.quizzes.test_rich_text import png

    shot = tmp_path / "leads-list.png"
    shot.write_bytes(png((40, 90, 200), (120, 60)))
    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/questions/new?type=true_false")
    page.get_by_label("Question").fill("This view shows only the leads you own.")
    page.get_by_role("checkbox", name="Lead management").check()
    page.get_by_role("radio", name="False").check()
    page.get_by_label("Picture").set_input_files(str(shot))
    page.get_by_label("What it shows, for people who cannot see it").fill("The Leads list filtered to My leads")
    page.get_by_role("button", name="Save draft").click()
    picture = page.get_by_role("img", name="The Leads list filtered to My leads")
    expect(picture).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", picture.element_handle()) == 120  # served, not broken
    assert_screen_ok(page, "question with a screenshot")
