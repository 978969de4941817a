"""Background jobs with leases in the database: each job runs once per interval across every
worker process and machine that shares the database.

`flask worker run` (started by `make run`, one per machine in production) ticks every few
seconds. A tick tries to take each due job's lease with one conditional UPDATE — due (its interval
has passed since it last started) and not held by anyone else (or held past its lease) — so of
any number of workers exactly one wins, and a worker that dies mid-job frees the job when its
lease runs out. The jobs:

- `sweep-attempts` (every minute): close and grade timed quiz attempts past their deadline;
- `send-messages` (every 15 seconds): deliver the outbox (app.services.messages);
- `send-reminders` (hourly): queue reminders and escalations that fall due (app.services.notices);
- `weekly-digest` (weekly): each trainer's units — gaps closed and opened, overdue, who is stuck;
- `calibrate` (every 10 minutes): refit the skill model when enough new evidence has arrived
  since the last fit (`calibration_due`), swap it in atomically and re-estimate everyone;
- `refresh-estimates` (daily): re-estimate everyone, since skills fade without new evidence —
  logs verdict changes and assigns refreshers ahead of predicted fades;
- `adoption-figures` (every 15 minutes): recompute the adoption dashboard's stored per-unit figures of
  organisations too large to compute them per request (app.services.adoption.figures_for_view).
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Evidence, JobLease
from app.models.types import utcnow
from app.services.sql import insert_for

MAX_MESSAGE = 2000


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    lease: timedelta  # longer than the job can take; a crashed holder frees it after this
    run: Callable[[], str]


def _sweep() -> str:
    from app.services.attempts import sweep_expired

    return f"closed {sweep_expired()} expired attempt(s)"


def _refresh() -> str:
    from app.services.skill_model import refresh_all, scoring_bundle

    if scoring_bundle() is None:
        return "no skills to estimate"
    return f"re-estimated {refresh_all()} trainee(s)"


def calibration_due(now: datetime | None = None) -> str | None:
    """Why the model should be refitted now, or None. Due when there is no model yet but enough
    evidence to fit one, or when the evidence recorded since the last fit reaches `CALIBRATE_MIN_NEW`
    (default 200) or `CALIBRATE_SHARE` (default a tenth) of what the last fit saw, whichever is more."""
    from app.services.skill_model import MIN_OBSERVATIONS, current_bundle

    total = db.session.scalar(select(func.count(Evidence.id))) or 0
    _, card = current_bundle()
    if card is None:
        return f"no model yet and {total} answers to fit one" if total >= MIN_OBSERVATIONS else None
    if "last_evidence_id" in card:
        new = db.session.scalar(select(func.count(Evidence.id)).where(Evidence.id > card["last_evidence_id"])) or 0
    else:  # a card written before evidence ids were recorded
        new = max(total - card.get("responses", 0), 0)
    config = current_app.config
    needed = max(int(config.get("CALIBRATE_MIN_NEW", 200)),
                 int(card.get("responses", 0) * float(config.get("CALIBRATE_SHARE", 0.1))))
    return f"{new} new answers since the last fit (threshold {needed})" if new >= needed else None


def _send_messages() -> str:
    from app.services.messages import deliver_due

    counts = deliver_due()
    return f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}"


def _reminders() -> str:
    from app.services.notices import send_reminders

    counts = send_reminders()
    return f"queued {counts['due_soon']} reminder(s), {counts['overdue']} overdue notice(s), {counts['escalated']} escalation(s)"


def _digests() -> str:
    from app.services.notices import send_digests

    return f"queued {send_digests()} weekly digest(s)"


def _calibrate() -> str:
    from app.services.skill_fit import fit_model

    reason = calibration_due()
    if reason is None:
        return "not due"
    card = fit_model()
    return f"refitted: {reason}; now {card['responses']} answers, {card['items_and_checks']} items and checks"


def _adoption_figures() -> str:
    from app.services.adoption import refresh_figures

    return f"recomputed the figures of {refresh_figures()} business unit(s)"


JOBS: tuple[Job, ...] = (
    Job("sweep-attempts", timedelta(minutes=1), timedelta(minutes=10), _sweep),
    Job("send-messages", timedelta(seconds=15), timedelta(minutes=10), _send_messages),
    Job("send-reminders", timedelta(hours=1), timedelta(minutes=30), _reminders),
    Job("weekly-digest", timedelta(days=7), timedelta(hours=1), _digests),
    Job("calibrate", timedelta(minutes=10), timedelta(hours=2), _calibrate),
    Job("refresh-estimates", timedelta(days=1), timedelta(hours=2), _refresh),
    Job("adoption-figures", timedelta(minutes=15), timedelta(hours=1), _adoption_figures),
)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def take_lease(job: Job, holder: str, now: datetime) -> bool:
    """Take the job's lease if it is due and free: one statement, so only one taker can win."""
    db.session.execute(insert_for(JobLease).values(name=job.name).on_conflict_do_nothing(index_elements=["name"]))
    won = db.session.execute(
        update(JobLease).where(
            JobLease.name == job.name,
            or_(JobLease.lease_until.is_(None), JobLease.lease_until < now),
            or_(JobLease.last_started_at.is_(None), JobLease.last_started_at <= now - job.every))
        .values(holder=holder, lease_until=now + job.lease, last_started_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return won == 1


def _release(job: Job, holder: str, status: str, message: str) -> None:
    db.session.execute(update(JobLease).where(JobLease.name == job.name, JobLease.holder == holder)
                       .values(lease_until=None, last_finished_at=utcnow(), last_status=status,
                               last_message=message[:MAX_MESSAGE])
                       .execution_options(synchronize_session=False))
    db.session.commit()


def run_due(holder: str | None = None, now: datetime | None = None, only: set[str] | None = None) -> dict[str, str]:
    """Run every job that is due and whose lease this worker wins; name → what it did."""
    holder = holder or holder_name()
    done = {}
    for job in JOBS:
        if only is not None and job.name not in only:
            continue
        if not take_lease(job, holder, now or utcnow()):
            continue
        try:
            message = job.run()
            status = "ok"
        except Exception as error:  # a failed job is recorded and retried at its next interval
            db.session.rollback()
            current_app.logger.exception("background job %s failed", job.name)
            message, status = f"{type(error).__name__}: {error}", "failed"
        _release(job, holder, status, message)
        done[job.name] = message if status == "ok" else f"failed — {message}"
    return done


def status() -> list[JobLease]:
    return list(db.session.scalars(select(JobLease).order_by(JobLease.name)))
