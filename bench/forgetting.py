"""Forgetting, measured: fit the half-life on timestamped answers and test it on people held out.

    python -m bench.forgetting DATA_DIR --time-column time --order baseline,midway,end_of_unit
                               [--id-column student] [--seeds 5] [--json]

DATA_DIR holds responses.csv (one row per person and occasion: a person id column, a time column,
then item columns, 0/1 or partial credit, blank = not administered) and qmatrix.csv. Times are
numbers (days) or, with `--order`, named occasions numbered 0, 1, 2, … in that order.

Protocol, per seed: split the people 80/20. Calibrate the app's skill model (`MasteryModel`) on the
training people's rows (each person-occasion a row). For every person with answers at two or more
times, predict each later occasion's answers from everything they answered before it, scored with
the app's person scorer (`app.skills.person`: recency weights, then forgetting) at that occasion's
time. The half-life is chosen on the training people by log loss over a grid and judged on the
held-out people against two alternatives scored the same way: no forgetting (an infinite
half-life), and the previous rule, in which all evidence fades towards the population's mastery.

The prediction of an answer at time t reads the skills' mastery at t (after forgetting) with the
person's ability posterior: Σ over ability nodes and the item's mastery patterns.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from app.skills.inference import pattern_bits
from app.skills.model import MasteryModel
from app.skills.person import fade, empty_state, observe, person_posterior, retention

GRID = (0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def read(folder: Path, id_column: str, time_column: str, order: list[str] | None):
    with (folder / "responses.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header, rows = rows[0], rows[1:]
    with (folder / "qmatrix.csv").open(newline="", encoding="utf-8-sig") as handle:
        q_rows = list(csv.reader(handle))
    q_by_item = {r[0]: [int(float(v)) for v in r[1:]] for r in q_rows[1:] if r}
    items = [h for h in header if h in q_by_item]
    columns = [header.index(i) for i in items]
    pid, tid = header.index(id_column), header.index(time_column)
    people: dict[str, int] = {}
    records = []  # (person, time, item, score)
    for row in rows:
        when = row[tid].strip()
        if order is not None:
            if when not in order:
                raise ValueError(f"time {when!r} is not one of --order {','.join(order)}")
            t = float(order.index(when))
        else:
            t = float(when)
        person = people.setdefault(row[pid], len(people))
        for j, col in enumerate(columns):
            value = row[col].strip() if col < len(row) else ""
            if value not in ("", "NA"):
                records.append((person, t, j, float(value)))
    data = np.array(records, dtype=float)
    q = np.array([q_by_item[i] for i in items], dtype=np.int8)
    return data, q, len(people)


def predict_at(model, state, items: np.ndarray, t: float, half_life: float) -> np.ndarray:
    """P(success) on `items` at time t: the skills' mastery after forgetting, with the person's
    ability posterior (the forgetting rule of `app.skills.person.mastery`)."""
    post = person_posterior(model, state)
    theta = post.theta[0]
    kept = retention(model, state, t, half_life)
    given = fade(post.given_node[0], kept[:, None])  # skills × nodes, each skill's odds faded
    out = np.empty(len(items))
    for n, j in enumerate(items):
        size = int(model.sizes_[j])
        skills = model.skills_of_[j, :size]
        bits = pattern_bits(size)
        pattern = np.prod(np.where(bits[:, :, None] == 1, given[skills][None], 1 - given[skills][None]), axis=1)
        p = 1 / (1 + np.exp(-(model.logits_[j, :2 ** size, None] + model.slopes_[j] * model.nodes_[None])))
        out[n] = float((pattern * p * theta[None]).sum())
    return out


def predictions(model, data: np.ndarray, people: np.ndarray, rule: str, half_life: float):
    """(truth, prediction) for every answer at a person's second or later time, from their earlier ones."""
    truth, predicted = [], []
    for person in people:
        mine = data[data[:, 0] == person]
        times = np.unique(mine[:, 1])
        for t in times[1:]:
            before, now = mine[mine[:, 1] < t], mine[mine[:, 1] == t]
            if rule == "population":  # the previous rule: every answer's weight fades with its age at t
                state = empty_state(model)
                for _, when, item, score in before:
                    state = observe(model, state, int(item), score, t, weight=0.5 ** ((t - when) / half_life))
                p = predict_at(model, state, now[:, 2].astype(int), t, np.inf)
            else:
                state = empty_state(model, float(before[:, 1].min()))
                for _, when, item, score in before[np.argsort(before[:, 1], kind="stable")]:
                    state = observe(model, state, int(item), score, when, half_life)
                p = predict_at(model, state, now[:, 2].astype(int), t, half_life)
            truth.extend(now[:, 3] >= 0.5)
            predicted.extend(p)
    return np.array(truth, dtype=int), np.clip(np.array(predicted), 1e-6, 1 - 1e-6)


