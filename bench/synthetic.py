"""Skill-model figures on synthetic populations with known true mastery.

    python -m bench.synthetic [--json] [--quick] [--only classification,peers,scale] [--without-slopes]
                              [--slope-prior C] [--free-structure]

1. **Verdicts under four truths** (11 skills, 10 items per skill, about 30 % of items measure two
   skills; calibrate on 3,000 people, then score 300 new people): the model's own family (a general
   ability drives mastery, items DINA-like with an ability slope); a continuous-ability truth
   (correlated abilities, mastery = ability above a cut, items logistic in the ability); noisy DINA
   (guess 0.2–0.4, slip 0.15–0.3); and the model's own family fitted with a Q-matrix in which 10 % of
   the entries are flipped. For each: weak-skill verdict precision and recall on the fixed form
   (targets ≥ 0.90 / ≥ 0.85; "not enough evidence" is not a weak verdict, so it costs recall; recall
   among the verdicts given beside it), classification accuracy,
   the share of "not enough evidence" verdicts, and the adaptive test's items as a share of the
   fixed form (target ≤ 60 %) with its accuracy. Under the continuous truth the same verdict rule is
   also applied to the exact posterior (the truth's own parameters, by MCMC): what any scorer could
   reach with these answers.
2. **Peers at 40 skills**: the person-split and cell protocols of `bench.evaluate` on a synthetic
   population of 3,000 people × 40 skills, with 2PL IRT and the logistic baseline in the same run.
3. **Scale**: 100,000 people × 50 answers each (5,000,000 responses) over 40 skills and 400 items:
   fit seconds and peak memory (targets ≤ 60 s, ≤ 2 GiB), and one update after an answer including
   the new mastery of every skill (target ≤ 1 ms), and the adaptive test's work for one next question
   over all 40 skills.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit
from scipy.stats import norm

from app.skills.adaptive import open_skills, run_adaptive, select_next
from app.skills.model import MasteryModel
from app.skills.person import PROFICIENT, UNKNOWN, WEAK, empty_state, evidence, mastery, observe, state_from, verdict

SKILLS, PER_SKILL = 11, 10
FAMILIES = ("own", "continuous", "noisy_dina", "q_flipped_10pct")


@dataclass
class Truth:
    """A population's true mastery and a way to draw its answers."""

    q: np.ndarray  # items × skills, the true item→skill map
    draw: object  # (persons: array, items: array, rng) -> scores
    mastery: np.ndarray  # persons × skills
    bayes: object = None  # answers (persons × all items) -> P(mastered), knowing the truth's parameters


def q_matrix(n_items: int, n_skills: int, rng, two_skill_share: float = 0.3) -> np.ndarray:
    q = np.zeros((n_items, n_skills), dtype=np.int8)
    q[np.arange(n_items), np.arange(n_items) % n_skills] = 1
    for j in np.flatnonzero(rng.random(n_items) < two_skill_share):
        q[j, rng.choice(np.flatnonzero(q[j] == 0))] = 1
    return q


