"""Taking a quiz, without HTTP: start/resume, saves, submission once, deadlines and evidence."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Attempt, Evidence, Item, Quiz, Response
from app.models.types import utcnow
from app.services import attempts as svc
from app.services.errors import NotFound, ValidationFailed
from app.services.quiz_views import public_attempt, result_summary
from tests.helpers import as_sent, user_by_email
from quizzes.answers import right_answer as reference_answer
from app.services.content import engine_item


def quiz(db, key):
    return db.session.scalar(select(Quiz).where(Quiz.key == key))


@pytest.fixture
def trainee(content_loaded):
    return user_by_email("trainee@demo.uptake")


def right_answer(db, key):
    return reference_answer(engine_item(db.session.scalar(select(Item).where(Item.key == key))))


def test_start_resumes_the_open_attempt(trainee, db):
    first = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    again = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    assert again.id == first.id and len(first.item_keys) == 8
    assert sorted(first.item_keys) == sorted(["nav-001", "nav-007", "acc-003", "act-001", "act-003", "dq-001",
                                              "dq-004", "sync-002"])


def test_placement_quiz_is_only_open_to_its_role(trainee, db):
    keys = {q.key for q in svc.available_quizzes(trainee)}
    assert "placement-account-executive" in keys and "placement-service-agent" not in keys
    with pytest.raises(NotFound):
        svc.get_quiz_for(trainee, "placement-service-agent")


def test_save_is_an_upsert_where_the_newest_seq_wins(trainee, db):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    a, b, c = (as_sent(attempt.id, "nav-001", option) for option in "abc")
    assert svc.save_response(trainee, attempt.id, "nav-001", b, seq=100, time_spent_ms=4000).applied
    assert svc.save_response(trainee, attempt.id, "nav-001", a, seq=200, time_spent_ms=3000).applied
    stale = svc.save_response(trainee, attempt.id, "nav-001", c, seq=150, time_spent_ms=1000)
    duplicate = svc.save_response(trainee, attempt.id, "nav-001", a, seq=200, time_spent_ms=3000)
    assert not stale.applied and not duplicate.applied
    rows = list(db.session.scalars(select(Response).where(Response.attempt_id == attempt.id)))
    assert len(rows) == 1 and rows[0].answer == "a" and rows[0].time_spent_ms == 7000
    assert svc.saved_answers(attempt) == {"nav-001": "a"}


@pytest.mark.parametrize("key, answer, seq, field", [
    ("nav-001", "zz", 1, "answer"), ("nav-001", ["a"], 1, "answer"), ("nav-001", "a", 0, "seq"),
    ("nav-001", "a", "12", "seq"), ("nav-001", "a", True, "seq"),
])
def test_invalid_saves_are_refused_and_store_nothing(trainee, db, key, answer, seq, field):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    with pytest.raises(ValidationFailed) as excinfo:
        svc.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, answer), seq=seq)
    assert excinfo.value.field == field
    assert svc.saved_answers(attempt) == {}


def test_save_to_a_question_outside_the_attempt_or_someone_elses_attempt(trainee, db):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    with pytest.raises(NotFound):
        svc.save_response(trainee, attempt.id, "camp-001", as_sent(attempt.id, "camp-001", "a"), seq=1)
    colleague = next(m for m in trainee.business_unit.members if m.id != trainee.id)
    with pytest.raises(NotFound):
        svc.save_response(colleague, attempt.id, "nav-001", as_sent(attempt.id, "nav-001", "a"), seq=1)
    with pytest.raises(NotFound):
        svc.get_attempt_for(colleague, attempt.id)


def test_submit_grades_once_and_writes_evidence(trainee, db):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    for n, key in enumerate(attempt.item_keys[:6], start=1):
        svc.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, right_answer(db, key)), seq=n)
    wrong_key = attempt.item_keys[6]
    svc.save_response(trainee, attempt.id, wrong_key, None, seq=7)  # cleared answer
    svc.submit_attempt(attempt.id, user=trainee)
    again = svc.submit_attempt(attempt.id, user=trainee)
    assert again.status == "submitted" and again.score == pytest.approx(6 / 8)
    evidence = list(db.session.scalars(select(Evidence).where(Evidence.attempt_id == attempt.id)))
    assert len(evidence) == 8  # the trainee submitted: skipped questions count as 0
    assert all(e.user_id == trainee.id and e.skills and e.source == "quiz" for e in evidence)
    assert sorted(e.score for e in evidence) == [0, 0, 1, 1, 1, 1, 1, 1]
    with pytest.raises(svc.AttemptClosed):
        svc.save_response(trainee, attempt.id, wrong_key, as_sent(attempt.id, wrong_key, "a"), seq=99)


def test_result_follows_the_quiz_review_settings(trainee, db):
    full = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    svc.save_response(trainee, full.id, "nav-001", as_sent(full.id, "nav-001", "a"), seq=1)
    summary = result_summary(svc.submit_attempt(full.id, user=trainee))
    row = next(r for r in summary["review"] if r["stem"].startswith("A customer calls"))
    assert row["score"] == 1.0 and row["explanation"] and row["correct_answer"].startswith("Type")
    assert {s["slug"] for s in summary["skills"]} >= {"navigation-search", "data-quality"}
    limited = svc.start_attempt(trainee, quiz(db, "service-desk-essentials"))
    summary = result_summary(svc.submit_attempt(limited.id, user=trainee))
    assert all("explanation" not in r and "correct_answer" not in r and "score" in r for r in summary["review"])


def _expire(db, attempt, seconds_ago):
    db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt.id)
                       .values(deadline_at=utcnow() - timedelta(seconds=seconds_ago)))
    db.session.commit()


def test_save_within_grace_is_accepted_after_it_refused_and_graded(trainee, db, app):
    attempt = svc.start_attempt(trainee, quiz(db, "pipeline-hygiene"))
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=15)
    svc.save_response(trainee, attempt.id, "opp-001", as_sent(attempt.id, "opp-001", right_answer(db, "opp-001")), seq=1)
    _expire(db, attempt, seconds_ago=5)  # inside the 30 s grace
    svc.save_response(trainee, attempt.id, "opp-004", as_sent(attempt.id, "opp-004", True), seq=2)
    _expire(db, attempt, seconds_ago=app.config["QUIZ_GRACE_SECONDS"] + 5)
    with pytest.raises(svc.AttemptClosed) as excinfo:
        svc.save_response(trainee, attempt.id, "opp-009", as_sent(attempt.id, "opp-009", False), seq=3)
    assert "Time is up" in excinfo.value.message
    db.session.expire_all()
    closed = db.session.get(Attempt, attempt.id)
    assert closed.status == "submitted" and closed.closed_by == "deadline"
    graded = db.session.scalars(select(Evidence.item_id).where(Evidence.attempt_id == attempt.id)).all()
    assert len(graded) == 2  # only answered questions: unreached ones say nothing about skill


def test_sweep_closes_abandoned_timed_attempts(trainee, db):
    attempt = svc.start_attempt(trainee, quiz(db, "pipeline-hygiene"))
    svc.save_response(trainee, attempt.id, "opp-004", as_sent(attempt.id, "opp-004", True), seq=1)
    untimed = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    assert svc.sweep_expired() == 0
    _expire(db, attempt, seconds_ago=3600)
    assert svc.sweep_expired() == 1
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(1 / 10)
    assert db.session.get(Attempt, untimed.id).status == "in_progress"


def test_public_view_carries_no_answers_or_explanations(trainee, db):
    attempt = svc.start_attempt(trainee, quiz(db, "pipeline-hygiene"))
    text = repr(public_attempt(attempt))
    for key in attempt.item_keys:
        row = db.session.scalar(select(Item).where(Item.key == key))
        assert row.explanation not in text
    assert "'correct'" not in text and "'accept'" not in text and "'sequence'" not in text


# --- concurrency: real parallel sessions -------------------------------------------------------------
def _parallel(app, workers):
    errors, barrier = [], threading.Barrier(len(workers))

    def run(work):
        with app.app_context():
            try:
                barrier.wait()
                work()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                from app.extensions import db as _db
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_parallel_saves_lose_and_duplicate_nothing(trainee, db, app):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    user_id, attempt_id, keys = trainee.id, attempt.id, list(attempt.item_keys)
    sent = {key: as_sent(attempt_id, key, "a" if key == "nav-001" else None) for key in keys}

    def saver(offset):
        def work():
            from app.models import User
            from app.extensions import db as _db
            me = _db.session.get(User, user_id)
            for n, key in enumerate(keys):
                svc.save_response(me, attempt_id, key, sent[key], seq=1000 + n * 10 + offset)
                svc.save_response(me, attempt_id, key, sent[key], seq=1000 + n * 10 + offset)
        return work

    assert _parallel(app, [saver(i) for i in range(6)]) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt_id)) == len(keys)
    assert db.session.scalar(select(func.max(Response.client_seq))) == 1000 + (len(keys) - 1) * 10 + 5


def test_parallel_submits_grade_exactly_once(trainee, db, app):
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    svc.save_response(trainee, attempt.id, "nav-001", as_sent(attempt.id, "nav-001", "a"), seq=1)
    attempt_id = attempt.id
    errors = _parallel(app, [lambda: svc.submit_attempt(attempt_id)] * 6
                       + [lambda: svc.save_response(user_by_email("trainee@demo.uptake"), attempt_id, "nav-007",
                                                    "related lists", seq=5)] * 2)
    assert all(isinstance(e, svc.AttemptClosed) for e in errors)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Evidence.id)).where(Evidence.attempt_id == attempt_id)) == 8
    graded = db.session.get(Attempt, attempt_id)
    answered = db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt_id,
                                                                        Response.answered.is_(True)))
    # a save either landed before grading (and was graded) or was refused: never saved-but-ungraded
    ungraded = db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt_id,
                                                                        Response.answered.is_(None)))
    assert ungraded == 0 and graded.score == pytest.approx(answered / 8)


def test_parallel_starts_open_one_attempt(trainee, db, app):
    user_id, quiz_id = trainee.id, quiz(db, "crm-basics").id

    def starter():
        from app.extensions import db as _db
        from app.models import User
        svc.start_attempt(_db.session.get(User, user_id), _db.session.get(Quiz, quiz_id))

    assert _parallel(app, [starter] * 5) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)) == 1


def test_the_review_shows_the_feedback_written_for_the_option_picked(trainee, db):
    from app.models import Item

    row = db.session.scalar(select(Item).where(Item.key == "nav-001"))
    options = [dict(o) for o in row.data["options"]]
    for o in options:
        o["feedback"] = f"About {o['text'][:20]}"
    row.data = {**row.data, "options": options}
    db.session.commit()
    attempt = svc.start_attempt(trainee, quiz(db, "crm-basics"))
    svc.save_response(trainee, attempt.id, "nav-001", as_sent(attempt.id, "nav-001", "b"), seq=1)
    summary = result_summary(svc.submit_attempt(attempt.id, user=trainee))
    review = next(r for r in summary["review"] if r["stem"].startswith("A customer calls"))
    picked = next(o for o in options if o["id"] == "b")
    assert review["feedback"] == [picked["feedback"]]  # only the picked option's
    unanswered = [r for r in summary["review"] if r is not review and r["your_answer"] in ("", None, "—")]
    assert all(not r.get("feedback") for r in unanswered)
