"""Refreshers assigned ahead of a predicted fade (services, no HTTP)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import SUBMITTED, Assignment, Attempt, Quiz
from app.models.types import utcnow
from app.services import assignments as svc
from tests.helpers import user_by_email

TODAY = date(2026, 11, 25)


def row(slug="case-management", verdict="proficient", fades=6.4, weight=1.0, p=0.91, target=0.9):
    return {"slug": slug, "name": slug.replace("-", " ").capitalize(), "probability": p, "evidence": 4.2,
            "answers": 5, "exercises": 1,
            "verdict": verdict, "target": target, "weight": weight, "fades_in_days": fades}


def refreshers(user):
    return db_scalars(select(Assignment).where(Assignment.origin == "refresher", Assignment.target_id == user.id))


def db_scalars(stmt):
    from app.extensions import db

    return db.session.scalars(stmt.order_by(Assignment.id)).all()


def test_a_fading_required_skill_gets_a_refresher_due_before_it_fades(content_loaded):
    tara = user_by_email("trainee@demo.uptake")
    made = svc.schedule_refresher(tara, [row(fades=6.4), row("call-preparation", fades=20.0, target=0.8)], today=TODAY)
    assert made is not None and made.kind == "quiz" and made.ref == "adaptive-skills-check"
    assert made.target_type == "user" and made.created_by is None and made.origin == "refresher"
    assert made.due_date == TODAY + timedelta(days=5)  # the day before the earliest predicted fade
    assert "Case management is likely to fall below your role's target (90%) in about 6 days" in made.note
    assert "91% sure now, from 5 answers and 1 exercise" in made.note and "Call preparation" in made.note
    status = svc.assignments_for(tara, today=TODAY)
    assert [(s.title, s.done) for s in status] == [("Adaptive skills check", False)]


@pytest.mark.parametrize("rows", [
    [row(fades=45.0)],                        # fades, but not within the horizon
    [row(fades=None)],                        # never fades within two years
    [row(weight=0.0)],                        # not a skill the role needs
    [row(verdict="weak", fades=None)],        # a gap is training, not a refresher
], ids=["far", "never", "unneeded", "weak"])
def test_no_refresher_when_nothing_required_is_about_to_fade(content_loaded, rows):
    tara = user_by_email("trainee@demo.uptake")
    assert svc.schedule_refresher(tara, rows, today=TODAY) is None and not refreshers(tara)


def test_one_open_refresher_at_a_time_and_a_new_one_once_it_was_passed(content_loaded, db):
    tara = user_by_email("trainee@demo.uptake")
    first = svc.schedule_refresher(tara, [row()], today=TODAY)
    assert svc.schedule_refresher(tara, [row(fades=3.0)], today=TODAY) is None  # still open
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == first.ref))
    taken = utcnow() + timedelta(seconds=1)
    db.session.add(Attempt(user_id=tara.id, quiz_id=quiz.id, status=SUBMITTED, item_keys=[], option_orders={},
                           started_at=taken, last_saved_at=taken, submitted_at=taken, closed_by="trainee", score=0.5))
    db.session.commit()
    assert svc.schedule_refresher(tara, [row()], today=TODAY) is None  # failed: the refresher stays open
    db.session.add(Attempt(user_id=tara.id, quiz_id=quiz.id, status=SUBMITTED, item_keys=[], option_orders={},
                           started_at=taken, last_saved_at=taken, submitted_at=taken, closed_by="trainee", score=0.85))
    db.session.commit()
    assert svc.assignments_for(tara, today=TODAY)[0].done
    second = svc.schedule_refresher(tara, [row(fades=25.0)], today=TODAY)
    assert second is not None and second.id != first.id and len(refreshers(tara)) == 2


def test_refits_assign_refreshers_where_the_model_predicts_a_fade(fitted_demo, db):
    """After the refit every refresher names a required skill the model says will fade within 30 days."""
    from app.models import User
    from app.services.skill_model import assess

    made = db.session.scalars(select(Assignment).where(Assignment.origin == "refresher")).all()
    assert made, "the demo has someone whose mastered skill fades within 30 days"
    for assignment in made:
        rows = assess(db.session.get(User, assignment.target_id))
        fading = [r["name"] for r in rows if r["weight"] > 0 and r["verdict"] == "proficient"
                  and r["fades_in_days"] is not None and r["fades_in_days"] <= 30]
        assert fading and all(name in assignment.note for name in fading)
        assert assignment.due_date <= date.today() + timedelta(days=30)
