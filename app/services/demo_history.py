"""A believable past for the demo trainees: objectives per job role, and quiz attempts over the
last five months answered according to a true mastery drawn by the synthetic-population generator
(`app.skills.synthetic`, correlated skills; each unit has its own weak spots),
graded by the real engine. About a third of the people took the eLearning for one of their weak
skills after the second round and answer as masters of it from then on, so the dashboards have
gains and closed gaps to show. Only trainees without any attempt get a history, so loading twice
adds nothing.
"""
from __future__ import annotations

import random
from datetime import timedelta

import numpy as np

from sqlalchemy import select

from app.extensions import db
from app.models import (SUBMITTED, Attempt, Evidence, Item, JobRole, ModuleProgress, Objective, Quiz, Response, Skill,
                        User)
from app.models.types import utcnow
from app.services.content import engine_item
from app.skills import synthetic
from quizzes.answers import right_answer, wrong_answer
from quizzes.assembly import suits
from quizzes.registry import grade

# job role → {skill: (target, weight)}; skills not listed are not part of the role's objectives.
OBJECTIVES = {
    "account executive": {"navigation-search": (0.8, 0.6), "accounts-contacts": (0.8, 0.8),
                          "lead-management": (0.8, 0.8), "opportunity-pipeline": (0.85, 1.0),
                          "activity-logging": (0.8, 1.0), "call-preparation": (0.8, 0.9),
                          "data-quality": (0.8, 0.7), "email-calendar-sync": (0.7, 0.5),
                          "reports-dashboards": (0.7, 0.3)},
    "sales manager": {"opportunity-pipeline": (0.9, 1.0), "reports-dashboards": (0.85, 1.0),
                      "data-quality": (0.8, 0.8), "activity-logging": (0.8, 0.6), "accounts-contacts": (0.8, 0.5),
                      "call-preparation": (0.7, 0.4), "navigation-search": (0.7, 0.4)},
    "service agent": {"case-management": (0.9, 1.0), "call-preparation": (0.8, 0.8),
                      "navigation-search": (0.8, 0.8), "data-quality": (0.8, 0.7), "activity-logging": (0.8, 0.7),
                      "email-calendar-sync": (0.7, 0.5), "accounts-contacts": (0.7, 0.4)},
    "marketing specialist": {"campaigns": (0.9, 1.0), "lead-management": (0.85, 0.9), "data-quality": (0.8, 0.8),
                             "reports-dashboards": (0.8, 0.7), "accounts-contacts": (0.7, 0.4),
                             "navigation-search": (0.7, 0.3)},
}
# unit → skills its people tend to be weak in (true mastery rate 0.25 instead of 0.75)
WEAK_SPOTS = {"Sales North America": {"data-quality", "call-preparation"},
              "Sales EMEA": {"opportunity-pipeline", "email-calendar-sync"},
              "Customer Service": {"case-management", "data-quality"},
              "Marketing": {"reports-dashboards", "lead-management"}}


def load_objectives() -> int:
    skills = dict(db.session.execute(select(Skill.slug, Skill.id)).all())
    created = 0
    for role_name, targets in OBJECTIVES.items():
        role = db.session.scalar(select(JobRole).where(JobRole.name == role_name))
        if role is None:
            continue
        have = set(db.session.scalars(select(Objective.skill_id).where(
            Objective.job_role_id == role.id, Objective.business_unit_id.is_(None))))
        for slug, (target, weight) in targets.items():
            if skills.get(slug) and skills[slug] not in have:
                db.session.add(Objective(job_role_id=role.id, skill_id=skills[slug], target=target, weight=weight))
                created += 1
    db.session.commit()
    return created


def load_history(seed: int = 2026) -> int:
    """Give every trainee without attempts 5–6 past attempts; returns how many people got one."""
    rng = random.Random(seed)  # synthetic demo data  # nosec B311
    quizzes = {q.key: q for q in db.session.scalars(select(Quiz).where(Quiz.organisation_id.is_(None)))}
    items = [engine_item(row) for row in db.session.scalars(select(Item).where(Item.active.is_(True),
                                                                               Item.organisation_id.is_(None))
                                                           .order_by(Item.key))]
    ids = dict(db.session.execute(select(Item.key, Item.id)).all())
    versions = dict(db.session.execute(select(Item.key, Item.version)).all())
    if not items or "crm-basics" not in quizzes:
        return 0
    busy = set(db.session.scalars(select(Attempt.user_id)))
    people = [u for u in db.session.scalars(select(User).where(User.role == "trainee").order_by(User.id))
              if u.id not in busy and u.job_role is not None]
    now = utcnow()
    skills = sorted({s for i in items for s in i.skills})
    draws = np.random.default_rng(seed)
    for person in people:
        weak = WEAK_SPOTS.get(person.business_unit.name if person.business_unit else "", set())
        rates = np.array([0.2 if s in weak else 0.85 for s in skills])
        truth = dict(zip(skills, synthetic.mastery(1, len(skills), draws, base_rates=rates)[0].astype(bool)))
        pool = [i for i in items if suits(i, person.job_role.name)]
        quiz = quizzes.get(f"placement-{person.job_role.name.replace(' ', '-')}", quizzes["crm-basics"])
        learns = rng.random() < 1 / 3 and sorted(k for k in weak if not truth.get(k, True))
        for round_no in range(rng.choice((5, 6))):
            chosen = rng.sample(pool, min(12, len(pool)))
            when = now - timedelta(days=150 - 25 * round_no + rng.uniform(-5, 5))
            if learns and round_no == 2:
                _took_elearning(person, rng.choice(learns), truth, when - timedelta(days=6))
            _past_attempt(person, quiz, chosen, truth, when, ids, versions, rng)
    db.session.commit()
    return len(people)


def _took_elearning(person, skill: str, truth: dict, when) -> None:
    """The person studied the eLearning module for `skill` and has mastered it since."""
    from app.services.training import catalogue

    module = next((m for m in catalogue().values() if m.kind == "elearning" and skill in m.skills), None)
    if module is not None:
        db.session.add(ModuleProgress(user_id=person.id, module_key=module.id, status="completed", started_at=when,
                                      completed_at=when + timedelta(minutes=module.minutes + 5)))
        truth[skill] = True


def _past_attempt(person, quiz, chosen, truth, when, ids, versions, rng) -> None:
    attempt = Attempt(user_id=person.id, quiz_id=quiz.id, status=SUBMITTED, item_keys=[i.id for i in chosen],
                      item_versions={i.id: versions[i.id] for i in chosen}, option_orders={}, started_at=when, last_saved_at=when, closed_by="trainee",
                      submitted_at=when + timedelta(minutes=14))
    db.session.add(attempt)
    db.session.flush()
    scores = []
    for n, item in enumerate(chosen):
        knows = all(truth.get(s, True) for s in item.skills)
        p_right = 0.9 if knows else 0.2
        answer = right_answer(item) if rng.random() < p_right else wrong_answer(item, rng)
        result = grade(item, answer)
        at = when + timedelta(minutes=n + 1)
        db.session.add(Response(attempt_id=attempt.id, item_id=ids[item.id], answer=answer, client_seq=n + 1,
                                time_spent_ms=rng.randint(15_000, 90_000), saved_at=at, score=result.score,
                                answered=True))
        db.session.add(Evidence(user_id=person.id, source="quiz", attempt_id=attempt.id, item_id=ids[item.id],
                                item_version=versions.get(item.id, 1), skills=list(item.skills), score=result.score, time_spent_ms=60_000, occurred_at=at))
        scores.append(result.score)
    attempt.score = round(sum(scores) / len(scores), 4)
