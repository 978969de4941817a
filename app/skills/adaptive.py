"""Adaptive item selection: ask the item expected to tell us most about the skills still open.

The next item minimises the expected entropy of the targeted skills' mastery after its answer
(averaged over a right and a wrong answer, weighted by how likely each is for this person). A skill
stops being asked about once it has the evidence a verdict needs (`person.verdict`'s two items) and
either it is classified — P(mastered) ≥ target or ≤ 1 − target — or the rest of the test could not
change it: in none of `SIMULATIONS` completions drawn from the person's posterior (ability, mastery
of every skill, then an answer to each remaining item on the skill, an item answered before read as
a repeat) does its P(mastered) end on the other side of even odds (stochastic curtailment). So a short test says what the whole pool would
have said, and a person on the line is asked until the pool is spent or can no longer move them.
The test stops when no targeted skill is open, or at the maximum length.

Every candidate is scored at once: each hypothetical answer is added to the person's evidence
tables as a batch (candidates × skills × nodes), the other skills of a several-skill candidate read
at the person's current posterior, and `inference.posterior` gives each outcome's mastery.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.skills.inference import Batch, Tables, accumulate, posterior, predict
from app.skills.person import (MIN_EVIDENCE, PersonState, empty_state, evidence, mastery, observe, person_tables,
                               scoring_tables)


SIMULATIONS = 64  # completions of the test drawn from the posterior when judging whether the rest could change a skill


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p)).sum(axis=-1)


def open_skills(model, state: PersonState, skills: list[int], remaining, target: float,
                min_evidence: float = MIN_EVIDENCE) -> list[int]:
    """The targeted skills still to ask about: fewer items of evidence than a verdict needs, or not
    yet classified at `target` while the `remaining` items (those not asked yet) could still change
    which side of even odds the skill is on."""
    p, have = mastery(model, state), evidence(model, state)
    thin = [k for k in skills if round(float(have[k]), 1) < min_evidence]
    unsure = [k for k in skills if k not in thin and 1 - target < p[k] < target]
    movable = could_change(model, state, unsure, remaining)
    return [k for k in skills if k in thin or (k in unsure and movable[unsure.index(k)])]


def could_change(model, state: PersonState, skills: list[int], remaining, simulations: int = SIMULATIONS,
                 seed: int = 0) -> np.ndarray:
    """Per skill in `skills`: whether answering every remaining item that measures it would leave its
    P(mastered) on the other side of even odds in at least one of `simulations` completions drawn from
    the person's posterior. All skills' completions are scored as one batch; the draws are seeded, so
    the same evidence always gives the same answer."""
    remaining = np.asarray(list(remaining), dtype=np.int64)
    out = np.zeros(len(skills), dtype=bool)
    on_skill = [remaining[model.q_matrix_[remaining, k] == 1] if len(remaining) else remaining for k in skills]
    todo = [n for n, items in enumerate(on_skill) if len(items)]
    if not todo:
        return out
    base, post = person_tables(model, state)
    theta, given = post.theta[0], post.given_node[0]  # nodes; skills × nodes
    rng = np.random.default_rng(seed)
    M, n = simulations, len(todo)
    node = rng.choice(len(theta), size=(n, M), p=theta / theta.sum())
    mastered = rng.random((n, M, model.n_skills_)) < given.T[node]  # a mastery draw of every skill per completion
    persons, items, scores, weights = [], [], [], []
    earlier = {int(j): i for i, j in enumerate(state.items)}
    sums, totals, tops = (np.append(x, 0.0) for x in (state.weighted_score, state.total_weight, state.top_weight))
    success, _ = scoring_tables(model)
    width = model.skills_of_.shape[1]
    for row, n_skill in enumerate(todo):
        asked = on_skill[n_skill]
        own = model.skills_of_[asked]  # items × width (−1 padded)
        bits = np.where(own >= 0, mastered[row][:, np.maximum(own, 0)], False)  # M × items × width
        pattern = (bits * (1 << np.arange(width))).sum(axis=2)
        p_right = np.exp(success[asked[None, :], pattern, node[row][:, None]])
        answers = (rng.random(p_right.shape) < p_right).astype(float)  # M × items
        # an item answered before is re-read, as the scorer does: its evidence becomes the weighted
        # mean of old and new scores (its old reading is taken back out with a negative weight)
        at = np.array([earlier.get(int(j), -1) for j in asked])  # −1: not answered before (the zero row)
        old_sum, old_total, old_top = sums[at], totals[at], tops[at]
        merged = (old_sum[None, :] + answers) / (old_total[None, :] + 1.0)
        persons.append(np.repeat(row * M + np.arange(M), len(asked)))
        items.append(np.tile(asked, M))
        scores.append(merged.ravel())
        weights.append(np.tile(np.maximum(old_top, 1.0), M))
        seen = old_total > 0
        if seen.any():
            persons.append(np.repeat(row * M + np.arange(M), seen.sum()))
            items.append(np.tile(asked[seen], M))
            scores.append(np.tile(old_sum[seen] / old_total[seen], M))
            weights.append(np.tile(-old_top[seen], M))
    batch = Batch.of(model, np.concatenate(persons), np.concatenate(items), np.concatenate(scores),
                     np.concatenate(weights), n * M)
    others = np.broadcast_to(given, (n * M,) + given.shape)
    delta = accumulate(model, batch, others)
    after = posterior(model, Tables(base.A0 + delta.A0, base.A1 + delta.A1, base.offset + delta.offset))
    now = post.mastery[0] > 0.5
    for row, n_skill in enumerate(todo):
        k = skills[n_skill]
        out[n_skill] = bool(((after.mastery[row * M:(row + 1) * M, k] > 0.5) != now[k]).any())
    return out


def expected_entropy(model, state: PersonState, candidates: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Per candidate item: the expected entropy of the wanted skills' mastery after its answer."""
    base, post = person_tables(model, state)
    n = len(candidates)
    others = np.broadcast_to(post.given_node, (n,) + post.given_node.shape[1:])
    p_right = predict(model, np.repeat(post.theta, n, axis=0), others, candidates)
    expected = np.zeros(n)
    for outcome, likely in ((1.0, p_right), (0.0, 1 - p_right)):
        batch = Batch.of(model, np.arange(n), candidates, np.full(n, outcome), np.ones(n), n)
        delta = accumulate(model, batch, others)
        after = posterior(model, Tables(base.A0 + delta.A0, base.A1 + delta.A1, base.offset + delta.offset))
        expected += likely * _entropy(after.mastery[:, wanted])
    return expected


