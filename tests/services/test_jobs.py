"""Background jobs: each runs once per interval however many workers share the database, a crashed
holder frees its job when the lease runs out, and calibration refits when enough evidence arrived."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from app.models import JobLease
from app.models.types import utcnow
from app.services import jobs, skill_fit, skill_model
from app.services.jobs import JOBS, calibration_due, run_due, take_lease

SWEEP = next(j for j in JOBS if j.name == "sweep-attempts")


def test_only_one_of_many_workers_takes_a_due_job(app, db):
    now = utcnow()
    winners = []

    def worker(n):
        with app.app_context():
            if take_lease(SWEEP, f"machine-{n}:1", now):
                winners.append(n)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(winners) == 1


def test_a_job_runs_again_only_after_its_interval_and_a_dead_holder_frees_it(app, db):
    now = utcnow()
    assert take_lease(SWEEP, "a:1", now)
    assert not take_lease(SWEEP, "b:1", now + timedelta(seconds=30))  # held, and not due
    # "a" died without releasing: once the lease has run out and the job is due, "b" takes it
    assert take_lease(SWEEP, "b:1", now + SWEEP.lease + timedelta(seconds=1))
    assert db.session.get(JobLease, "sweep-attempts").holder == "b:1"


def test_run_due_records_what_each_job_did_and_runs_it_once(content_loaded, db):
    first = run_due(holder="w:1")
    assert set(first) == {j.name for j in JOBS}
    assert first["sweep-attempts"].startswith("closed 0") and first["refresh-estimates"].startswith("re-estimated ")
    assert run_due(holder="w:2") == {}  # nothing is due again straight away
    rows = {r.name: r for r in jobs.status()}
    assert all(r.last_status == "ok" and r.lease_until is None and r.last_finished_at for r in rows.values())


def test_a_failing_job_is_recorded_and_the_others_still_run(content_loaded, db, monkeypatch):
    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "JOBS", (jobs.Job("broken", timedelta(minutes=1), timedelta(minutes=5), broken), SWEEP))
    done = run_due(holder="w:1")
    assert done["broken"] == "failed — RuntimeError: disk full" and done["sweep-attempts"].startswith("closed")
    assert db.session.get(JobLease, "broken").last_status == "failed"


def test_calibration_refits_when_enough_new_evidence_arrived(fitted_demo, db, app):
    from tests.services.test_live_loop import newcomer, solve_exercise

    card = skill_fit.fit_model()  # this database's own fit (the fixture's saved model may be another's)
    assert calibration_due() is None
    app.config.update(CALIBRATE_MIN_NEW=1, CALIBRATE_SHARE=0.0)
    solve_exercise(newcomer(), "advance-opportunity")
    assert calibration_due() is not None
    done = run_due(holder="w:1", only={"calibrate"})
    assert done["calibrate"].startswith("refitted")
    new_card = skill_model.current_bundle()[1]
    assert new_card["sha256"] != card["sha256"]
    assert any(k.startswith("check:advance-opportunity:") for k in skill_model.current_bundle()[0]["keys"])
    assert calibration_due() is None


def test_the_worker_command_runs_due_jobs_once(runner, content_loaded, db):
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sweep-attempts: closed 0 expired attempt(s)" in result.output
    status = runner.invoke(args=["worker", "status"])
    assert "sweep-attempts" in status.output and "ok: closed 0" in status.output
    assert db.session.scalar(select(JobLease.last_status).where(JobLease.name == "calibrate")) == "ok"
