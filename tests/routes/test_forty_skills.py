"""A company with 40 skills: the whole path from evidence through `flask skills fit` to the trainer's
heatmap (the old model held people × 2^skills profiles and refused more than 14)."""
import csv
import io
from datetime import timedelta

import numpy as np
from sqlalchemy import select

from app.models import Evidence, JobRole, Skill, User
from app.models.types import utcnow
from tests.helpers import user_by_email

EXTRA = 29  # the demo has 11 skills


def add_forty_skills_with_evidence(db) -> None:
    """29 more skills, required by every job role, each with four checks answered by every trainee:
    the even-numbered ones weak for everyone, the odd ones weak for half the people."""
    from app.services import catalogue, objectives

    admin = user_by_email("admin@demo.uptake")
    for n in range(EXTRA):
        catalogue.save_skill(admin, f"extra-skill-{n:02d}", f"Extra skill {n:02d}")
    skills = dict(db.session.execute(select(Skill.slug, Skill.id).where(Skill.active.is_(True))).all())
    assert len(skills) == 40
    for role in db.session.scalars(select(JobRole)):
        values = {row["skill"].id: (str(round(row["target"] * 100)), str(round(row["weight"] * 100)))
                  for row in objectives.table(role, None)}
        values.update({skills[f"extra-skill-{n:02d}"]: ("80", "50") for n in range(EXTRA)})
        objectives.save(admin, role, None, values)
    # every trainee answers four checks on each new skill; half the people are strong on the odd skills
    rng = np.random.default_rng(0)
    now = utcnow()
    trainees = list(db.session.scalars(select(User).where(User.role == "trainee")))
    attempt_of = dict(db.session.execute(select(Evidence.user_id, Evidence.attempt_id)).all())
    for person in trainees:
        strong = person.id % 2 == 0
        for n in range(EXTRA):
            p = 0.9 if (strong and n % 2) else 0.15
            for i in range(4):
                db.session.add(Evidence(user_id=person.id, source="scenario", attempt_id=attempt_of[person.id],
                                        check_key=f"extra-{n:02d}-{i}", skills=[f"extra-skill-{n:02d}"],
                                        score=float(rng.random() < p), occurred_at=now - timedelta(days=3)))
    db.session.commit()


def test_forty_skills_run_from_the_fit_command_to_the_trainers_heatmap(app, client, fitted_demo, login_as, db):
    add_forty_skills_with_evidence(db)
    result = app.test_cli_runner().invoke(args=["skills", "fit"])
    assert result.exit_code == 0, result.output
    assert "40 skills" in result.output and "Traceback" not in result.output

    login_as("trainer")
    page = client.get("/trainer/").get_data(as_text=True)
    assert all(f"Extra skill {n:02d}" in page for n in range(EXTRA))
    rows = list(csv.reader(io.StringIO(client.get("/trainer/heatmap.csv").get_data(as_text=True))))
    by_skill = {}
    for unit, skill, people, weak, unknown, share in rows[1:]:
        by_skill.setdefault(skill, []).append((int(people), int(weak)))
    assert {f"Extra skill {n:02d}" for n in range(EXTRA)} <= set(by_skill)
    # the odd extra skills: only the weak half are weak; the even ones: almost everyone is
    odd_weak = sum(w for n in range(1, EXTRA, 2) for _, w in by_skill[f"Extra skill {n:02d}"])
    even_weak = sum(w for n in range(0, EXTRA, 2) for _, w in by_skill[f"Extra skill {n:02d}"])
    odd_people = sum(p for n in range(1, EXTRA, 2) for p, _ in by_skill[f"Extra skill {n:02d}"])
    even_people = sum(p for n in range(0, EXTRA, 2) for p, _ in by_skill[f"Extra skill {n:02d}"])
    assert even_weak / even_people > 0.8 and 0.3 < odd_weak / odd_people < 0.7
