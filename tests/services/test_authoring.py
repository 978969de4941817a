"""Writing questions without HTTP: drafts checked by the bank's rules, publishing as versions, attempts
that keep the version they were given, retiring, and the audit trail with before and after."""
import pytest
from sqlalchemy import select

from app.models import AuditEvent, Item, ItemVersion, Quiz
from app.services import attempts, authoring
from app.services.content import active_bank, engine_item, load_content
from app.services.errors import ServiceError
from app.services.quiz_views import public_attempt, result_summary
from quizzes.answers import right_answer
from quizzes.raw import to_raw
from tests.conftest import as_sent, user_by_email

NEW = {"type": "single_choice", "stem": "Where do you log a call you just made to a contact?",
       "skills": ["activity-logging"], "roles": ["all"], "explanation": "On the contact, so the account sees it.",
       "options": [{"id": "a", "text": "Log a call on the contact", "correct": True},
                   {"id": "b", "text": "In a personal spreadsheet"}]}


@pytest.fixture
def trainer(content_loaded):
    return user_by_email("trainer@demo.uptake")


@pytest.fixture
def trainee(content_loaded):
    return user_by_email("trainee@demo.uptake")


def row(db, key):
    return db.session.scalar(select(Item).where(Item.key == key))


def test_a_new_question_is_a_draft_until_published(trainer, db):
    draft = authoring.save_draft(trainer, NEW)
    key = draft.row.key
    assert draft.row.version == 0 and not draft.row.active and key not in active_bank()
    published = authoring.publish(trainer, key)
    assert published.version == 1 and published.active and published.source == "editor"
    assert active_bank()[key].stem == NEW["stem"]
    assert [v.number for v in authoring.versions(key)] == [1]


def test_a_draft_that_breaks_the_rules_is_refused_with_every_problem_and_nothing_saved(trainer, db):
    before = db.session.scalar(select(Item.id).order_by(Item.id.desc()))
    broken = {**NEW, "stem": "", "skills": ["no-such-skill"],
              "options": [{"id": "a", "text": "One", "correct": True}, {"id": "b", "text": "Two", "correct": True}]}
    with pytest.raises(authoring.DraftRefused) as refused:
        authoring.save_draft(trainer, broken)
    fields = {p.field for p in refused.value.problems}
    assert {"stem", "skills", "options"} <= fields
    db.session.rollback()
    assert db.session.scalar(select(Item.id).order_by(Item.id.desc())) == before


def test_editing_a_published_question_keeps_the_bank_on_the_old_version_until_published(trainer, db):
    raw = to_raw(engine_item(row(db, "nav-001")))
    changed = {**raw, "stem": raw["stem"] + " (Your CRM has global search at the top of every page.)"}
    authoring.save_draft(trainer, changed, "nav-001")
    assert active_bank()["nav-001"].stem == raw["stem"]  # the draft reaches no one yet
    assert authoring.editing("nav-001").item.stem == changed["stem"]
    authoring.publish(trainer, "nav-001")
    assert active_bank()["nav-001"].stem == changed["stem"] and row(db, "nav-001").version == 2
    assert [v.number for v in authoring.versions("nav-001")] == [2, 1]


def test_saving_the_published_content_again_makes_no_draft(trainer, db):
    raw = to_raw(engine_item(row(db, "acc-003")))
    assert authoring.save_draft(trainer, {**raw, "stem": "Changed"}, "acc-003").draft is not None
    assert authoring.save_draft(trainer, raw, "acc-003").draft is None  # back to what is published: draft dropped
    assert authoring.save_draft(trainer, raw, "acc-003").draft is None  # and saving it unchanged again audits nothing
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == "acc-003")).all()
    assert actions == ["content.item_draft_saved", "content.item_draft_dropped"]
    with pytest.raises(ServiceError, match="no draft"):
        authoring.publish(trainer, "acc-003")


def _answer_everything_right(trainee, attempt, db):
    for seq, key in enumerate(attempt.item_keys, start=1):
        item = engine_item(row(db, key))
        attempts.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, right_answer(item)), seq=seq)


