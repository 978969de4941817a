"""An admin imports two people from a CSV file; one of them activates the account from the link
and signs in to their own home — at desktop and phone width, every screen checked for sideways
scrolling, console errors and serious accessibility problems."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser

CSV = ("email,name,role,business_unit,job_role,trainer_units\n"
       "maya.okafor@demo.uptake,Maya Okafor,trainee,Sales EMEA,account executive,\n"
       "lukas.brandt@demo.uptake,Lukas Brandt,trainee,Customer Service,service agent,\n")


def test_imported_people_activate_and_sign_in(screen, live_server):
    page = screen
    sign_in_through_form(page, live_server, "admin@demo.uptake")
    page.goto(f"{live_server}/admin/users/import")
    expect(page.get_by_role("heading", name="Import users from CSV")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(
        {"name": "new-people.csv", "mimeType": "text/csv", "buffer": CSV.encode()})
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview: 2 people")).to_be_visible()
    assert_screen_ok(page, "import preview")
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_role("heading", name="2 people imported")).to_be_visible()
    assert_screen_ok(page, "import done")
    row = page.get_by_role("row", name=re.compile("Maya Okafor"))
    link = re.search(r"https?://\S+/auth/activate/\S+", row.inner_text()).group(0)

    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_screen_ok(page, "activation")
    page.get_by_label("New password").fill("maya-picks-a-long-password")
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("Your account is active. Sign in with your new password.")).to_be_visible()
    sign_in_through_form(page, live_server, "maya.okafor@demo.uptake", "maya-picks-a-long-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    expect(page.get_by_text("Maya Okafor · account executive · Sales EMEA")).to_be_visible()
    assert_screen_ok(page, "the new trainee's home")
