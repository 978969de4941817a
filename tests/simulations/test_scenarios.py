"""Scenarios without Flask: reference solutions, sloppy and wrong solutions, loader errors."""
from datetime import date
from pathlib import Path

import pytest

from app.skills.taxonomy import SKILL_SLUGS
from simulations.checks import total
from simulations.scenario import act, brief_text, grade, load_scenarios, scenario_files, solve, start

ROOT = Path(__file__).resolve().parents[2] / "simulations" / "scenarios"
TODAY = date(2026, 11, 25)
SCENARIOS, PROBLEMS = load_scenarios(scenario_files(ROOT), SKILL_SLUGS)
BY_ID = {s.id: s for s in SCENARIOS}


def test_the_scenario_files_are_valid_and_cover_every_skill():
    assert not PROBLEMS, [str(p) for p in PROBLEMS]
    assert len(SCENARIOS) >= 12
    covered = {s for sc in SCENARIOS for s in sc.skills} | {s for sc in SCENARIOS for c in sc.checks for s in c.skills}
    assert covered == SKILL_SLUGS
    for sc in SCENARIOS:
        kinds = {c.type for c in sc.checks}
        assert kinds & {"record", "count", "no_duplicates", "report"} and kinds & {"steps", "errors", "views", "hints"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
@pytest.mark.parametrize("seed", [0, 7, 42])
def test_reference_solution_scores_full_marks(scenario, seed):
    run = solve(scenario, start(scenario, seed, TODAY))
    results = grade(scenario, run, elapsed=60)
    assert [r.id for r in results if not r.passed] == []
    assert total(results) == 1.0


def test_seeds_vary_the_data_but_not_the_task():
    sc = BY_ID["call-prep-renewal"]
    a, b = start(sc, 1, TODAY), start(sc, 2, TODAY)
    assert brief_text(sc, a) != brief_text(sc, b)
    assert a.initial["records"]["opportunity"] != b.initial["records"]["opportunity"]
    assert set(a.bindings) == set(b.bindings)


def test_sloppy_solution_keeps_the_data_credit_but_loses_process_credit():
    sc = BY_ID["advance-opportunity"]
    run = start(sc, 3, TODAY)
    deal = run.bindings["deal"][1]
    act(run, {"type": "hint"})
    act(run, {"type": "update", "object": "opportunity", "id": deal, "fields": {"stage": "Negotiation", "next_step": ""}})
    act(run, {"type": "update", "object": "opportunity", "id": deal, "fields": {"stage": "Negotiation"}})
    act(run, {"type": "update", "object": "opportunity", "id": deal, "fields": {"next_step": "Legal contract review"}})
    act(run, {"type": "update", "object": "opportunity", "id": deal, "fields": {"stage": "Negotiation"}})
    act(run, {"type": "update", "object": "opportunity", "id": deal,
              "fields": {"amount": run.initial["values"]["budget"], "close_date": "2026-12-16"}})
    results = {r.id: r for r in grade(sc, run, elapsed=60)}
    assert all(results[c].passed for c in ("stage", "amount", "close", "nextstep", "intact"))
    assert results["efficient"].score < 1 and results["clean"].score < 1
    assert not results["clean"].passed and "refused by validation" in results["clean"].message
    assert total(grade(sc, run, 60)) < 1


def test_wrong_solution_fails_the_right_end_state_checks():
    sc = BY_ID["merge-duplicate-contacts"]
    run = start(sc, 5, TODAY)
    act(run, {"type": "delete", "object": "contact", "id": run.bindings["keep"][1]})  # refused: it has calls
    act(run, {"type": "merge", "object": "contact", "master_id": run.bindings["dupe"][1],
              "duplicate_id": run.bindings["keep"][1]})  # merges the wrong way round
    results = {r.id: r for r in grade(sc, run, elapsed=60)}
    assert results["one"].passed  # one record for the person is left ...
    assert not results["master"].passed and "merge into it" in results["master"].message  # ... but the wrong one
    assert not results["history"].passed  # the calls now hang on a contact the check does not accept
    assert results["intact"].passed


def test_check_messages_do_not_give_the_solution_away():
    sc = BY_ID["advance-opportunity"]
    run = start(sc, 9, TODAY)
    results = {r.id: r for r in grade(sc, run, elapsed=60)}
    budget = f"{run.initial['values']['budget']:.0f}"
    assert not results["amount"].passed and budget not in results["amount"].message
    assert results["amount"].message == "Not yet: check the amount."


def test_deleting_a_lost_deal_is_caught():
    sc = BY_ID["close-lost-with-reason"]
    run = start(sc, 1, TODAY)
    act(run, {"type": "delete", "object": "opportunity", "id": run.bindings["deal"][1]})
    results = {r.id: r for r in grade(sc, run, elapsed=30)}
    assert not results["lost"].passed and "must be kept" in results["lost"].message


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return [path]


GOOD = """
- id: t1
  title: T
  brief: Do it.
  skills: [data-quality]
  setup:
    account: [{sym: a, name: "{company}"}]
  checks:
    - {id: c1, type: record, object: account, record: $a, where: {tier: Gold}}
"""


@pytest.mark.parametrize("text, field, message", [
    (GOOD.replace("type: record", "type: magic"), "checks[0]", "unknown check type"),
    (GOOD.replace("record: $a", "record: $zz"), "checks[0]", "refers to $zz"),
    (GOOD.replace("[data-quality]", "[typing]"), "skills", "unknown skill"),
    (GOOD.replace("account: [", "spaceship: ["), "setup.spaceship", "unknown object"),
    (GOOD.replace("brief: Do it.", "brief: ''"), "brief", "is missing"),
    (GOOD.replace("id: c1, type", "id: c1, id: c2, type"), None, "duplicate key"),
])
def test_loader_reports_problems_with_file_scenario_and_field(tmp_path, text, field, message):
    scenarios, problems = load_scenarios(write(tmp_path, text), SKILL_SLUGS)
    assert not scenarios and problems
    assert any(p.field == field and message in str(p) for p in problems), [str(p) for p in problems]
