"""A trainer accepts a unit's training-needs plan and gives the workshop a place; a booked trainee
sees the date and place on their home and on the workshop page — at desktop and phone width, every
screen checked for sideways scrolling, console errors and serious accessibility problems."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_accepted_sessions_reach_the_trainees(screen, live_server, fitted_demo, db):
    from app.models import Assignment, BusinessUnit, User

    page = screen
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/units/{unit.id}")
    assert_screen_ok(page, "unit page with its plan")
    page.get_by_role("button", name=re.compile("Accept the plan")).click()
    expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_contain_text("Plan accepted")
    page.get_by_role("button", name=re.compile("Accept the plan")).click()  # a second click adds nothing
    expect(page.locator(".flash").first).to_contain_text("Nothing new to accept")
    form = page.locator("form.session-form").first
    form.get_by_label("Place or link").fill("Room 4, Toronto office")
    form.get_by_role("button", name="Save session").click()
    expect(page.locator(".flash").first).to_contain_text("Session updated")
    assert_screen_ok(page, "unit page with scheduled sessions")
    page.get_by_role("button", name="Sign out").click()

    db.session.expire_all()
    seat = db.session.scalars(select(Assignment).where(Assignment.session_id.is_not(None))).first()
    person = db.session.get(User, seat.target_id)
    sign_in_through_form(page, live_server, person.email)
    assigned = page.locator("ul.assigned")
    expect(assigned).to_contain_text("workshop on")
    expect(assigned).to_contain_text("Room 4, Toronto office")
    assert_screen_ok(page, "trainee home with a workshop")
    assigned.get_by_role("link").filter(has_text=re.compile(".")).first.click()
    section = page.get_by_role("region", name="Your session").or_(page.locator("section[aria-labelledby=seat-h]"))
    expect(section.first).to_contain_text("Room 4, Toronto office")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    assert_screen_ok(page, "workshop page")
