"""The skill model inside the app: fitting from evidence, estimates, verdicts and explanations."""

import numpy as np
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Evidence, MasteryEstimate, Quiz, User
from app.services import attempts as attempt_service
from app.services import skill_fit, skill_model
from app.services.errors import ValidationFailed
from tests.helpers import as_sent, user_by_email


def test_fit_needs_enough_evidence(content_loaded):
    with pytest.raises(ValidationFailed, match="needs 50"):
        skill_fit.fit_model()


def test_fit_stores_model_and_card_and_estimates(fitted_demo, app, db):
    from app.models import StoredModel
    from app.services import model_store

    row = db.session.scalar(select(StoredModel))
    card = row.card
    assert card["responses"] > 1000 and card["persons"] == 44 and len(card["skills"]) == 11
    assert card["sklearn_version"] and card["validation"]["auc"] > 0.6 and card["sha256"] == row.sha256
    assert card["validation"]["protocol"].startswith("new people") and card["validation"]["people"] >= 5
    assert not (Path(app.instance_path) / "models").exists()  # nothing on this machine's disk
    trainees = db.session.scalar(select(func.count(User.id)).where(User.role == "trainee"))
    assert db.session.scalar(select(func.count(MasteryEstimate.id))) == trainees * 11
    saved, _ = model_store.load(model_store.head())  # people are scored from their evidence: no per-person arrays
    assert saved["model"].given_node_ is None and not hasattr(saved["model"], "mastery_")


def test_demo_units_show_their_weak_spots(fitted_demo, db):
    """The demo history makes Customer Service weak in case management: the model must find it."""
    from app.models import BusinessUnit, Skill

    def weak_share(unit_name, slug):
        rows = db.session.execute(
            select(MasteryEstimate.probability).join(User, User.id == MasteryEstimate.user_id)
            .join(BusinessUnit, BusinessUnit.id == User.business_unit_id).join(Skill, Skill.id == MasteryEstimate.skill_id)
            .where(BusinessUnit.name == unit_name, Skill.slug == slug)).scalars().all()
        return sum(p < 0.5 for p in rows) / len(rows)

    # Each unit's seeded weak spots stand out against skills its people are good at.
    good = ("navigation-search", "activity-logging")
    for unit, weak in (("Customer Service", ("case-management", "data-quality")),
                       ("Sales North America", ("data-quality", "call-preparation"))):
        gap = sum(weak_share(unit, k) for k in weak) / 2 - sum(weak_share(unit, k) for k in good) / 2
        assert gap >= 0.25, (unit, gap)


def test_assess_uses_the_role_objectives_and_explains(fitted_demo):
    agent = next(u for u in user_by_email("trainer2@demo.uptake").trained_units[0].members
                 if u.job_role.name == "service agent")
    rows = {r["slug"]: r for r in skill_model.assess(agent, explain_top=3)}
    assert rows["case-management"]["target"] == 0.9 and rows["case-management"]["weight"] == 1.0
    assert rows["opportunity-pipeline"]["weight"] == 0.0  # not part of a service agent's objectives
    explained = [r for r in rows.values() if r["explanation"]]
    assert explained and all(e["what"] and 0 <= e["score"] <= 1 for r in explained for e in r["explanation"])
    for r in rows.values():
        assert r["verdict"] in ("proficient", "weak", "not_enough_evidence")
        if r["verdict"] == "proficient":
            assert r["probability"] >= r["target"]


def test_estimates_update_right_after_an_attempt_without_refit(fitted_demo, db):
    trainee = user_by_email("trainee@demo.uptake")
    before = {e.skill_id: e.probability for e in db.session.scalars(
        select(MasteryEstimate).where(MasteryEstimate.user_id == trainee.id))}
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "pipeline-hygiene"))
    attempt = attempt_service.start_attempt(trainee, quiz)
    for n, key in enumerate(attempt.item_keys, start=1):
        from quizzes.answers import wrong_answer
        import random
        from app.services.content import active_bank
        answer = as_sent(attempt.id, key, wrong_answer(active_bank()[key], random.Random(n)))
        attempt_service.save_response(trainee, attempt.id, key, answer, seq=n)
    card_before = skill_model.current_bundle()[1]["sha256"]
    attempt_service.submit_attempt(attempt.id, user=trainee)
    db.session.expire_all()
    after = {e.skill_id: e.probability for e in db.session.scalars(
        select(MasteryEstimate).where(MasteryEstimate.user_id == trainee.id))}
    from app.models import Skill
    pipeline = db.session.scalar(select(Skill.id).where(Skill.slug == "opportunity-pipeline"))
    assert after[pipeline] < before[pipeline] or after[pipeline] < 0.05
    assert skill_model.current_bundle()[1]["sha256"] == card_before  # no refit happened