def evaluate(folder, id_column: str, time_column: str, order: list[str] | None, seeds: int = 5,
             grid: tuple[float, ...] = GRID) -> dict:
    data, q, n_people = read(Path(folder), id_column, time_column, order)
    rows = {"none": [], "population": [], "unsure": []}
    chosen = {"population": [], "unsure": []}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        test_people = rng.random(n_people) < 0.2
        train = ~test_people[data[:, 0].astype(int)]
        # calibrate: every person-occasion of the training people is a row of the model
        keys = {}
        X = np.array([(keys.setdefault((int(p), t), len(keys)), int(j)) for p, t, j, _ in data[train]])
        model = MasteryModel(q).fit(X, data[train, 3], n_persons=len(keys))
        train_people = np.flatnonzero(~test_people)
        held_out = np.flatnonzero(test_people)
        for rule in ("population", "unsure"):
            losses = {h: log_loss(*predictions(model, data, train_people, rule, h), labels=[0, 1]) for h in grid}
            best = min(losses, key=losses.get)
            chosen[rule].append(best)
            truth, p = predictions(model, data, held_out, rule, best)
            rows[rule].append({"logloss": log_loss(truth, p, labels=[0, 1]), "auc": roc_auc_score(truth, p),
                               "n": len(truth)})
        truth, p = predictions(model, data, held_out, "unsure", np.inf)
        rows["none"].append({"logloss": log_loss(truth, p, labels=[0, 1]), "auc": roc_auc_score(truth, p), "n": len(truth)})
    result = {"data": str(folder), "people": n_people, "answers": int(len(data)), "seeds": seeds,
              "time_unit": "occasion" if order else "day"}
    for rule, runs in rows.items():
        summary = {}
        for key in ("logloss", "auc"):
            values = np.array([r[key] for r in runs])
            summary[key], summary[key + "_se"] = float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))
        summary["answers_predicted"] = int(np.mean([r["n"] for r in runs]))
        if rule in chosen:
            summary["half_lives"] = chosen[rule]
        diff = np.array([r["logloss"] - n["logloss"] for r, n in zip(runs, rows["none"])])
        summary["logloss_vs_none"] = float(diff.mean())
        summary["logloss_vs_none_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff)))
        result[rule] = summary
    return result


def report(result: dict) -> str:
    unit = result["time_unit"]
    lines = [f"data: {result['data']} ({result['people']} people, {result['answers']} answers; each later "
             f"occasion predicted from the earlier ones; held-out 20 % of people, mean of {result['seeds']} seeds)",
             f"  {'forgetting rule':<40}{'log loss':>10}{'± se':>8}{'AUC':>8}{'vs none':>20}  half-life ({unit}s)"]
    names = {"none": "none (evidence never fades)", "population": "previous: fades towards the population",
             "unsure": "app: fades towards unsure"}
    for rule in ("none", "population", "unsure"):
        r = result[rule]
        vs = "" if rule == "none" else f"{r['logloss_vs_none']:+.4f} ± {r['logloss_vs_none_se']:.4f}"
        lives = ", ".join(f"{h:g}" for h in r.get("half_lives", [])) or "∞"
        lines.append(f"  {names[rule]:<40}{r['logloss']:>10.4f}{r['logloss_se']:>8.4f}{r['auc']:>8.4f}{vs:>20}  {lives}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--id-column", default="student")
    parser.add_argument("--time-column", default="time")
    parser.add_argument("--order", help="named occasions in time order, comma-separated")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = evaluate(args.data_dir, args.id_column, args.time_column,
                          args.order.split(",") if args.order else None, args.seeds)
    except (ValueError, OSError) as error:
        parser.error(str(error))
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
