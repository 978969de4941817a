"""A company with 40 skills: the trainer's heatmap lists one skill per row (it grows down, not
sideways) at desktop and phone width, and each cell still opens the people behind it."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form
from tests.routes.test_forty_skills import add_forty_skills_with_evidence


def test_forty_skills_read_down_the_heatmap(screen, live_server, fitted_demo, app, db):
    add_forty_skills_with_evidence(db)
    assert app.test_cli_runner().invoke(args=["skills", "fit"]).exit_code == 0
    sign_in_through_form(screen, live_server, "trainer@demo.uptake")
    heatmap = screen.get_by_role("table", name="Skill gaps: share of people below target")
    expect(heatmap.get_by_role("columnheader", name="Skill")).to_be_visible()
    expect(heatmap.get_by_role("rowheader")).to_have_count(40)
    assert_screen_ok(screen, "heatmap with 40 skills")
    heatmap.get_by_role("row", name="Extra skill 00").get_by_role("link").first.click()
    expect(screen.get_by_role("heading", level=1)).to_contain_text("Extra skill 00")
