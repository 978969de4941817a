"""Skill-model figures on a synthetic population with known true mastery.

    python -m bench.synthetic [--json] [--quick]

Prints: weak-skill verdict precision and recall at 10 items per skill (11 skills, fixed form);
the adaptive test's items used, accuracy, precision and recall against the fixed form; fitting
1,000,000 responses (20,000 people × 50 items over 11 skills): seconds and peak memory; and the
time of one update after an answer.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc

import numpy as np

from app.skills.adaptive import run_adaptive
from app.skills.model import MasteryModel
from app.skills.person import WEAK, empty_state, mastery, observe, state_from, verdict
from app.skills.synthetic import Population, generate
from app.skills.synthetic import mastery as draw_mastery

SKILLS, PER_SKILL = 11, 10


def weak_scores(truth: np.ndarray, verdicts: list[list[str]]) -> dict:
    tp = fp = fn = 0
    for person, row in enumerate(verdicts):
        for k, v in enumerate(row):
            weak = truth[person, k] == 0
            tp += v == WEAK and weak
            fp += v == WEAK and not weak
            fn += v != WEAK and weak
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1)}


def classification(people: int, adaptive_confidence: float, seed: int = 3) -> dict:
    calibration = generate(n_persons=3000, n_skills=SKILLS, items_per_skill=PER_SKILL, seed=seed)
    model = MasteryModel(calibration.q_matrix).fit(calibration.X, calibration.y, n_persons=3000)
    rng = np.random.default_rng(seed + 100)
    truth = draw_mastery(people, SKILLS, rng)
    pop = Population(truth, calibration.q_matrix, calibration.guess, calibration.slip, np.empty((0, 2), int),
                     np.empty(0))
    n_items = calibration.q_matrix.shape[0]
    answers = np.array([rng.random(n_items) < pop.success_probability(np.full(n_items, i), np.arange(n_items))
                        for i in range(people)], dtype=float)
    fixed_verdicts, fixed_correct = [], []
    for i in range(people):
        state = state_from(model, np.arange(n_items), answers[i], np.zeros(n_items))
        p = mastery(model, state)
        fixed_verdicts.append([verdict(p[k], state.evidence[k]) for k in range(SKILLS)])
        fixed_correct.append(((p > 0.5) == truth[i]).mean())
    adaptive_verdicts, adaptive_correct, asked = [], [], []
    for i in range(people):
        result = run_adaptive(model, lambda j, i=i: answers[i, j], list(range(n_items)), list(range(SKILLS)),
                              target=adaptive_confidence, max_items=n_items)
        asked.append(len(result.items))
        evidence = model.q_matrix_[result.items].sum(axis=0)
        adaptive_verdicts.append([verdict(result.marginals[k], evidence[k]) for k in range(SKILLS)])
        adaptive_correct.append(((result.marginals > 0.5) == truth[i]).mean())
    return {
        "people": people, "items_in_fixed_form": n_items, "calibration_structure": model.structure_,
        "fixed": {"accuracy": float(np.mean(fixed_correct)), **weak_scores(truth, fixed_verdicts)},
        "adaptive": {"confidence": adaptive_confidence, "mean_items": float(np.mean(asked)),
                     "share_of_fixed_form": float(np.mean(asked) / n_items),
                     "accuracy": float(np.mean(adaptive_correct)), **weak_scores(truth, adaptive_verdicts)},
    }


def scale(persons: int, items: int) -> dict:
    pop = generate(n_persons=persons, n_skills=SKILLS, items_per_skill=-(-items // SKILLS), seed=1)
    keep = pop.X[:, 1] < items
    X, y = pop.X[keep], pop.y[keep]
    tracemalloc.start()
    start = time.perf_counter()
    model = MasteryModel(pop.q_matrix[:items]).fit(X, y, n_persons=persons)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    state = empty_state(model)
    rounds = 2000
    start = time.perf_counter()
    for n in range(rounds):
        state = observe(model, state, n % items, float(n % 3 == 0), n * 0.01)
        mastery(model, state)
    update_ms = (time.perf_counter() - start) / rounds * 1000
    return {"responses": int(len(y)), "persons": persons, "items": items, "skills": SKILLS,
            "fit_seconds": seconds, "iterations": model.n_iter_, "structure": model.structure_,
            "peak_traced_mib": peak / 2 ** 20,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "profile_accuracy": float(((model.mastery_ > 0.5) == pop.mastery).mean()),
            "update_ms": update_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    parser.add_argument("--confidence", type=float, default=0.995, help="adaptive stopping confidence")
    args = parser.parse_args(argv)
    result = {"classification": classification(60 if args.quick else 300, args.confidence),
              "scale": scale(2000 if args.quick else 20000, 50)}
    if args.json:
        print(json.dumps(result))
        return 0
    c, s = result["classification"], result["scale"]
    print(f"Synthetic population: {SKILLS} skills, {PER_SKILL} items per skill, {c['people']} new people")
    print(f"  fixed form ({c['items_in_fixed_form']} items): accuracy {c['fixed']['accuracy']:.3f}, weak verdicts "
          f"precision {c['fixed']['precision']:.3f}, recall {c['fixed']['recall']:.3f}  (targets ≥ 0.90 / ≥ 0.85)")
    a = c["adaptive"]
    print(f"  adaptive (stop at {a['confidence']}): {a['mean_items']:.1f} items = {a['share_of_fixed_form']:.0%} of the "
          f"fixed form (target ≤ 60%), accuracy {a['accuracy']:.3f}, precision {a['precision']:.3f}, "
          f"recall {a['recall']:.3f}")
    print(f"Scale: {s['responses']:,} responses ({s['persons']:,} people × {s['items']} items, {s['skills']} skills, "
          f"{s['structure']}): fit {s['fit_seconds']:.1f} s (target ≤ 30 s) in {s['iterations']} EM iterations, "
          f"peak {s['peak_traced_mib']:.0f} MiB traced / {s['max_rss_mib']:.0f} MiB RSS (target ≤ 2048), "
          f"profiles recovered {s['profile_accuracy']:.1%}")
    print(f"Update after one answer: {s['update_ms']:.3f} ms (target ≤ 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
