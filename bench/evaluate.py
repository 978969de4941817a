"""Held-out evaluation of the mastery model against peers on any item-response data set.

    python -m bench.evaluate DATA_DIR [DATA_DIR ...] [--json] [--seeds 5] [--qmatrix FILE] [--slope-prior C]
                             [--free-structure]

DATA_DIR holds responses.csv (persons × items, 0/1 or partial credit, blank = missing) and an
item→skill map (qmatrix.csv; `--qmatrix` names one when the folder has several). Two protocols,
every model in the same run on the same splits:

- **person split** (the product's own case): calibrate on 80 % of the people; for each new person,
  score them from a random half of their answers and predict the other half.
- **cells**: hold out a random 20 % of all answered cells, fit on the rest, predict the held-out ones.

Models: the app's skill model (`MasteryModel`, exactly as the app fits and scores people), the same
model without its ability slopes (a pure latent-class model), 2PL IRT from girth (marginal maximum
likelihood; new people scored by EAP on 61 nodes), logistic regression on person and item
indicators (new people enter with their scored half), and the per-item mean. Reported per model:
AUC and log loss (mean over seeds ± standard error), fit seconds (timed without memory tracing).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from app.skills.data import ResponseData, load_dataset
from app.skills.model import MasteryModel

NAMES = ("model", "model_without_slopes", "irt_2pl_girth", "logistic_person_item", "item_mean")


def split_cells(n_obs: int, seed: int, share: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    test = np.zeros(n_obs, dtype=bool)
    test[rng.choice(n_obs, size=int(round(share * n_obs)), replace=False)] = True
    return test


def split_people(X: np.ndarray, n_persons: int, seed: int, share: float = 0.2):
    """(train rows, seen rows of new people, rows to predict of new people, new-person mask)."""
    rng = np.random.default_rng(seed)
    new = np.zeros(n_persons, dtype=bool)
    new[rng.choice(n_persons, size=int(round(share * n_persons)), replace=False)] = True
    is_new = new[X[:, 0]]
    seen = np.zeros(len(X), dtype=bool)
    for person in np.flatnonzero(new):
        rows = np.flatnonzero(X[:, 0] == person)
        rows = rows[rng.permutation(len(rows))]
        seen[rows[:(len(rows) + 1) // 2]] = True
    return ~is_new, is_new & seen, is_new & ~seen, new


class ItemMean:
    def fit(self, X, y, n_persons, n_items):
        self.p = (np.bincount(X[:, 1], weights=y, minlength=n_items) + 0.5) / (
            np.bincount(X[:, 1], minlength=n_items) + 1.0)
        return self

    def predict(self, X, seen_X=None, seen_y=None):
        return self.p[X[:, 1]]


class PersonItemLogistic:
    """Logistic regression on one-hot person and item indicators (a regularised Rasch model); new
    people are fitted together with the calibration data from their seen answers."""

    def fit(self, X, y, n_persons, n_items):
        self.X, self.y, self.n_persons, self.n_items = X, y, n_persons, n_items
        self.model = self._fit(X, y)
        return self

    def _fit(self, X, y):
        return LogisticRegression(C=1.0, max_iter=2000).fit(self._design(X), (y >= 0.5).astype(int))

    def _design(self, X):
        rows = np.repeat(np.arange(len(X)), 2)
        cols = np.column_stack([X[:, 0], self.n_persons + X[:, 1]]).ravel()
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(X), self.n_persons + self.n_items))

    def predict(self, X, seen_X=None, seen_y=None):
        model = self.model if seen_X is None else self._fit(np.vstack([self.X, seen_X]),
                                                            np.concatenate([self.y, seen_y]))
        return model.predict_proba(self._design(X))[:, 1]


class TwoPL:
    """2PL IRT, calibrated by girth's marginal maximum likelihood; people scored by EAP."""

    nodes = np.linspace(-5, 5, 61)

    def fit(self, X, y, n_persons, n_items):
        from girth import twopl_mml
        from girth.utilities import INVALID_RESPONSE

        matrix = np.full((n_items, n_persons), INVALID_RESPONSE, dtype=int)
        matrix[X[:, 1], X[:, 0]] = (y >= 0.5).astype(int)
        answered = (matrix != INVALID_RESPONSE).any(axis=0)
        result = twopl_mml(matrix[:, answered])
        self.a, self.b = np.asarray(result["Discrimination"], float), np.asarray(result["Difficulty"], float)
        self.X, self.y = X, y
        return self

    def _eap(self, X, y, n_persons):
        log_prior = -0.5 * self.nodes ** 2
        p = np.clip(expit(self.a[X[:, 1], None] * (self.nodes[None, :] - self.b[X[:, 1], None])), 1e-9, 1 - 1e-9)
        s = (y >= 0.5).astype(float)[:, None]
        ll = s * np.log(p) + (1 - s) * np.log1p(-p)
        log_post = np.tile(log_prior, (n_persons, 1))
        np.add.at(log_post, X[:, 0], ll)
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        return post / post.sum(axis=1, keepdims=True)

    def predict(self, X, seen_X=None, seen_y=None):
        if seen_X is None:
            seen_X, seen_y = self.X, self.y
        post = self._eap(seen_X, seen_y, int(max(seen_X[:, 0].max(), X[:, 0].max()) + 1))
        p = expit(self.a[X[:, 1], None] * (self.nodes[None, :] - self.b[X[:, 1], None]))
        return (post[X[:, 0]] * p).sum(axis=1)


