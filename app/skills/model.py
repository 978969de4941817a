"""The mastery model: a higher-order latent-class model with a general ability, fitted by
variational EM; any number of skills.

The model (see `inference.py`): a general ability θ ~ N(0, 1); given θ each skill k is mastered with
probability σ(λ_k·θ − δ_k); an item measuring the skills S_j succeeds with logit η_{j,g} + a_j·θ,
one η per pattern g of mastery of its own skills (a saturated G-DINA, monotone: mastering more of an
item's skills never lowers the chance of success) and a slope a_j on the general ability. Mastery
is the skills' part; the slope lets people who share a mastery pattern still differ, which is what
sharpens predictions of their answers. Cost grows with people × skills × nodes and with each
item's own 2^|S_j|, never with 2^K, so 40 skills (or 400) fit like 4.

Fitting, on up to `calibration_people` people drawn at random (item parameters need no more):
1. Stage 1: slopes held at 0, EM on the item probabilities (closed form with a Beta prior: 0.2 with
   none of the item's skills mastered, rising to 0.9 with all) and on the higher-order structure
   (λ, δ by Newton steps), until the log-likelihood settles.
2. Stage 2: the slopes and the η are refined together by Newton steps, structure too; with more
   people than the sample, the last `final_iter` passes see everyone. Then everyone is scored.
The result is the model that scores people, in the app and in the benchmarks.

Scores may be partial credit in [0, 1] and each observation may carry a weight (recency). Several
answers by one person to one item are one observation: their weighted mean score, with the largest
of their weights — a repeat is not new evidence.

Fitting follows scikit-learn's estimator conventions: `__init__` only stores parameters, `fit`
returns self and sets trailing-underscore attributes, `predict_proba` checks it is fitted.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from app.skills.inference import MAX_ITEM_SKILLS, Batch, Posterior, accumulate, infer, log_sigmoid, posterior, predict
from app.skills.updates import EPS, expected_counts, logit, monotone, newton_items, newton_structure

class MasteryModel(BaseEstimator):
    """Per-skill mastery from item responses through a Q-matrix.

    Parameters
    ----------
    q_matrix : array (n_items, n_skills) of 0/1 — which skills each item measures (each item at
        least one, at most 8).
    max_iter, tol : stage-1 EM stopping rule (relative change of the log-likelihood).
    item_prior : pseudo-observations of the Beta prior on each item probability.
    n_nodes : Gauss–Hermite nodes for the general ability.
    slope_iter : at most this many stage-2 iterations (0: no slopes, a pure latent-class model).
    slope_prior : precision of the N(0, 1/slope_prior) prior on each item's ability slope (None: the
        item_prior). Stronger shrinks the slopes: better weak-skill verdicts when mastery is a cut on a
        per-skill ability, a smaller lead over 2PL on real data (README, "The structure is held").
    hold_structure : keep λ (how strongly mastery follows the general ability) at what stage 1 found
        when the slopes come in (stage 2 moves only δ). Without it (False, the setting before
        2026-12-05) the slopes take over part of what λ carried and λ shrinks, which makes a strong
        person's miss damning; held, weak-skill verdicts under a continuous-ability truth come close to
        the exact posterior's (README, "The structure is held"). With one skill λ always moves.
    calibration_people : at most this many people (drawn at random) calibrate the items in stages 1
        and 2; with more people, `final_iter` last passes see everyone, and everyone is scored.
    chunk : people per batch in the E-step (memory: chunk × skills × nodes).
    """

    def __init__(self, q_matrix=None, max_iter: int = 300, tol: float = 1e-6, item_prior: float = 2.0,
                 n_nodes: int = 11, slope_iter: int = 30, calibration_people: int = 10_000, final_iter: int = 2,
                 chunk: int = 8_000, random_state: int = 0, slope_prior: float | None = None,
                 hold_structure: bool = True):
        self.q_matrix = q_matrix
        self.max_iter = max_iter
        self.tol = tol
        self.item_prior = item_prior
        self.n_nodes = n_nodes
        self.slope_iter = slope_iter
        self.calibration_people = calibration_people
        self.final_iter = final_iter
        self.chunk = chunk
        self.random_state = random_state
        self.slope_prior = slope_prior
        self.hold_structure = hold_structure

    def __setstate__(self, state):
        # a model stored before slope_prior existed was fitted with the item prior on its slopes
        state.setdefault("slope_prior", None)
        state.setdefault("hold_structure", False)  # stored before the option existed: λ moved in stage 2
        super().__setstate__(state)

    # --- data ------------------------------------------------------------------------------------
    def _cells(self, X, y, sample_weight, n_persons):
        """One cell per (person, item) answered: weighted mean score and largest weight, sorted by person."""
        X = np.asarray(X)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
            raise ValueError("X must have shape (n, 2): person index, item index; y one score per row")
        X = X.astype(np.int64)
        if len(y) and (np.isnan(y).any() or y.min() < 0 or y.max() > 1):
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
        cells, inverse = np.unique(flat, return_inverse=True)
        total_w = np.bincount(inverse, weights=w, minlength=len(cells))
        total_ws = np.bincount(inverse, weights=w * y, minlength=len(cells))
        mean_y = np.bincount(inverse, weights=y, minlength=len(cells)) / np.bincount(inverse, minlength=len(cells))
        score = np.where(total_w > 0, total_ws / np.maximum(total_w, 1e-300), mean_y)
        weight = np.zeros(len(cells))
        np.maximum.at(weight, inverse, w)
        return cells // n_items, cells % n_items, score, weight

    def _setup(self, q):
        q = np.asarray(q, dtype=np.int8)
        if q.ndim != 2 or q.shape[1] < 1 or q.shape[0] < 1:
            raise ValueError("q_matrix must be items × skills (at least one of each)")
        sizes = q.sum(axis=1).astype(np.int64)
        if (sizes == 0).any():
            raise ValueError(f"every item must measure a skill (item {int(np.flatnonzero(sizes == 0)[0])} measures none)")
        if sizes.max() > MAX_ITEM_SKILLS:
            raise ValueError(f"an item may measure at most {MAX_ITEM_SKILLS} skills "
                             f"(item {int(np.argmax(sizes))} measures {int(sizes.max())})")
        self.q_matrix_, self.n_skills_, self.sizes_ = q, q.shape[1], sizes
        self.skills_of_ = np.full((len(q), int(sizes.max())), -1, dtype=np.int64)
        for j, row in enumerate(q):
            self.skills_of_[j, :sizes[j]] = np.flatnonzero(row)
        nodes, weights = np.polynomial.hermite_e.hermegauss(self.n_nodes)
        self.nodes_, self.log_node_weights_ = nodes, np.log(weights / weights.sum())

    def _set_structure(self, lam, delta):
        self.lambda_, self.delta_ = lam, delta
        z = lam[:, None] * self.nodes_[None, :] - delta[:, None]
        self.log_pi_ = (log_sigmoid(-z), log_sigmoid(z))  # skills × nodes: not mastered, mastered
        self.skill_share_ = np.exp(self.log_pi_[1] + self.log_node_weights_[None, :]).sum(axis=1)

    # --- fitting -----------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, n_persons: int | None = None, progress=None):
        """X: (n, 2) person and item indices; y: scores in [0, 1]; sample_weight: e.g. recency."""
        if self.slope_prior is not None and not (np.isfinite(self.slope_prior) and self.slope_prior > 0):
            raise ValueError(f"slope_prior must be a positive number (or None), not {self.slope_prior!r}")
        self._setup(self.q_matrix)
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError("X must have shape (n, 2): person index, item index; y one score per row")
        self.n_persons_ = int(n_persons if n_persons is not None else (X[:, 0].max() + 1 if len(X) else 0))
        persons, items, scores, weights = self._cells(X, y, sample_weight, self.n_persons_)
        n_items, width = len(self.q_matrix_), 2 ** int(self.sizes_.max())
        answered = np.bincount(items, weights=weights, minlength=n_items)
        self.item_mean_ = np.where(answered > 0, np.bincount(items, weights=weights * scores, minlength=n_items)
                                   / np.maximum(answered, 1e-12), 0.5)
        share = np.array([[bin(g).count("1") / s if g < 2 ** s else 1.0 for g in range(width)] for s in self.sizes_])
        self.prior_mean_ = 0.2 + 0.7 * share  # a guess of 0.2 with none of the item's skills, 0.9 with all
        self.logits_ = logit(np.clip(self.item_mean_[:, None] + 0.5 * (share - 0.5), 0.05, 0.95))
        self.slopes_ = np.zeros(n_items)
        self._set_structure(np.ones(self.n_skills_), np.zeros(self.n_skills_))
        starts = np.searchsorted(persons, np.arange(0, self.n_persons_ + 1))
        data = (persons, items, scores, weights, starts)
        everyone = np.arange(self.n_persons_)
        sample = everyone
        if len(everyone) > self.calibration_people:  # item parameters need no more; everyone is scored
            rng = np.random.default_rng(self.random_state)
            sample = np.sort(rng.choice(everyone, self.calibration_people, replace=False))
        batches = self._batches(data, sample)
        marginals = np.tile(self.skill_share_, (self.n_persons_, 1))  # mean field: last pass's mastery

        step = self._stage_one(batches, marginals, progress)
        if self.slope_iter > 0:  # stage 2: slopes on the general ability, with η and structure
            self.slopes_ = np.full(n_items, 0.5)
            step = self._stage_two(batches, marginals, self.slope_iter, step, progress, self.tol)
        if len(sample) < len(everyone):  # the last passes (and the scoring) see everyone
            batches = self._batches(data, everyone)
            if self.slope_iter > 0:
                self._stage_two(batches, marginals, self.final_iter, step, progress)
        self.theta_posterior_, self.mastery_, loglik = self._score_everyone(batches)
        self.log_likelihood_ = float(loglik.sum())
        self.params_ = 1 / (1 + np.exp(-self.logits_))  # success probability per item and pattern at θ = 0
        return self

    def _stage_one(self, batches, marginals, progress) -> int:
        """EM with adaptive over-relaxation (Salakhutdinov & Roweis 2003): each step goes ω times as
        far as plain EM would, ω growing while the log-likelihood rises; when it falls, back to the
        last plain EM point with ω = 1. Same fixed point as EM, in a fraction of the iterations."""
        previous, omega, plain = -np.inf, 1.0, None
        self.n_iter_ = 0
        for iteration in range(1, self.max_iter + 1):
            loglik, stats = self._e_step(batches, marginals, by_node=False)
            if loglik < previous and plain is not None and omega > 1.0:  # overshot: plain EM from here
                self._set_params(plain)
                omega = 1.0
                loglik, stats = self._e_step(batches, marginals, by_node=False)
            before = self._get_params()
            self._m_step(stats, by_node=False)
            plain = self._get_params()
            if omega > 1.0:
                self._set_params(before + omega * (plain - before))
            self.n_iter_ = iteration
            if progress is not None:
                progress(iteration, loglik)
            if abs(loglik - previous) <= self.tol * abs(loglik):
                self._set_params(plain)
                break
            omega = min(omega * 1.3, 4.0) if loglik >= previous else 1.0
            previous = max(previous, loglik)
        return self.n_iter_

    def _stage_two(self, batches, marginals, iterations: int, step: int, progress, tol: float = 0.0) -> int:
        """Up to `iterations` passes refining η, slopes and structure (stopping early once the
        log-likelihood settles to `tol`)."""
        previous = -np.inf
        for _ in range(iterations):
            loglik, stats = self._e_step(batches, marginals, by_node=True)
            self._m_step(stats, by_node=True)
            step += 1
            if progress is not None:
                progress(step, loglik)
            if abs(loglik - previous) <= tol * abs(loglik):
                break
            previous = loglik
        return step

    def _get_params(self) -> np.ndarray:
        return np.concatenate([self.logits_.ravel(), self.lambda_, self.delta_])

    def _set_params(self, params: np.ndarray) -> None:
        n, K = self.logits_.size, self.n_skills_
        self.logits_ = np.clip(params[:n].reshape(self.logits_.shape), -8, 8)
        monotone(self.logits_, self.sizes_)
        self._set_structure(np.clip(params[n:n + K], 0.0, 6.0), np.clip(params[n + K:], -8.0, 8.0))

    def _batches(self, data, people: np.ndarray) -> list[tuple[np.ndarray, Batch]]:
        """People in chunks, each with its evidence prepared for repeated passes."""
        out = []
        for start in range(0, len(people), self.chunk):
            chunk = people[start:start + self.chunk]
            out.append((chunk, Batch.of(self, *self._chunk_cells(data, chunk), len(chunk))))
        return out

    def _chunk_cells(self, data, chunk: np.ndarray):
        persons, items, scores, weights, starts = data
        if len(chunk) == chunk[-1] - chunk[0] + 1:  # contiguous people: one slice
            sl = slice(starts[chunk[0]], starts[chunk[-1] + 1])
            return persons[sl] - chunk[0], items[sl], scores[sl], weights[sl]
        counts = starts[chunk + 1] - starts[chunk]
        pick = np.repeat(starts[chunk] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        return np.repeat(np.arange(len(chunk)), counts), items[pick], scores[pick], weights[pick]

    def _score_everyone(self, batches) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Node posterior, mastery and log-likelihood of every person fitted (per-node mastery too
        when it fits in memory, for `predict_proba`)."""
        theta, mastery, loglik, given = [], [], [], []
        keep = self.n_persons_ * self.n_skills_ * len(self.nodes_) <= 20_000_000
        for _, batch in batches:
            post = infer(self, batch)
            theta.append(post.theta)
            mastery.append(post.mastery)
            loglik.append(post.loglik)
            if keep:
                given.append(post.given_node)
        self.given_node_ = np.concatenate(given) if keep and given else None
        G, K = len(self.nodes_), self.n_skills_
        return (np.concatenate(theta) if theta else np.zeros((0, G)),
                np.concatenate(mastery) if mastery else np.zeros((0, K)),
                np.concatenate(loglik) if loglik else np.zeros(0))

    def _e_step(self, batches, marginals: np.ndarray, by_node: bool):
        """Posterior of each batch and the expected counts the M-step needs. `marginals` (persons ×
        skills) holds each person's mastery from the previous pass, read for the other skills of
        several-skill items (mean field), and is updated in place."""
        n_items, width, G = len(self.q_matrix_), self.logits_.shape[1], len(self.nodes_)
        shape = (n_items, width, G) if by_node else (n_items, width)
        R, N = np.zeros(shape), np.zeros(shape)
        mass = np.zeros(G)
        masters = np.zeros((self.n_skills_, G))
        total = 0.0
        for chunk, batch in batches:
            post = posterior(self, accumulate(self, batch, marginals[chunk][:, :, None]))
            total += float(post.loglik[batch.answered].sum())
            weight = post.theta * batch.answered[:, None]
            mass += weight.sum(axis=0)
            masters += np.einsum("pn,pkn->kn", weight, post.given_node)
            marginals[chunk] = post.mastery
            expected_counts(self, R, N, post, batch, by_node)
        return total, {"R": R, "N": N, "mass": mass, "masters": masters}

    def _m_step(self, stats, by_node: bool) -> None:
        R, N = stats["R"], stats["N"]
        if not by_node:  # closed form: each pattern's success rate, with the Beta prior
            p = (R + self.item_prior * self.prior_mean_) / (N + self.item_prior)
            self.logits_ = logit(np.clip(p, EPS, 1 - EPS))
        else:
            self.logits_, self.slopes_ = newton_items(self, R, N)
        monotone(self.logits_, self.sizes_)
        # stage 2 with hold_structure: λ stays at what stage 1 found, δ finds its optimum given it
        self._set_structure(*newton_structure(self, stats["mass"], stats["masters"],
                                              hold_lambda=by_node and self._holds_structure()))

    def _holds_structure(self) -> bool:
        """λ is held only with several skills: it keeps the general ability, which the other skills'
        answers inform, from deciding one skill's verdict. With one skill the general ability is read
        from that skill's own answers and is its ability; λ moves (README, "The structure is held")."""
        return self.hold_structure and self.n_skills_ > 1

    def without_people(self) -> "MasteryModel":
        """Drop the fitted people's posteriors (what the app saves: people are scored from their
        evidence, and a model for 100,000 people would otherwise carry tens of MB of them)."""
        for name in ("mastery_", "theta_posterior_", "given_node_"):
            self.__dict__.pop(name, None)
        self.given_node_ = None
        return self

    # --- scoring people the model was not fitted on ---------------------------------------------------
    def score(self, X, y, sample_weight=None, n_persons: int | None = None) -> Posterior:
        """The posterior of people from their evidence (X: person index in this batch, item index), with
        the fitted parameters and no refit — what scoring a new person means."""
        check_is_fitted(self, "params_")
        X = np.asarray(X)
        n = int(n_persons if n_persons is not None else (X[:, 0].max() + 1 if len(X) else 0))
        return infer(self, Batch.of(self, *self._cells(X, y, sample_weight, n), n))

    def predict_scored(self, post: Posterior, X) -> np.ndarray:
        """P(success) for (person in `post`, item) rows."""
        X = np.asarray(X, dtype=np.int64)
        return predict(self, post.theta[X[:, 0]], post.given_node[X[:, 0]], X[:, 1])

    # --- predictions ---------------------------------------------------------------------------------
    def predict_proba(self, X):
        """P(fail), P(success) for each (person, item) row, from the person's fitted posterior."""
        check_is_fitted(self, "params_")
        X = np.asarray(X, dtype=np.int64)
        p = self.success_probability(X[:, 0], X[:, 1])
        return np.column_stack([1 - p, p])

    def success_probability(self, persons, items):
        check_is_fitted(self, "params_")
        if self.given_node_ is None:
            raise ValueError("per-person posteriors are not kept for large models; "
                             "use app.skills.person to score people from their evidence")
        return predict(self, self.theta_posterior_[persons], self.given_node_[persons], items)

    @property
    def mastery_proportion_(self) -> np.ndarray:
        """Estimated share of the population that has mastered each skill."""
        check_is_fitted(self, "params_")
        return self.skill_share_
