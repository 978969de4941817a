"""A trainer reviews a unit's gaps and plan; a trainee follows their training path (Chromium)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_through_form

pytestmark = pytest.mark.browser


def test_trainer_reviews_a_unit(page, fitted_demo, live_server):
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    heatmap = page.get_by_role("table", name="Skill gaps: share of people below target")
    expect(heatmap).to_be_visible()
    heatmap.get_by_role("link", name="Sales North America").click()
    expect(page.get_by_role("heading", name="Training-needs plan")).to_be_visible()
    sessions = page.get_by_role("table", name="Recommended sessions")
    expect(sessions).to_contain_text("Workshop: data quality clinic")
    page.get_by_role("button", name=re.compile("Accept the plan")).click()
    expect(page.get_by_text(re.compile(r"Plan accepted: \d+ sessions scheduled"))).to_be_visible()
    expect(page.get_by_role("link", name="Download the sessions as a calendar (.ics)")).to_be_visible()
    page.get_by_role("table", name="Recommended sessions").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Training path \("))).to_be_visible()
    expect(page.get_by_role("heading", name="Skill profile")).to_be_visible()


def test_trainee_follows_the_path_into_a_module_and_its_check(page, fitted_demo, live_server):
    sign_in_through_form(page, live_server, "trainee@demo.uptake")
    page.get_by_role("link", name="My training path").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My training path")
    first = page.locator(".path-step").first
    title = first.get_by_role("link").inner_text()
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("in progress")).to_be_visible()
    page.get_by_role("button", name=re.compile("check")).click()
    expect(page).to_have_url(re.compile(r"/me/(sim|attempts)/\d+"))


def test_trainer_drills_from_a_heatmap_cell_to_a_person_and_reads_the_dashboard(page, fitted_demo, live_server):
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.get_by_role("link", name="job role").click()
    heatmap = page.get_by_role("table", name="Skill gaps: share of people below target")
    expect(heatmap.get_by_role("columnheader", name="Job role")).to_be_visible()
    heatmap.get_by_role("row", name=re.compile("^account executive")).get_by_role(
        "link", name=re.compile("weak in Data quality")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality: who needs it")
    people = page.get_by_role("table", name="People who need Data quality")
    first = people.get_by_role("link").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Skill profile")).to_be_visible()
    page.get_by_role("link", name="Adoption").click()
    expect(page.get_by_role("heading", name="Proficiency over time")).to_be_visible()
    expect(page.get_by_role("table", name="Time to proficiency")).to_contain_text("Sales EMEA")


def test_an_admin_assigns_from_the_menu_and_a_trainer_moves_then_withdraws_it(screen, content_loaded, live_server):
    """Assign training is in the menu; the form shows only the picker for the chosen kind; the unit page
    changes the due date and withdraws the assignment, and the trainee's home follows each step."""
    from datetime import date, timedelta

    from tests.browser.conftest import assert_screen_ok

    page = screen
    sign_in_through_form(page, live_server, "admin@demo.uptake")
    page.get_by_role("link", name="Assign training").click()
    page.get_by_role("link", name="Sales EMEA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assign training")
    expect(page.get_by_label("Module (if “Module”)")).to_be_visible()
    expect(page.get_by_label("Test (if “Test”)")).to_be_hidden()
    page.get_by_label("Test", exact=True).check()
    expect(page.get_by_label("Test (if “Test”)")).to_be_visible()
    expect(page.get_by_label("Module (if “Module”)")).to_be_hidden()
    page.get_by_label("Whole training path").check()
    expect(page.locator("select[name^=ref_]:visible")).to_have_count(0)
    page.get_by_label("Module", exact=True).check()
    page.get_by_label("Module (if “Module”)").select_option("el-pipeline")
    page.get_by_label("For").select_option(label="Tara Ingram")
    # the organisation's default (30 days) is proposed; emptied, the form says what is missing
    expect(page.get_by_label("Due date")).to_have_value((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label("Due date").fill("")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#due-error")).to_have_text("Choose a due date.")  # the chosen module and person are kept
    expect(page.get_by_label("Module (if “Module”)")).to_have_value("el-pipeline")
    assert_screen_ok(page, "assign form with an error")
    page.get_by_label("Due date").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Assigned.")).to_be_visible()

    row = page.locator("ul.assignments li").filter(has_text="A pipeline that tells the truth for Tara Ingram")
    row.get_by_text("Change or withdraw").click()
    later = date.today() + timedelta(days=40)
    row.get_by_label("New due date").fill(later.isoformat())
    row.get_by_role("button", name="Change due date").click()
    expect(page.get_by_text(f"Now due {later:%d %b %Y}")).to_be_visible()
    assert_screen_ok(page, "unit page after a change")
    row = page.locator("ul.assignments li").filter(has_text="A pipeline that tells the truth for Tara Ingram")
    row.get_by_text("Change or withdraw").click()
    row.get_by_role("button", name="Withdraw this assignment").click()
    expect(page.get_by_text("Withdrawn: A pipeline that tells the truth")).to_be_visible()
    expect(page.locator("ul.assignments li").filter(has_text="for Tara Ingram")).to_have_count(0)
