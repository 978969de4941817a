"""Building tests without HTTP: checked by the shipped forms' rules, taken by trainees, kept through a
content reload, retired, audited; placement tests draw calibrated questions first."""
import pytest
from sqlalchemy import select

from app.models import AuditEvent, Quiz
from app.services import attempts, authoring, quiz_forms
from app.services.content import load_content, quiz_def
from tests.helpers import user_by_email

LIST = {"title": "Pipeline basics", "description": "Five questions on the pipeline.", "role": None,
        "time_limit_minutes": 10, "layout": "all_on_one_page", "shuffle_items": False, "shuffle_options": True,
        "open": True, "review": {"score": True}, "pass_mark": 0.8, "mode": "fixed",
        "items": ["opp-001", "opp-002", "opp-003"]}


@pytest.fixture
def trainer(content_loaded):
    return user_by_email("trainer@demo.uptake")


def test_a_test_built_from_chosen_questions_is_taken_by_trainees(trainer, db):
    row = quiz_forms.save(trainer, LIST)
    assert row.key == "pipeline-basics" and row.source == "editor"
    trainee = user_by_email("trainee@demo.uptake")
    assert "pipeline-basics" in {q.key for q in attempts.available_quizzes(trainee)}
    attempt = attempts.start_attempt(trainee, row)
    assert attempt.item_keys == ["opp-001", "opp-002", "opp-003"]  # not shuffled, as chosen
    assert (attempt.deadline_at - attempt.started_at).total_seconds() == 600


def test_a_test_that_breaks_the_rules_is_refused_with_each_problem(trainer, db):
    broken = {**LIST, "title": "", "items": ["opp-001", "no-such-question"], "pass_mark": 1.5,
              "time_limit_minutes": 0}
    with pytest.raises(quiz_forms.FormRefused) as refused:
        quiz_forms.save(trainer, broken)
    fields = {p.field for p in refused.value.problems}
    assert {"title", "items", "pass_mark", "time_limit_minutes"} <= fields
    sample = {**LIST, "items": [], "sample": [{"skill": "campaigns", "count": 500}]}
    with pytest.raises(quiz_forms.FormRefused) as refused:
        quiz_forms.save(trainer, sample)
    assert any("asks for 500 items of 'campaigns' but the bank has" in p.message for p in refused.value.problems)
    with pytest.raises(quiz_forms.FormRefused):
        quiz_forms.save(trainer, {**LIST, "items": []})  # neither questions nor a sample
    assert db.session.scalar(select(Quiz).where(Quiz.source == "editor")) is None


def test_only_published_questions_can_be_chosen(trainer, db):
    draft = authoring.save_draft(trainer, {"type": "true_false", "stem": "A draft statement.", "answer": True,
                                           "skills": ["campaigns"], "roles": ["all"]})
    with pytest.raises(quiz_forms.FormRefused) as refused:
        quiz_forms.save(trainer, {**LIST, "items": [draft.row.key]})
    assert [p.message for p in refused.value.problems] == [f"unknown item {draft.row.key!r}"]


def test_changing_a_shipped_test_makes_the_organisations_copy_which_a_reload_keeps(trainer, db):
    from tests.helpers import add_other_organisation

    _, raw = quiz_forms.editing("crm-basics", trainer)
    copy = quiz_forms.save(trainer, {**raw, "title": "CRM basics (our version)", "time_limit_minutes": 25}, "crm-basics")
    assert copy.key != "crm-basics" and copy.organisation_id == trainer.organisation_id
    retired = quiz_forms.set_active(trainer, "adaptive-skills-check", False)
    load_content()
    crm = db.session.get(Quiz, copy.id)
    assert crm.title == "CRM basics (our version)" and quiz_def(crm).time_limit_minutes == 25
    assert db.session.get(Quiz, retired.id).active is False
    shipped = db.session.scalar(select(Quiz).where(Quiz.key == "crm-basics"))
    assert shipped.title != crm.title and shipped.active  # as shipped, for every other organisation
    trainee = user_by_email("trainee@demo.uptake")
    offered = {q.key for q in attempts.available_quizzes(trainee)}
    assert copy.key in offered and "crm-basics" not in offered and "adaptive-skills-check" not in offered
    assert attempts.get_quiz_for(trainee, "crm-basics").key == copy.key  # an older link finds the copy
    other = add_other_organisation(db)
    from app.models import User

    stranger = User(organisation_id=other.id, email="t@other.example", name="T", role="trainee", active=True,
                    session_version=1, password_hash="!")
    db.session.add(stranger)
    db.session.commit()
    theirs = {q.key for q in attempts.available_quizzes(stranger)}
    assert "crm-basics" in theirs and "adaptive-skills-check" in theirs and copy.key not in theirs