def test_a_tampered_stored_model_is_not_loaded(fitted_demo, app, db):
    from app.models import StoredModel

    row = db.session.scalar(select(StoredModel).order_by(StoredModel.id.desc()))
    row.data = b"evil"
    db.session.commit()
    skill_model._cache.clear()
    assert skill_model.current_bundle() == (None, None)
    rows = skill_model.assess(user_by_email("trainee@demo.uptake"))
    assert all(r["verdict"] == "not_enough_evidence" and r["probability"] is None for r in rows)


def _adaptive(db):
    return db.session.scalar(select(Quiz).where(Quiz.key == "adaptive-skills-check"))


def test_adaptive_quiz_asks_informative_items_and_stops_early(fitted_demo, db):
    from app.services.content import active_bank
    from quizzes.answers import right_answer

    from app.services.people import UserInput, create_user

    tara = user_by_email("trainee@demo.uptake")
    trainee = create_user(tara.organisation_id, UserInput(  # a newcomer: every skill is still open
        email="new.starter@demo.uptake", name="New Starter", role="trainee",
        business_unit_id=tara.business_unit_id, job_role_id=tara.job_role_id, password="new-starter-pass"))
    attempt = attempt_service.start_attempt(trainee, _adaptive(db))
    assert len(attempt.item_keys) == 1
    bank = active_bank()
    seq = 0
    while True:
        key = attempt.item_keys[-1]
        seq += 1
        attempt_service.save_response(trainee, attempt.id, key, as_sent(attempt.id, key, right_answer(bank[key])), seq=seq)
        if not attempt_service.extend_adaptive(trainee, attempt.id):
            break
        db.session.refresh(attempt)
    asked = db.session.get(type(attempt), attempt.id).item_keys
    assert 5 < len(asked) < 30 and len(set(asked)) == len(asked)
    assert len({s for k in asked for s in bank[k].skills}) >= 6  # it spread over the open skills
    assert all(bank[k].roles == ("all",) or "account executive" in bank[k].roles for k in asked)


def test_adaptive_quiz_without_a_model_falls_back_to_a_spread(content_loaded, db):
    trainee = user_by_email("trainee@demo.uptake")
    attempt = attempt_service.start_attempt(trainee, _adaptive(db))
    assert len(attempt.item_keys) == 30
    assert attempt_service.extend_adaptive(trainee, attempt.id) is False


def test_scenario_check_evidence_feeds_the_model(content_loaded, db):
    """Simulation checks are evidence like quiz answers: keyed `check:<key>`, with their own skills."""
    from datetime import timedelta

    from app.models import Attempt
    from app.models.types import utcnow
    from app.services.demo_history import load_history

    load_history()
    trainee = user_by_email("trainee@demo.uptake")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == trainee.id))
    for n in range(3):
        db.session.add(Evidence(user_id=trainee.id, source="scenario", attempt_id=attempt.id,
                                check_key=f"merge-duplicates:kept-history-{n}", skills=["data-quality"],
                                score=0.5, occurred_at=utcnow() - timedelta(days=n)))
    db.session.commit()
    data = skill_fit.training_data()
    checks = [k for k in data.keys if k.startswith("check:")]
    assert len(checks) == 3
    row = data.q[data.keys.index(checks[0])]
    assert [data.skills[i] for i in np.flatnonzero(row)] == ["data-quality"]
    assert 0.5 in data.y[[i for i, (_, item) in enumerate(data.X) if data.keys[item] in checks]]
