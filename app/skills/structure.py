"""The distribution of mastery profiles when there are too few people to estimate all 2^K weights.

Higher-order structure (de la Torre & Douglas 2004): a general ability θ ~ N(0, 1), and given θ,
skill k is mastered independently with probability σ(λ_k·θ − δ_k). That is 2K parameters instead
of 2^K − 1, and it still lets skills go together through θ.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(21)
LOG_WEIGHTS = np.log(WEIGHTS / WEIGHTS.sum())


def _terms(params: np.ndarray, patterns: np.ndarray):
    k = patterns.shape[1]
    lam, delta = params[:k], params[k:]
    p = np.clip(expit(lam[:, None] * NODES[None, :] - delta[:, None]), 1e-9, 1 - 1e-9)  # skills × nodes
    ell = patterns @ np.log(p) + (1 - patterns) @ np.log1p(-p) + LOG_WEIGHTS  # profiles × nodes
    return p, ell


def profile_log_weights(params: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    return logsumexp(_terms(params, patterns)[1], axis=1)


def fit_higher_order(mass: np.ndarray, patterns: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Maximise Σ_c mass_c·log π_c(λ, δ) (with a weak N(1, 1) prior on each λ); returns [λ..., δ...]."""
    k = patterns.shape[1]
    A = patterns.astype(float)
    x0 = np.concatenate([np.ones(k), np.zeros(k)]) if start is None else start

    def objective(params):
        p, ell = _terms(params, A)
        log_pi = logsumexp(ell, axis=1)
        r = np.exp(ell - log_pi[:, None])  # node posterior per profile
        M = mass[:, None] * r
        col = M.sum(axis=0)
        lam = params[:k]
        grad_lam = A.T @ (M @ NODES) - p @ (col * NODES) - (lam - 1.0)
        grad_delta = -(A.T @ M.sum(axis=1) - p @ col)
        value = mass @ log_pi - 0.5 * np.sum((lam - 1.0) ** 2)
        return -value, -np.concatenate([grad_lam, grad_delta])

    bounds = [(0.0, 6.0)] * k + [(-8.0, 8.0)] * k
    return minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 8}).x
