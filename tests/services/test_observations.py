"""On-the-job observations: a trainer's checklist for one skill becomes evidence the skill model
reads at once (as provisional checks), within the trainer's reach only, and explained in words."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import func, select

from app.models import Evidence, MasteryEstimate, Observation, Skill
from app.services import observations
from app.services.errors import NotFound, ValidationFailed
from app.services.skill_model import assess
from app.skills.taxonomy import SKILL_SLUGS
from tests.helpers import DEMO_EMAILS, user_by_email

SKILL = "data-quality"


def _probability(person, slug=SKILL):
    return next(r for r in assess(person) if r["slug"] == slug)


def test_every_starting_skill_has_its_own_checklist_of_distinct_behaviours():
    raw = yaml.safe_load(observations.CHECKLISTS.read_text(encoding="utf-8"))
    assert set(raw) - {observations.GENERAL} == set(SKILL_SLUGS)
    for slug, behaviours in raw.items():
        keys = [b["key"] for b in behaviours]
        assert len(behaviours) >= 3 and len(set(keys)) == len(keys), slug
    assert observations.checklist("a-skill-an-admin-made") == observations.checklist(observations.GENERAL)


@pytest.mark.parametrize("mark, direction", [("yes", 1), ("no", -1)])
def test_what_the_trainer_saw_moves_the_mastery_at_once(fitted_demo, db, mark, direction):
    trainer, tara = user_by_email(DEMO_EMAILS["trainer"]), user_by_email(DEMO_EMAILS["trainee"])
    before = _probability(tara)
    marks = {b.key: mark for b in observations.checklist(SKILL)}
    observations.record(trainer, tara.id, SKILL, marks, note="Merged two duplicate accounts unprompted")
    after = _probability(tara)
    assert (after["probability"] - before["probability"]) * direction > 0.01
    assert after["answers"] == before["answers"] and after["exercises"] == before["exercises"]
    stored = db.session.scalar(select(MasteryEstimate.probability).join(Skill).where(
        MasteryEstimate.user_id == tara.id, Skill.slug == SKILL))
    assert stored == pytest.approx(after["probability"])  # the stored estimate moved too, without a refit
    rows = db.session.scalars(select(Evidence).where(Evidence.source == "observation")).all()
    assert len(rows) == len(marks) and all(r.attempt_id is None and r.skills == [SKILL] for r in rows)


def test_the_explanation_names_the_behaviour_observed(fitted_demo, db):
    trainer, tara = user_by_email(DEMO_EMAILS["trainer"]), user_by_email(DEMO_EMAILS["trainee"])
    first = observations.checklist(SKILL)[0]
    for _ in range(3):
        observations.record(trainer, tara.id, SKILL, {first.key: "no"})
    row = next(r for r in assess(tara, explain_top=50) if r["slug"] == SKILL)
    assert f"Observed on the job: {first.text}" in [e["what"] for e in row["explanation"]]
    listed = observations.for_person(tara)
    assert len(listed) == 3 and listed[0]["wrong"] == [first.text] and listed[0]["right"] == []


def test_only_the_persons_trainers_and_admins_can_observe_them(fitted_demo, db):
    tara = user_by_email(DEMO_EMAILS["trainee"])
    marks = {observations.checklist(SKILL)[0].key: "yes"}
    for who in ("trainer2", "trainee"):  # not a trainer of Tara's unit; a trainee
        with pytest.raises(NotFound):
            observations.record(user_by_email(DEMO_EMAILS[who]), tara.id, SKILL, marks)
        db.session.rollback()
    observations.record(user_by_email(DEMO_EMAILS["admin"]), tara.id, SKILL, marks)
    assert db.session.scalar(select(func.count(Observation.id))) == 1


@pytest.mark.parametrize("marks, day, field", [
    ({}, None, "marks"),
    ({"merges-everything": "yes"}, None, "marks"),
    ({"required-fields": "maybe"}, None, "marks"),
    ({"required-fields": "yes"}, date.today() + timedelta(days=2), "observed_on"),
    ({"required-fields": "yes"}, date.today() - timedelta(days=400), "observed_on"),
])
def test_an_observation_that_says_nothing_usable_is_refused_and_nothing_is_saved(fitted_demo, db, marks, day, field):
    trainer, tara = user_by_email(DEMO_EMAILS["trainer"]), user_by_email(DEMO_EMAILS["trainee"])
    with pytest.raises(ValidationFailed) as error:
        observations.record(trainer, tara.id, SKILL, marks, day)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Observation.id))) == 0
    assert db.session.scalar(select(func.count(Evidence.id)).where(Evidence.source == "observation")) == 0


def test_observations_join_the_next_fit_as_calibrated_evidence(fitted_demo, db):
    from app.services.skill_fit import training_data

    trainer = user_by_email(DEMO_EMAILS["trainer"])
    tara = user_by_email(DEMO_EMAILS["trainee"])
    observations.record(trainer, tara.id, SKILL, {"required-fields": "yes"})
    data = training_data()
    key = f"check:observation:{SKILL}:required-fields"
    assert key in data.keys  # the fit calibrates the behaviour like any check
    assert data.q[data.keys.index(key)].tolist() == [int(s == SKILL) for s in data.skills]

