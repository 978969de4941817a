"""The mastery model: a saturated G-DINA latent-class model fitted by EM.

Each person has a hidden mastery profile α ∈ {0,1}^K over the K skills. An item that measures the
skills S_j has one probability of success per pattern of mastery on S_j (at most 2^|S_j|; the
saturated G-DINA of de la Torre 2011, equivalent in fit to the saturated LCDM), kept monotone so
that mastering more of an item's skills never lowers the chance of success. Profiles follow a
distribution π over all 2^K patterns, which captures how skills go together: saturated (one
weight per profile) when there are enough people for it, otherwise the higher-order structure in
`structure.py` (2K parameters).

Fitting has two stages. Stage 1 is the pure profile model above: it alone decides the item
parameters, the profile distribution and so every mastery estimate. Stage 2 runs only when the
profile space is small (2^K ≤ `max_profiles_with_ability`): with stage 1's parameters held fixed, it
adds a continuous residual ability θ ~ N(0, 1) (Gauss–Hermite nodes) so that an item's success
logit becomes logit(p_{j,g}) + a_j·θ, and fits the slopes a_j. θ separates people who share a
profile, which sharpens predictions of their responses without moving the mastery estimates.

Scores may be partial credit in [0, 1] and each observation may carry a weight (recency); the
log-likelihood of a score s is w·(s·log p + (1−s)·log(1−p)).

Fitting follows scikit-learn's estimator conventions: `__init__` only stores parameters, `fit`
returns self and sets trailing-underscore attributes, `predict_proba` checks it is fitted.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from app.skills.structure import fit_higher_order, profile_log_weights

MAX_SKILLS = 14  # 2^14 profiles; the E-step holds persons × profiles in memory
EPS = 1e-4


def profiles(n_skills: int) -> np.ndarray:
    """All 2^K mastery profiles, one per row (profile index bit k = skill k)."""
    codes = np.arange(2 ** n_skills)
    return ((codes[:, None] >> np.arange(n_skills)) & 1).astype(np.int8)


def item_groups(q_matrix: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """groups[j, c]: which of item j's 2^|S_j| parameters applies to profile c."""
    groups = np.zeros((q_matrix.shape[0], patterns.shape[0]), dtype=np.int32)
    for j, row in enumerate(q_matrix):
        for bit, skill in enumerate(np.flatnonzero(row)):
            groups[j] += patterns[:, skill].astype(np.int32) << bit
    return groups


def _logit(p):
    return np.log(p) - np.log1p(-p)


