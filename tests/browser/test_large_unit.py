"""A unit of hundreds in the browser: its people listed a page at a time, the pager reachable and
the screen passing the same checks as every other (desktop and phone)."""
import pytest
from sqlalchemy import select

from app.models import BusinessUnit
from tests.browser.conftest import assert_screen_ok, sign_in_through_form
from tests.helpers import add_new_hires

pytestmark = pytest.mark.browser


def test_a_trainer_pages_through_a_large_units_people(screen, live_server, fitted_demo, db):
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    add_new_hires(unit, 230)
    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/units/{unit.id}")
    people = page.locator("h2#people")
    assert people.inner_text().startswith("People (2")
    assert page.get_by_text("Showing 1–100 by name").is_visible()
    assert_screen_ok(page, "unit page of a large unit")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2#people")
    assert page.get_by_text("Page 2 of 3").is_visible() and page.get_by_text("Showing 101–200 by name").is_visible()
    assert page.locator("table tbody th[scope=row] a").filter(has_text="Zz New Hire").count() > 50
    assert_screen_ok(page, "second page of a large unit's people")
