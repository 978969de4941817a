"""The learning loop closes live: every graded quiz or exercise moves the person's verdicts at once
(even from items and checks the fitted model has never seen), completes the module whose check it
was, says what changed, and nothing already completed is assigned again. No command is run."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import MasteryEstimate, MasteryHistory, ModuleProgress, Quiz, Skill
from app.services import attempts as attempt_service
from app.services import simulation, skill_model, training
from app.services.content import active_bank
from quizzes.answers import right_answer
from simulations.scenario import resolve
from tests.helpers import as_sent, newcomer_beside_tara, user_by_email


def newcomer(email="new.starter@demo.uptake"):
    return newcomer_beside_tara(email, "New Starter", "new-starter-pass")


def solve_exercise(user, key: str):
    """Do the exercise's reference solution through the service, as the sandbox pages would, and finish."""
    attempt = simulation.start_exercise(user, key)
    last: dict = {}
    for step in simulation.get_scenario(key, None).solution:
        run = simulation.load_run(attempt)
        outcome = simulation.perform(user, attempt.id, resolve(step, run.state, run.bindings, run.initial, last))
        assert outcome.ok, outcome.errors
        last = {"record_id": outcome.record_id, "result": outcome.result}
    report = simulation.finish(user, attempt.id)
    return attempt, report


def take_quiz(user, key: str, right: bool = True):
    quiz = skill_model.db.session.scalar(select(Quiz).where(Quiz.key == key))
    attempt = attempt_service.start_attempt(user, quiz)
    bank = active_bank()
    for n, item_key in enumerate(attempt.item_keys, start=1):
        if right:
            attempt_service.save_response(user, attempt.id, item_key,
                                          as_sent(attempt.id, item_key, right_answer(bank[item_key])), seq=n)
    return attempt_service.submit_attempt(attempt.id, user=user)


def test_a_newcomer_has_no_verdict_and_no_confidence_figure(fitted_demo):
    rows = skill_model.assess(newcomer())
    assert rows and all(r["verdict"] == "not_enough_evidence" for r in rows)
    assert all(r["answers"] == 0 and r["exercises"] == 0 for r in rows)


def test_a_newcomers_first_exercise_moves_their_verdicts_without_a_refit(fitted_demo, db):
    person = newcomer()
    card = skill_model.current_bundle()[1]
    scenario = simulation.get_scenario("advance-opportunity", None)
    assert not any(k.startswith("check:advance-opportunity") for k in skill_model.current_bundle()[0]["keys"]), \
        "the demo model must not have calibrated this exercise's checks"
    before = {r["slug"]: r for r in skill_model.assess(person)}
    attempt, report = solve_exercise(person, "advance-opportunity")
    assert report.score == 1.0
    stored = {e.skill_id: e for e in db.session.scalars(select(MasteryEstimate).where(MasteryEstimate.user_id == person.id))}
    assert stored, "the finished exercise stored estimates at once"
    after = {r["slug"]: r for r in skill_model.assess(person, explain_top=5)}
    for slug in {s for c in scenario.checks for s in c.skills}:
        assert after[slug]["exercises"] == 1 and after[slug]["answers"] == 0
        assert after[slug]["probability"] > before[slug]["probability"], slug
        why = after[slug]["explanation"]
        assert why and all(e["what"].startswith("Exercise “") and e["provisional"] for e in why)
    assert any(after[s]["verdict"] != before[s]["verdict"] for s in after)
    assert skill_model.current_bundle()[1]["sha256"] == card["sha256"]  # nothing was refitted


def test_the_result_says_what_changed_and_what_comes_next(fitted_demo, db):
    person = newcomer()
    attempt, _ = solve_exercise(person, "advance-opportunity")
    after = training.after_attempt(person, attempt.id)
    assert after.changes and all(c.before != c.after for c in after.changes)
    logged = db.session.scalars(select(MasteryHistory).where(MasteryHistory.attempt_id == attempt.id)).all()
    assert {c.skill for c in after.changes} <= {db.session.get(Skill, row.skill_id).name for row in logged}
    assert after.next_step is not None and after.next_step.reason


def test_passing_a_lesson_check_completes_the_lesson_everywhere_at_once(fitted_demo, db):
    person = newcomer("lesson.taker@demo.uptake")
    module = next(m for m in training.catalogue().values() if m.check and m.check.get("quiz"))
    training.open_module(person, module.id)
    take_quiz(person, module.check["quiz"], right=True)
    # no path page was opened: the progress row itself says completed
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == person.id,
                                                         ModuleProgress.module_key == module.id))
    assert row.status == "completed" and row.completed_at is not None


def test_the_unit_plan_never_assigns_a_module_already_completed(fitted_demo, db):
    tara = user_by_email("trainee@demo.uptake")
    plan, _ = training.unit_plan(tara.business_unit)
    given = plan.elearning.get(tara.id) or []
    sessions = [s for s in plan.sessions if tara.id in s.people]
    chosen = [m.id for m in given] + [s.module.id for s in sessions]
    if not chosen:
        pytest.skip("the demo plan gives Tara nothing to complete")
    for module_id in chosen:
        db.session.add(ModuleProgress(user_id=tara.id, module_key=module_id, status="completed",
                                      started_at=skill_model.utcnow(), completed_at=skill_model.utcnow()))
    db.session.commit()
    again, _ = training.unit_plan(tara.business_unit)
    now_given = {m.id for m in again.elearning.get(tara.id, [])} | {s.module.id for s in again.sessions
                                                                     if tara.id in s.people}
    assert not now_given & set(chosen)


def test_before_the_first_fit_a_newcomers_evidence_still_moves_their_verdicts(content_loaded, db):
    """A new deployment has no fitted model until the worker's first calibration (50 answers): the
    first trainees' verdicts must move all the same, through the uncalibrated priors."""
    assert skill_model.current_bundle() == (None, None)
    person = newcomer("first.day@demo.uptake")
    before = {r["slug"]: r for r in skill_model.assess(person)}
    assert all(r["verdict"] == "not_enough_evidence" for r in before.values())
    scenario = simulation.get_scenario("advance-opportunity", None)
    attempt, report = solve_exercise(person, "advance-opportunity")
    assert report.score == 1.0
    after = {r["slug"]: r for r in skill_model.assess(person, explain_top=3)}
    measured = {s for c in scenario.checks for s in c.skills}
    assert all(after[s]["probability"] > before[s]["probability"] and after[s]["exercises"] == 1 for s in measured)
    assert any(after[s]["verdict"] == "proficient" for s in measured)
    assert all(e["provisional"] for s in measured for e in after[s]["explanation"])
    stored = db.session.scalars(select(MasteryEstimate).where(MasteryEstimate.user_id == person.id)).all()
    assert any(e.verdict == "proficient" for e in stored), "the stored estimates (heatmap, plan) moved too"
    assert training.after_attempt(person, attempt.id).changes, "the result page says what changed"
    # and wrong answers move them the other way
    failing = newcomer("second.day@demo.uptake")
    take_quiz(failing, "placement-account-executive", right=False)
    rows = {r["slug"]: r for r in skill_model.assess(failing)}
    assert rows["opportunity-pipeline"]["probability"] < 0.5
