"""A company-sized adoption dashboard in the browser: stored figures, said to be stored, on a screen
that passes the same checks as every other (desktop and phone)."""
from tests.browser.conftest import assert_screen_ok, sign_in_through_form


def test_the_dashboard_of_a_large_company_says_how_old_its_figures_are(screen, live_server, fitted_demo, app,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "ADOPTION_LIVE_LIMIT", 1)  # as if the demo were a company of thousands
    page = screen
    sign_in_through_form(page, live_server, "trainer@demo.uptake")
    page.goto(f"{live_server}/trainer/adoption")
    note = page.get_by_text("Figures as of")
    assert note.is_visible() and "recomputed every 15 minutes" in note.inner_text()
    assert page.locator("svg").count() >= 4
    assert_screen_ok(page, "adoption dashboard with stored figures")
