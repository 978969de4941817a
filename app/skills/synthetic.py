"""A synthetic population with known true mastery, for the demo data and for evaluation.

Skills are mastered through a correlated latent trait (so skills go together as in real data),
items measure one or two skills with realistic guess and slip rates, and responses are drawn
from the same item model the mastery model assumes (a DINA-like item: success with probability
1 − slip when every measured skill is mastered, otherwise a guess rate that rises with partial
mastery).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Population:
    mastery: np.ndarray  # persons × skills, 0/1 truth
    q_matrix: np.ndarray  # items × skills
    guess: np.ndarray  # per item
    slip: np.ndarray  # per item
    X: np.ndarray  # observations: person index, item index
    y: np.ndarray  # 0/1 scores

    def success_probability(self, persons: np.ndarray, items: np.ndarray) -> np.ndarray:
        need = self.q_matrix[items]
        have = (self.mastery[persons] & need).sum(axis=1)
        total = need.sum(axis=1)
        share = have / total
        all_mastered = have == total
        partial = self.guess[items] + (0.5 - self.guess[items]) * share * 0.5
        return np.where(all_mastered, 1 - self.slip[items], partial)


def q_matrix(n_items: int, n_skills: int, rng: np.random.Generator, two_skill_share: float = 0.3) -> np.ndarray:
    """Items spread evenly over skills; about `two_skill_share` of them also measure a second skill."""
    q = np.zeros((n_items, n_skills), dtype=np.int8)
    q[np.arange(n_items), np.arange(n_items) % n_skills] = 1
    for j in np.flatnonzero(rng.random(n_items) < two_skill_share):
        q[j, rng.choice(np.flatnonzero(q[j] == 0))] = 1
    return q


def mastery(n_persons: int, n_skills: int, rng: np.random.Generator, base_rates: np.ndarray | None = None,
            correlation: float = 0.5) -> np.ndarray:
    rates = base_rates if base_rates is not None else rng.uniform(0.35, 0.75, n_skills)
    general = rng.standard_normal((n_persons, 1))
    latent = np.sqrt(correlation) * general + np.sqrt(1 - correlation) * rng.standard_normal((n_persons, n_skills))
    from scipy.stats import norm

    return (latent > norm.ppf(1 - rates)).astype(np.int8)


def generate(n_persons: int = 2000, n_skills: int = 11, items_per_skill: int = 10, seed: int = 0,
             answered_share: float = 1.0, two_skill_share: float = 0.3) -> Population:
    """A population answering `items_per_skill` items per skill (each item listed under its first skill)."""
    rng = np.random.default_rng(seed)
    n_items = n_skills * items_per_skill
    q = q_matrix(n_items, n_skills, rng, two_skill_share)
    truth = mastery(n_persons, n_skills, rng)
    guess, slip = rng.uniform(0.1, 0.3, n_items), rng.uniform(0.05, 0.15, n_items)
    persons, items = np.meshgrid(np.arange(n_persons), np.arange(n_items), indexing="ij")
    persons, items = persons.ravel(), items.ravel()
    if answered_share < 1.0:
        keep = rng.random(len(persons)) < answered_share
        persons, items = persons[keep], items[keep]
    population = Population(truth, q, guess, slip, np.column_stack([persons, items]), np.empty(0))
    population.y = (rng.random(len(persons)) < population.success_probability(persons, items)).astype(float)
    return population
