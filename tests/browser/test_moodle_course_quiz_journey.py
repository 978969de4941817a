"""Issue #14's whole journey: a trainer takes a Moodle XML export of a course quiz — one question with
formatting and a picture, one tagged with a skill Uptake does not have — sees exactly what will be
imported (the picture too) and why the other is not, imports, fixes the other in the editor and
publishes it, builds a test of both, and a trainee takes it and sees the picture; desktop and phone."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form
from tests.quizzes.test_rich_text import file_element, png

pytestmark = pytest.mark.browser

COURSE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/Sales onboarding/Opportunity pipeline</text></category></question>
  <question type="multichoice">
    <name><text>Tallest bar</text></name>
    <questiontext format="html"><text><![CDATA[<p>The chart shows open deals by stage. Which stage holds the
      <strong>most</strong> deals?</p><p><img src="@@PLUGINFILE@@/deals%20by%20stage.png" alt="Open deals by stage"
      width="240" height="120"></p>]]></text>{file_element("deals by stage.png", png((40, 110, 190), (240, 120)))}</questiontext>
    <generalfeedback format="html"><text>Read the tallest bar.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>Negotiation</text></answer>
    <answer fraction="0"><text>Prospecting</text></answer>
    <answer fraction="0"><text>Closed won</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Close date in the past</text></name>
    <questiontext format="html"><text><![CDATA[<p>An open deal may keep a close date <em>in the past</em>.</p>]]></text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
    <tags><tag><text>skill:pipeline-hygiene</text></tag></tags>
  </question>
</quiz>"""


def picture_shown(page) -> int:
    image = page.locator(".stem-rich img").first
    expect(image).to_be_visible()
    # visible is not loaded: wait for the picture itself (a broken one ends in "error" and gives 0)
    return image.evaluate("""img => img.complete ? img.naturalWidth : new Promise(done => {
        img.addEventListener("load", () => done(img.naturalWidth));
        img.addEventListener("error", () => done(0));
    })""")


def test_a_moodle_course_quiz_with_a_picture_goes_from_file_to_trainee(screen, live_server, content_loaded, browser,
                                                                     tmp_path):
    page = screen
    source = tmp_path / "onboarding.xml"
    source.write_text(COURSE, encoding="utf-8")
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Import questions (GIFT or Moodle XML)").click()
    page.get_by_label("Question file").set_input_files(str(source))
    page.get_by_label("Moodle XML (.xml)").check()
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="1 question ready to import")).to_be_visible()
    assert picture_shown(page) == 240  # the picture from inside the file, served by Uptake
    expect(page.locator(".stem-rich strong")).to_have_text("most")
    expect(page.get_by_text("Negotiation (100 %) · Prospecting (0 %) · Closed won (0 %)")).to_be_visible()
    expect(page.get_by_text("unknown skill 'pipeline-hygiene'")).to_be_visible()
    assert_screen_ok(page, "preview with a picture")
    preview = page.url
    page.get_by_role("button", name="Import 1 question").click()
    expect(page.get_by_text("Imported onboarding.xml: 1 new")).to_be_visible()

    page.goto(preview)
    page.get_by_role("link", name="fix it in the editor").click()
    expect(page.get_by_label("Question (formatted text, HTML)")).to_have_value(re.compile(r"<em>in the past</em>"))
    page.locator('input[name="skills"][value="opportunity-pipeline"]').check()
    assert_screen_ok(page, "fixing the imported question")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    expect(page.locator(".stem-rich em")).to_have_text("in the past")
    page.get_by_role("button", name=re.compile("^Publish")).click()
    expect(page.get_by_text(re.compile("Version 1 is in the bank"))).to_be_visible()
    fixed_key = re.search(r"/trainer/questions/([^/?#]+)", page.url).group(1)

    page.goto(f"{live_server}/trainer/tests/new")
    page.get_by_label("Title").fill("Pipeline onboarding check")
    page.get_by_label("These questions, chosen below").check()
    page.locator('input[name="items"][value="tallest-bar"]').check()
    page.locator(f'input[name="items"][value="{fixed_key}"]').check()
    page.get_by_label("Listed for trainees without an assignment").check()
    page.get_by_label("All questions on one page").check()  # (shuffled or not, the picture is on the page)
    page.get_by_role("button", name="Save the test").click()
    expect(page.get_by_text("Saved “Pipeline onboarding check”")).to_be_visible()

    trainee = browser.new_page(viewport=page.viewport_size)
    trainee.console_errors = []
    trainee.on("console", lambda message: trainee.console_errors.append(message.text) if message.type == "error" else None)
    trainee.on("pageerror", lambda error: trainee.console_errors.append(str(error)))
    try:
        sign_in_through_form(trainee, live_server, "trainee@demo.uptake")
        trainee.get_by_role("link", name="Pipeline onboarding check").first.click()
        trainee.get_by_role("button", name=re.compile("^Start")).click()
        assert picture_shown(trainee) == 240
        assert_screen_ok(trainee, "a question with a picture")
        trainee.get_by_role("button", name="Review and submit").click()
        trainee.get_by_role("button", name="Submit answers").click()
        expect(trainee.get_by_role("heading", name="Result: Pipeline onboarding check")).to_be_visible()
    finally:
        trainee.close()
