"""Fitting the skill model from all evidence in the app: the training data (one row per graded
answer, a Q-matrix row per item or check from the skills recorded with its evidence), recency
weights, a validation on people held out of the fit, and the saved model with its card. Reading the
model and scoring people is `skill_model`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select

from app.extensions import db
from app.models import Evidence, Item, Skill
from app.models.types import utcnow
from app.services import model_store
from app.services.errors import ValidationFailed
from app.services.skill_model import (MIN_OBSERVATIONS, _cache, _days, evidence_key, half_life,
                                      refresh_all)
from app.skills.model import MasteryModel


@dataclass
class Training:
    keys: list[str]
    skills: list[str]
    q: np.ndarray
    users: list[int]
    X: np.ndarray
    y: np.ndarray
    when: list[datetime]



def training_data() -> Training:
    rows = db.session.execute(
        select(Evidence.user_id, Item.key, Evidence.check_key, Evidence.skills, Evidence.score, Evidence.occurred_at)
        .outerjoin(Item, Item.id == Evidence.item_id).order_by(Evidence.id)).all()
    skills = list(db.session.scalars(select(Skill.slug).where(Skill.active.is_(True)).order_by(Skill.slug)))
    column = {s: k for k, s in enumerate(skills)}
    keys: dict[str, int] = {}
    q_rows: list[np.ndarray] = []
    users: dict[int, int] = {}
    X, y, when = [], [], []
    for user_id, item_key, check_key, tags, score, occurred in rows:
        tags = [t for t in tags if t in column]
        if not tags:
            continue
        key = evidence_key(item_key, check_key)
        if key not in keys:
            keys[key] = len(keys)
            row = np.zeros(len(skills), dtype=np.int8)
            row[[column[t] for t in tags]] = 1
            q_rows.append(row)
        X.append((users.setdefault(user_id, len(users)), keys[key]))
        y.append(min(max(score, 0.0), 1.0))
        when.append(occurred)
    return Training(list(keys), skills, np.array(q_rows).reshape(-1, len(skills)), list(users),
                    np.array(X, dtype=np.int64).reshape(-1, 2), np.array(y), when)


def _weights(when: list[datetime], now: datetime) -> np.ndarray:
    return np.array([0.5 ** (max(_days(now, w), 0.0) / half_life()) for w in when])


def fit_model(progress=None) -> dict:
    """Refit from all evidence, save the model beside its card and refresh every estimate."""
    last_evidence_id = db.session.scalar(select(func.max(Evidence.id))) or 0
    data = training_data()
    if len(data.y) < MIN_OBSERVATIONS:
        raise ValidationFailed(f"Only {len(data.y)} graded answers so far; the model needs {MIN_OBSERVATIONS}.")
    now = utcnow()
    weights = _weights(data.when, now)
    validation = _validate(data, weights)
    model = MasteryModel(data.q).fit(data.X, data.y, sample_weight=weights, n_persons=len(data.users),
                                     progress=progress)
    bundle = {"model": model.without_people(), "keys": data.keys, "skills": data.skills}
    card = model_store.save(bundle, {
        "responses": int(len(data.y)), "persons": len(data.users), "items_and_checks": len(data.keys),
        "skills": data.skills, "iterations": model.n_iter_,
        "half_life_days": half_life(), "fitted_at": now.isoformat(), "validation": validation,
        "last_evidence_id": int(last_evidence_id),
        "mastery_proportion": dict(zip(data.skills, map(float, model.mastery_proportion_.round(4))))})
    _cache.clear()
    refresh_all()
    return card


def _validate(data: Training, weights: np.ndarray) -> dict:
    """How well the model predicts people it was not fitted on, for the model card: fitted on 80 % of
    the people, each of the others is scored from a random half of their answers and the other half
    is predicted — the product's own case (`bench.evaluate`'s person split), at any size."""
    from sklearn.metrics import log_loss, roc_auc_score

    rng = np.random.default_rng(0)
    new = rng.random(len(data.users)) < 0.2
    rows = np.flatnonzero(new[data.X[:, 0]]) if len(data.X) else np.zeros(0, dtype=np.int64)
    order = rows[np.lexsort((rng.random(len(rows)), data.X[rows, 0]))]  # by person, shuffled within
    people = data.X[order, 0]
    first = np.searchsorted(people, people)  # where each person's run starts
    seen, target = order[(np.arange(len(order)) - first) % 2 == 0], order[(np.arange(len(order)) - first) % 2 == 1]
    truth = (data.y[target] >= 0.5).astype(int)
    if len(target) < 10 or len(set(truth)) < 2:
        return {}
    train = ~new[data.X[:, 0]]
    model = MasteryModel(data.q).fit(data.X[train], data.y[train], sample_weight=weights[train],
                                     n_persons=len(data.users))
    local = np.cumsum(new) - 1  # the new people, numbered 0..n-1
    post = model.score(np.column_stack([local[data.X[seen, 0]], data.X[seen, 1]]), data.y[seen],
                       sample_weight=weights[seen], n_persons=int(new.sum()))
    p = np.clip(model.predict_scored(post, np.column_stack([local[data.X[target, 0]], data.X[target, 1]])),
                1e-6, 1 - 1e-6)
    return {"protocol": "new people: scored from half their answers, the other half predicted",
            "people": int(new.sum()), "held_out": int(len(target)), "auc": float(roc_auc_score(truth, p)),
            "logloss": float(log_loss(truth, p, labels=[0, 1]))}
