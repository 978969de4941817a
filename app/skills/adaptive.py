"""Adaptive item selection: ask the item expected to tell us most about the skills still open.

The next item minimises the expected entropy of the targeted skills' mastery after its answer
(averaged over a right and a wrong answer, weighted by how likely each is for this person). The
test stops when every targeted skill is classified — P(mastered) ≥ target or ≤ 1 − target — or at
the maximum length.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.skills.model import MasteryModel
from app.skills.person import PersonState, observe, profile_posterior


def _entropy(p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-(p * np.log(p) + (1 - p) * np.log(1 - p)).sum())


def open_skills(marginals: np.ndarray, skills: list[int], target: float) -> list[int]:
    return [k for k in skills if 1 - target < marginals[k] < target]


def select_next(model: MasteryModel, state: PersonState, candidates: list[int], skills: list[int],
                target: float = 0.8) -> int | None:
    """Index of the most informative candidate item for the open skills (None if nothing helps)."""
    post = profile_posterior(model, state)
    marginals = post @ model.patterns_
    wanted = open_skills(marginals, skills, target) or skills
    relevant = [j for j in candidates if model.q_matrix_[j, wanted].any()]
    if not relevant:
        return None
    P = model.profile_P_[relevant]  # candidates × profiles
    A = model.patterns_[:, wanted]
    p_right = P @ post
    right = (post * P) / np.maximum(p_right[:, None], 1e-300)
    wrong = (post * (1 - P)) / np.maximum(1 - p_right[:, None], 1e-300)
    expected = [p_right[i] * _entropy(right[i] @ A) + (1 - p_right[i]) * _entropy(wrong[i] @ A)
                for i in range(len(relevant))]
    return relevant[int(np.argmin(expected))]


@dataclass
class AdaptiveResult:
    items: list[int]
    marginals: np.ndarray


def run_adaptive(model: MasteryModel, answer, pool: list[int], skills: list[int], target: float = 0.8,
                 max_items: int = 40) -> AdaptiveResult:
    """Simulate or drive an adaptive test: `answer(item) -> score` is asked for each chosen item."""
    state = PersonState(np.zeros(len(model.patterns_)), 0.0, np.zeros(model.n_skills_))
    asked: list[int] = []
    remaining = list(pool)
    while len(asked) < max_items and remaining:
        marginals = profile_posterior(model, state) @ model.patterns_
        if not open_skills(marginals, skills, target):
            break
        item = select_next(model, state, remaining, skills, target)
        if item is None:
            break
        state = observe(model, state, item, answer(item), 0.0)
        asked.append(item)
        remaining.remove(item)
    return AdaptiveResult(asked, profile_posterior(model, state) @ model.patterns_)
