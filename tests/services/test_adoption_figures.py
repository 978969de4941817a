"""The adoption dashboard's per-unit figures on a unit built by hand: who counts as active, which
assignments are done and the before/after of a completed module — the figures a trainer reads."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import SUBMITTED, Assignment, Attempt, BusinessUnit, Evidence, ModuleProgress, Quiz, User
from app.models.types import utcnow
from app.services.adoption import dashboard
from app.services.training import catalogue


@pytest.fixture
def desk(content_loaded, db):
    """A unit of four active trainees (and one who left) in the demo organisation."""
    tara = db.session.scalar(select(User).where(User.email == "trainee@demo.uptake"))
    unit = BusinessUnit(organisation_id=tara.organisation_id, name="Test Desk", description="")
    db.session.add(unit)
    db.session.flush()
    people = [User(organisation_id=tara.organisation_id, email=f"desk{n}@demo.uptake", name=f"Desk {n}",
                   password_hash="!", role="trainee", business_unit_id=unit.id, job_role_id=tara.job_role_id,
                   active=n < 4) for n in range(5)]
    db.session.add_all(people)
    db.session.commit()
    return unit, people


def _attempt(db, person, quiz_key, score, days_ago):
    when = utcnow() - timedelta(days=days_ago)
    quiz = db.session.scalar(select(Quiz.id).where(Quiz.key == quiz_key))
    db.session.add(Attempt(user_id=person.id, quiz_id=quiz, status=SUBMITTED, item_keys=[], option_orders={},
                           started_at=when, submitted_at=when, last_saved_at=when, score=score))


def _evidence(db, person, skills, score, days_ago):
    db.session.add(Evidence(user_id=person.id, source="quiz", skills=skills, score=score, time_spent_ms=0,
                            occurred_at=utcnow() - timedelta(days=days_ago)))


def test_participation_completion_and_gains_of_a_unit(desk, db):
    unit, (p1, p2, p3, p4, gone) = desk
    module = next(m for m in catalogue().values() if m.check.get("quiz"))
    check = module.check["quiz"]
    other_quiz = db.session.scalar(select(Quiz.key).where(Quiz.key != check))
    other_skill = next(s for m in catalogue().values() for s in m.skills if s not in module.skills)
    now = utcnow()
    _attempt(db, p1, other_quiz, 0.3, 5)  # active in the last 30 days (a failed test still counts as taking part)
    _attempt(db, p2, other_quiz, 0.9, 40)  # not in the last 30 days
    _attempt(db, gone, other_quiz, 0.9, 2)  # left the company: not counted anywhere
    db.session.add(Assignment(kind="module", ref=module.id, target_type="unit", target_id=unit.id,
                              due_date=date.today() + timedelta(days=7), created_at=now - timedelta(days=30)))
    db.session.add_all([
        ModuleProgress(user_id=p1.id, module_key=module.id, status="completed", started_at=now - timedelta(days=20),
                       completed_at=now - timedelta(days=10)),
        ModuleProgress(user_id=p2.id, module_key=module.id, status="in_progress", started_at=now - timedelta(days=15)),
        ModuleProgress(user_id=p3.id, module_key=module.id, status="in_progress", started_at=now - timedelta(days=15)),
        ModuleProgress(user_id=gone.id, module_key=module.id, status="completed", started_at=now - timedelta(days=20),
                       completed_at=now - timedelta(days=10))])
    _attempt(db, p2, check, 0.9, 3)  # passed the module's check after opening it: done
    _attempt(db, p3, check, 0.9, 35)  # passed it before opening the module: not done
    _attempt(db, p4, check, 0.5, 1)  # failed it: not done
    skill = module.skills[0]
    _evidence(db, p1, [skill], 0.0, 30)  # before the module: 0.0 and 1.0
    _evidence(db, p1, [skill], 1.0, 25)
    _evidence(db, p1, [skill], 1.0, 5)  # after: 1.0 and 0.5 (an answer measuring two skills counts)
    _evidence(db, p1, [other_skill, skill], 0.5, 4)
    _evidence(db, p1, [other_skill], 0.0, 4)  # another skill: not the module's
    _evidence(db, p2, [skill], 0.0, 30)  # p2 did not complete the module: no before/after
    _evidence(db, p2, [skill], 1.0, 1)
    _evidence(db, gone, [skill], 0.0, 30)
    _evidence(db, gone, [skill], 1.0, 1)
    db.session.commit()

    data = dashboard([unit])
    assert data["participation"] == {unit.id: pytest.approx(0.75)}  # p1, p2 and p4 took a test in the last 30 days
    assert data["completion"] == {unit.id: (pytest.approx(0.5), 4)}
    assert data["gains"] == [{"module": module.title, "people": 1, "before": pytest.approx(0.5),
                              "after": pytest.approx(0.75)}]


def test_an_empty_unit_has_no_figures(desk, db):
    unit, people = desk
    for person in people:
        person.active = False
    db.session.commit()
    data = dashboard([unit])
    assert data["participation"] == {unit.id: None} and data["completion"] == {unit.id: (None, 0)}
    assert data["gains"] == [] and data["most_weak"] == []


def _without_as_of(data):
    return {k: v for k, v in data.items() if k != "as_of"}


def test_a_company_sized_view_reads_stored_figures_that_add_up_to_the_live_ones(fitted_demo, app, db, monkeypatch):
    from datetime import timedelta

    from app.models import UnitFigures
    from app.services.adoption import figures_for_view, refresh_figures

    units = list(db.session.scalars(select(BusinessUnit)))
    live = dashboard(units)
    assert figures_for_view(units)["as_of"] is None  # a small organisation: computed for the request
    assert db.session.scalar(select(UnitFigures.business_unit_id)) is None
    monkeypatch.setitem(app.config, "ADOPTION_LIVE_LIMIT", 1)  # as if the demo were a company of thousands

    first = figures_for_view(units)  # no stored figures yet: computed now, stored for the next view
    assert first["as_of"] is not None and _without_as_of(first) == live
    assert len(db.session.scalars(select(UnitFigures)).all()) == len(units)
    # a subset of units adds up from the same stored rows as computing it afresh
    assert _without_as_of(figures_for_view(units[:2])) == dashboard(units[:2])

    tara = db.session.scalar(select(User).where(User.email == "trainee@demo.uptake"))
    for days in (1, 2, 3):  # new results after the figures were stored
        _attempt(db, tara, db.session.scalar(select(Quiz.key)), 0.05, days)
    db.session.commit()
    assert _without_as_of(figures_for_view(units)) == live  # the view reads the stored figures …
    assert refresh_figures() == len(units)  # … until the worker recomputes them
    refreshed = figures_for_view(units)
    assert _without_as_of(refreshed) == dashboard(units) != live
    assert refreshed["as_of"] > first["as_of"]

    # a stopped worker: figures older than an hour are recomputed for the view, never shown stale
    for row in db.session.scalars(select(UnitFigures)):
        row.computed_at -= timedelta(hours=2)
    db.session.commit()
    assert figures_for_view(units)["as_of"] > refreshed["as_of"]


def test_the_worker_leaves_small_organisations_to_the_request(fitted_demo, db):
    from app.models import UnitFigures
    from app.services.jobs import run_due

    assert run_due(only={"adoption-figures"}) == {"adoption-figures": "recomputed the figures of 0 business unit(s)"}
    assert db.session.scalar(select(UnitFigures.business_unit_id)) is None