def test_an_attempt_keeps_grading_and_showing_the_version_it_was_given(trainer, trainee, db):
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "crm-basics"))
    attempt = attempts.start_attempt(trainee, quiz)
    assert "acc-003" in attempt.item_keys and attempt.item_versions["acc-003"] == 1
    _answer_everything_right(trainee, attempt, db)  # acc-003 answered True: right in version 1
    old_stem = engine_item(row(db, "acc-003")).stem
    raw = to_raw(engine_item(row(db, "acc-003")))
    authoring.save_draft(trainer, {**raw, "stem": "A contact record never needs an account.", "answer": False},
                         "acc-003")
    authoring.publish(trainer, "acc-003")  # version 2 turns the answer round while the attempt is open

    shown = {i["key"]: i for i in public_attempt(attempt)["items"]}
    assert shown["acc-003"]["stem"] == old_stem  # still the question this trainee was asked
    attempts.save_response(trainee, attempt.id, "acc-003", True, seq=99)  # checked against version 1, accepted
    graded = attempts.submit_attempt(attempt.id, user=trainee)
    assert graded.score == 1.0
    review = result_summary(graded)["review"]
    assert old_stem in [r["stem"] for r in review]

    again = attempts.start_attempt(trainee, quiz)  # a new attempt gets version 2
    assert again.item_versions["acc-003"] == 2
    assert {i["key"]: i for i in public_attempt(again)["items"]}["acc-003"]["stem"].startswith("A contact record never")


def test_reloading_the_shipped_bank_leaves_a_question_edited_in_the_browser_alone(trainer, db):
    raw = to_raw(engine_item(row(db, "dq-001")))
    authoring.save_draft(trainer, {**raw, "explanation": "Our own wording."}, "dq-001")
    authoring.publish(trainer, "dq-001")
    load_content()
    assert row(db, "dq-001").explanation == "Our own wording." and row(db, "dq-001").version == 2


def test_a_changed_file_publishes_the_next_version_and_keeps_the_earlier_one(trainee, db):
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "crm-basics"))
    attempt = attempts.start_attempt(trainee, quiz)
    before = engine_item(row(db, "nav-007"))
    from app.services.content import upsert_items

    changed = before.__class__(**{**before.__dict__, "stem": "Reworded in the content file."})
    summary = upsert_items([changed], source_of=lambda item: row(db, "nav-007").source)
    db.session.commit()
    assert summary.updated == 1 and row(db, "nav-007").version == 2
    shown = {i["key"]: i for i in public_attempt(attempt)["items"]}
    assert shown["nav-007"]["stem"] == before.stem


def test_discarding_a_draft(trainer, db):
    key = authoring.save_draft(trainer, NEW).row.key
    assert authoring.discard_draft(trainer, key) is True and row(db, key) is None  # never published: gone
    raw = to_raw(engine_item(row(db, "nav-001")))
    authoring.save_draft(trainer, {**raw, "stem": "Draft wording"}, "nav-001")
    assert authoring.discard_draft(trainer, "nav-001") is False
    assert row(db, "nav-001").stem == raw["stem"] and authoring.editing("nav-001").draft is None


def test_retiring_takes_a_question_out_of_new_attempts_and_back(trainer, db):
    authoring.set_retired(trainer, "nav-001", True)
    assert "nav-001" not in active_bank()
    authoring.set_retired(trainer, "nav-001", False)
    assert "nav-001" in active_bank()
    key = authoring.save_draft(trainer, NEW).row.key
    with pytest.raises(ServiceError, match="never published"):
        authoring.set_retired(trainer, key, True)


def test_every_change_is_audited_with_before_and_after(trainer, db):
    raw = to_raw(engine_item(row(db, "nav-001")))
    authoring.save_draft(trainer, {**raw, "stem": "New wording"}, "nav-001")
    authoring.publish(trainer, "nav-001")
    authoring.set_retired(trainer, "nav-001", True)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target == "nav-001").order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["content.item_draft_saved", "content.item_published", "content.item_retired"]
    published = events[1]
    assert published.detail["before"]["stem"] == raw["stem"] and published.detail["after"]["stem"] == "New wording"
    assert published.actor_id == trainer.id and published.organisation_id == trainer.organisation_id


def test_every_published_version_is_kept(trainer, db):
    for n in range(3):
        raw = to_raw(authoring.editing("nav-001").item)
        authoring.save_draft(trainer, {**raw, "stem": f"Wording {n}"}, "nav-001")
        authoring.publish(trainer, "nav-001")
    kept = db.session.scalars(select(ItemVersion.stem).join(Item).where(Item.key == "nav-001")
                              .order_by(ItemVersion.number)).all()
    assert kept[1:] == ["Wording 0", "Wording 1", "Wording 2"] and len(kept) == 4


def test_the_list_tells_drafts_of_published_questions_from_questions_never_published(trainer, db):
    new = authoring.save_draft(trainer, NEW).row.key
    raw = to_raw(engine_item(row(db, "nav-001")))
    authoring.save_draft(trainer, {**raw, "stem": "Draft wording"}, "nav-001")
    keys = lambda status: [r.key for r, _ in authoring.listing(status=status).rows]  # noqa: E731
    assert keys("draft") == ["nav-001"] and keys("new") == [new]
    published = [r.key for r, _ in authoring.listing(search="nav-00", status="published").rows]
    assert "nav-001" in published and new not in published
    assert [r.key for r, has_draft in authoring.listing(search="Draft wording").rows] == []  # searches the bank's text