def population(family: str, n_persons: int, q: np.ndarray, items_rng, people_rng) -> Truth:
    """Item parameters come from `items_rng` (the same for calibration and new people), people from
    `people_rng`."""
    n_items, n_skills = q.shape
    rates = np.random.default_rng(99).uniform(0.35, 0.75, n_skills)
    irng = np.random.default_rng(items_rng)
    if family == "continuous":
        general = people_rng.standard_normal((n_persons, 1))
        ability = np.sqrt(0.5) * general + np.sqrt(0.5) * people_rng.standard_normal((n_persons, n_skills))
        cuts = norm.ppf(1 - rates)
        truth = (ability > cuts).astype(np.int8)
        slope = irng.uniform(2.0, 3.0, n_items)

        def draw(persons, items, rng):
            need = q[items].astype(float)
            centred = ((ability[persons] - cuts) * need).sum(axis=1) / need.sum(axis=1)
            return (rng.random(len(items)) < expit(slope[items] * centred + 0.4)).astype(float)

        def bayes(answers, sweeps: int = 2000, burn_in: int = 400):
            """P(ability above the cut | every answer) with the truth's own parameters, by
            Metropolis-within-Gibbs over the abilities of all people at once: the best any scorer
            could do with these answers."""
            share = q / q.sum(axis=1, keepdims=True)
            precision = np.linalg.inv(0.5 + 0.5 * np.eye(n_skills))
            walk = np.random.default_rng(0)

            def log_density(a):
                z = slope * ((a - cuts) @ share.T) + 0.4
                return (answers * log_expit(z) + (1 - answers) * log_expit(-z)).sum(axis=1) \
                    - 0.5 * np.einsum("pk,kl,pl->p", a, precision, a)
            a = np.zeros((len(answers), n_skills))
            current, above = log_density(a), np.zeros_like(a)
            for sweep in range(sweeps):
                for k in range(n_skills):
                    proposal = a.copy()
                    proposal[:, k] += 0.5 * walk.standard_normal(len(a))
                    new = log_density(proposal)
                    accept = np.log(walk.random(len(a))) < new - current
                    a[accept], current[accept] = proposal[accept], new[accept]
                if sweep >= burn_in:
                    above += a > cuts
            return above / (sweeps - burn_in)
        return Truth(q, draw, truth, bayes)
    theta = people_rng.standard_normal(n_persons)  # the general ability; given it, skills independent
    latent = np.sqrt(0.5) * theta[:, None] + np.sqrt(0.5) * people_rng.standard_normal((n_persons, n_skills))
    truth = (latent > norm.ppf(1 - rates)).astype(np.int8)
    if family == "noisy_dina":
        guess, slip, ability_slope = irng.uniform(0.2, 0.4, n_items), irng.uniform(0.15, 0.3, n_items), np.zeros(n_items)
    else:
        guess, slip, ability_slope = irng.uniform(0.1, 0.3, n_items), irng.uniform(0.05, 0.15, n_items), \
            irng.uniform(0.0, 0.5, n_items)

    def draw(persons, items, rng):
        need = q[items]
        have = (truth[persons] & need).sum(axis=1)
        total = need.sum(axis=1)
        base = np.where(have == total, 1 - slip[items], guess[items] + (0.5 - guess[items]) * have / total * 0.5)
        logit = np.log(base) - np.log1p(-base) + ability_slope[items] * theta[persons]
        return (rng.random(len(items)) < expit(logit)).astype(float)
    return Truth(q, draw, truth)


def flip(q: np.ndarray, share: float, rng) -> np.ndarray:
    """`share` of the entries flipped at random (every item keeps at least one skill)."""
    flipped = q.copy()
    cells = rng.choice(q.size, int(round(share * q.size)), replace=False)
    rows, cols = np.unravel_index(cells, q.shape)
    flipped[rows, cols] = 1 - flipped[rows, cols]
    for j in np.flatnonzero(flipped.sum(axis=1) == 0):
        flipped[j] = q[j]
    return flipped


def weak_scores(truth: np.ndarray, verdicts: np.ndarray) -> dict:
    """Precision and recall of the weak verdicts. Recall counts "not enough evidence" on a weak skill
    as a miss; `recall_decided` counts only the wrong verdicts (weak skills called proficient), the
    other half of "not enough evidence, rather than a wrong verdict"."""
    weak, said = truth == 0, verdicts == WEAK
    tp, fp, fn = (said & weak).sum(), (said & ~weak).sum(), (~said & weak).sum()
    wrong = ((verdicts == PROFICIENT) & weak).sum()
    return {"precision": float(tp / max(tp + fp, 1)), "recall": float(tp / max(tp + fn, 1)),
            "recall_decided": float(tp / max(tp + wrong, 1))}


def weak_cut_curve(truth: np.ndarray, p: np.ndarray, cuts=(0.2, 0.3, 0.4, 0.5)) -> list[dict]:
    """Precision and recall of "weak" if it were said at P(mastered) ≤ cut (the app says it at ≤ 0.2):
    what a different verdict rule would trade, on the fixed form (every skill has 10 items)."""
    return [{"cut": c, **{k: v for k, v in weak_scores(truth, np.where(p <= c, WEAK, UNKNOWN)).items()
                          if k != "recall_decided"}} for c in cuts]


