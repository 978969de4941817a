"""The fitted skill model in the database (`stored_model`): saved by a refit, read by every app server
and the worker, so servers hold no state of their own and one refit is seen by all of them.

Swapping is one committed INSERT: a reader sees the previous model or the new one, never a mix. The
bytes are checked against their card's SHA-256 before they are unpickled (`app.skills.persistence`).
The newest two models are kept (a reader that looked a moment ago may still be loading the other).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import delete, select

from app.extensions import db
from app.models import StoredModel
from app.skills import persistence

KEEP = 2


@dataclass(frozen=True)
class Head:
    id: int
    sha256: str


def save(model: Any, card: dict[str, Any]) -> dict[str, Any]:
    """Store the model with its card and make it the one in use (commits)."""
    data, full = persistence.dump(model, card)
    db.session.add(StoredModel(sha256=full["sha256"], card=full, data=data))
    db.session.flush()
    kept = select(StoredModel.id).order_by(StoredModel.id.desc()).limit(KEEP).scalar_subquery()
    db.session.execute(delete(StoredModel).where(StoredModel.id.not_in(kept)))
    db.session.commit()
    g.pop("model_head", None) if has_request_context() else None
    return full


def head() -> Head | None:
    """The model in use (its row and hash), asked once per request; None before the first fit."""
    if has_request_context() and "model_head" in g:
        return g.model_head
    row = db.session.execute(select(StoredModel.id, StoredModel.sha256).order_by(StoredModel.id.desc()).limit(1)).first()
    found = Head(row.id, row.sha256) if row else None
    if found is None:
        found = _adopt_files()
    if has_request_context():
        g.model_head = found
    return found


def card() -> dict[str, Any] | None:
    found = head()
    return db.session.scalar(select(StoredModel.card).where(StoredModel.id == found.id)) if found else None


def load(found: Head) -> tuple[Any, dict[str, Any]]:
    """The model and its card; ModelFileError when the stored bytes do not match the card."""
    row = db.session.get(StoredModel, found.id)
    if row is None:
        raise persistence.ModelFileError("the skill model was replaced while it was being read; try again")
    if row.sha256 != row.card.get("sha256"):
        raise persistence.ModelFileError("the stored skill model does not match its card; refusing to load it")
    return persistence.load(row.data, row.card), row.card


def _adopt_files() -> Head | None:
    """A deployment upgraded from model files on one machine's disk (`instance/models/`, before the
    model moved into the database): its model is taken in once, if its hash checks out."""
    folder = Path(current_app.instance_path) / "models"
    card_path = folder / "skill-model.json"
    if not card_path.exists():
        return None
    try:
        old = json.loads(card_path.read_text())
        data = (folder / Path(str(old.get("model_file", ""))).name).read_bytes()
        persistence.load(data, old)
    except (OSError, ValueError, persistence.ModelFileError) as error:
        current_app.logger.warning("the skill model files in %s were not taken in: %s", folder, error)
        return None
    row = StoredModel(sha256=old["sha256"], card={**old, "adopted_from": "instance/models"}, data=data)
    db.session.add(row)
    db.session.commit()
    current_app.logger.info("skill model %s taken into the database from %s", old["sha256"][:12], folder)
    return Head(row.id, row.sha256)
