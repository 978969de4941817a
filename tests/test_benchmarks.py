"""The model benchmarks run end to end on the small reference data shipped with the tests: both
protocols with every peer, the forgetting comparison on timestamped answers, and the exact posterior
that bounds what any scorer can reach under the continuous-ability truth."""
from pathlib import Path

import numpy as np
import pytest

from bench import evaluate, forgetting, synthetic

DATA = Path(__file__).resolve().parent / "data"


def test_evaluate_runs_both_protocols_with_the_2pl_peer_on_the_same_splits():
    result = evaluate.evaluate(DATA / "pie_fieldtest", seeds=2)
    for protocol in ("person_split", "cells"):
        assert set(result[protocol]) == set(evaluate.NAMES)
        assert all(0.5 < row["auc"] < 1 for row in result[protocol].values())
        assert result[protocol]["irt_2pl_girth"]["model_auc_lead_se"] >= 0
    text = evaluate.report(result)
    assert "person split" in text and "irt_2pl_girth" in text and "model is " in text


def test_evaluate_passes_a_slope_prior_to_the_model_and_refuses_a_bad_one(capsys):
    data = evaluate.load_dataset(DATA / "pie_fieldtest")
    X, y = data.observations()
    fitted = evaluate.makers(data.q_matrix, 7.5)["model"]().fit(X, y, len(data.persons), len(data.items))
    assert fitted.model.slope_prior == 7.5
    assert evaluate.makers(data.q_matrix)["model"]().fit(X, y, len(data.persons), len(data.items)).model.slope_prior is None
    with pytest.raises(SystemExit):
        evaluate.main([str(DATA / "pie_fieldtest"), "--seeds", "2", "--only", "model", "--slope-prior", "0"])
    assert "slope_prior must be a positive number" in capsys.readouterr().err
    free = evaluate.makers(data.q_matrix, hold_structure=False)["model"]().fit(X, y, len(data.persons), len(data.items))
    assert free.model.hold_structure is False and fitted.model.hold_structure is True  # the app's default
    assert evaluate.main([str(DATA / "pie_fieldtest"), "--seeds", "2", "--only", "model", "--free-structure",
                          "--json"]) == 0


def test_forgetting_compares_three_rules_on_held_out_people():
    result = forgetting.evaluate(DATA / "pie_pilot", "student", "time", ["baseline", "midway", "end_of_unit"],
                                 seeds=2, grid=(0.25, 4.0))
    assert result["time_unit"] == "occasion" and result["none"]["answers_predicted"] > 100
    assert all(h in (0.25, 4.0) for h in result["unsure"]["half_lives"])
    assert "fades towards unsure" in forgetting.report(result)
    with pytest.raises(ValueError, match="not one of --order"):
        forgetting.evaluate(DATA / "pie_pilot", "student", "time", ["baseline", "midway"], seeds=1)


def test_exact_posterior_under_the_continuous_truth_reads_mastery_from_the_answers():
    rng = np.random.default_rng(0)
    q = synthetic.q_matrix(55, 11, rng)
    truth = synthetic.population("continuous", 60, q, 0, np.random.default_rng(1))
    answers = truth.draw(np.repeat(np.arange(60), 55), np.tile(np.arange(55), 60), rng).reshape(60, 55)
    p = truth.bayes(answers, sweeps=400, burn_in=100)
    assert p.shape == truth.mastery.shape and ((p >= 0) & (p <= 1)).all()
    assert ((p > 0.5) == truth.mastery).mean() > 0.8  # the prior alone is right about 60 % of the time
    # calibrated: among confident calls, most are right
    sure = (p > 0.9) | (p < 0.1)
    assert ((p[sure] > 0.5) == truth.mastery[sure]).mean() > 0.9


def test_weak_verdict_scores_count_not_enough_evidence_against_recall_but_not_as_a_wrong_verdict():
    from app.skills.person import PROFICIENT, UNKNOWN, WEAK

    truth = np.array([0, 0, 0, 0, 1, 1])  # four weak skills, two mastered
    said = np.array([WEAK, WEAK, UNKNOWN, PROFICIENT, WEAK, PROFICIENT])
    scores = synthetic.weak_scores(truth, said)
    assert scores["precision"] == pytest.approx(2 / 3)  # one of three weak verdicts was a mastered skill
    assert scores["recall"] == pytest.approx(2 / 4)  # unsure and wrong both miss a weak skill
    assert scores["recall_decided"] == pytest.approx(2 / 3)  # only the one called proficient was wrong


def test_a_looser_weak_cut_trades_precision_for_recall():
    truth = np.array([0, 0, 0, 0, 1, 1])
    p = np.array([0.1, 0.15, 0.35, 0.45, 0.3, 0.9])
    curve = {r["cut"]: r for r in synthetic.weak_cut_curve(truth, p)}
    assert (curve[0.2]["precision"], curve[0.2]["recall"]) == (1.0, 0.5)  # the app's rule: two sure calls
    assert curve[0.3]["precision"] == pytest.approx(2 / 3)  # 0.3 is a mastered skill called weak
    assert (curve[0.5]["precision"], curve[0.5]["recall"]) == (pytest.approx(4 / 5), 1.0)


def test_the_scale_benchmark_times_a_fit_an_update_and_a_next_adaptive_question():
    result = synthetic.scale(persons=1500)
    assert result["responses"] == 1500 * 50 and result["skills"] == 40
    assert 0 < result["update_ms_median"] <= result["update_ms_p99"]
    assert 0 < result["next_item_ms_median"] <= result["next_item_ms_max"]


def test_the_crm_benchmark_prints_recovery_for_every_world_and_reader(tmp_path):
    """In a process of its own (it builds its own database from nothing), at a small size."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "bench.crm", "--people", "30", "--months", "2", "--events", "300",
                           "--json"], capture_output=True, text=True, timeout=300, env={**env, "TMPDIR": str(tmp_path)},
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["recovery"]) == 3 and result["scale"]["events"] == 300
    for row in result["recovery"]:
        assert 0 <= row["precision"] <= 1 and 0 <= row["model_recall"] <= 1 and row["rows"] > 1000
    as_read = result["recovery"][0]
    assert as_read["accuracy"] > 0.75 and as_read["measured_share"] > 0.5  # the rule recovers its own world


def test_the_views_benchmark_generates_a_company_and_times_every_view(tmp_path):
    """In a process of its own at a small size: people spread over units, answers generated in the
    database, each view and page timed; the adoption page reads stored figures above the limit."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "bench.views", "--people", "300", "--responses", "6000", "--units",
                           "3", "--json"], capture_output=True, text=True, timeout=300,
                          env={**env, "TMPDIR": str(tmp_path), "UPTAKE_ADOPTION_LIVE_LIMIT": "100"},
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["people"] == 300 and result["responses"] >= 6000 and result["unit_people"] == 100
    for view in ("heatmap", "unit_plan", "proficiency", "dashboard", "worker", "page_home", "page_unit", "page_adoption"):
        assert result[view]["median_ms"] > 0 and result[view]["queries"] > 0
