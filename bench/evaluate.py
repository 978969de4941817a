"""Held-out evaluation of the mastery model against baselines on any item-response data set.

    python -m bench.evaluate DATA_DIR [--json] [--seeds 3]

DATA_DIR holds responses.csv (persons × items, 0/1, blank = missing) and qmatrix.csv (items ×
skills). For each seed, a random 20% of the observed cells is held out; every model is fitted on
the rest and scored on the held-out cells (AUC, log loss). Reported: the mean over seeds, the mean
fit time and the peak memory allocated while fitting (tracemalloc), plus the model's estimated
share of masters per skill when fitted on all the data.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from app.skills.data import load_dataset
from app.skills.model import MasteryModel


def split(n_obs: int, seed: int, share: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    test = np.zeros(n_obs, dtype=bool)
    test[rng.choice(n_obs, size=int(round(share * n_obs)), replace=False)] = True
    return ~test, test


class ItemMean:
    name = "item_mean"

    def fit(self, X, y, n_persons, n_items):
        sums = np.bincount(X[:, 1], weights=y, minlength=n_items)
        counts = np.bincount(X[:, 1], minlength=n_items)
        self.p = (sums + 0.5) / (counts + 1.0)
        return self

    def predict(self, X):
        return self.p[X[:, 1]]


class PersonItemLogistic:
    """Logistic regression on one-hot person and item indicators (a regularised Rasch model)."""

    name = "logistic_person_item"

    def fit(self, X, y, n_persons, n_items):
        self.n_persons, self.n_items = n_persons, n_items
        self.model = LogisticRegression(C=1.0, max_iter=2000).fit(self._design(X), (y >= 0.5).astype(int))
        return self

    def _design(self, X):
        rows = np.repeat(np.arange(len(X)), 2)
        cols = np.column_stack([X[:, 0], self.n_persons + X[:, 1]]).ravel()
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(X), self.n_persons + self.n_items))

    def predict(self, X):
        return self.model.predict_proba(self._design(X))[:, 1]


class Mastery:
    name = "model"

    def __init__(self, q_matrix):
        self.q_matrix = q_matrix

    def fit(self, X, y, n_persons, n_items):
        self.model = MasteryModel(self.q_matrix).fit(X, y, n_persons=n_persons)
        return self

    def predict(self, X):
        return self.model.predict_proba(X)[:, 1]


def measure(make, X, y, n_persons, n_items, train, test):
    tracemalloc.start()
    start = time.perf_counter()
    fitted = make().fit(X[train], y[train], n_persons, n_items)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    p = np.clip(fitted.predict(X[test]), 1e-6, 1 - 1e-6)
    truth = (y[test] >= 0.5).astype(int)
    return {"auc": roc_auc_score(truth, p), "logloss": log_loss(truth, p, labels=[0, 1]),
            "fit_seconds": seconds, "peak_mib": peak / 2 ** 20}


def evaluate(folder: str | Path, seeds: int = 3, qmatrix: str | None = None) -> dict:
    data = load_dataset(folder, qmatrix)
    X, y = data.observations()
    n_persons, n_items = data.responses.shape
    makers = {"model": lambda: Mastery(data.q_matrix), "item_mean": ItemMean,
              "logistic_person_item": PersonItemLogistic}
    runs = {name: [] for name in makers}
    for seed in range(seeds):
        train, test = split(len(y), seed)
        for name, make in makers.items():
            runs[name].append(measure(make, X, y, n_persons, n_items, train, test))
    result = {"data": str(folder), "persons": n_persons, "items": n_items, "skills": data.skills,
              "observations": int(len(y)), "seeds": seeds}
    for name, rows in runs.items():
        result[name] = {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
    full = MasteryModel(data.q_matrix).fit(X, y, n_persons=n_persons)
    result["model"]["mastery_proportion"] = dict(zip(data.skills, map(float, full.mastery_proportion_.round(4))))
    result["model"]["log_likelihood_full_data"] = float(full.log_likelihood_)
    baselines = [n for n in makers if n != "model"]
    best = max(baselines, key=lambda n: result[n]["auc"])
    result["best_baseline"] = best
    return result


def report(result: dict) -> str:
    lines = [f"data: {result['data']}  ({result['persons']} persons × {result['items']} items, "
             f"{result['observations']} observed cells, {len(result['skills'])} skills; "
             f"held-out 20%, mean of {result['seeds']} seeds)",
             f"{'model':<24}{'AUC':>8}{'log loss':>10}{'fit s':>9}{'peak MiB':>10}"]
    for name in ("model", "item_mean", "logistic_person_item"):
        r = result[name]
        lines.append(f"{name:<24}{r['auc']:>8.4f}{r['logloss']:>10.4f}{r['fit_seconds']:>9.3f}{r['peak_mib']:>10.1f}")
    best = result[result["best_baseline"]]
    lines.append(f"model vs best baseline ({result['best_baseline']}): AUC {result['model']['auc'] - best['auc']:+.4f}, "
                 f"log loss {result['model']['logloss'] - best['logloss']:+.4f} (negative is better)")
    lines.append("mastery proportion per skill: " + ", ".join(
        f"{k} {v:.3f}" for k, v in result["model"]["mastery_proportion"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--qmatrix", help="the Q-matrix file to use when the folder holds several "
                                          "(e.g. skill_qmatrix.csv)")
    args = parser.parse_args(argv)
    try:
        result = evaluate(args.data_dir, args.seeds, args.qmatrix)
    except ValueError as error:
        parser.error(str(error))
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
