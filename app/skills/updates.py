"""The M-step of the mastery model and the expected counts it reads, kept apart from the estimator
(`model.py`) that schedules them: closed-form and Newton updates of the item parameters, Newton
updates of the higher-order structure, and the expected successes and answers per item and mastery
pattern (and ability node) that a batch's posterior implies."""
from __future__ import annotations

import numpy as np

from app.skills.inference import Batch, Posterior, pattern_bits, product

EPS = 1e-4


def logit(p):
    return np.log(p) - np.log1p(-p)


def monotone(eta: np.ndarray, sizes: np.ndarray) -> None:
    """Raise each pattern's logit to at least that of every pattern it contains (in place)."""
    width = eta.shape[1]
    for g in range(1, width):
        for bit in range(int(np.log2(width))):
            if g >> bit & 1:
                valid = g < 2 ** sizes
                eta[valid, g] = np.maximum(eta[valid, g], eta[valid, g & ~(1 << bit)])


def expected_counts(model, R, N, post: Posterior, batch: Batch, by_node: bool) -> None:
    """Expected (weighted) successes and answers per item, mastery pattern (and node)."""
    n_items, width = R.shape[0], R.shape[1]
    G = len(model.nodes_)
    transposed = batch.transposed
    for g in (0, 1):  # one-skill items: sparse products with P(pattern (, node)) per person and skill
        given = post.given_node if g else 1 - post.given_node
        if by_node:
            W = (post.theta[:, None, :] * given).reshape(-1, G)
        else:
            W = np.einsum("pn,pkn->pk", post.theta, given).reshape(-1, 1)
        out = np.asarray(transposed @ W).reshape(2 * n_items, -1)
        success, failure = out[:n_items], out[n_items:]
        R[:, g] += success if by_node else success[:, 0]
        N[:, g] += (success + failure) if by_node else (success + failure)[:, 0]
    cp, ci, cs, cw = batch.persons, batch.items, batch.scores, batch.weights
    sizes = model.sizes_[ci]
    for size in np.unique(sizes):
        pick = sizes == size
        p, i, s, w = cp[pick], ci[pick], cs[pick], cw[pick]
        skills = model.skills_of_[i, :size]
        mastered = [post.given_node[p, skills[:, l]] for l in range(size)]  # cells × nodes
        theta = post.theta[p]
        bits = pattern_bits(size)
        for g in range(2 ** size):
            joint = product([mastered[l] if bits[g, l] else 1 - mastered[l] for l in range(size)]) * theta
            if by_node:
                index = ((i * width + g)[:, None] * G + np.arange(G)[None, :]).ravel()
                R += np.bincount(index, weights=(joint * (w * s)[:, None]).ravel(),
                                 minlength=R.size).reshape(R.shape)
                N += np.bincount(index, weights=(joint * w[:, None]).ravel(), minlength=N.size).reshape(N.shape)
            else:
                joint = joint.sum(axis=1)
                R[:, g] += np.bincount(i, weights=w * s * joint, minlength=n_items)
                N[:, g] += np.bincount(i, weights=w * joint, minlength=n_items)


def newton_items(model, R, N, steps: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps on each item's η (per pattern) and slope, from counts per pattern and node:
    the new (logits, slopes)."""
    c, mu, theta = model.item_prior, model.prior_mean_, model.nodes_
    cs = c if model.slope_prior is None else model.slope_prior  # the slopes' prior: the item prior unless set
    logits, slopes = model.logits_, model.slopes_
    for _ in range(steps):
        z = logits[:, :, None] + slopes[:, None, None] * theta[None, None, :]
        p = 1 / (1 + np.exp(-z))
        p0 = 1 / (1 + np.exp(-logits))
        grad = (R - N * p).sum(axis=2) + c * (mu - p0)
        hess = (N * p * (1 - p)).sum(axis=2) + c * p0 * (1 - p0)
        logits = np.clip(logits + grad / np.maximum(hess, 1e-9), -8, 8)
        z = logits[:, :, None] + slopes[:, None, None] * theta[None, None, :]
        p = 1 / (1 + np.exp(-z))
        grad_a = ((R - N * p) * theta).sum(axis=(1, 2)) - cs * slopes
        hess_a = (N * p * (1 - p) * theta ** 2).sum(axis=(1, 2)) + cs
        slopes = np.clip(slopes + grad_a / hess_a, 0.0, 4.0)
    return logits, slopes

def newton_structure(model, mass, masters, steps: int = 3, hold_lambda: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """λ, δ per skill: weighted logistic regression of mastery on the node (N(1, 1) prior on λ).
    With `hold_lambda`, λ stays and the steps are Newton's on δ alone (δ's own optimum given λ, not
    the δ half of a joint step that assumed λ would move)."""
    lam, delta, theta = model.lambda_.copy(), model.delta_.copy(), model.nodes_
    for _ in range(steps):
        z = lam[:, None] * theta[None, :] - delta[:, None]
        p = 1 / (1 + np.exp(-z))
        resid = masters - mass[None, :] * p  # skills × nodes
        v = mass[None, :] * p * (1 - p)
        g_lam = (resid * theta).sum(axis=1) - (lam - 1.0)
        g_del = -resid.sum(axis=1) - 0.01 * delta
        h_ll = (v * theta ** 2).sum(axis=1) + 1.0
        h_dd = v.sum(axis=1) + 0.01
        h_ld = -(v * theta).sum(axis=1)
        if hold_lambda:
            delta = delta + g_del / h_dd
        else:
            det = h_ll * h_dd - h_ld ** 2
            lam = lam + (h_dd * g_lam - h_ld * g_del) / det
            delta = delta + (h_ll * g_del - h_ld * g_lam) / det
        lam, delta = np.clip(lam, 0.0, 6.0), np.clip(delta, -8.0, 8.0)
    return lam, delta