def classification(family: str, people: int = 300, calibrate: int = 3000, confidence: float = 0.99, slopes: bool = True,
                   seed: int = 3, slope_prior: float | None = None, hold_structure: bool = True) -> dict:
    rng = np.random.default_rng(seed)
    q = q_matrix(SKILLS * PER_SKILL, SKILLS, rng)
    n_items = len(q)
    truth_family = "own" if family == "q_flipped_10pct" else family
    calib = population(truth_family, calibrate, q, seed, np.random.default_rng(seed + 1))
    persons, items = np.repeat(np.arange(calibrate), n_items), np.tile(np.arange(n_items), calibrate)
    y = calib.draw(persons, items, rng)
    model_q = flip(q, 0.10, np.random.default_rng(seed + 2)) if family == "q_flipped_10pct" else q
    model = MasteryModel(model_q, slope_prior=slope_prior, hold_structure=hold_structure,
                         **({} if slopes else {"slope_iter": 0})).fit(np.column_stack([persons, items]), y, n_persons=calibrate)
    new = population(truth_family, people, q, seed, np.random.default_rng(seed + 100))
    answers = new.draw(np.repeat(np.arange(people), n_items), np.tile(np.arange(n_items), people),
                       rng).reshape(people, n_items)
    fixed_v, fixed_ok, adaptive_v, adaptive_ok, asked, fixed_p = [], [], [], [], [], []
    for i in range(people):
        state = state_from(model, np.arange(n_items), answers[i], np.zeros(n_items))
        p, ev = mastery(model, state), evidence(model, state)
        fixed_p.append(p)
        fixed_v.append([verdict(p[k], ev[k]) for k in range(SKILLS)])
        fixed_ok.append(((p > 0.5) == new.mastery[i]).mean())
        result = run_adaptive(model, lambda j, i=i: answers[i, j], list(range(n_items)), list(range(SKILLS)),
                              target=confidence, max_items=n_items)
        asked.append(len(result.items))
        ev = model.q_matrix_[result.items].sum(axis=0)
        adaptive_v.append([verdict(result.marginals[k], ev[k]) for k in range(SKILLS)])
        adaptive_ok.append(((result.marginals > 0.5) == new.mastery[i]).mean())
    fixed_v, adaptive_v = np.array(fixed_v), np.array(adaptive_v)
    bound = {}
    if new.bayes is not None:  # the same verdict rule on the exact posterior
        p = new.bayes(answers)
        said = np.where(p >= 0.8, PROFICIENT, np.where(p <= 0.2, WEAK, UNKNOWN))
        bound = {"bayes_bound": {"accuracy": float(((p > 0.5) == new.mastery).mean()),
                                 **weak_scores(new.mastery, said),
                                 "not_enough_evidence": float((said == UNKNOWN).mean())}}
        bound["weak_cut"] = {"model": weak_cut_curve(new.mastery, np.array(fixed_p)),
                             "exact": weak_cut_curve(new.mastery, p)}
    return {**bound, "family": family, "people": people, "items_in_fixed_form": n_items,
            "fixed": {"accuracy": float(np.mean(fixed_ok)), **weak_scores(new.mastery, fixed_v),
                      "not_enough_evidence": float((fixed_v == "not_enough_evidence").mean())},
            "adaptive": {"confidence": confidence, "mean_items": float(np.mean(asked)),
                         "share_of_fixed_form": float(np.mean(asked) / n_items),
                         "accuracy": float(np.mean(adaptive_ok)), **weak_scores(new.mastery, adaptive_v),
                         "not_enough_evidence": float((adaptive_v == "not_enough_evidence").mean())}}


