"""A new install, as the first admin meets it: the first-run page creates the organisation and
signs them in; they set its time zone and default due days, and tick people on the users page
to change them together — at desktop and phone width, every screen checked."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser


def test_first_admin_sets_up_the_organisation(screen, fresh_server):
    page = screen
    page.goto(f"{fresh_server}/")
    expect(page.get_by_role("heading", name="Set up Uptake")).to_be_visible()
    assert_screen_ok(page, "first-run page")
    page.get_by_label("Organisation name").fill("Acme Ltd")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_label("Your name").fill("Ada Admin")
    page.get_by_label("Your email").fill("ada@acme.example")
    page.get_by_label("Password", exact=True).fill("a long first password")
    page.get_by_label("Password again").fill("a different password")
    page.get_by_role("button", name="Create the organisation").click()
    expect(page.get_by_text("The two passwords differ")).to_be_visible()
    expect(page.get_by_label("Organisation name")).to_have_value("Acme Ltd")
    assert_screen_ok(page, "first-run page refused")
    page.get_by_label("Password", exact=True).fill("a long first password")
    page.get_by_label("Password again").fill("a long first password")
    page.get_by_role("button", name="Create the organisation").click()
    expect(page.get_by_text("Uptake is ready")).to_be_visible()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    assert_screen_ok(page, "admin home after set-up")

    page.get_by_role("link", name="Organisation settings").click()
    page.get_by_label("Default due days").fill("21")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Organisation settings saved.")).to_be_visible()
    expect(page.get_by_label("Default due days")).to_have_value("21")
    assert_screen_ok(page, "organisation settings")


def test_admin_ticks_two_people_and_moves_them(screen, live_server):
    page = screen
    sign_in_through_form(page, live_server, "admin@demo.uptake")
    page.goto(f"{live_server}/admin/users?role=trainee")
    ticks = page.get_by_role("checkbox", name="Tick ")
    ticks.nth(0).check()
    ticks.nth(1).check()
    page.get_by_label("Change", exact=True).select_option("Move to business unit")
    page.get_by_label("Business unit (to move to)").select_option("Customer Service")
    assert_screen_ok(page, "users with bulk change")
    page.get_by_role("button", name="Apply to ticked people").click()
    expect(page.get_by_text("Move to business unit: ")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/admin/users?role=trainee")
