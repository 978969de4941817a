"""One person's mastery from their own evidence, with the calibrated item parameters (no refit).

Forgetting: every observation's log-likelihood is weighted by 0.5^(age / half-life), so old
evidence counts less and, without new evidence, the estimate drifts back towards the population.
Because the decay is exponential, the weighted sum can be kept incrementally: the state stores
the sum as of its reference time and an update costs one pass over the 2^K profiles.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from app.skills.model import MasteryModel

PROFICIENT, WEAK, UNKNOWN = "proficient", "weak", "not_enough_evidence"


@dataclass
class PersonState:
    """Weighted log-likelihood of the person's evidence over all profiles, as of `t_ref` (days)."""

    log_lik: np.ndarray
    t_ref: float = 0.0
    evidence: np.ndarray = field(default_factory=lambda: np.zeros(0))  # weighted evidence per skill


def _decay(days: float, half_life: float) -> float:
    return float(0.5 ** (max(days, 0.0) / half_life))


def empty_state(model: MasteryModel, t: float = 0.0) -> PersonState:
    return PersonState(np.zeros(len(model.patterns_)), t, np.zeros(model.n_skills_))


def observe(model: MasteryModel, state: PersonState, item: int, score: float, t: float,
            half_life: float = 180.0, weight: float = 1.0) -> PersonState:
    """Add one graded observation (item index, score in [0, 1], time in days). O(2^K). Bad input is
    refused here, before it can turn the person's state into NaN for good."""
    if not 0 <= item < len(model.profile_P_):
        raise ValueError(f"item index {item} is out of range (the model knows {len(model.profile_P_)} items)")
    if not 0.0 <= score <= 1.0:  # also False for NaN
        raise ValueError(f"score must lie in [0, 1], not {score}")
    if not np.isfinite(t) or not (weight >= 0 and np.isfinite(weight)):
        raise ValueError(f"time must be a finite number of days and weight 0 or more (got t={t}, weight={weight})")
    factor = _decay(t - state.t_ref, half_life) if t >= state.t_ref else 1.0
    p = model.profile_P_[item]
    if t >= state.t_ref:
        base, ev, t_ref, w = state.log_lik * factor, state.evidence * factor, t, weight
    else:  # an older observation arriving late: discount it instead of the state
        base, ev, t_ref, w = state.log_lik, state.evidence, state.t_ref, weight * _decay(state.t_ref - t, half_life)
    log_lik = base + w * (score * np.log(p) + (1 - score) * np.log1p(-p))
    return PersonState(log_lik, t_ref, ev + w * model.q_matrix_[item])


def state_from(model: MasteryModel, items, scores, times, half_life: float = 180.0) -> PersonState:
    order = np.argsort(times, kind="stable")
    state = empty_state(model, float(times[order[0]]) if len(order) else 0.0)
    for i in order:
        state = observe(model, state, int(items[i]), float(scores[i]), float(times[i]), half_life)
    return state


def at(state: PersonState, t: float, half_life: float = 180.0) -> PersonState:
    """The same evidence seen from a later time t (older evidence weighs less)."""
    if t <= state.t_ref:
        return state
    factor = _decay(t - state.t_ref, half_life)
    return PersonState(state.log_lik * factor, t, state.evidence * factor)


def profile_posterior(model: MasteryModel, state: PersonState, t: float | None = None,
                      half_life: float = 180.0) -> np.ndarray:
    factor = 1.0 if t is None else _decay(t - state.t_ref, half_life)
    log_post = np.log(model.class_weights_) + factor * state.log_lik
    return np.exp(log_post - logsumexp(log_post))


def mastery(model: MasteryModel, state: PersonState, t: float | None = None, half_life: float = 180.0) -> np.ndarray:
    """P(mastered) for each skill."""
    return profile_posterior(model, state, t, half_life) @ model.patterns_


def verdict(probability: float, evidence: float, target: float = 0.8, min_evidence: float = 2.0) -> str:
    """Proficient when the model is at least `target` sure the skill is mastered; weak when it is at
    least `target` sure it is not; otherwise (or with too little evidence) not enough evidence yet.
    Evidence is recency-weighted, so it is compared as shown, to one decimal: two answers given a
    minute (or a few days) ago are two answers, not 1.9999 of them."""
    if round(evidence, 1) < min_evidence:
        return UNKNOWN
    if probability >= target:
        return PROFICIENT
    if probability <= 1 - target:
        return WEAK
    return UNKNOWN


@dataclass(frozen=True)
class Contribution:
    index: int  # position in the evidence list given to explain()
    item: int
    score: float
    weight: float
    log_odds: float  # how much this observation moved the odds of mastery (natural log)


def explain(model: MasteryModel, skill: int, items, scores, times, now: float, half_life: float = 180.0,
            top: int = 5) -> list[Contribution]:
    """The observations that moved P(mastered skill) the most, each with its log-odds effect:
    log P(score | mastered) − log P(score | not mastered), other skills averaged over the person's
    current posterior, times the observation's recency weight."""
    state = state_from(model, items, scores, times, half_life)
    post = profile_posterior(model, state, now, half_life)
    has = model.patterns_[:, skill] == 1
    post_yes, post_no = post * has, post * ~has
    post_yes /= max(post_yes.sum(), 1e-300)
    post_no /= max(post_no.sum(), 1e-300)
    rows = []
    for index, (item, score, t) in enumerate(zip(items, scores, times)):
        if not model.q_matrix_[item, skill]:
            continue
        p = model.profile_P_[item]
        like = score * p + (1 - score) * (1 - p)
        weight = _decay(now - t, half_life)
        rows.append(Contribution(index, int(item), float(score), weight,
                                 float(weight * (np.log(post_yes @ like) - np.log(post_no @ like)))))
    return sorted(rows, key=lambda c: -abs(c.log_odds))[:top]


def days_until_below(model: MasteryModel, state: PersonState, skill: int, threshold: float, now: float,
                     half_life: float = 180.0, horizon: float = 730.0) -> float | None:
    """Days from `now` until P(mastered) falls below `threshold` if no new evidence arrives; 0 when it
    already is, None when it stays above it within the horizon."""
    def p_at(days):
        return mastery(model, state, now + days, half_life)[skill]

    if p_at(0) < threshold:
        return 0.0
    if p_at(horizon) >= threshold:
        return None
    low, high = 0.0, horizon
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if p_at(mid) >= threshold else (low, mid)
    return round(high, 1)
