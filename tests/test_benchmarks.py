"""The model benchmarks run end to end on the small reference data shipped with the tests: both
protocols with every peer, and the forgetting comparison on timestamped answers."""
from pathlib import Path

import pytest

from bench import evaluate, forgetting

DATA = Path(__file__).resolve().parent / "data"


def test_evaluate_runs_both_protocols_with_the_2pl_peer_on_the_same_splits():
    result = evaluate.evaluate(DATA / "pie_fieldtest", seeds=2)
    for protocol in ("person_split", "cells"):
        assert set(result[protocol]) == set(evaluate.NAMES)
        assert all(0.5 < row["auc"] < 1 for row in result[protocol].values())
        assert result[protocol]["irt_2pl_girth"]["model_auc_lead_se"] >= 0
    text = evaluate.report(result)
    assert "person split" in text and "irt_2pl_girth" in text and "model is " in text


def test_forgetting_compares_three_rules_on_held_out_people():
    result = forgetting.evaluate(DATA / "pie_pilot", "student", "time", ["baseline", "midway", "end_of_unit"],
                                 seeds=2, grid=(0.25, 4.0))
    assert result["time_unit"] == "occasion" and result["none"]["answers_predicted"] > 100
    assert all(h in (0.25, 4.0) for h in result["unsure"]["half_lives"])
    assert "fades towards unsure" in forgetting.report(result)
    with pytest.raises(ValueError, match="not one of --order"):
        forgetting.evaluate(DATA / "pie_pilot", "student", "time", ["baseline", "midway"], seeds=1)
