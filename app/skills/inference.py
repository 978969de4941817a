"""The posterior over one person's (or a batch of people's) general ability and skill mastery.

Shared by fitting (`model.py`, people in chunks) and scoring (`person.py`, one person at a time),
so the model that scores people in the app is the model that was fitted and measured.

The model: a general ability θ ~ N(0, 1), read on fixed Gauss–Hermite nodes; given θ, skill k is
mastered with probability π_k(θ) = σ(λ_k·θ − δ_k), independently of the other skills (the
higher-order structure of de la Torre & Douglas 2004). An item measuring the skills S_j has a success
logit η_{j,g} + a_j·θ, where g is the pattern of mastery on S_j (a saturated G-DINA per item, kept
monotone) and a_j ≥ 0 a slope on the general ability. Nothing in it grows as 2^K: an item costs
2^|S_j| (its own skills only) and a person K × nodes.

Given θ, an item that measures one skill ties nothing else together, so with single-skill items
the posterior is exact: per node, each skill's evidence is a two-way sum. An item measuring several
skills couples them; its evidence for skill k is its expected log-likelihood over the other skills'
current posterior at the same node (mean field: two passes when scoring a person, one per EM
iteration when fitting), and its double count in the node posterior is taken back out.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

MAX_ITEM_SKILLS = 8  # an item's own parameters number 2^|S_j|


def log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


@lru_cache(maxsize=None)
def pattern_bits(size: int) -> np.ndarray:
    """(2^size, size): bit b of pattern g says whether the item's b-th skill is mastered (read-only)."""
    bits = ((np.arange(2 ** size)[:, None] >> np.arange(size)) & 1).astype(np.int8)
    bits.setflags(write=False)
    return bits


@dataclass
class Tables:
    """Per-person evidence, per skill and ability node: the log-likelihood of the person's answers on
    the skill if it is not mastered (A0) and if it is (A1), and a per-node correction for items that
    measure several skills (so that each answer counts once in the ability posterior)."""

    A0: np.ndarray  # persons × skills × nodes
    A1: np.ndarray
    offset: np.ndarray  # persons × nodes


@dataclass
class Batch:
    """A batch of people's evidence, prepared once and read at every pass. Answers on items that
    measure one skill become a sparse matrix, (person, skill) × (item success, item failure), so a
    pass over them is two sparse products with small tables; answers on items that measure several
    skills stay as cells (person within the batch, item, score, weight)."""

    n_persons: int
    single: sparse.csr_matrix
    persons: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    answered: np.ndarray  # persons: has any evidence

    @property
    def transposed(self) -> sparse.csr_matrix:
        if "_transposed" not in self.__dict__:
            self.__dict__["_transposed"] = self.single.T.tocsr()
        return self.__dict__["_transposed"]

    @classmethod
    def of(cls, model, persons, items, scores, weights, n_persons: int) -> "Batch":
        persons, items = np.asarray(persons, dtype=np.int64), np.asarray(items, dtype=np.int64)
        scores, weights = np.asarray(scores, dtype=float), np.asarray(weights, dtype=float)
        K, n_items = model.n_skills_, len(model.sizes_)
        one = model.sizes_[items] == 1
        rows = persons[one] * K + model.skills_of_[items[one], 0]
        single = sparse.csr_matrix(
            (np.concatenate([weights[one] * scores[one], weights[one] * (1 - scores[one])]),
             (np.concatenate([rows, rows]), np.concatenate([items[one], n_items + items[one]]))),
            shape=(n_persons * K, 2 * n_items))
        answered = np.bincount(persons, minlength=n_persons) > 0
        return cls(n_persons, single, persons[~one], items[~one], scores[~one], weights[~one], answered)