def peers_at_forty(seeds: int = 3, persons: int = 3000, per_person: int = 120) -> dict:
    """bench.evaluate's protocols on a 40-skill synthetic population (each person answers 120 of 400 items)."""
    from bench import evaluate

    rng = np.random.default_rng(5)
    q = q_matrix(400, 40, rng)
    truth = population("own", persons, q, 5, np.random.default_rng(6))
    items = np.argsort(rng.random((persons, len(q))), axis=1)[:, :per_person].ravel()
    people = np.repeat(np.arange(persons), per_person)
    y = truth.draw(people, items, rng)
    responses = np.full((persons, len(q)), np.nan)
    responses[people, items] = y
    data = evaluate.ResponseData([str(i) for i in range(persons)], [str(j) for j in range(len(q))],
                                 [f"s{k}" for k in range(40)], responses, q)
    return evaluate.evaluate_data(data, "synthetic, 40 skills", seeds)


def scale(persons: int = 100_000, per_person: int = 50, n_skills: int = 40, n_items: int = 400) -> dict:
    rng = np.random.default_rng(1)
    q = q_matrix(n_items, n_skills, rng)
    truth = population("own", persons, q, 1, np.random.default_rng(2))
    items = np.empty(persons * per_person, dtype=np.int64)
    for start in range(0, persons, 10_000):  # 50 distinct items per person, drawn in blocks
        block = min(10_000, persons - start)
        items[start * per_person:(start + block) * per_person] = \
            np.argsort(rng.random((block, n_items)), axis=1)[:, :per_person].ravel()
    people = np.repeat(np.arange(persons), per_person)
    y = truth.draw(people, items, rng)
    X = np.column_stack([people, items])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    model = MasteryModel(q).fit(X, y, n_persons=persons)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accuracy = float(((model.mastery_ > 0.5) == truth.mastery).mean())
    # one update after an answer, on a person who has answered 50 items, including every skill's mastery
    state = state_from(model, items[:per_person], y[:per_person], np.zeros(per_person))
    times = []
    for n in range(2000):
        item = int(rng.integers(n_items))
        start = time.perf_counter()
        new = observe(model, state, item, float(n % 3 == 0), 1.0 + n * 0.01)
        mastery(model, new)
        times.append(time.perf_counter() - start)
    return {"responses": int(len(y)), "persons": persons, "items": n_items, "skills": n_skills,
            "fit_seconds": seconds, "stage_one_iterations": int(model.n_iter_), "rss_mib_before_fit": before,
            "peak_rss_mib": peak, "mastery_accuracy": accuracy,
            "update_ms_median": float(np.median(times) * 1000), "update_ms_p99": float(np.percentile(times, 99) * 1000),
            "empty_state_update_ms": _empty_update(model), **_adaptive_step(model, items, y)}


def _adaptive_step(model, items, y, answered: int = 10, people: int = 20) -> dict:
    """The adaptive test's work for one next question (which skills are still open, with the
    simulated completions, then the most informative item) for people 10 answers into a test of all
    40 skills drawn from the whole pool."""
    n_items, per_person = len(model.sizes_), 50
    times = []
    for person in range(people):
        asked = items[person * per_person:person * per_person + answered]
        state = state_from(model, asked, y[person * per_person:person * per_person + answered], np.zeros(answered))
        done = set(asked.tolist())
        pool = [j for j in range(n_items) if j not in done]
        start = time.perf_counter()
        still_open = open_skills(model, state, list(range(model.n_skills_)), pool, 0.9)
        select_next(model, state, pool, list(range(model.n_skills_)), 0.9, still_open)
        times.append(time.perf_counter() - start)
    return {"next_item_ms_median": float(np.median(times) * 1000), "next_item_ms_max": float(np.max(times) * 1000)}