def select_next(model, state: PersonState, candidates: list[int], skills: list[int],
                target: float = 0.8, still_open: list[int] | None = None) -> int | None:
    """Index of the most informative candidate item for the open skills (None if nothing helps);
    `still_open`: `open_skills` already computed for this state and these candidates."""
    if still_open is None:
        still_open = open_skills(model, state, skills, candidates, target)
    wanted = still_open or list(skills)
    relevant = np.array([j for j in candidates if model.q_matrix_[j, wanted].any()], dtype=np.int64)
    if not len(relevant):
        return None
    return int(relevant[int(np.argmin(expected_entropy(model, state, relevant, wanted)))])


@dataclass
class AdaptiveResult:
    items: list[int]
    marginals: np.ndarray


def run_adaptive(model, answer, pool: list[int], skills: list[int], target: float = 0.8,
                 max_items: int = 40) -> AdaptiveResult:
    """Simulate or drive an adaptive test: `answer(item) -> score` is asked for each chosen item."""
    state = empty_state(model)
    asked: list[int] = []
    remaining = list(pool)
    while len(asked) < max_items and remaining:
        still_open = open_skills(model, state, skills, remaining, target)
        if not still_open:
            break
        item = select_next(model, state, remaining, skills, target, still_open)
        if item is None:
            break
        state = observe(model, state, item, answer(item), 0.0)
        asked.append(item)
        remaining.remove(item)
    return AdaptiveResult(asked, mastery(model, state))
