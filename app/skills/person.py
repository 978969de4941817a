"""One person's mastery from their own evidence, with the calibrated parameters (no refit).

The state keeps, per skill and ability node, the log-likelihood of the person's answers on items
that measure that skill alone (if mastered / if not), plus each item's answers in brief for items
that measure several skills; the posterior is `inference.posterior` of those, the same computation
that fitted the model. An update after an answer touches one skill's row: O(nodes), then the
mastery of every skill is O(skills × nodes).

Repeats: answering an item again does not add a new piece of evidence. An item's evidence is the
weighted mean of its scores, with the weight of its most recent (heaviest) answer.

Recency: an answer's weight relative to the person's latest one is 0.5^(age / half-life), so a retry
after training outweighs the old failure.

Forgetting decays towards "unsure", never towards mastery: with no new evidence on a skill, its
log-odds of mastery shrink by 0.5^(days since that skill's latest evidence / half-life), so P moves
towards 0.5 from either side. Someone who failed stays on the not-mastered side (at most unsure);
someone who mastered it drifts down until, below the target, a refresher is due; and the evidence
count fades with the same factor, so an old verdict becomes "not enough evidence" rather than a
confident guess. The half-life is measured on timestamped data by `bench.forgetting`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from app.skills.inference import Posterior, Tables, add_several, posterior

PROFICIENT, WEAK, UNKNOWN = "proficient", "weak", "not_enough_evidence"
SWEEPS = 2  # mean-field passes when items measure several skills (the same as fitting's final scoring)
MIN_EVIDENCE = 2.0  # a verdict needs at least this much (recency-weighted) evidence on the skill


@dataclass
class PersonState:
    """A person's evidence as of `t_ref` (days). Per distinct item answered: Σ weight·score, Σ weight
    and the largest weight; per skill and node, the one-skill items' log-likelihood tables."""

    A0: np.ndarray  # skills × nodes
    A1: np.ndarray
    t_ref: float = 0.0
    items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weighted_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    total_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    top_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    last_seen: np.ndarray | None = None  # per skill: time of its latest evidence (-inf: none)

    def evidence_of(self, model) -> np.ndarray:
        """Per skill: the weight of the distinct items that measured it (each counted once)."""
        if not len(self.items):
            return np.zeros(model.n_skills_)
        return self.top_weight @ model.q_matrix_[self.items]


def _decay(days: float, half_life: float) -> float:
    return float(0.5 ** (max(days, 0.0) / half_life))


def empty_state(model, t: float = 0.0) -> PersonState:
    G, K = len(model.nodes_), model.n_skills_
    return PersonState(np.zeros((K, G)), np.zeros((K, G)), t, last_seen=np.full(K, -np.inf))


