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
from tests.helpers import as_sent, user_by_email

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


def own_question(trainer, **changes) -> str:
    """A question the trainer's organisation wrote and published (version 1); its key."""
    key = authoring.save_draft(trainer, {**NEW, **changes}).row.key
    authoring.publish(trainer, key)
    return key


def test_a_new_question_is_a_draft_until_published(trainer, db):
    org = trainer.organisation_id
    draft = authoring.save_draft(trainer, NEW)
    key = draft.row.key
    assert draft.row.version == 0 and not draft.row.active and key not in active_bank(org)
    published = authoring.publish(trainer, key)
    assert published.version == 1 and published.active and published.source == "editor"
    assert active_bank(org)[key].stem == NEW["stem"] and published.organisation_id == org
    assert key not in active_bank()  # the organisation's own: not in the shipped bank
    assert [v.number for v in authoring.versions(key, trainer)] == [1]


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
    org, key = trainer.organisation_id, own_question(trainer)
    changed = {**NEW, "stem": NEW["stem"] + " (Your CRM has global search at the top of every page.)"}
    authoring.save_draft(trainer, changed, key)
    assert active_bank(org)[key].stem == NEW["stem"]  # the draft reaches no one yet
    assert authoring.editing(key, trainer).item.stem == changed["stem"]
    authoring.publish(trainer, key)
    assert active_bank(org)[key].stem == changed["stem"] and row(db, key).version == 2
    assert [v.number for v in authoring.versions(key, trainer)] == [2, 1]


def test_saving_the_published_content_again_makes_no_draft(trainer, db):
    key = own_question(trainer)
    assert authoring.save_draft(trainer, {**NEW, "stem": "Changed"}, key).draft is not None
    assert authoring.save_draft(trainer, NEW, key).draft is None  # back to what is published: draft dropped
    assert authoring.save_draft(trainer, NEW, key).draft is None  # and saving it unchanged again audits nothing
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == key)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["content.item_draft_saved", "content.item_published", "content.item_draft_saved",
                       "content.item_draft_dropped"]
    with pytest.raises(ServiceError, match="no draft"):
        authoring.publish(trainer, key)
    shipped = to_raw(engine_item(row(db, "acc-003")))
    assert authoring.save_draft(trainer, shipped, "acc-003").row.key == "acc-003"  # a shipped one unchanged: no copy
    assert db.session.scalar(select(Item).where(Item.replaces_id == row(db, "acc-003").id)) is None


def _answer_everything_right(trainee, attempt, db):
    for seq, key in enumerate(attempt.item_keys, start=1):
        item = engine_item(row(db, key))
        attempts.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, right_answer(item)), seq=seq)


def test_an_attempt_keeps_grading_and_showing_the_version_it_was_given(trainer, trainee, db):
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "crm-basics"))
    shipped_stem = engine_item(row(db, "acc-003")).stem
    raw = to_raw(engine_item(row(db, "acc-003")))
    copy = authoring.save_draft(trainer, {**raw, "stem": "Our CRM: every contact hangs off an account."},
                                "acc-003").row.key  # the organisation's own copy of a shipped question
    authoring.publish(trainer, copy)
    attempt = attempts.start_attempt(trainee, quiz)  # the fixed form now asks the copy in its place
    assert copy in attempt.item_keys and "acc-003" not in attempt.item_keys and attempt.item_versions[copy] == 1
    _answer_everything_right(trainee, attempt, db)  # the copy answered True: right in version 1
    authoring.save_draft(trainer, {**raw, "stem": "A contact record never needs an account.", "answer": False}, copy)
    authoring.publish(trainer, copy)  # version 2 turns the answer round while the attempt is open

    shown = {i["key"]: i for i in public_attempt(attempt)["items"]}
    assert shown[copy]["stem"] == "Our CRM: every contact hangs off an account."  # still what this trainee was asked
    attempts.save_response(trainee, attempt.id, copy, True, seq=99)  # checked against version 1, accepted
    graded = attempts.submit_attempt(attempt.id, user=trainee)
    assert graded.score == 1.0
    assert "Our CRM: every contact hangs off an account." in [r["stem"] for r in result_summary(graded)["review"]]

    again = attempts.start_attempt(trainee, quiz)  # a new attempt gets version 2
    assert again.item_versions[copy] == 2
    assert {i["key"]: i for i in public_attempt(again)["items"]}[copy]["stem"].startswith("A contact record never")
    assert engine_item(row(db, "acc-003")).stem == shipped_stem  # the shipped question is as it was for everyone


def test_reloading_the_shipped_bank_leaves_a_question_edited_in_the_browser_alone(trainer, db):
    raw = to_raw(engine_item(row(db, "dq-001")))
    copy = authoring.save_draft(trainer, {**raw, "explanation": "Our own wording."}, "dq-001").row.key
    authoring.publish(trainer, copy)
    load_content()
    assert row(db, copy).explanation == "Our own wording." and row(db, copy).version == 1
    assert row(db, "dq-001").explanation == raw["explanation"] and row(db, "dq-001").version == 1
    bank = active_bank(trainer.organisation_id)
    assert copy in bank and "dq-001" not in bank


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
    key = own_question(trainer)
    authoring.save_draft(trainer, {**NEW, "stem": "Draft wording"}, key)
    assert authoring.discard_draft(trainer, key) is False
    assert row(db, key).stem == NEW["stem"] and authoring.editing(key, trainer).draft is None
    raw = to_raw(engine_item(row(db, "nav-001")))  # a shipped question's copy that was never published
    copy = authoring.save_draft(trainer, {**raw, "stem": "Draft wording"}, "nav-001").row.key
    assert "nav-001" in active_bank(trainer.organisation_id)  # a draft copy replaces nothing yet
    assert authoring.discard_draft(trainer, copy) is True and row(db, copy) is None
    assert row(db, "nav-001").stem == raw["stem"] and "nav-001" in active_bank(trainer.organisation_id)


