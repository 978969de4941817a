"""An admin brings a Moodle GIFT file: the preview shows each question's answer key with the share
of the mark each answer earns, the question left out and why, and confirming adds the rest —
desktop and phone, every screen checked."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser

GIFT = """$CATEGORY: $course$/CRM/Lead management

::Lead source::Where should a lead's source be recorded? {=In the Lead Source field ~%50%In the description ~Nowhere}

::Broken::A question whose answers never close {=yes ~no

::Convert::Converting a lead can create which records? {~%50%An account ~%50%A contact ~%-100%A case}
"""


def test_admin_imports_a_moodle_gift_file_and_sees_the_weights_first(screen, live_server, content_loaded, tmp_path, db):
    from sqlalchemy import select

    from app.models import Item

    page = screen
    source = tmp_path / "leads.gift"
    source.write_text(GIFT, encoding="utf-8")
    sign_in_through_form(page, live_server, "admin@demo.uptake")
    page.goto(f"{live_server}/trainer/content")
    page.get_by_role("link", name="Import questions (GIFT or Moodle XML)").click()
    page.get_by_label("Question file").set_input_files(str(source))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="2 questions ready to import")).to_be_visible()
    assert_screen_ok(page, "import preview")
    expect(page.get_by_text("In the Lead Source field (100 %) · In the description (50 %) · Nowhere (0 %)")).to_be_visible()
    expect(page.get_by_text("An account (50 %) · A contact (50 %) · A case (-100 %)")).to_be_visible()
    expect(page.get_by_role("heading", name="1 question will not be imported (1 problem)")).to_be_visible()
    expect(page.get_by_text("opened with { on line 5 is never closed")).to_be_visible()
    page.get_by_role("button", name="Import 2 questions").click()
    expect(page.get_by_text("Imported leads.gift: 2 new")).to_be_visible()
    assert_screen_ok(page, "after the import")
    lead_source = db.session.scalar(select(Item).where(Item.key == "lead-source"))
    assert lead_source.active and [s.slug for s in lead_source.skills] == ["lead-management"]  # from the category
