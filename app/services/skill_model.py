"""The skill model in the app: fit it from all evidence, keep it in the instance folder, and keep
each person's mastery estimates current.

Model "items" are quiz items (by key) and scenario checks (`check:<key>`); their Q-matrix rows are
the skills recorded with the evidence. Evidence older than the last fit, or about items the model
has not seen yet, is kept and used at the next refit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Evidence, Item, MasteryEstimate, Objective, Skill, User
from app.models.types import utcnow
from app.services.errors import ValidationFailed
from app.services.sql import upsert
from app.skills import persistence
from app.skills.model import MasteryModel
from app.skills.adaptive import open_skills, select_next
from app.skills.person import at, days_until_below, explain, mastery, state_from, verdict

MIN_OBSERVATIONS = 50
DEFAULT_TARGET = 0.8
_cache: dict[str, object] = {}


def half_life() -> float:
    return float(current_app.config.get("SKILL_HALF_LIFE_DAYS", 180))


def model_folder() -> Path:
    return Path(current_app.instance_path) / "models"


def _days(when: datetime, origin: datetime) -> float:
    return (when - origin).total_seconds() / 86400.0


@dataclass
class Training:
    keys: list[str]
    skills: list[str]
    q: np.ndarray
    users: list[int]
    X: np.ndarray
    y: np.ndarray
    when: list[datetime]


def evidence_key(item_key: str | None, check_key: str | None) -> str:
    return item_key if item_key is not None else f"check:{check_key}"


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
    data = training_data()
    if len(data.y) < MIN_OBSERVATIONS:
        raise ValidationFailed(f"Only {len(data.y)} graded answers so far; the model needs {MIN_OBSERVATIONS}.")
    now = utcnow()
    weights = _weights(data.when, now)
    validation = _validate(data, weights)
    model = MasteryModel(data.q).fit(data.X, data.y, sample_weight=weights, n_persons=len(data.users),
                                     progress=progress)
    bundle = {"model": model, "keys": data.keys, "skills": data.skills}
    card = persistence.save(bundle, model_folder(), {
        "responses": int(len(data.y)), "persons": len(data.users), "items_and_checks": len(data.keys),
        "skills": data.skills, "structure": model.structure_, "iterations": model.n_iter_,
        "half_life_days": half_life(), "fitted_at": now.isoformat(), "validation": validation,
        "mastery_proportion": dict(zip(data.skills, map(float, model.mastery_proportion_.round(4))))})
    _cache.clear()
    refresh_all()
    return card


def _validate(data: Training, weights: np.ndarray) -> dict:
    """Held-out AUC and log loss on a random 20% of the evidence (for the model card)."""
    from sklearn.metrics import log_loss, roc_auc_score

    rng = np.random.default_rng(0)
    test = rng.random(len(data.y)) < 0.2
    truth = (data.y[test] >= 0.5).astype(int)
    if test.sum() < 10 or len(set(truth)) < 2:
        return {}
    model = MasteryModel(data.q).fit(data.X[~test], data.y[~test], sample_weight=weights[~test],
                                     n_persons=len(data.users))
    p = np.clip(model.predict_proba(data.X[test])[:, 1], 1e-6, 1 - 1e-6) if model.posterior_ is not None else None
    if p is None:
        return {}
    return {"held_out": int(test.sum()), "auc": float(roc_auc_score(truth, p)), "logloss": float(log_loss(truth, p))}


def current_bundle() -> tuple[dict | None, dict | None]:
    """The saved model (reloaded only when its card changes), or (None, None) before the first fit."""
    card = persistence.read_card(model_folder())
    if card is None:
        return None, None
    if _cache.get("sha") != card["sha256"]:
        try:
            bundle, card = persistence.load(model_folder())
        except persistence.ModelFileError as error:
            current_app.logger.warning("skill model not loaded: %s", error)
            return None, None
        _cache.update(sha=card["sha256"], bundle=bundle, card=card,
                      index={k: i for i, k in enumerate(bundle["keys"])})
    return _cache["bundle"], _cache["card"]


def objectives_for(user: User) -> dict[str, tuple[float, float]]:
    """skill slug → (target, weight) for the user's job role, unit overrides winning."""
    if user.job_role_id is None:
        return {}
    rows = db.session.execute(select(Skill.slug, Objective.target, Objective.weight, Objective.business_unit_id)
                              .join(Objective.skill).where(Objective.job_role_id == user.job_role_id)).all()
    result: dict[str, tuple[float, float]] = {}
    for slug, target, weight, unit_id in sorted(rows, key=lambda r: r[3] is not None):
        if unit_id is None or unit_id == user.business_unit_id:
            result[slug] = (target, weight)
    return result


