"""Tailoring exercises without HTTP: a tailored version is what trainees start, it is played in the
sandbox before it is kept, reset brings back the shipped one, and both are audited."""
import copy

import pytest
from sqlalchemy import select

from app.models import AuditEvent, ScenarioText
from app.services import exercises, simulation
from tests.helpers import user_by_email

ID = "advance-opportunity"


@pytest.fixture
def trainer(content_loaded):
    return user_by_email("trainer@demo.uptake")


def tailored_raw(**changes):
    raw = copy.deepcopy(exercises.shipped_raw(ID))
    raw.update(changes)
    return raw


def test_a_tailored_exercise_is_what_trainees_start(trainer, db):
    raw = tailored_raw(brief="Our deal with [[acme.name]] moves to Negotiation: budget [[values.budget]], "
                             "signing in 21 days, next step the contract review.")
    raw["setup"]["opportunity"][0]["name"] = "Northwind fleet tracking"
    raw["checks"][0]["weight"] = 5
    exercises.save(trainer, ID, raw)
    scenario = simulation.scenarios(trainer.organisation_id)[ID]
    assert scenario.brief.startswith("Our deal with") and scenario.checks[0].weight == 5
    trainee = user_by_email("trainee@demo.uptake")
    attempt = simulation.start_exercise(trainee, ID)
    assert simulation.brief(attempt).startswith("Our deal with ")
    names = {r["name"] for r in attempt.initial_state["records"]["opportunity"].values()}
    assert "Northwind fleet tracking" in names


def test_a_tailored_exercise_reaches_only_the_organisation_that_tailored_it(trainer, db):
    from app.models import User
    from tests.helpers import add_other_organisation

    other = add_other_organisation(db)
    exercises.save(trainer, ID, tailored_raw(title="Move our deal to Negotiation"))
    assert simulation.scenarios(other.id)[ID].title == simulation.scenarios()[ID].title == exercises.shipped_raw(ID)["title"]
    stranger = User(organisation_id=other.id, email="t@other.example", name="T", role="trainee", active=True,
                    session_version=1, password_hash="!")
    db.session.add(stranger)
    db.session.commit()
    attempt = simulation.start_exercise(stranger, ID)
    assert simulation.attempt_scenario(attempt).title == exercises.shipped_raw(ID)["title"]
    assert exercises.tailored(ID, other.id) is None and exercises.tailored(ID, trainer.organisation_id) is not None


def test_a_version_the_sandbox_cannot_play_is_refused_and_nothing_kept(trainer, db):
    raw = tailored_raw()
    raw["setup"]["values"] = {"budget": "lots"}
    with pytest.raises(exercises.TailoringRefused) as refused:
        exercises.save(trainer, ID, raw)
    assert "the reference solution no longer works" in refused.value.problems[0].message
    with pytest.raises(exercises.TailoringRefused) as refused:
        exercises.build(ID, "Title", "Brief", "opportunity: [unclosed", {"stage": "0"})
    messages = [p.message for p in refused.value.problems]
    assert messages[0].startswith("The starting data is not valid YAML") and "must count a number above 0" in messages[1]
    db.session.rollback()
    assert db.session.scalar(select(ScenarioText)) is None and simulation.scenarios(trainer.organisation_id)[ID].brief == raw["brief"].strip()


def test_saving_the_shipped_version_keeps_nothing_and_reset_brings_it_back(trainer, db):
    assert exercises.save(trainer, ID, tailored_raw()) is None
    exercises.save(trainer, ID, tailored_raw(title="Move our deal to Negotiation"))
    assert simulation.scenarios(trainer.organisation_id)[ID].title == "Move our deal to Negotiation"
    exercises.reset(trainer, ID)
    assert simulation.scenarios(trainer.organisation_id)[ID].title == exercises.shipped_raw(ID)["title"]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == ID).order_by(AuditEvent.id)).all()
    assert actions == ["content.exercise_tailored", "content.exercise_reset"]
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "content.exercise_tailored"))
    assert detail["before"]["title"] != detail["after"]["title"] == "Move our deal to Negotiation"


def test_an_unknown_exercise_is_not_found(trainer):
    with pytest.raises(exercises.NotFound):
        exercises.raw_of("no-such-exercise", trainer.organisation_id)


def test_an_exercise_attempt_keeps_the_checks_and_weights_it_started_with(trainer, db):
    trainee = user_by_email("trainee@demo.uptake")
    attempt = simulation.start_exercise(trainee, ID)
    before = [c.weight for c in simulation.attempt_scenario(attempt).checks]
    raw = tailored_raw(brief="A new brief for [[acme.name]], budget [[values.budget]].")
    raw["checks"][0]["weight"] = 7
    exercises.save(trainer, ID, raw)
    kept = simulation.attempt_scenario(attempt)
    assert [c.weight for c in kept.checks] == before and not kept.brief.startswith("A new brief")
    assert not simulation.brief(attempt).startswith("A new brief")
    simulation.finish(trainee, attempt.id)
    again = simulation.start_exercise(trainee, ID)
    assert simulation.attempt_scenario(again).checks[0].weight == 7
