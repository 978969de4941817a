"""Scoring evidence from items and checks the fitted model has never seen.

A new quiz item or exercise check has no calibrated parameters until the next refit. Rather than
ignore its evidence until then, it gets a provisional row shaped like the model's simplest member
(DINA, no ability slope): people who master every skill the item measures succeed with probability
`h`, everyone else with `g`. Both are empirical-Bayes averages over the calibrated items of the
same kind (item type, or "check") that share a skill with it — falling back to the same kind, then
to every calibrated item — taken over the population. So a new multiple-choice question on data
quality is read like the bank's calibrated data-quality multiple-choice questions, no more and no
less.

`ScoringModel` is the view of a fitted model that person scoring needs (`app.skills.person`,
`app.skills.adaptive`): the calibrated rows plus any provisional ones appended after them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.skills.inference import MAX_ITEM_SKILLS, log_sigmoid, pattern_bits

CLIP = (0.02, 0.98)
NODES = 11


@dataclass
class ScoringModel:
    """What scoring a person reads: item rows (skills, logits per mastery pattern, slopes) and the
    higher-order structure."""

    n_skills_: int
    q_matrix_: np.ndarray  # items × skills
    sizes_: np.ndarray
    skills_of_: np.ndarray  # items × max size, -1 padded
    logits_: np.ndarray  # items × 2^max size
    slopes_: np.ndarray
    nodes_: np.ndarray
    log_node_weights_: np.ndarray
    log_pi_: tuple
    skill_share_: np.ndarray


def _pattern_probability(model, skills: np.ndarray) -> np.ndarray:
    """patterns × nodes: P(pattern of mastery on `skills` | node) in the population."""
    pi = np.exp(model.log_pi_[1][skills])  # size × nodes
    bits = pattern_bits(len(skills))
    return np.prod(np.where(bits[:, :, None] == 1, pi[None], 1 - pi[None]), axis=1)


@dataclass(frozen=True)
class CalibratedRates:
    """Per calibrated item: success rate of those who master all its skills (h) and of the rest (g)."""

    g: np.ndarray
    h: np.ndarray
    kinds: tuple[str, ...]
    q: np.ndarray

    @classmethod
    def of(cls, model, kinds: list[str]) -> "CalibratedRates":
        weights = np.exp(model.log_node_weights_)
        n_items = len(model.sizes_)
        g, h = np.full(n_items, np.nan), np.full(n_items, np.nan)
        for j in range(n_items):
            size = int(model.sizes_[j])
            patterns = _pattern_probability(model, model.skills_of_[j, :size]) * weights[None]  # patterns × nodes
            p = 1 / (1 + np.exp(-(model.logits_[j, :2 ** size, None] + model.slopes_[j] * model.nodes_[None])))
            full = 2 ** size - 1
            yes, no = patterns[full].sum(), patterns[:full].sum()
            if yes > 1e-9:  # an item nobody (or everybody) masters says nothing about the other side
                h[j] = float((patterns[full] * p[full]).sum() / yes)
            if no > 1e-9:
                g[j] = float((patterns[:full] * p[:full]).sum() / no)
        return cls(g=g, h=h, kinds=tuple(kinds), q=np.asarray(model.q_matrix_, dtype=np.int64))

    def rates_for(self, q_row: np.ndarray, kind: str) -> tuple[float, float]:
        """(g, h) for a new item measuring `q_row`, of `kind`."""
        same_kind = np.array([k == kind for k in self.kinds], dtype=bool)
        shares_skill = (self.q @ q_row) > 0 if len(self.q) else np.zeros(0, dtype=bool)
        for chosen in (same_kind & shares_skill, same_kind, shares_skill, np.ones(len(self.kinds), dtype=bool)):
            g, h = self.g[chosen], self.h[chosen]
            if np.isfinite(g).any() and np.isfinite(h).any():
                g_bar, h_bar = float(np.nanmean(g)), float(np.nanmean(h))
                g_bar, h_bar = np.clip([g_bar, h_bar], *CLIP)
                return float(g_bar), float(max(h_bar, g_bar))
        return DEFAULT_RATES.get(kind, DEFAULT_RATES["unknown"])  # an empty model


# (g, h) before anything is calibrated: a guess at the item type's chance level (a check scores 0
# when nothing was done, so its "guess" is low) and a small slip for those who master the skills.
DEFAULT_RATES = {"true_false": (0.5, 0.9), "check": (0.1, 0.9), "unknown": (0.25, 0.85)}


def prior_model(n_skills: int) -> tuple[ScoringModel, CalibratedRates]:
    """A model with no calibrated items yet (a new deployment before its first fit): each skill at
    even odds, independently (nothing yet says how skills go together), and every item read through
    `DEFAULT_RATES`. Evidence then moves verdicts from the first answer, as it does after calibration."""
    if n_skills < 1:
        raise ValueError("a prior model needs at least one skill")
    nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
    z = np.zeros((n_skills, NODES))
    model = ScoringModel(n_skills, np.zeros((0, n_skills), dtype=np.int8), np.zeros(0, dtype=np.int64),
                         np.zeros((0, 1), dtype=np.int64), np.zeros((0, 2)), np.zeros(0), nodes,
                         np.log(weights / weights.sum()), (log_sigmoid(-z), log_sigmoid(z)), np.full(n_skills, 0.5))
    empty_q = np.zeros((0, n_skills), dtype=np.int64)
    return model, CalibratedRates(g=np.zeros(0), h=np.zeros(0), kinds=(), q=empty_q)


def provisional_rows(rates: CalibratedRates, q_rows: np.ndarray, kinds: list[str], width: int) -> np.ndarray:
    """items × patterns logits for uncalibrated items (DINA-shaped, see module doc)."""
    q_rows = np.asarray(q_rows, dtype=np.int64)
    rows = np.zeros((len(q_rows), width))
    for i, (q_row, kind) in enumerate(zip(q_rows, kinds)):
        g, h = rates.rates_for(q_row, kind)
        size = int(q_row.sum())
        rows[i, :] = np.log(g) - np.log1p(-g)
        rows[i, 2 ** size - 1] = np.log(h) - np.log1p(-h)
    return rows


def extend(model, rates: CalibratedRates, q_rows: np.ndarray, kinds: list[str]) -> ScoringModel:
    """The model's scoring view with provisional rows for `q_rows` appended (indices continue after
    the calibrated items)."""
    q_rows = np.asarray(q_rows, dtype=np.int64).reshape(-1, model.n_skills_)
    sizes = q_rows.sum(axis=1)
    if len(sizes) and sizes.max() > MAX_ITEM_SKILLS:
        raise ValueError(f"an item may measure at most {MAX_ITEM_SKILLS} skills")
    max_size = max(int(sizes.max()) if len(sizes) else 1, model.skills_of_.shape[1], 1)
    width = max(2 ** max_size, model.logits_.shape[1])
    logits = np.zeros((len(model.sizes_), width))
    logits[:, :model.logits_.shape[1]] = model.logits_
    skills_of = np.full((len(model.sizes_) + len(q_rows), max_size), -1, dtype=np.int64)
    skills_of[:len(model.sizes_), :model.skills_of_.shape[1]] = model.skills_of_
    for i, row in enumerate(q_rows):
        skills_of[len(model.sizes_) + i, :sizes[i]] = np.flatnonzero(row)
    return ScoringModel(model.n_skills_, np.vstack([model.q_matrix_, q_rows.astype(model.q_matrix_.dtype)]),
                        np.concatenate([model.sizes_, sizes]).astype(np.int64), skills_of,
                        np.vstack([logits, provisional_rows(rates, q_rows, kinds, width)]),
                        np.concatenate([model.slopes_, np.zeros(len(q_rows))]), model.nodes_,
                        model.log_node_weights_, model.log_pi_, model.skill_share_)