def test_retiring_takes_a_question_out_of_new_attempts_and_back(trainer, db):
    org = trainer.organisation_id
    key = own_question(trainer)
    authoring.set_retired(trainer, key, True)
    assert key not in active_bank(org)
    authoring.set_retired(trainer, key, False)
    assert key in active_bank(org)
    key = authoring.save_draft(trainer, NEW).row.key
    with pytest.raises(ServiceError, match="never published"):
        authoring.set_retired(trainer, key, True)


def test_retiring_a_shipped_question_retires_it_for_this_organisation_only(trainer, db):
    from tests.helpers import add_other_organisation

    other = add_other_organisation(db)
    copy = authoring.set_retired(trainer, "nav-001", True)
    assert copy.key != "nav-001" and copy.organisation_id == trainer.organisation_id and not copy.active
    assert "nav-001" not in active_bank(trainer.organisation_id) and copy.key not in active_bank(trainer.organisation_id)
    assert "nav-001" in active_bank(other.id) and "nav-001" in active_bank() and row(db, "nav-001").active
    authoring.set_retired(trainer, "nav-001", False)
    assert "nav-001" not in active_bank(trainer.organisation_id)  # the copy (the same words) is back instead
    assert copy.key in active_bank(trainer.organisation_id)


def test_every_change_is_audited_with_before_and_after(trainer, db):
    key = own_question(trainer)
    authoring.save_draft(trainer, {**NEW, "stem": "New wording"}, key)
    authoring.publish(trainer, key)
    authoring.set_retired(trainer, key, True)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target == key).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["content.item_draft_saved", "content.item_published",
                                          "content.item_draft_saved", "content.item_published", "content.item_retired"]
    published = events[3]
    assert published.detail["before"]["stem"] == NEW["stem"] and published.detail["after"]["stem"] == "New wording"
    assert published.actor_id == trainer.id and published.organisation_id == trainer.organisation_id
    raw = to_raw(engine_item(row(db, "nav-001")))
    copy = authoring.save_draft(trainer, {**raw, "stem": "Ours"}, "nav-001").row.key
    saved = db.session.scalar(select(AuditEvent).where(AuditEvent.target == copy))
    assert saved.detail["copy_of"] == "nav-001" and saved.detail["before"]["stem"] == raw["stem"]


def test_every_published_version_is_kept(trainer, db):
    key = own_question(trainer)
    for n in range(3):
        raw = to_raw(authoring.editing(key, trainer).item)
        authoring.save_draft(trainer, {**raw, "stem": f"Wording {n}"}, key)
        authoring.publish(trainer, key)
    kept = db.session.scalars(select(ItemVersion.stem).join(Item).where(Item.key == key)
                              .order_by(ItemVersion.number)).all()
    assert kept[1:] == ["Wording 0", "Wording 1", "Wording 2"] and len(kept) == 4


def test_the_list_tells_drafts_of_published_questions_from_questions_never_published(trainer, db):
    new = authoring.save_draft(trainer, NEW).row.key
    published_own = own_question(trainer, stem="Which view lists every open opportunity of your team?")
    authoring.save_draft(trainer, {**NEW, "stem": "Draft wording"}, published_own)
    raw = to_raw(engine_item(row(db, "nav-001")))
    copy = authoring.save_draft(trainer, {**raw, "stem": "Copy wording"}, "nav-001").row.key
    keys = lambda status: [r.key for r, _ in authoring.listing(trainer, status=status).rows]  # noqa: E731
    assert keys("draft") == [published_own] and sorted(keys("new")) == sorted([new, copy])
    published = [r.key for r, _ in authoring.listing(trainer, search="nav-00", status="published").rows]
    assert "nav-001" in published and new not in published  # the copy replaces it only once published
    assert [r.key for r, _ in authoring.listing(trainer, search="Draft wording").rows] == []  # searches the bank's text


def test_item_analytics_count_each_version_of_a_reworded_question_apart(trainer, trainee, db):
    from app.services import quiz_forms
    from app.services.analytics import item_stats

    key = own_question(trainer)
    quiz = quiz_forms.save(trainer, {"title": "One question", "description": "", "role": None,
                                     "time_limit_minutes": None, "layout": "one_per_page", "shuffle_items": False,
                                     "shuffle_options": False, "open": True, "review": {"score": True},
                                     "pass_mark": 0.5, "mode": "fixed", "items": [key]})
    for wording in (None, "Where do you record a call you have just made?"):
        if wording:
            authoring.save_draft(trainer, {**NEW, "stem": wording}, key)
            authoring.publish(trainer, key)
        attempt = attempts.start_attempt(trainee, quiz)
        _answer_everything_right(trainee, attempt, db)
        attempts.submit_attempt(attempt.id, user=trainee)
    rows = sorted((r for r in item_stats(trainer.organisation_id) if r["key"] == key), key=lambda r: r["version"])
    assert [(r["version"], r["answers"], r["current"]) for r in rows] == [(1, 1, False), (2, 1, True)]
    assert rows[0]["stem"] == NEW["stem"] and rows[1]["stem"].startswith("Where do you record")
