"""A trainee takes a quiz in Chromium: autosave, a dropped connection, a reload, submission."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_through_form

pytestmark = pytest.mark.browser


@pytest.fixture
def quiz_server(live_server, content_loaded):
    return live_server


def fieldset(page, stem_start):
    return page.locator("fieldset.item", has_text=stem_start)


def test_take_quiz_reload_and_submit(page, quiz_server):
    sign_in_through_form(page, quiz_server, "trainee@demo.uptake")
    page.get_by_role("link", name="CRM basics: find it, log it, keep it clean").click()
    page.get_by_role("button", name=re.compile("Start CRM basics")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CRM basics: find it, log it, keep it clean")
    status = page.locator("#save-status")

    search = fieldset(page, "A customer calls and says only")
    counter = page.locator("#answered-count")
    expect(counter).to_have_text("0")
    search.get_by_label(re.compile("Type \"Halvorsen\" into global search")).check()
    expect(status).to_have_text("All answers saved.")
    expect(counter).to_have_text("1")  # the "N of M answered" line follows each save

    related = fieldset(page, "what is the name of the section")
    related.get_by_label("Your answer").fill("related lists")
    expect(status).to_have_text("All answers saved.")

    # The connection drops: the page says so, keeps the answer and saves it when the network returns.
    page.context.set_offline(True)
    fieldset(page, "should normally be linked to an account").get_by_label("True").check()
    expect(status).to_contain_text("Not saved")
    page.context.set_offline(False)
    expect(status).to_have_text("All answers saved.", timeout=15_000)

    page.reload()
    expect(fieldset(page, "A customer calls and says only").get_by_label(
        re.compile("Type \"Halvorsen\" into global search"))).to_be_checked()
    expect(fieldset(page, "what is the name of the section").get_by_label("Your answer")).to_have_value("related lists")
    expect(fieldset(page, "should normally be linked to an account").get_by_label("True")).to_be_checked()
    expect(page.locator("#answered-count")).to_have_text("3")

    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_text("You have answered 3 of 8 questions.")).to_be_visible()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Result: CRM basics: find it, log it, keep it clean")
    expect(page.locator(".score")).to_contain_text("37%")
    expect(page.get_by_text("Related lists sit on the record page")).to_be_visible()


def test_timed_one_per_page_quiz_shows_a_countdown_and_moves_between_questions(page, quiz_server):
    sign_in_through_form(page, quiz_server, "trainee@demo.uptake")
    page.goto(f"{quiz_server}/me/quizzes/pipeline-hygiene")
    page.get_by_role("button", name=re.compile("Start Pipeline hygiene")).click()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(page.get_by_text("Question 1 of 10")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Question 2 of 10")).to_be_visible()
    page.get_by_role("navigation", name="Jump to question").get_by_role("button", name="10").click()
    expect(page.get_by_text("Question 10 of 10")).to_be_visible()


def test_an_ordering_with_two_steps_at_one_position_says_so_and_keeps_the_saved_order(page, quiz_server, db):
    from app.models import Attempt, Item
    from sqlalchemy import select

    sign_in_through_form(page, quiz_server, "trainee@demo.uptake")
    page.goto(f"{quiz_server}/me/quizzes/pipeline-hygiene")
    page.get_by_role("button", name=re.compile("Start Pipeline hygiene")).click()
    attempt = db.session.scalars(select(Attempt).order_by(Attempt.id.desc())).first()
    key = next(k for k in attempt.item_keys if db.session.scalar(select(Item.type).where(Item.key == k)) == "ordering")
    page.goto(f"{quiz_server}/me/attempts/{attempt.id}?page={attempt.item_keys.index(key) + 1}")
    question = page.locator(f'fieldset[data-item-key="{key}"]')
    selects = question.locator("select")
    count = selects.count()
    assert selects.first.bounding_box()["height"] >= 40  # a finger-sized target, not an 18 px sliver
    for n in range(count):
        selects.nth(n).select_option(str(n + 1))
    status = page.locator("#save-status")
    expect(status).to_have_text("All answers saved.")
    expect(page.locator("#answered-count")).to_have_text("1")
    selects.nth(1).select_option("1")  # now two steps at position 1
    expect(question.locator(".item-error")).to_contain_text("Position 1 is given to more than one step")
    expect(status).to_contain_text("needs your attention")
    expect(page.locator("#answered-count")).to_have_text("1")  # the saved order still counts
    page.reload()
    saved = [question.locator("select").nth(n).input_value() for n in range(count)]
    assert saved == [str(n + 1) for n in range(count)]  # the last complete order, as it was saved


def test_answers_given_before_the_player_script_runs_are_saved_when_it_does(page, quiz_server):
    """A quick hand on a slow connection answers before quiz.js has run: no change event reaches the
    player, yet it must save those answers rather than sit on "saved as you go" with nothing sent."""
    sign_in_through_form(page, quiz_server, "trainee@demo.uptake")
    page.get_by_role("link", name="CRM basics: find it, log it, keep it clean").click()
    page.route("**/static/quiz.js*", lambda route: route.abort())  # the script has not arrived yet
    page.get_by_role("button", name=re.compile("Start CRM basics")).click()
    fieldset(page, "A customer calls and says only").get_by_label(
        re.compile("Type \"Halvorsen\" into global search")).check()
    fieldset(page, "what is the name of the section").get_by_label("Your answer").fill("related lists")
    status = page.locator("#save-status")
    expect(status).to_have_text("Answers are saved as you go.")  # nothing has been sent

    page.unroute("**/static/quiz.js*")
    page.add_script_tag(url="/static/quiz.js")  # now it arrives and runs
    expect(status).to_have_text("All answers saved.")
    expect(page.locator("#answered-count")).to_have_text("2")
    page.reload()
    expect(fieldset(page, "A customer calls and says only").get_by_label(
        re.compile("Type \"Halvorsen\" into global search"))).to_be_checked()
    expect(fieldset(page, "what is the name of the section").get_by_label("Your answer")).to_have_value("related lists")
