"""Simulated exercises through the service layer: acting, replay, checks, finishing, evidence."""
import pytest
from sqlalchemy import func, select

from app.models import Attempt, Evidence, ScenarioAction
from app.services import simulation as svc
from app.services.attempts import AttemptClosed
from app.services.errors import NotFound, ValidationFailed
from tests.helpers import user_by_email


@pytest.fixture
def trainee(demo):
    return user_by_email("trainee@demo.uptake")


def deal_id(attempt):
    return attempt.bindings["deal"][1]


def advance_the_deal(trainee):
    """Start "Move an opportunity to Negotiation" and do the whole task in one save."""
    from datetime import date, timedelta

    attempt = svc.start_exercise(trainee, "advance-opportunity")
    close = (date.fromisoformat(attempt.initial_state["today"]) + timedelta(days=21)).isoformat()
    svc.perform(trainee, attempt.id, {"type": "update", "object": "opportunity", "id": deal_id(attempt), "fields": {
        "stage": "Negotiation", "amount": attempt.initial_state["values"]["budget"], "close_date": close,
        "next_step": "Legal contract review"}})
    return attempt


def test_start_resumes_and_lists_the_roles_exercises(trainee):
    first = svc.start_exercise(trainee, "advance-opportunity")
    assert svc.start_exercise(trainee, "advance-opportunity").id == first.id
    assert first.initial_state["records"]["opportunity"] and first.seed is not None
    listed = {s.id for s in svc.available_scenarios(trainee)}
    assert "advance-opportunity" in listed and "triage-escalated-case" not in listed  # a service agent's
    with pytest.raises(NotFound):
        svc.start_exercise(trainee, "no-such-exercise")


def test_actions_are_recorded_and_replayed_exactly(trainee, db):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    refused = svc.perform(trainee, attempt.id, {"type": "update", "object": "opportunity", "id": deal_id(attempt),
                                                "fields": {"stage": "Closed Won", "amount": None}})
    assert not refused.ok and "needs an amount" in refused.errors["amount"]
    svc.perform(trainee, attempt.id, {"type": "update", "object": "opportunity", "id": deal_id(attempt),
                                      "fields": {"next_step": "Legal contract review"}})
    run = svc.load_run(attempt)
    assert run.state["records"]["opportunity"][deal_id(attempt)]["next_step"] == "Legal contract review"
    assert [s.ok for s in svc.steps(attempt)] == [False, True]
    lines = svc.replay(attempt)
    assert lines[0]["errors"] and lines[0]["text"].startswith("Tried to update opportunity “")
    assert lines[1]["text"].startswith("Updated opportunity “") and "next step “" in lines[1]["text"] \
        and lines[1]["text"].endswith("→ “Legal contract review”")


def test_a_refused_action_keeps_what_was_tried_but_not_its_values(trainee, db):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    secret = "x" * 500
    refused = svc.perform(trainee, attempt.id, {"type": "update", "object": "opportunity", "id": deal_id(attempt),
                                                "fields": {"stage": "Closed Won", "amount": None, "description": secret}})
    assert not refused.ok
    stored = svc.steps(attempt)[0].action
    assert stored == {"type": "update", "object": "opportunity", "id": deal_id(attempt),
                      "fields": {"stage": None, "amount": None, "description": None}}


def test_the_action_log_is_capped_in_size_and_count(trainee, db, monkeypatch):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    with pytest.raises(ValidationFailed, match="too large to save"):
        svc.perform(trainee, attempt.id, {"type": "update", "object": "opportunity", "id": deal_id(attempt),
                                          "fields": {"description": "y" * 30_000}})
    monkeypatch.setattr(svc, "MAX_STEPS", 3)
    for _ in range(3):
        svc.perform(trainee, attempt.id, {"type": "view", "object": "opportunity", "id": deal_id(attempt)})
    with pytest.raises(ValidationFailed, match="limit of 3 steps"):
        svc.perform(trainee, attempt.id, {"type": "view", "object": "opportunity", "id": deal_id(attempt)})
    assert len(svc.steps(attempt)) == 3


def test_malformed_action_is_refused_and_not_recorded(trainee, db):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    with pytest.raises(ValidationFailed):
        svc.perform(trainee, attempt.id, {"type": "update", "object": "spaceship", "id": "x"})
    assert svc.steps(attempt) == []


def test_hints_are_limited_and_cost_credit(trainee):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    assert "next step" in svc.hint(trainee, attempt.id)
    with pytest.raises(ValidationFailed, match="No hint left"):
        svc.hint(trainee, attempt.id)
    report = svc.check_work(trainee, attempt.id)
    clean = next(r for r in report.results if r.id == "clean")  # "no validation errors" on an empty run
    assert clean.score == 0 and "Counts once you have done the task" in clean.message


def test_a_hint_for_work_already_done_is_refused_and_costs_nothing(trainee, db):
    attempt = advance_the_deal(trainee)
    with pytest.raises(ValidationFailed, match="already done"):
        svc.hint(trainee, attempt.id)
    db.session.refresh(attempt)
    assert attempt.hints_used == 0 and svc.finish(trainee, attempt.id).score == 1.0


def test_finish_grades_once_writes_evidence_per_check_and_closes(trainee, db):
    attempt = advance_the_deal(trainee)
    report = svc.finish(trainee, attempt.id)
    again = svc.finish(trainee, attempt.id)
    assert report.score == again.score == 1.0
    evidence = list(db.session.scalars(select(Evidence).where(Evidence.attempt_id == attempt.id)))
    assert len(evidence) == len(report.results) and all(e.check_key.startswith("advance-opportunity:") for e in evidence)
    assert {s for e in evidence for s in e.skills} == {"opportunity-pipeline"}
    with pytest.raises(AttemptClosed):
        svc.perform(trainee, attempt.id, {"type": "view", "object": "opportunity", "id": deal_id(attempt)})
    assert db.session.get(Attempt, attempt.id).score == 1.0


def test_someone_elses_exercise_is_not_found(trainee, db):
    attempt = svc.start_exercise(trainee, "advance-opportunity")
    colleague = next(m for m in trainee.business_unit.members if m.id != trainee.id)
    with pytest.raises(NotFound):
        svc.perform(colleague, attempt.id, {"type": "view", "object": "opportunity", "id": deal_id(attempt)})
    with pytest.raises(NotFound):
        svc.get_exercise_for(colleague, attempt.id)
    assert db.session.scalar(select(func.count(ScenarioAction.id))) == 0
