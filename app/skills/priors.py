"""Scoring evidence from items and checks the fitted model has never seen.

A new quiz item or exercise check has no calibrated success probabilities until the next refit.
Rather than ignore its evidence until then, it gets a provisional row shaped like the model's
simplest member (DINA): people who master every skill the item measures succeed with probability
`h`, everyone else with `g`. Both are empirical-Bayes averages over the calibrated items of the
same kind (item type, or "check") that share a skill with it — falling back to the same kind, then
to every calibrated item — taken over the population's profile distribution. So a new multiple-
choice question on data quality is read like the bank's calibrated data-quality multiple-choice
questions, no more and no less.

`ScoringModel` is the view of a fitted model that person scoring needs (`app.skills.person`,
`app.skills.adaptive`): the calibrated rows plus any provisional ones appended after them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.skills.model import MAX_SKILLS, MasteryModel, profiles

CLIP = (0.02, 0.98)


@dataclass(frozen=True)
class ScoringModel:
    patterns_: np.ndarray
    class_weights_: np.ndarray
    n_skills_: int
    profile_P_: np.ndarray  # items × profiles
    q_matrix_: np.ndarray  # items × skills


def _masters_all(patterns: np.ndarray, q: np.ndarray) -> np.ndarray:
    """profiles × items: does the profile master every skill the item measures?"""
    return (patterns @ q.T) >= q.sum(axis=1)[None, :]


@dataclass(frozen=True)
class CalibratedRates:
    """Per calibrated item: success rate of those who master all its skills (h) and of the rest (g)."""

    g: np.ndarray
    h: np.ndarray
    kinds: tuple[str, ...]
    q: np.ndarray

    @classmethod
    def of(cls, model: MasteryModel, kinds: list[str]) -> "CalibratedRates":
        q = np.asarray(model.q_matrix_, dtype=np.int64)
        weights = np.asarray(model.class_weights_, dtype=float)
        masters = _masters_all(np.asarray(model.patterns_, dtype=np.int64), q)  # profiles × items
        P = np.asarray(model.profile_P_, dtype=float)  # items × profiles
        w_yes = masters * weights[:, None]
        w_no = ~masters * weights[:, None]
        h = (P * w_yes.T).sum(axis=1) / np.maximum(w_yes.sum(axis=0), 1e-12)
        g = (P * w_no.T).sum(axis=1) / np.maximum(w_no.sum(axis=0), 1e-12)
        # an item nobody (or everybody) in the population masters says nothing about the other side
        h = np.where(w_yes.sum(axis=0) > 1e-9, h, np.nan)
        g = np.where(w_no.sum(axis=0) > 1e-9, g, np.nan)
        return cls(g=g, h=h, kinds=tuple(kinds), q=q)

    def rates_for(self, q_row: np.ndarray, kind: str) -> tuple[float, float]:
        """(g, h) for a new item measuring `q_row`, of `kind`."""
        same_kind = np.array([k == kind for k in self.kinds], dtype=bool)
        shares_skill = (self.q @ q_row) > 0
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
    """A model with no calibrated items yet (a new deployment before its first fit): every profile
    equally likely, so each skill starts at even odds, and every item read through `DEFAULT_RATES`.
    Evidence then moves verdicts from the first answer, as it does after calibration."""
    if not 0 < n_skills <= MAX_SKILLS:
        raise ValueError(f"a prior model needs 1 to {MAX_SKILLS} skills, not {n_skills}")
    patterns = profiles(n_skills)
    empty_q = np.zeros((0, n_skills), dtype=np.int64)
    model = ScoringModel(patterns_=patterns, class_weights_=np.full(len(patterns), 1.0 / len(patterns)),
                         n_skills_=n_skills, profile_P_=np.zeros((0, len(patterns))), q_matrix_=empty_q)
    return model, CalibratedRates(g=np.zeros(0), h=np.zeros(0), kinds=(), q=empty_q)


def provisional_rows(rates: CalibratedRates, patterns: np.ndarray, q_rows: np.ndarray, kinds: list[str]) -> np.ndarray:
    """items × profiles success probabilities for uncalibrated items (DINA-shaped, see module doc)."""
    q_rows = np.asarray(q_rows, dtype=np.int64).reshape(-1, patterns.shape[1])
    if not len(q_rows):
        return np.zeros((0, len(patterns)))
    masters = _masters_all(np.asarray(patterns, dtype=np.int64), q_rows).T  # items × profiles
    rows = np.empty(masters.shape)
    for i, (q_row, kind) in enumerate(zip(q_rows, kinds)):
        g, h = rates.rates_for(q_row, kind)
        rows[i] = np.where(masters[i], h, g)
    return rows


def extend(model: MasteryModel | ScoringModel, rates: CalibratedRates, q_rows: np.ndarray,
           kinds: list[str]) -> ScoringModel:
    """The model's scoring view with provisional rows for `q_rows` appended (indices continue after
    the calibrated items)."""
    q_rows = np.asarray(q_rows, dtype=np.int64).reshape(-1, model.n_skills_)
    extra = provisional_rows(rates, model.patterns_, q_rows, kinds)
    return ScoringModel(patterns_=model.patterns_, class_weights_=model.class_weights_, n_skills_=model.n_skills_,
                        profile_P_=np.vstack([model.profile_P_, extra.astype(model.profile_P_.dtype)]),
                        q_matrix_=np.vstack([model.q_matrix_, q_rows.astype(model.q_matrix_.dtype)]))
