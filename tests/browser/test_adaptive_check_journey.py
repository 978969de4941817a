"""A newcomer takes the adaptive skills check in Chromium, desktop and phone: one question a page,
each chosen after the last answer was saved, the test ending by itself well before its 30 questions
once the rest of the pool could no longer change what it says; then review, submission and the
result. Every screen checked."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form
from tests.helpers import newcomer_beside_tara

pytestmark = pytest.mark.browser


@pytest.fixture
def newcomer(fitted_demo):
    return newcomer_beside_tara("check.taker@demo.uptake", "Check Taker", "check-taker-password")


def answer_right(item, attempt_id: int) -> None:
    """Fill in the right answer to the question on the page, as a trainee who knows it would."""
    from app.services.content import active_bank
    from quizzes.answers import right_answer
    from tests.helpers import as_sent

    key, kind = item.get_attribute("data-item-key"), item.get_attribute("data-item-type")
    sent = as_sent(attempt_id, key, right_answer(active_bank()[key]))
    if kind == "single_choice":
        item.locator(f'input[value="{sent}"]').check()
    elif kind == "true_false":
        item.locator(f'input[value="{"true" if sent else "false"}"]').check()
    elif kind == "multiple_response":
        for value in sent:
            item.locator(f'input[value="{value}"]').check()
    elif kind == "numeric":
        item.get_by_label(re.compile("^Your answer")).fill("%g" % sent)
    elif kind == "short_text":
        item.get_by_label("Your answer").fill(sent)
    elif kind == "ordering":
        for n, step in enumerate(sent, 1):
            item.locator(f'select[data-step="{step}"]').select_option(str(n))
    else:  # matching
        for prompt, choice in sent.items():
            item.locator(f'select[data-prompt="{prompt}"]').select_option(choice)


def test_a_newcomer_takes_the_adaptive_check_and_it_stops_by_itself(screen, live_server, newcomer):
    page = screen
    sign_in_through_form(page, live_server, "check.taker@demo.uptake", "check-taker-password")
    page.goto(f"{live_server}/me/quizzes/adaptive-skills-check")
    page.get_by_role("button", name=re.compile("^Start ")).click()
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    asked = 0
    while True:
        asked += 1
        expect(page.get_by_text(f"Adaptive test · question {asked} (at most 30)")).to_be_visible()
        item = page.locator("fieldset.item")
        expect(item).to_have_count(1)
        answer_right(item, attempt_id)
        expect(page.locator("#save-status")).to_have_text("All answers saved.")
        if asked == 1:
            assert_screen_ok(page, "first adaptive question")
        next_button = page.get_by_role("button", name="Next", exact=True)
        if not next_button.count():
            break
        next_button.click()
        if "/finish" in page.url:  # the check needed nothing more
            break
        assert asked < 30
    if "/finish" not in page.url:
        page.get_by_role("button", name="Review and submit").click()
    assert 5 < asked < 30, asked  # it went on past the first few and stopped by itself
    expect(page.get_by_text("That is enough to measure your skills.")).to_be_visible()
    expect(page.get_by_text(f"You have answered {asked} of {asked} questions.")).to_be_visible()
    assert_screen_ok(page, "review")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Result:")
    expect(page.locator(".score")).to_contain_text("100%")
    assert_screen_ok(page, "result")