def _one_skill_rows(model, item: int, score: float, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """The item's log-likelihood (skill not mastered, mastered) per node, for a one-skill item."""
    success, failure = scoring_tables(model)
    return (weight * (score * success[item, 0] + (1 - score) * failure[item, 0]),
            weight * (score * success[item, 1] + (1 - score) * failure[item, 1]))


def scoring_tables(model) -> tuple[np.ndarray, np.ndarray]:
    """items × patterns × nodes log P(success), log P(failure): computed once per model."""
    cached = model.__dict__.get("_scoring_tables")
    if cached is None:
        from app.skills.inference import loglik_tables

        cached = loglik_tables(model, model.nodes_)
        model.__dict__["_scoring_tables"] = cached
    return cached


def observe(model, state: PersonState, item: int, score: float, t: float,
            half_life: float = 180.0, weight: float = 1.0) -> PersonState:
    """Add one graded observation (item index, score in [0, 1], time in days). Bad input is refused
    here, before it can turn the person's state into NaN for good."""
    n_items = len(model.sizes_)
    if not 0 <= item < n_items:
        raise ValueError(f"item index {item} is out of range (the model knows {n_items} items)")
    if not 0.0 <= score <= 1.0:  # also False for NaN
        raise ValueError(f"score must lie in [0, 1], not {score}")
    if not np.isfinite(t) or not (weight >= 0 and np.isfinite(weight)):
        raise ValueError(f"time must be a finite number of days and weight 0 or more (got t={t}, weight={weight})")
    if t >= state.t_ref:
        factor = _decay(t - state.t_ref, half_life)
        new = PersonState(state.A0 * factor, state.A1 * factor, t, state.items.copy(),
                          state.weighted_score * factor, state.total_weight * factor, state.top_weight * factor,
                          _seen(model, state).copy())
        w = weight
    else:  # an older observation arriving late: discount it instead of the state
        new = replace(state, A0=state.A0.copy(), A1=state.A1.copy(), items=state.items.copy(),
                      weighted_score=state.weighted_score.copy(), total_weight=state.total_weight.copy(),
                      top_weight=state.top_weight.copy(), last_seen=_seen(model, state).copy())
        w = weight * _decay(state.t_ref - t, half_life)
    measured = model.skills_of_[item, :model.sizes_[item]]
    new.last_seen[measured] = np.maximum(new.last_seen[measured], t)
    one_skill = model.sizes_[item] == 1
    skill = int(model.skills_of_[item, 0])
    where = np.flatnonzero(new.items == item)
    if len(where):  # a repeat: the item's evidence is re-read, not added to
        i = int(where[0])
        if one_skill and new.top_weight[i] > 0:
            old0, old1 = _one_skill_rows(model, item, new.weighted_score[i] / new.total_weight[i], new.top_weight[i])
            new.A0[skill] -= old0
            new.A1[skill] -= old1
        new.weighted_score[i] += w * score
        new.total_weight[i] += w
        new.top_weight[i] = max(new.top_weight[i], w)
    else:
        i = len(new.items)
        new.items = np.append(new.items, item)
        new.weighted_score = np.append(new.weighted_score, w * score)
        new.total_weight = np.append(new.total_weight, w)
        new.top_weight = np.append(new.top_weight, w)
    if one_skill and new.total_weight[i] > 0:
        add0, add1 = _one_skill_rows(model, item, new.weighted_score[i] / new.total_weight[i], new.top_weight[i])
        new.A0[skill] += add0
        new.A1[skill] += add1
    return new


def _seen(model, state: PersonState) -> np.ndarray:
    return state.last_seen if state.last_seen is not None else np.full(model.n_skills_, -np.inf)


def state_from(model, items, scores, times, half_life: float = 180.0) -> PersonState:
    order = np.argsort(np.asarray(times, dtype=float), kind="stable")
    state = empty_state(model, float(times[order[0]]) if len(order) else 0.0)
    for i in order:
        state = observe(model, state, int(items[i]), float(scores[i]), float(times[i]), half_life)
    return state


def at(state: PersonState, t: float, half_life: float = 180.0) -> PersonState:
    """The same evidence seen from a later time t (older evidence weighs less)."""
    if t <= state.t_ref:
        return state
    factor = _decay(t - state.t_ref, half_life)
    return PersonState(state.A0 * factor, state.A1 * factor, t, state.items, state.weighted_score * factor,
                       state.total_weight * factor, state.top_weight * factor, state.last_seen)


def person_posterior(model, state: PersonState) -> Posterior:
    """The posterior over ability nodes and skills (a batch of one), as of the latest evidence."""
    return person_tables(model, state)[1]


def person_tables(model, state: PersonState) -> tuple[Tables, Posterior]:
    """The person's evidence tables (several-skill items read at the final mean-field pass) and the
    posterior they give."""
    G = len(model.nodes_)
    base = Tables(state.A0[None], state.A1[None], np.zeros((1, G)))
    several = model.sizes_[state.items] > 1 if len(state.items) else np.zeros(0, dtype=bool)
    if not several.any():
        return base, posterior(model, base)
    items = state.items[several]
    scores = state.weighted_score[several] / np.maximum(state.total_weight[several], 1e-300)
    weights = state.top_weight[several]
    persons = np.zeros(len(items), dtype=np.int64)
    others = None  # the first pass reads the other skills at the population's share
    for _ in range(SWEEPS):
        tables = Tables(base.A0.copy(), base.A1.copy(), base.offset.copy())
        add_several(model, scoring_tables(model), persons, items, scores, weights, others, tables)
        post = posterior(model, tables)
        others = post.given_node
    return tables, post


def retention(model, state: PersonState, t: float | None, half_life: float) -> np.ndarray:
    """Per skill, the share of its evidence's log-odds still held at time t (1 at its latest evidence)."""
    seen = _seen(model, state)
    if t is None:
        return np.ones(model.n_skills_)
    age = np.where(np.isfinite(seen), np.maximum(t - seen, 0.0), 0.0)
    return 0.5 ** (age / half_life)


def fade(p: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """P(mastered) with its log-odds multiplied by `kept` (1: as measured; 0: even odds)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return 1 / (1 + np.exp(-kept * (np.log(p) - np.log1p(-p))))


def mastery(model, state: PersonState, t: float | None = None, half_life: float = 180.0) -> np.ndarray:
    """P(mastered) for each skill at time t (default: at the latest evidence)."""
    return fade(person_posterior(model, state).mastery[0], retention(model, state, t, half_life))


def evidence(model, state: PersonState, t: float | None = None, half_life: float = 180.0) -> np.ndarray:
    """Per skill, the recency-weighted count of distinct items that measured it, as of t."""
    factor = 1.0 if t is None else _decay(t - state.t_ref, half_life)
    return state.evidence_of(model) * factor


def verdict(probability: float, evidence: float, target: float = 0.8, min_evidence: float = MIN_EVIDENCE) -> str:
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


def explain(model, skill: int, items, scores, times, now: float, half_life: float = 180.0,
            top: int = 5) -> list[Contribution]:
    """The observations that moved P(mastered skill) the most, each with its log-odds effect:
    log P(score | mastered) − log P(score | not mastered), averaged over the person's current
    posterior (ability and the item's other skills), times the observation's recency weight."""
    state = state_from(model, items, scores, times, half_life)
    post = person_posterior(model, state)
    theta, given = post.theta[0], post.given_node[0]  # nodes; skills × nodes
    success, _ = scoring_tables(model)
    rows = []
    for index, (item, score, t) in enumerate(zip(items, scores, times)):
        item = int(item)
        if not model.q_matrix_[item, skill]:
            continue
        size = int(model.sizes_[item])
        skills = list(model.skills_of_[item, :size])
        b = skills.index(skill)
        p = np.exp(success[item, :2 ** size])  # patterns × nodes
        like = score * p + (1 - score) * (1 - p)
        sides = [np.zeros(len(theta)), np.zeros(len(theta))]
        for g in range(2 ** size):
            weight = np.ones(len(theta))
            for position, k in enumerate(skills):
                if position != b:
                    weight = weight * (given[k] if g >> position & 1 else 1 - given[k])
            sides[g >> b & 1] += weight * like[g]
        effect = np.log(theta @ sides[1]) - np.log(theta @ sides[0])
        w = _decay(now - t, half_life)
        rows.append(Contribution(index, item, float(score), w, float(w * effect)))
    return sorted(rows, key=lambda c: -abs(c.log_odds))[:top]


def days_until_below(model, state: PersonState, skill: int, threshold: float, now: float,
                     half_life: float = 180.0, horizon: float = 730.0) -> float | None:
    """Days from `now` until P(mastered) falls below `threshold` if no new evidence arrives; 0 when it
    already is, None when it stays above it within the horizon. Closed form: the log-odds L at the
    skill's latest evidence shrink as L·0.5^(age / half-life), crossing logit(threshold) at age
    half-life·log2(L / logit(threshold))."""
    p_now = mastery(model, state, now, half_life)[skill]
    if p_now < threshold:
        return 0.0
    seen = _seen(model, state)[skill]
    p = float(np.clip(person_posterior(model, state).mastery[0, skill], 1e-12, 1 - 1e-12))
    log_odds, bar = np.log(p / (1 - p)), np.log(threshold / (1 - threshold))
    if bar <= 0 or not np.isfinite(seen):  # a threshold at or below even odds is never crossed by fading
        return None
    days = seen + half_life * np.log2(log_odds / bar) - now
    return round(float(days), 1) if days <= horizon else None
