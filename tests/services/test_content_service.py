"""Loading the bank into the database and importing trainers' files, without HTTP."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Item, Quiz
from app.services import content
from app.services.errors import ValidationFailed
from tests.helpers import user_by_email

ROOT = Path(__file__).resolve().parents[2] / "quizzes"


def test_load_content_is_idempotent_and_keeps_ids(demo, db):
    first = content.load_content()
    assert not first.problems and first.created >= 120 and first.quizzes >= 8
    ids = dict(db.session.execute(select(Item.key, Item.id)).all())
    second = content.load_content()
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    assert dict(db.session.execute(select(Item.key, Item.id)).all()) == ids
    item = db.session.scalar(select(Item).where(Item.key == "lead-001"))
    assert set(item.skill_slugs) == {"lead-management", "data-quality"}
    assert db.session.scalar(select(func.count(Quiz.id))) == first.quizzes


def test_edited_item_updates_in_place_and_removed_item_is_retired(demo, db, tmp_path):
    shutil.copytree(ROOT, tmp_path / "q")
    content.load_content(tmp_path / "q")
    original_id = db.session.scalar(select(Item.id).where(Item.key == "nav-002"))
    bank = tmp_path / "q" / "bank" / "navigation-search.yaml"
    text = bank.read_text().replace("Global search only finds records that you own yourself.",
                                    "Global search only ever finds your own records.")
    cut = text.index("  - id: nav-011")
    bank.write_text(text[:cut])
    summary = content.load_content(tmp_path / "q")
    assert summary.updated == 1 and summary.deactivated == 1
    edited = db.session.scalar(select(Item).where(Item.key == "nav-002"))
    assert edited.id == original_id and "only ever" in edited.stem
    assert db.session.scalar(select(Item.active).where(Item.key == "nav-011")) is False


def test_a_broken_file_is_reported_and_retires_nothing(demo, db, tmp_path):
    shutil.copytree(ROOT, tmp_path / "q")
    content.load_content(tmp_path / "q")
    (tmp_path / "q" / "bank" / "campaigns.yaml").write_text("items:\n  - id: camp-001\n    type: nonsense\n")
    summary = content.load_content(tmp_path / "q")
    assert any(p.file == "campaigns.yaml" and p.field == "type" for p in summary.problems)
    assert summary.deactivated == 0
    assert db.session.scalar(select(Item.active).where(Item.key == "camp-005")) is True


GIFT = b"// skills: data-quality\n::Merge keeps history::Merging keeps both records' activities.{T####Yes.}\n\n::Essay::Why?{}\n"


def test_import_preview_then_confirm(demo, db):
    content.load_content()
    admin = user_by_email("admin@demo.uptake")
    record = content.start_import(admin, "trainer.gift", GIFT, "gift", [])
    preview = content.parse_import(record)
    assert [i.id for i in preview.items] == ["merge-keeps-history"] and preview.problems[0].item_id == "Essay"
    assert db.session.scalar(select(Item).where(Item.key == "merge-keeps-history")) is None  # preview adds nothing
    summary = content.confirm_import(record)
    assert summary.created == 1 and record.status == "confirmed"
    assert db.session.scalar(select(Item.source).where(Item.key == "merge-keeps-history")) == "import:trainer.gift"
    with pytest.raises(ValidationFailed):
        content.confirm_import(record)


def test_import_cannot_overwrite_bank_items(demo, db):
    content.load_content()
    admin = user_by_email("admin@demo.uptake")
    record = content.start_import(admin, "clash.gift", b"// skills: data-quality\n::dq-001::Clash?{T}\n", "gift", [])
    result = content.parse_import(record)
    assert [i.id for i in result.items] == ["dq-001-2"] and not result.problems  # imported beside it, never over it
    assert result.renamed["dq-001-2"] == ("dq-001", "bank:data-quality.yaml")


@pytest.mark.parametrize("data, fmt, message", [
    (b"", "gift", "empty"), (b"\xff\xfe\x00bad", "gift", "UTF-8"), (b"not xml", "moodle_xml", "Moodle XML"),
    (b"::q::x{T}", "docx", "GIFT or Moodle XML"),
])
def test_bad_uploads_are_refused_with_a_message(demo, db, data, fmt, message):
    with pytest.raises(ValidationFailed) as excinfo:
        content.start_import(user_by_email("admin@demo.uptake"), "f", data, fmt, [])
    assert message in excinfo.value.message


def test_the_item_bank_loads_with_its_skills_in_a_fixed_number_of_queries(content_loaded, db):
    """Starting, extending and grading attempts read the bank; its skills must not cost a query per item."""
    from sqlalchemy import event

    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        bank = content.active_bank()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(bank) == 121 and all(item.skills for item in bank.values())
    assert len(seen) <= 2, seen
