"""Domain events: "evidence was recorded" is sent once a quiz or exercise has been graded and its
evidence committed. Whatever must follow at once listens here instead of the grading code calling
each service in turn:

- module progress: a module whose closing check was just passed is completed (`training`);
- the skill model: the person's verdicts are re-estimated, changes logged, refreshers assigned
  (`skill_model`).

Every listener runs in the request that recorded the evidence, so the very next page (result,
home, path, profile, the trainer's heatmap) already reflects it. A listener that fails is logged
and rolled back; the grade and the evidence are already saved, and the worker's daily refresh
catches up.
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app

from app.extensions import db

_signals = Namespace()
evidence_recorded = _signals.signal("evidence-recorded")


def record_evidence(user, attempt) -> None:
    """Tell every listener that `user` has new graded evidence from `attempt` (already committed)."""
    for receiver in list(evidence_recorded.receivers_for(attempt)):
        try:
            receiver(attempt, user=user)
        except Exception:  # the evidence is saved; this follow-up is retried by the worker's refresh
            db.session.rollback()
            current_app.logger.exception("after evidence of attempt %s: %r failed", attempt.id, receiver)


def connect_listeners() -> None:
    """Wire the services that follow new evidence (called once by the app factory)."""
    from app.services import skill_model, training

    if evidence_recorded.receivers:
        return
    evidence_recorded.connect(training.on_evidence, weak=False)
    evidence_recorded.connect(skill_model.on_evidence, weak=False)
