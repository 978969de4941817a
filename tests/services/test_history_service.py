"""The verdict history: what is logged on refresh, replaying old evidence, and the adoption figures
read from it (proficiency over time, time to proficiency)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.models import BusinessUnit, Evidence, MasteryEstimate, MasteryHistory, Objective, Skill, User
from app.services import adoption, skill_model
from tests.helpers import user_by_email

UTC = timezone.utc


def history(db, user):
    return db.session.execute(select(Skill.slug, MasteryHistory.verdict, MasteryHistory.target,
                                     MasteryHistory.recorded_at).join(Skill, Skill.id == MasteryHistory.skill_id)
                              .where(MasteryHistory.user_id == user.id)
                              .order_by(MasteryHistory.recorded_at, MasteryHistory.id)).all()


def test_refresh_logs_a_verdict_only_when_it_changes(fitted_demo, db):
    tara = user_by_email("trainee@demo.uptake")
    logged = history(db, tara)
    assert len({slug for slug, *_ in logged}) == 11  # the first verdict on every skill
    skill_model.refresh_person(tara)
    assert history(db, tara) == logged  # same verdicts: nothing new
    slug, skill_id = db.session.execute(
        select(Skill.slug, Skill.id).join(MasteryEstimate, MasteryEstimate.skill_id == Skill.id)
        .join(Objective, (Objective.skill_id == Skill.id) & (Objective.job_role_id == tara.job_role_id))
        .where(MasteryEstimate.user_id == tara.id, MasteryEstimate.verdict == "proficient")
        .order_by(MasteryEstimate.probability)).first()  # the least sure of her proficient skills
    objective = db.session.scalar(select(Objective).where(Objective.job_role_id == tara.job_role_id,
                                                          Objective.skill_id == skill_id))
    objective.target = 0.999  # the bar moves out of reach: the verdict changes
    db.session.commit()
    skill_model.refresh_person(tara)
    new = history(db, tara)[len(logged):]
    assert [(s, t) for s, _, t, _ in new] == [(slug, 0.999)] and new[0][1] != "proficient"


def test_as_of_estimates_use_only_the_evidence_known_that_day(fitted_demo, db):
    tara = user_by_email("trainee@demo.uptake")
    first = db.session.scalar(select(func.min(Evidence.occurred_at)).where(Evidence.user_id == tara.id))
    before = skill_model.assess(tara, now=first - timedelta(days=1), as_of=True)
    assert all(r["evidence"] == 0 and r["verdict"] == "not_enough_evidence" for r in before)
    assert any(r["evidence"] > 0 for r in skill_model.assess(tara, now=first - timedelta(days=1)))


def test_rebuilding_replays_the_evidence_day_by_day(fitted_demo, db):
    tara = user_by_email("trainee@demo.uptake")
    assert tara in skill_model.people_without_history()  # her answers are months older than her history
    written = skill_model.rebuild_history(tara)
    rebuilt = history(db, tara)
    assert written == len(rebuilt) > 11
    days = sorted({at.date() for at in db.session.scalars(select(Evidence.occurred_at)
                                                          .where(Evidence.user_id == tara.id))})
    assert rebuilt[0][3].date() == days[0]  # starts on the day of her first answers
    assert all(a[3] <= b[3] for a, b in zip(rebuilt, rebuilt[1:]))
    latest = {}
    for slug, verdict, *_ in rebuilt:
        latest[slug] = verdict
    current = dict(db.session.execute(select(Skill.slug, MasteryEstimate.verdict).join(Skill)
                                      .where(MasteryEstimate.user_id == tara.id)).all())
    assert latest == current  # the replay ends where the stored estimates are
    assert tara not in skill_model.people_without_history()
    assert tara in skill_model.people_without_history(everyone=True)


def test_month_ends_cross_the_year():
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert adoption.month_ends(now, 3) == [("2025-11", datetime(2025, 12, 1, tzinfo=UTC)),
                                           ("2025-12", datetime(2026, 1, 1, tzinfo=UTC)), ("2026-01", now)]


@pytest.fixture
def unit_with_history(content_loaded, db):
    """Two service agents of Customer Service with hand-made verdict histories."""
    from app.services.demo_history import load_objectives

    load_objectives()
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    ann, ben = db.session.scalars(select(User).where(User.business_unit_id == unit.id, User.role == "trainee")
                                  .order_by(User.id).limit(2)).all()
    ann.job_role_id = ben.job_role_id
    skills = dict(db.session.execute(select(Skill.slug, Skill.id)).all())

    def at(user, slug, verdict, month, day):  # as refresh_person logs it: the change closes the row before
        skill_model.log_verdicts(user.id, {skills[slug]: {"probability": 0.5, "target": 0.8, "verdict": verdict}},
                                 {}, datetime(2026, month, day, 9, tzinfo=UTC))

    at(ann, "case-management", "not_enough_evidence", 9, 1)
    at(ann, "case-management", "weak", 9, 10)
    at(ann, "case-management", "proficient", 10, 20)  # 40 days after the gap was found
    at(ann, "opportunity-pipeline", "weak", 9, 10)      # not a service agent's skill: not counted
    at(ben, "case-management", "weak", 9, 15)           # still open
    at(ben, "navigation-search", "proficient", 11, 2)
    at(ben, "navigation-search", "weak", 11, 30)        # after "now": not yet
    db.session.commit()
    return unit


def test_proficiency_over_time_and_time_to_proficiency(unit_with_history, db):
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    others = db.session.scalars(select(BusinessUnit).where(BusinessUnit.id != unit_with_history.id)).all()
    figures = adoption.proficiency_history([unit_with_history, *others], months=4, now=now)
    assert figures["months"] == ["2026-08", "2026-09", "2026-10", "2026-11"] and figures["recorded"]
    # Aug: nothing known; Sep: 0 of 2 at target; Oct: Ann's case management closed (1/2); Nov: + Ben's search (2/3)
    assert figures["series"][unit_with_history.id] == [None, 0.0, 0.5, pytest.approx(2 / 3)]
    assert figures["time_to_proficiency"][unit_with_history.id] == {"median_days": 40.0, "closed": 1, "open": 1}
    assert all(figures["series"][u.id] == [None] * 4 for u in others)
    assert figures["time_to_proficiency"][others[0].id] == {"median_days": None, "closed": 0, "open": 0}
