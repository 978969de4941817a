"""The adoption dashboard's CRM figures as a service: active users and the training effect on behaviour,
with the interval widening when there are few people and nothing shown on fewer than five a side."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from app.models import BusinessUnit, CrmIndicator, ModuleProgress, User
from app.services import crm_dashboard

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def _unit_people(db, at_least=10):
    for unit in db.session.scalars(select(BusinessUnit)):
        people = db.session.scalars(select(User).where(User.business_unit_id == unit.id, User.role == "trainee",
                                                       User.active.is_(True)).order_by(User.id)).all()
        if len(people) >= at_least:
            return unit, people
    raise AssertionError("no unit large enough")


def _measure(db, person, period, hits, total, key="contact-complete"):
    db.session.add(CrmIndicator(organisation_id=person.organisation_id, user_id=person.id, indicator=key,
                                period=period, numerator=hits, denominator=total))


def test_people_trained_in_a_behaviours_skills_are_compared_with_people_not_yet_trained(fitted_demo, db):
    unit, people = _unit_people(db)
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id.in_([p.id for p in people])))
    trained, untrained = people[:5], people[5:10]
    for person in trained:  # finished the data-quality course in September: measured in October and November
        db.session.add(ModuleProgress(user_id=person.id, module_key="el-data-quality", status="completed",
                                      started_at=NOW - timedelta(days=80), completed_at=NOW - timedelta(days=75)))
    for n, person in enumerate(trained):
        _measure(db, person, "2026-10", 8 + n % 2, 10)
        _measure(db, person, "2026-11", 9, 10)
    for n, person in enumerate(untrained):
        _measure(db, person, "2026-10", 4 + n % 2, 10)
        _measure(db, person, "2026-11", 5, 10)
    db.session.commit()
    effect = crm_dashboard.usage([unit], now=NOW)["effect"]
    row = next(e for e in effect if e["indicator"] == "contact-complete")
    assert (row["trained_n"], row["untrained_n"]) == (10, 10)
    assert row["trained"] > 0.85 and row["untrained"] < 0.5
    assert 0 < row["low"] < row["difference"] < row["high"]  # a clear effect: the interval excludes zero


def test_training_after_the_month_does_not_count_as_trained_for_that_month(fitted_demo, db):
    unit, people = _unit_people(db)
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id.in_([p.id for p in people])))
    for person in people[:10]:  # trained on 15 November: October is before, November during (not yet trained)
        db.session.add(ModuleProgress(user_id=person.id, module_key="el-data-quality", status="completed",
                                      started_at=NOW - timedelta(days=6), completed_at=NOW - timedelta(days=5)))
        _measure(db, person, "2026-10", 5, 10)
        _measure(db, person, "2026-11", 5, 10)
    db.session.commit()
    assert crm_dashboard.usage([unit], now=NOW)["effect"] == []  # nobody was trained before a measured month


def test_with_fewer_than_five_person_months_a_side_no_comparison_is_shown(fitted_demo, db):
    unit, people = _unit_people(db)
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id.in_([p.id for p in people])))
    for person in people[:4]:
        db.session.add(ModuleProgress(user_id=person.id, module_key="el-data-quality", status="completed",
                                      started_at=NOW - timedelta(days=80), completed_at=NOW - timedelta(days=75)))
        _measure(db, person, "2026-11", 9, 10)
    for person in people[4:10]:
        _measure(db, person, "2026-11", 5, 10)
    db.session.commit()
    assert crm_dashboard.usage([unit], now=NOW)["effect"] == []


def test_indicator_trends_pool_a_units_people_by_month(fitted_demo, db):
    unit, people = _unit_people(db)
    _measure(db, people[0], "2026-11", 1, 3, key="pipeline-next-step")
    _measure(db, people[1], "2026-11", 5, 5, key="pipeline-next-step")
    db.session.commit()
    trends = crm_dashboard.usage([unit], now=NOW)["trends"]
    assert trends["pipeline-next-step"][unit.id][-1] == 6 / 8


def test_crm_use_is_shown_by_unit_and_by_job_role(fitted_demo, db):
    import io

    from app.services import crm

    unit, people = _unit_people(db)
    admin = db.session.scalar(select(User).where(User.role == "admin", User.organisation_id == people[0].organisation_id))
    active = people[:3]
    lines = ["occurred_at,user_email,event"] + [f"2026-11-0{d}T09:00:00Z,{p.email},login" for p in active
                                                for d in (2, 3)]
    crm.confirm(admin, admin.organisation_id, crm.stage(admin, admin.organisation_id,
                                                        io.BytesIO(("\n".join(lines) + "\n").encode())).id)
    usage = crm_dashboard.usage([unit], now=NOW)
    assert usage["active"][unit.id][-1] == 3 / len(people)
    roles = {p.job_role.name for p in active}
    shares = {role: values[-1] for role, values in usage["active_by_role"].items()}
    assert all(shares[role] > 0 for role in roles)
    expected = {role: sum(p in active for p in people if p.job_role.name == role) /
                sum(1 for p in people if p.job_role.name == role) for role in shares}
    assert shares == pytest.approx(expected)
    assert usage["features"][unit.id]["Global search"] == 0