class Mastery:
    def __init__(self, q_matrix, **params):
        self.q_matrix, self.params = q_matrix, params

    def fit(self, X, y, n_persons, n_items):
        self.model = MasteryModel(self.q_matrix, **self.params).fit(X, y, n_persons=n_persons)
        return self

    def predict(self, X, seen_X=None, seen_y=None):
        if seen_X is None:
            return self.model.predict_proba(X)[:, 1]
        people = np.unique(np.concatenate([seen_X[:, 0], X[:, 0]]))
        local = {p: i for i, p in enumerate(people)}
        renumber = np.vectorize(local.get)
        post = self.model.score(np.column_stack([renumber(seen_X[:, 0]), seen_X[:, 1]]), seen_y,
                                n_persons=len(people))
        return self.model.predict_scored(post, np.column_stack([renumber(X[:, 0]), X[:, 1]]))


def makers(q_matrix, slope_prior: float | None = None, hold_structure: bool = True):
    return {"model": lambda: Mastery(q_matrix, slope_prior=slope_prior, hold_structure=hold_structure), "model_without_slopes": lambda: Mastery(q_matrix, slope_iter=0),
            "irt_2pl_girth": TwoPL, "logistic_person_item": PersonItemLogistic, "item_mean": ItemMean}


def _score(p, y):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    truth = (y >= 0.5).astype(int)
    return {"auc": float(roc_auc_score(truth, p)), "logloss": float(log_loss(truth, p, labels=[0, 1]))}


def evaluate(folder: str | Path, seeds: int = 5, qmatrix: str | None = None, only: tuple[str, ...] = NAMES,
             slope_prior: float | None = None, hold_structure: bool = True) -> dict:
    return evaluate_data(load_dataset(folder, qmatrix), str(folder), seeds, only, slope_prior, hold_structure)