def _empty_update(model) -> float:
    state = empty_state(model)
    start = time.perf_counter()
    for n in range(500):
        mastery(model, observe(model, state, n % len(model.sizes_), 1.0, 0.0))
    return (time.perf_counter() - start) / 500 * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", default="classification,peers,scale")
    parser.add_argument("--confidence", type=float, default=0.99, help="adaptive stopping confidence")
    parser.add_argument("--without-slopes", action="store_true",
                        help="verdicts from the model without its ability slopes (not what the app uses)")
    parser.add_argument("--slope-prior", type=float, default=None,
                        help="precision of the prior on the ability slopes (default: the app's, the item prior)")
    parser.add_argument("--free-structure", action="store_true",
                        help="let λ move when the slopes come in (the setting before 2026-12-05, not the app's)")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    result: dict = {}
    if "classification" in parts:
        result["classification"] = [classification(f, people=40 if args.quick else 300,
                                                   calibrate=800 if args.quick else 3000,
                                                   confidence=args.confidence, slopes=not args.without_slopes,
                                                   slope_prior=args.slope_prior,
                                                   hold_structure=not args.free_structure) for f in FAMILIES]
        if not args.json:
            which = " (model without ability slopes)" if args.without_slopes else \
                f" (slope prior {args.slope_prior:g}, not the app's)" if args.slope_prior is not None else \
                " (λ free in stage 2, not the app's setting)" if args.free_structure else ""
            print(f"Verdicts{which}: {SKILLS} skills, {PER_SKILL} items per skill; calibrate on "
                  f"{800 if args.quick else 3000} people, score {40 if args.quick else 300} new people")
            print(f"  {'truth':<18}{'fixed: acc':>11}{'prec':>7}{'recall':>7}{'decided':>8}{'unsure':>8}"
                  f"{'adaptive: items':>17}{'acc':>7}{'prec':>7}{'recall':>7}{'decided':>8}")
            for c in result["classification"]:
                f, a = c["fixed"], c["adaptive"]
                print(f"  {c['family']:<18}{f['accuracy']:>11.3f}{f['precision']:>7.3f}{f['recall']:>7.3f}"
                      f"{f['recall_decided']:>8.3f}{f['not_enough_evidence']:>8.1%}{a['share_of_fixed_form']:>17.0%}"
                      f"{a['accuracy']:>7.3f}{a['precision']:>7.3f}{a['recall']:>7.3f}{a['recall_decided']:>8.3f}",
                      flush=True)
                if "bayes_bound" in c:
                    b = c["bayes_bound"]
                    print(f"  {'  exact posterior':<18}{b['accuracy']:>11.3f}{b['precision']:>7.3f}{b['recall']:>7.3f}"
                          f"{b['recall_decided']:>8.3f}{b['not_enough_evidence']:>8.1%}   (the truth's own parameters: the best any scorer can do)")
                    for who in ("model", "exact"):
                        print(f"    weak at P ≤ cut, {who:<6}" + "".join(
                            f"  {r['cut']:.1f}: {r['precision']:.3f} / {r['recall']:.3f}" for r in c["weak_cut"][who]))
            print("  targets: precision ≥ 0.90, recall ≥ 0.85; adaptive ≤ 60 % of the fixed form at equal accuracy")
    if "peers" in parts:
        result["peers"] = peers_at_forty(seeds=2 if args.quick else 3, persons=600 if args.quick else 3000)
        if not args.json:
            from bench.evaluate import report
            print(report(result["peers"]), flush=True)
    if "scale" in parts:
        result["scale"] = scale(persons=10_000 if args.quick else 100_000)
        if not args.json:
            s = result["scale"]
            print(f"Scale: {s['responses']:,} responses ({s['persons']:,} people × 50 answers, {s['items']} items, "
                  f"{s['skills']} skills): fit {s['fit_seconds']:.1f} s (target ≤ 60 s), peak RSS "
                  f"{s['peak_rss_mib']:,.0f} MiB with the data (data alone {s['rss_mib_before_fit']:,.0f} MiB; target "
                  f"≤ 2,048), mastery recovered {s['mastery_accuracy']:.1%}")
            print(f"Update after one answer, with every skill's new mastery: median {s['update_ms_median']:.3f} ms, "
                  f"p99 {s['update_ms_p99']:.3f} ms (target ≤ 1 ms)")
            print(f"Next adaptive question (40 skills, a pool of 390, 10 answers in): median "
                  f"{s['next_item_ms_median']:.0f} ms, max {s['next_item_ms_max']:.0f} ms")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
