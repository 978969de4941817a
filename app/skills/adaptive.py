"""Adaptive item selection: ask the item expected to tell us most about the skills still open.

The next item minimises the expected entropy of the targeted skills' mastery after its answer
(averaged over a right and a wrong answer, weighted by how likely each is for this person). The
test stops when every targeted skill is classified — P(mastered) ≥ target or ≤ 1 − target, on at
least the evidence a verdict needs (`person.verdict`'s two items) — or at the maximum length.

Every candidate is scored at once: each hypothetical answer is added to the person's evidence
tables as a batch (candidates × skills × nodes), the other skills of a several-skill candidate read
at the person's current posterior, and `inference.posterior` gives each outcome's mastery.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.skills.inference import Batch, Tables, accumulate, posterior, predict
from app.skills.person import MIN_EVIDENCE, PersonState, empty_state, evidence, mastery, observe, person_tables


MAX_PER_SKILL = 8.0  # an adaptive test stops asking about a skill still unclassified after this many items


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p)).sum(axis=-1)


def open_skills(marginals: np.ndarray, skills: list[int], target: float, evidence: np.ndarray | None = None,
                min_evidence: float = MIN_EVIDENCE, max_evidence: float = MAX_PER_SKILL) -> list[int]:
    """The skills not yet classified, or classified on less evidence than a verdict needs. A skill
    still unclassified after `max_evidence` items is closed too: someone that close to the line
    stays "not enough evidence" on a longer test as well, and more items on it only lengthen it."""
    if evidence is None:
        return [k for k in skills if 1 - target < marginals[k] < target]
    return [k for k in skills if round(float(evidence[k]), 1) < min_evidence
            or (1 - target < marginals[k] < target and evidence[k] < max_evidence)]


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
                target: float = 0.8) -> int | None:
    """Index of the most informative candidate item for the open skills (None if nothing helps)."""
    wanted = open_skills(mastery(model, state), skills, target, evidence(model, state)) or list(skills)
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
        if not open_skills(mastery(model, state), skills, target, evidence(model, state)):
            break
        item = select_next(model, state, remaining, skills, target)
        if item is None:
            break
        state = observe(model, state, item, answer(item), 0.0)
        asked.append(item)
        remaining.remove(item)
    return AdaptiveResult(asked, mastery(model, state))