def evaluate_data(data: ResponseData, name: str, seeds: int = 5, only: tuple[str, ...] = NAMES,
                  slope_prior: float | None = None, hold_structure: bool = True) -> dict:
    X, y = data.observations()
    n_persons, n_items = data.responses.shape
    make = {name: maker for name, maker in makers(data.q_matrix, slope_prior, hold_structure).items() if name in only}
    runs: dict[str, dict[str, list]] = {"person_split": {n: [] for n in make}, "cells": {n: [] for n in make}}
    for seed in range(seeds):
        train, seen, target, _ = split_people(X, n_persons, seed)
        test = split_cells(len(y), seed)
        for model_name, maker in make.items():
            start = time.perf_counter()
            fitted = maker().fit(X[train], y[train], n_persons, n_items)
            seconds = time.perf_counter() - start
            runs["person_split"][model_name].append(
                {**_score(fitted.predict(X[target], X[seen], y[seen]), y[target]), "fit_seconds": seconds})
            start = time.perf_counter()
            fitted = maker().fit(X[~test], y[~test], n_persons, n_items)
            seconds = time.perf_counter() - start
            runs["cells"][model_name].append({**_score(fitted.predict(X[test]), y[test]), "fit_seconds": seconds})
    result = {"data": name, "persons": n_persons, "items": n_items, "skills": data.skills,
              "observations": int(len(y)), "seeds": seeds}
    for protocol, by_model in runs.items():
        result[protocol] = {}
        for name, rows in by_model.items():
            summary = {}
            for key in rows[0]:
                values = np.array([r[key] for r in rows])
                summary[key] = float(values.mean())
                summary[key + "_se"] = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
            if "model" in by_model and name != "model":  # paired difference: the same splits for both
                diff = np.array([m["auc"] - r["auc"] for m, r in zip(by_model["model"], rows)])
                summary["model_auc_lead"] = float(diff.mean())
                summary["model_auc_lead_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
            result[protocol][name] = summary
    if "model" in make:
        full = MasteryModel(data.q_matrix, slope_prior=slope_prior, hold_structure=hold_structure).fit(
            X, y, n_persons=n_persons)
        result["mastery_proportion"] = dict(zip(data.skills, map(float, full.mastery_proportion_.round(4))))
    return result


def verdict(result: dict, protocol: str) -> str:
    """'ahead', 'level' (behind by no more than the standard error) or 'behind' the best peer."""
    rows = result[protocol]
    peers = [n for n in rows if n not in ("model", "model_without_slopes")]
    best = max(peers, key=lambda n: rows[n]["auc"])
    lead, se = rows[best]["model_auc_lead"], rows[best]["model_auc_lead_se"]
    standing = "ahead of" if lead > 0 else "level with" if -lead <= se else "behind"
    return f"{standing} {best} ({lead:+.4f} ± {se:.4f})"


def report(result: dict) -> str:
    lines = [f"data: {result['data']}  ({result['persons']} persons × {result['items']} items, "
             f"{result['observations']} observed cells, {len(result['skills'])} skills; mean of {result['seeds']} seeds)"]
    for protocol, title in (("person_split", "person split: calibrate on 80 % of people, score each new person "
                                             "from half their answers, predict the other half"),
                            ("cells", "cells: 20 % of answered cells held out")):
        lines.append(title)
        lines.append(f"  {'model':<24}{'AUC':>8}{'± se':>8}{'log loss':>10}{'fit s':>8}{'lead of model':>18}")
        for name, r in result[protocol].items():
            lead = f"{r['model_auc_lead']:+.4f} ± {r['model_auc_lead_se']:.4f}" if "model_auc_lead" in r else ""
            lines.append(f"  {name:<24}{r['auc']:>8.4f}{r['auc_se']:>8.4f}{r['logloss']:>10.4f}"
                         f"{r['fit_seconds']:>8.2f}{lead:>18}")
        if "model" in result[protocol] and len(result[protocol]) > 2:
            lines.append(f"  model is {verdict(result, protocol)}")
    if "mastery_proportion" in result:
        lines.append("mastery proportion per skill: " + ", ".join(
            f"{k} {v:.3f}" for k, v in result["mastery_proportion"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="+")
    parser.add_argument("--json", action="store_true", help="print one JSON object per data set")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--qmatrix", help="the Q-matrix file to use when a folder holds several "
                                          "(e.g. skill_qmatrix.csv)")
    parser.add_argument("--only", help="comma-separated model names (default: all)")
    parser.add_argument("--slope-prior", type=float, default=None,
                        help="precision of the model's prior on its ability slopes (default: the app's)")
    parser.add_argument("--free-structure", action="store_true",
                        help="the model lets λ move when its slopes come in (the setting before 2026-12-05)")
    args = parser.parse_args(argv)
    only = tuple(args.only.split(",")) if args.only else NAMES
    for folder in args.data_dir:
        try:
            result = evaluate(folder, args.seeds, args.qmatrix, only, args.slope_prior, not args.free_structure)
        except ValueError as error:
            parser.error(f"{folder}: {error}")
        print(json.dumps(result) if args.json else report(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
