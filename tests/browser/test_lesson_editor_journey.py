"""A trainer rewrites a lesson: the preview follows the typing (drawn by the server, sanitised), saving
makes it what trainees read; desktop and phone, every screen checked."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_trainer_rewrites_a_lesson_with_a_live_preview(screen, live_server, content_loaded):
    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Lessons", exact=True).click()
    page.get_by_role("link", name="A pipeline that tells the truth").click()
    assert_screen_ok(page, "lesson editor")
    page.get_by_label("Lesson text (Markdown)").fill("## Our stages\n\nEvery deal needs a **next step**.\n\n"
                                                   "<script>alert('x')</script>")
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Our stages")).to_be_visible()  # no button pressed
    expect(preview.locator("strong")).to_have_text("next step")
    assert preview.locator("script").count() == 0
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: trainees in your organisation opening the lesson now read this version")).to_be_visible()
    expect(page.get_by_role("button", name="Reset to the shipped lesson")).to_be_visible()
    assert_screen_ok(page, "lesson saved")
