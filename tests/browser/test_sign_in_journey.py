"""Each role signs in through the real form in Chromium and lands on its own home page."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_through_form

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("email, heading, nav", [
    ("trainee@demo.uptake", "My learning", "My learning"),
    ("trainer@demo.uptake", "Skill gaps by business unit", "Skill gaps"),
    ("admin@demo.uptake", "Administration", "Users"),
])
def test_role_signs_in_and_sees_home(page, live_server, email, heading, nav):
    sign_in_through_form(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=nav)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Uptake")
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_sign_in_works_with_the_keyboard_alone(page, live_server):
    page.goto(f"{live_server}/auth/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(5):  # past the header links to the first field, by keyboard only
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("trainer@demo.uptake")
    page.keyboard.press("Tab")
    page.keyboard.type("uptake-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/trainer/")
    page.get_by_role("link", name="Sales EMEA").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales EMEA")
    expect(page.get_by_role("link", name="Tara Ingram")).to_be_visible()


def test_wrong_password_is_announced(page, live_server):
    sign_in_through_form(page, live_server, "trainee@demo.uptake", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not right")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Uptake"