def loglik_tables(model, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """items × patterns × nodes: log P(success) and log P(failure) at logit η_{j,g} + a_j·θ_n. Every
    answer's log-likelihood is a lookup in these (they are small: items × 2^max|S_j| × nodes)."""
    z = model.logits_[:, :, None] + model.slopes_[:, None, None] * nodes[None, None, :]
    success = log_sigmoid(z)
    return success, success - z


def cell_loglik(tables, items: np.ndarray, width: int, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """cells × patterns × nodes: w·(s·log p + (1 − s)·log(1 − p))."""
    success, failure = tables
    s, w = scores[:, None, None], weights[:, None, None]
    return w * (s * success[items, :width] + (1 - s) * failure[items, :width])


def accumulate(model, batch: Batch, others: np.ndarray | None) -> Tables:
    """Evidence tables for a batch of people. `others`: persons × skills × nodes (or × 1)
    P(mastered | node) used for the other skills of several-skill items (None: the population share)."""
    K, n_persons = model.n_skills_, batch.n_persons
    # With no slopes and no node-dependent posterior for the other skills, the evidence does not
    # depend on the ability node: one column instead of one per node.
    node_free = not model.slopes_.any() and (others is None or others.shape[2] == 1)
    nodes = np.zeros(1) if node_free else model.nodes_
    G = len(nodes)
    tables = loglik_tables(model, nodes)
    A0 = np.asarray(batch.single @ np.vstack([tables[0][:, 0], tables[1][:, 0]])).reshape(n_persons, K, G)
    A1 = np.asarray(batch.single @ np.vstack([tables[0][:, 1], tables[1][:, 1]])).reshape(n_persons, K, G)
    offset = np.zeros((n_persons, G))
    add_several(model, tables, batch.persons, batch.items, batch.scores, batch.weights, others, Tables(A0, A1, offset))
    return Tables(A0, A1, offset)


def add_several(model, tables, persons, items, scores, weights, others, out: Tables) -> None:
    """Add the evidence of answers on items that measure several skills to `out` (mean field: each
    skill's share is the item's expected log-likelihood over the other skills' `others`)."""
    K = model.n_skills_
    A0, A1, offset = out.A0, out.A1, out.offset
    sizes = model.sizes_[items]
    for size in np.unique(sizes):
        pick = sizes == size
        cp, ci = persons[pick], items[pick]
        ell = cell_loglik(tables, ci, 2 ** size, scores[pick], weights[pick])
        skills = model.skills_of_[ci, :size]  # cells × size
        if others is None:  # the population share of masters of each skill
            M = np.broadcast_to(model.skill_share_[skills][:, :, None], (len(ci), size, 1))
        else:
            M = others[cp[:, None], skills]  # cells × size × nodes
        mastered = [M[:, l] for l in range(size)]  # each cells × nodes (or × 1)
        missing = [1 - m for m in mastered]
        bits = pattern_bits(size)
        full = 0.0
        gains = [[0.0, 0.0] for _ in range(size)]  # per skill of the item: expected log-lik if (not) mastered
        for g in range(2 ** size):
            probability = [mastered[l] if bits[g, l] else missing[l] for l in range(size)]
            for b in range(size):
                gains[b][bits[g, b]] = gains[b][bits[g, b]] + product(probability[:b] + probability[b + 1:]) * ell[:, g]
            full = full + product(probability) * ell[:, g]  # the item's expected log-likelihood
        for target, side in ((A0, 0), (A1, 1)):
            _add(target, np.tile(cp, size), skills.T.ravel(), np.concatenate([gains[b][side] for b in range(size)]), K)
        _add(offset[:, None, :], cp, np.zeros(len(cp), dtype=np.int64), -(size - 1) * full, 1)


def product(factors: list) -> np.ndarray:
    out = factors[0]
    for factor in factors[1:]:
        out = out * factor
    return out


def _add(A: np.ndarray, persons: np.ndarray, skills: np.ndarray, values: np.ndarray, K: int) -> None:
    """A[person, skill, node] += values[cell, node] (values may have one node column for all)."""
    n_persons, _, G = A.shape
    flat = persons * K + skills
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[1] == 1:
        A += np.bincount(flat, weights=values[:, 0], minlength=n_persons * K).reshape(n_persons, K, 1)
        return
    index = (flat[:, None] * G + np.arange(G)[None, :]).ravel()
    A += np.bincount(index, weights=values.ravel(), minlength=n_persons * K * G).reshape(n_persons, K, G)


@dataclass
class Posterior:
    theta: np.ndarray  # persons × nodes: P(θ = node | evidence)
    given_node: np.ndarray  # persons × skills × nodes: P(mastered | node, evidence)
    loglik: np.ndarray  # persons: log-likelihood of the evidence (mean-field bound with several-skill items)

    @property
    def mastery(self) -> np.ndarray:
        """persons × skills: P(mastered | evidence)."""
        return np.einsum("pn,pkn->pk", self.theta, self.given_node)


def posterior(model, tables: Tables) -> Posterior:
    """Per node, each skill is a two-way sum: log Z = logaddexp(log π0 + A0, log π1 + A1), and
    P(mastered | node) = σ(u) with u the difference of the two. Computed in float32, where the bulk of
    a fit's time goes (persons × skills × nodes); the per-person sums are taken in float64."""
    log_pi0, log_pi1 = model.log_pi_  # skills × nodes
    a = (log_pi0[None] + tables.A0).astype(np.float32)
    u = ((log_pi1 - log_pi0)[None] + (tables.A1 - tables.A0)).astype(np.float32)
    e = np.exp(-np.abs(u))
    log_z = a + np.maximum(u, 0) + np.log1p(e)
    given_node = np.where(u > 0, 1 / (1 + e), e / (1 + e))
    log_theta = model.log_node_weights_[None, :] + log_z.sum(axis=1, dtype=np.float64) + tables.offset
    top = log_theta.max(axis=1)
    loglik = top + np.log(np.exp(log_theta - top[:, None]).sum(axis=1))
    return Posterior(np.exp(log_theta - loglik[:, None]), given_node, loglik)


def infer(model, batch: Batch, sweeps: int = 2) -> Posterior:
    """The posterior of a batch of people. With several-skill items, `sweeps` mean-field passes."""
    post = posterior(model, accumulate(model, batch, None))
    for _ in range(sweeps - 1 if len(batch.items) else 0):
        post = posterior(model, accumulate(model, batch, post.given_node))
    return post


def predict(model, theta: np.ndarray, given_node: np.ndarray, items: np.ndarray) -> np.ndarray:
    """P(success) on `items[i]` for a person with node posterior theta[i] and per-node mastery
    given_node[i] (skills × nodes)."""
    items = np.asarray(items, dtype=np.int64)
    out = np.empty(len(items))
    sizes = model.sizes_[items]
    for size in np.unique(sizes):
        pick = np.flatnonzero(sizes == size)
        i = items[pick]
        M = np.take_along_axis(given_node[pick], model.skills_of_[i, :size][:, :, None], axis=1)
        bits = pattern_bits(size)[None, :, :, None]
        joint = np.prod(np.where(bits == 1, M[:, None], 1 - M[:, None]), axis=2)  # cells × groups × nodes
        z = model.logits_[i, :2 ** size][:, :, None] + model.slopes_[i][:, None, None] * model.nodes_[None, None, :]
        out[pick] = (joint * (1 / (1 + np.exp(-z))) * theta[pick][:, None, :]).sum(axis=(1, 2))
    return out