def _person_evidence(user_id: int, index: dict[str, int]):
    rows = db.session.execute(
        select(Evidence.id, Item.key, Evidence.check_key, Evidence.score, Evidence.occurred_at, Item.stem)
        .outerjoin(Item, Item.id == Evidence.item_id).where(Evidence.user_id == user_id)
        .order_by(Evidence.occurred_at)).all()
    known = [r for r in rows if evidence_key(r[1], r[2]) in index]
    return known, len(rows) - len(known)


def assess(user: User, now: datetime | None = None, explain_top: int = 0) -> list[dict]:
    """Mastery, verdict, gap and (optionally) the evidence behind it, for every skill."""
    bundle, _ = current_bundle()
    now = now or utcnow()
    objectives = objectives_for(user)
    names = dict(db.session.execute(select(Skill.slug, Skill.name)).all())
    if bundle is None:
        return [{"slug": s, "name": n, "probability": None, "evidence": 0.0, "verdict": "not_enough_evidence",
                 "target": objectives.get(s, (DEFAULT_TARGET, 0.0))[0], "weight": objectives.get(s, (0, 0.0))[1],
                 "gap": None, "fades_in_days": None, "explanation": [], "pending": 0}
                for s, n in sorted(names.items())]
    model, index = bundle["model"], _cache["index"]
    known, pending = _person_evidence(user.id, index)
    origin = known[0][4] if known else now
    items = [index[evidence_key(r[1], r[2])] for r in known]
    scores = [r[3] for r in known]
    times = [_days(r[4], origin) for r in known]
    t_now = _days(now, origin)
    state = state_from(model, items, scores, times, half_life())
    probabilities = mastery(model, state, t_now, half_life())
    decay = 0.5 ** (max(t_now - state.t_ref, 0) / half_life())
    result = []
    for k, slug in enumerate(bundle["skills"]):
        target, weight = objectives.get(slug, (DEFAULT_TARGET, 0.0))
        p, ev = float(probabilities[k]), float(state.evidence[k] * decay)
        row = {"slug": slug, "name": names.get(slug, slug), "probability": p, "evidence": ev,
               "verdict": verdict(p, ev, target), "target": target, "weight": weight, "gap": max(0.0, target - p),
               "fades_in_days": None, "explanation": [], "pending": pending}
        if row["verdict"] == "proficient":
            row["fades_in_days"] = days_until_below(model, state, k, target, t_now, half_life())
        if explain_top:
            for c in explain(model, k, items, scores, times, t_now, half_life(), top=explain_top):
                r = known[c.index]
                row["explanation"].append({"what": r[5] or f"Exercise check {r[2]}", "score": c.score,
                                           "when": r[4], "effect": c.log_odds})
        result.append(row)
    return result


def refresh_person(user: User) -> list[dict]:
    rows = assess(user)
    ids = dict(db.session.execute(select(Skill.slug, Skill.id)).all())
    now = utcnow()
    upsert(MasteryEstimate, [{"user_id": user.id, "skill_id": ids[r["slug"]], "probability": r["probability"],
                              "evidence": r["evidence"], "target": r["target"], "verdict": r["verdict"],
                              "fades_in_days": r["fades_in_days"], "updated_at": now}
                             for r in rows if r["probability"] is not None and r["slug"] in ids],
           keys=["user_id", "skill_id"])
    db.session.commit()
    return rows


def refresh_all() -> int:
    people = list(db.session.scalars(select(User).where(User.role == "trainee", User.active.is_(True))))
    for person in people:
        refresh_person(person)
    return len(people)


def next_adaptive_item(user: User, answered: list[tuple[str, float]], pool: list[str], skills: list[str],
                       confidence: float) -> str | None:
    """The most informative next item from `pool` given the person's evidence plus this attempt's
    answers so far; None once every skill is classified (or the model cannot help)."""
    bundle, _ = current_bundle()
    if bundle is None:
        return None
    model, index = bundle["model"], _cache["index"]
    known, _ = _person_evidence(user.id, index)
    now = utcnow()
    origin = known[0][4] if known else now
    items = [index[evidence_key(r[1], r[2])] for r in known] + [index[k] for k, _ in answered if k in index]
    scores = [r[3] for r in known] + [s for k, s in answered if k in index]
    t_now = _days(now, origin)
    times = [_days(r[4], origin) for r in known] + [t_now for k, _ in answered if k in index]
    state = at(state_from(model, items, scores, times, half_life()), t_now, half_life())
    wanted = [bundle["skills"].index(s) for s in skills if s in bundle["skills"]]
    if not open_skills(mastery(model, state), wanted, confidence):
        return None
    asked = {k for k, _ in answered}
    candidates = [index[k] for k in pool if k in index and k not in asked]
    choice = select_next(model, state, candidates, wanted, confidence)
    return bundle["keys"][choice] if choice is not None else None