def _monotone(p: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Raise each group's probability to at least that of every group it contains (subset of skills)."""
    for j, size in enumerate(sizes):
        for g in range(1, 2 ** size):
            for bit in range(size):
                if g >> bit & 1:
                    p[j, g] = max(p[j, g], p[j, g & ~(1 << bit)])
    return p


class MasteryModel(BaseEstimator):
    """Per-skill mastery from item responses through a Q-matrix.

    Parameters
    ----------
    q_matrix : array (n_items, n_skills) of 0/1 — which skills each item measures.
    max_iter, tol : EM stopping rule (relative change of the log-likelihood).
    item_prior : pseudo-observations of a Beta prior on each item probability: 0.2 (a guess) when none
        of the item's skills is mastered, rising to 0.9 when all are. Negligible with many people,
        sensible with few.
    class_prior : pseudo-count added to every profile in the profile distribution.
    """

    def __init__(self, q_matrix=None, max_iter: int = 500, tol: float = 1e-7, item_prior: float = 2.0,
                 class_prior: float = 0.01, ability_nodes: int = 9, max_profiles_with_ability: int = 64,
                 structure: str = "auto", people_per_profile: float = 20.0):
        self.q_matrix = q_matrix
        self.max_iter = max_iter
        self.tol = tol
        self.item_prior = item_prior
        self.class_prior = class_prior
        self.ability_nodes = ability_nodes
        self.max_profiles_with_ability = max_profiles_with_ability
        self.structure = structure
        self.people_per_profile = people_per_profile

    # --- data ------------------------------------------------------------------------------------
    def _cells(self, X, y, sample_weight, n_persons):
        """Aggregate observations into dense person × item matrices of weighted score and weight."""
        X = np.asarray(X, dtype=np.int64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
            raise ValueError("X must have shape (n, 2): person index, item index; y one score per row")
        if len(y) and (np.nanmin(y) < 0 or np.nanmax(y) > 1 or np.isnan(y).any()):
            raise ValueError("scores must lie in [0, 1]")
        n_items = self.q_matrix_.shape[0]
        if len(X) and (X.min() < 0 or X[:, 1].max() >= n_items):
            raise ValueError(f"item index out of range (the Q-matrix has {n_items} items)")
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if w.shape != y.shape:
            raise ValueError(f"sample_weight must give one weight per observation ({len(y)}), not {w.shape}")
        if len(w) and (np.isnan(w).any() or w.min() < 0):
            raise ValueError("sample_weight must be 0 or more for every observation (no NaN)")
        if len(X) and X[:, 0].max() >= n_persons:
            raise ValueError(f"person index out of range (n_persons is {n_persons})")
        flat = X[:, 0] * n_items + X[:, 1]
        size = n_persons * n_items
        W = np.bincount(flat, weights=w, minlength=size).reshape(n_persons, n_items)
        S = np.bincount(flat, weights=w * y, minlength=size).reshape(n_persons, n_items)
        return S.astype(self.dtype_), W.astype(self.dtype_)

    # --- EM ----------------------------------------------------------------------------------------
    def _log_likelihood(self, S, W):
        logp, log1p = np.log(self.P_), np.log1p(-self.P_)  # items × profiles
        return S @ logp + (W - S) @ log1p

    def _state_log_prior(self):
        return (np.log(self.class_weights_)[:, None] + np.log(self.node_weights_)[None, :]).ravel()

    def _state_probabilities(self):
        """items × states (profile-major, then ability node): P(success)."""
        logits = np.take_along_axis(self.logits_, self.groups_, axis=1)  # items × profiles
        eta = logits[:, :, None] + self.slopes_[:, None, None] * self.nodes_[None, None, :]
        return np.clip(1 / (1 + np.exp(-eta)), EPS, 1 - EPS).reshape(len(logits), -1).astype(self.dtype_)

    def _e_step(self, S, W):
        log_post = self._log_likelihood(S, W)
        log_post += self._state_log_prior()
        top = log_post.max(axis=1, keepdims=True)
        np.subtract(log_post, top, out=log_post)
        np.exp(log_post, out=log_post)
        total = log_post.sum(axis=1, keepdims=True)
        log_post /= total
        return log_post, float(np.sum(np.log(total)) + np.sum(top))  # posterior, log-likelihood

    def _m_step(self, post, S, W, person_weight, stage: int = 1):
        R, N = post.T @ S, post.T @ W  # states × items: expected score and expected count
        n_nodes, gmax = len(self.nodes_), self.logits_.shape[1]
        R = R.reshape(len(self.patterns_), n_nodes, -1)
        N = N.reshape(len(self.patterns_), n_nodes, -1)
        for j in range(self.logits_.shape[0]):
            r = np.stack([np.bincount(self.groups_[j], weights=R[:, q, j], minlength=gmax) for q in range(n_nodes)], 1)
            n = np.stack([np.bincount(self.groups_[j], weights=N[:, q, j], minlength=gmax) for q in range(n_nodes)], 1)
            if stage == 1:  # closed form: success rate per group, with a Beta prior (see prior_mean_)
                p = (r[:, 0] + self.item_prior * self.prior_mean_[j]) / (n[:, 0] + self.item_prior)
                self.logits_[j] = _logit(np.clip(p, EPS, 1 - EPS))
            else:
                self._newton_slope(j, r, n)
        if stage == 1:
            _monotone(self.logits_, self.sizes_)
            if self.structure_ == "saturated":
                mass = post.T @ person_weight + self.class_prior
                self.class_weights_ = mass / mass.sum()
            else:
                self.structure_params_ = fit_higher_order(post.T @ person_weight, self.patterns_,
                                                          self.structure_params_)
                log_w = profile_log_weights(self.structure_params_, self.patterns_)
                self.class_weights_ = np.exp(log_w - log_w.max())
                self.class_weights_ /= self.class_weights_.sum()
        self.P_ = self._state_probabilities()

    def _newton_slope(self, j, r, n, steps: int = 2):
        """Newton steps on item j's residual-ability slope (expected counts r, n: groups × nodes)."""
        size = 2 ** int(self.sizes_[j])
        r, n, lam = r[:size], n[:size], self.logits_[j, :size, None]
        for _ in range(steps):
            a = self.slopes_[j]
            p = 1 / (1 + np.exp(-(lam + a * self.nodes_[None, :])))
            grad = ((r - n * p) * self.nodes_).sum() - self.item_prior * a
            hess = (n * p * (1 - p) * self.nodes_ ** 2).sum() + self.item_prior
            self.slopes_[j] = float(np.clip(a + grad / hess, 0.0, 4.0))

    def fit(self, X, y, sample_weight=None, n_persons: int | None = None, progress=None):
        """X: (n, 2) person and item indices; y: scores in [0, 1]; sample_weight: e.g. recency."""
        q = np.asarray(self.q_matrix, dtype=np.int8)
        if q.ndim != 2 or not 1 <= q.shape[1] <= MAX_SKILLS or (q.sum(axis=1) == 0).any():
            raise ValueError(f"q_matrix must be items × skills (1..{MAX_SKILLS}), each item with a skill")
        self.q_matrix_ = q
        self.n_skills_ = q.shape[1]
        self.patterns_ = profiles(self.n_skills_)
        self.dtype_ = np.float32 if len(self.patterns_) >= 256 else np.float64
        self.groups_ = item_groups(q, self.patterns_)
        self.sizes_ = q.sum(axis=1).astype(int)
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError("X must have shape (n, 2): person index, item index; y one score per row")
        self.n_persons_ = int(n_persons if n_persons is not None else (X[:, 0].max() + 1 if len(X) else 0))
        if self.structure not in ("auto", "saturated", "higher_order"):
            raise ValueError("structure must be 'auto', 'saturated' or 'higher_order'")
        self.structure_ = self.structure if self.structure != "auto" else (
            "saturated" if len(self.patterns_) * self.people_per_profile <= self.n_persons_ else "higher_order")
        self.structure_params_ = None
        S, W = self._cells(X, y, sample_weight, self.n_persons_)
        answered = W.sum(axis=0)
        self.item_mean_ = np.where(answered > 0, S.sum(axis=0) / np.maximum(answered, 1e-12), 0.5).astype(float)
        # Start: success rises with the share of the item's skills mastered, around the item's mean.
        gmax = 2 ** int(self.sizes_.max())
        share = np.array([[bin(g).count("1") / s if g < 2 ** s else 1.0 for g in range(gmax)] for s in self.sizes_])
        # Prior mean per group: a guess rate of 0.2 with none of the item's skills, 0.9 with all of them.
        self.prior_mean_ = 0.2 + 0.7 * share
        self.logits_ = _logit(np.clip(self.item_mean_[:, None] + 0.5 * (share - 0.5), 0.05, 0.95))
        self.nodes_, self.node_weights_, self.slopes_ = np.zeros(1), np.ones(1), np.zeros(len(q))
        self.class_weights_ = np.full(len(self.patterns_), 1 / len(self.patterns_))
        self.P_ = self._state_probabilities()
        person_weight = (W.sum(axis=1) > 0).astype(self.dtype_)
        self.n_iter_ = self._em(S, W, person_weight, stage=1, progress=progress)
        post, self.log_likelihood_ = self._e_step(S, W)
        self.mastery_ = post @ self.patterns_.astype(self.dtype_)  # persons × skills, from the profile model
        self.params_ = 1 / (1 + np.exp(-self.logits_))  # success probability per item and skill group
        self.profile_P_ = np.take_along_axis(self.params_, self.groups_, axis=1)  # items × profiles
        if self.ability_nodes > 1 and len(self.patterns_) <= self.max_profiles_with_ability:
            nodes, weights = np.polynomial.hermite_e.hermegauss(self.ability_nodes)
            self.nodes_, self.node_weights_ = nodes, weights / weights.sum()
            self.slopes_ = np.full(len(q), 0.5)
            self.P_ = self._state_probabilities()
            self._em(S, W, person_weight, stage=2)
            post, _ = self._e_step(S, W)
        self.posterior_ = post if post.size <= 50_000_000 else None  # persons × states, kept unless huge
        return self

    def _em(self, S, W, person_weight, stage: int, progress=None) -> int:
        previous = -np.inf
        for iteration in range(1, self.max_iter + 1):
            post, loglik = self._e_step(S, W)
            self._m_step(post, S, W, person_weight, stage=stage)
            if progress is not None:
                progress(iteration, loglik)
            if abs(loglik - previous) <= self.tol * abs(loglik):
                return iteration
            previous = loglik
        return self.max_iter

    def profile_posterior(self, state_posterior: np.ndarray) -> np.ndarray:
        """Sum a posterior over (profile, ability node) states to one over profiles."""
        return state_posterior.reshape(len(state_posterior), len(self.patterns_), len(self.nodes_)).sum(axis=2)

    # --- predictions ---------------------------------------------------------------------------------
    def predict_proba(self, X):
        """P(fail), P(success) for each (person, item) row, from the person's fitted posterior."""
        check_is_fitted(self, "params_")
        X = np.asarray(X, dtype=np.int64)
        p = self.success_probability(X[:, 0], X[:, 1])
        return np.column_stack([1 - p, p])

    def success_probability(self, persons, items):
        check_is_fitted(self, "params_")
        if self.posterior_ is None:
            raise ValueError("per-person posteriors are not kept for large models; "
                             "use app.skills.person to score people from their evidence")
        return np.einsum("nc,nc->n", self.posterior_[persons], self.P_[items])

    @property
    def mastery_proportion_(self) -> np.ndarray:
        """Estimated share of the population that has mastered each skill."""
        check_is_fitted(self, "params_")
        return self.class_weights_ @ self.patterns_
