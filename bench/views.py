"""Trainer views at scale: the skill-gap heatmap, one unit's training-needs plan and the adoption
dashboard for a unit of 5,000 trainees with 1,000,000 responses and three verdict changes per
person × skill, timed in-process (server time, no network) with the number of SQL statements each
issues.

    python -m bench.views [--people 5000] [--responses 1000000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="uptake-views-"))
    os.environ.update(UPTAKE_INSTANCE_PATH=str(workdir), SECRET_KEY="bench", UPTAKE_PASSWORD_HASH_METHOD="scrypt:1024:8:1",
                      DATABASE_URL=args.database_url or f"sqlite:///{workdir / 'views.sqlite3'}")
    from flask_migrate import upgrade
    from sqlalchemy import event, insert, select

    from app import create_app
    from app.extensions import db
    from app.models import (SUBMITTED, Attempt, BusinessUnit, Evidence, Item, MasteryEstimate, MasteryHistory, Quiz, Skill,
                            User)
    from app.models.types import utcnow
    from app.services import adoption, training
    from app.services.content import load_content
    from app.services.demo import load_demo
    from app.services.demo_history import load_objectives
    from config import Config

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        load_demo()
        load_content()
        load_objectives()
        unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
        template = db.session.scalar(select(User).where(User.business_unit_id == unit.id))
        start = time.perf_counter()
        rng = random.Random(1)
        db.session.execute(insert(User), [dict(organisation_id=template.organisation_id, email=f"p{i}@scale.uptake",
                                               name=f"Person {i}", password_hash="!", role="trainee", active=True,
                                               session_version=1, business_unit_id=unit.id,
                                               job_role_id=template.job_role_id, created_at=utcnow())
                                          for i in range(args.people)])
        people = list(db.session.scalars(select(User.id).where(User.email.like("%@scale.uptake"))))
        skills = list(db.session.scalars(select(Skill.id)))
        verdicts = ["proficient", "weak", "not_enough_evidence"]
        db.session.execute(insert(MasteryEstimate), [
            dict(user_id=p, skill_id=s, probability=rng.random(), evidence=rng.uniform(0, 8), target=0.8,
                 verdict=rng.choices(verdicts, (5, 3, 1))[0], updated_at=utcnow()) for p in people for s in skills])
        for chunk in range(0, len(people), 1000):  # unmeasured → weak → (mostly) proficient over five months
            rows = []
            for p in people[chunk:chunk + 1000]:
                for s in skills:
                    times = [utcnow() - timedelta(days=d + rng.uniform(0, 20)) for d in (150, 120, 40)]
                    for n, verdict in enumerate(("not_enough_evidence", "weak", rng.choice(verdicts[:2]))):
                        rows.append(dict(user_id=p, skill_id=s, probability=rng.random(), target=0.8, verdict=verdict,
                                         recorded_at=times[n], superseded_at=times[n + 1] if n < 2 else None))
            db.session.execute(insert(MasteryHistory), rows)
        quiz = db.session.scalar(select(Quiz.id))
        items = list(db.session.execute(select(Item.id, Item.key)))
        now = utcnow()
        per_person = args.responses // len(people)
        size = 12  # questions per attempt, as in the shipped quizzes; (attempt, item) stays unique
        rounds = -(-per_person // size)
        db.session.execute(insert(Attempt), [
            dict(user_id=p, quiz_id=quiz, status=SUBMITTED, item_keys=[], option_orders={}, kind="quiz", hints_used=0,
                 started_at=now - timedelta(days=r % 150), submitted_at=now - timedelta(days=r % 150),
                 score=rng.random()) for p in people for r in range(rounds)])
        attempts: dict[int, list[int]] = {}
        for user_id, attempt_id in db.session.execute(select(Attempt.user_id, Attempt.id)
                                                      .where(Attempt.user_id.in_(people)).order_by(Attempt.id)):
            attempts.setdefault(user_id, []).append(attempt_id)
        batch = []
        for p in people:
            for j in range(per_person):
                item_id, key = items[(p + j) % len(items)]
                batch.append(dict(user_id=p, source="quiz", attempt_id=attempts[p][j // size], item_id=item_id,
                                  skills=["case-management"], score=float(rng.random() < 0.6), time_spent_ms=0,
                                  occurred_at=now - timedelta(days=(j // size) % 150)))
            if len(batch) >= 50_000:
                db.session.execute(insert(Evidence), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Evidence), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # planner statistics, as autovacuum keeps them on a live server
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        setup = time.perf_counter() - start
        units = list(db.session.scalars(select(BusinessUnit)))

        def measure(fn, repeats=5):
            statements = []
            listener = lambda *a: statements.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            times = []
            for _ in range(repeats):
                statements.clear()
                db.session.expire_all()
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            event.remove(db.engine, "before_cursor_execute", listener)
            return {"median_ms": sorted(times)[len(times) // 2], "max_ms": max(times), "queries": len(statements)}

        result = {"people": len(people), "responses": per_person * len(people), "setup_s": setup,
                  "database": "postgresql" if args.database_url else "sqlite",
                  "heatmap": measure(lambda: training.heatmap(units)),
                  "unit_plan": measure(lambda: training.unit_plan(unit), repeats=3),
                  "proficiency": measure(lambda: adoption.proficiency_history(units), repeats=3),
                  "dashboard": measure(lambda: adoption.dashboard(units), repeats=3)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['people']:,} trainees in one unit, {result['responses']:,} responses on {result['database']} "
              f"(setup {result['setup_s']:.0f} s); target ≤ 300 ms server time:")
        for name in ("heatmap", "unit_plan", "proficiency", "dashboard"):
            r = result[name]
            print(f"  {name:<11} median {r['median_ms']:.0f} ms, max {r['max_ms']:.0f} ms, {r['queries']} SQL statements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
