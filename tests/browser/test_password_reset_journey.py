"""A trainee who forgot their password gets a link by email and chooses a new one — at desktop
and phone width, every screen checked."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_forgotten_password_journey(screen, live_server, db):
    from app.models import Message

    page = screen
    page.goto(f"{live_server}/auth/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_screen_ok(page, "forgot password")
    page.get_by_label("Email").fill("trainee@demo.uptake")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("we have emailed it a link")
    assert_screen_ok(page, "link sent")
    mail = db.session.scalar(select(Message).where(Message.kind == "password_reset"))
    page.goto(re.search(r"https?://\S+/auth/reset/\S+", mail.text_body).group(0))
    assert_screen_ok(page, "choose a new password")
    page.get_by_label("New password").fill("my new long password")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    sign_in_through_form(page, live_server, "trainee@demo.uptake", "my new long password")
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