def test_saving_and_retiring_are_audited_with_before_and_after(trainer, db):
    _, raw = quiz_forms.editing("crm-basics", trainer)
    copy = quiz_forms.save(trainer, {**raw, "pass_mark": 0.9}, "crm-basics").key
    quiz_forms.set_active(trainer, "crm-basics", False)  # the shipped one's key: its copy is what retires
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target == copy).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["content.quiz_saved", "content.quiz_retired"]
    assert events[0].detail["before"]["pass_mark"] == raw["pass_mark"] and events[0].detail["after"]["pass_mark"] == 0.9
    assert events[0].detail["copy_of"] == "crm-basics"
    trainee = user_by_email("trainee@demo.uptake")
    assert "crm-basics" not in {q.key for q in attempts.available_quizzes(trainee)}


def test_counts_per_skill_follow_the_job_role(trainer, db):
    counts = quiz_forms.skill_counts(["campaigns", "case-management"], [None, "service agent"],
                                     trainer.organisation_id)
    everyone, agents = counts[""], counts["service agent"]
    assert everyone["campaigns"]["published"] >= agents["campaigns"]["published"]
    assert agents["case-management"]["published"] > 0
    assert everyone["campaigns"]["calibrated"] == 0  # no model fitted yet


def test_placement_tests_draw_calibrated_questions_first(fitted_demo, db):
    from app.services.skill_model import calibrated_items

    trainer = user_by_email("trainer@demo.uptake")
    new = authoring.save_draft(trainer, {"type": "true_false", "stem": "A brand-new pipeline statement.",
                                         "answer": True, "skills": ["opportunity-pipeline"], "roles": ["all"]})
    authoring.publish(trainer, new.row.key)
    assert new.row.key not in calibrated_items()
    placement = db.session.scalar(select(Quiz).where(Quiz.key == "placement-account-executive"))
    from app.models import JobRole, User

    people = db.session.scalars(select(User).join(JobRole).where(JobRole.name == "account executive")
                                .order_by(User.id).limit(8)).all()
    assert len(people) == 8
    for person in people:  # two pipeline questions each: always calibrated ones while enough are
        attempt = attempts.start_attempt(person, placement)
        assert new.row.key not in attempt.item_keys


def test_true_false_feedback_reaches_the_trainee_who_gave_that_answer(trainer, db):
    from app.services.quiz_views import result_summary

    new = authoring.save_draft(trainer, {"type": "true_false", "stem": "A lead can be converted twice.",
                                         "answer": False, "skills": ["lead-management"], "roles": ["all"],
                                         "feedback": {"true": "Conversion closes the lead: it happens once."}})
    authoring.publish(trainer, new.row.key)
    quiz = quiz_forms.save(trainer, {**LIST, "title": "Leads once", "items": [new.row.key]})
    trainee = user_by_email("trainee@demo.uptake")
    attempt = attempts.start_attempt(trainee, quiz)
    attempts.save_response(trainee, attempt.id, new.row.key, True, seq=1)
    review = result_summary(attempts.submit_attempt(attempt.id, user=trainee))["review"]
    assert review[0]["feedback"] == ["Conversion closes the lead: it happens once."] and review[0]["score"] == 0


def test_saving_a_retired_test_keeps_it_retired(trainer, db):
    copy = quiz_forms.set_active(trainer, "crm-basics", False)
    _, raw = quiz_forms.editing(copy.key, trainer)
    assert quiz_forms.save(trainer, {**raw, "pass_mark": 0.8}, copy.key).active is False
    assert quiz_forms.save(trainer, {**raw, "pass_mark": 0.9}, "crm-basics").key == copy.key  # the copy, still retired
    assert db.session.get(Quiz, copy.id).active is False


def test_an_attempt_keeps_the_pass_mark_and_review_of_the_test_it_started(trainer, db):
    """A trainer who raises the pass mark or hides the review afterwards changes neither a past result
    nor one in progress; attempts started later get the new settings."""
    from app.services.given import attempt_items
    from app.services.quiz_views import result_summary
    from quizzes.answers import right_answer
    from tests.helpers import as_sent

    row = quiz_forms.save(trainer, {**LIST, "pass_mark": 0.6, "review": {"score": True, "answers": True}})
    trainee = user_by_email("trainee@demo.uptake")
    attempt = attempts.start_attempt(trainee, row)
    given = attempt_items(attempt)
    for seq, key in enumerate(attempt.item_keys[:2], start=1):  # two of three right: 67 %
        attempts.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, right_answer(given[key])), seq=seq)
    _, raw = quiz_forms.editing(row.key, trainer)
    quiz_forms.save(trainer, {**raw, "pass_mark": 0.9, "review": {"score": False}}, row.key)
    summary = result_summary(attempts.submit_attempt(attempt.id, user=trainee))
    assert summary["passed"] is True and summary["pass_mark"] == 0.6 and summary["review"]
    later = attempts.start_attempt(trainee, row)
    assert later.quiz_definition["pass_mark"] == 0.9
