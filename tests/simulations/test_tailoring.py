"""A tailored scenario is played in the sandbox before it is offered: the reference solution must earn
every check and the brief may name only what the starting data has."""
import copy
from pathlib import Path

import pytest

from app.skills.taxonomy import SKILL_SLUGS
from simulations.scenario import parse_scenario, raw_scenarios, scenario_files, tailoring_problems

RAW = raw_scenarios(scenario_files(Path(__file__).resolve().parents[2] / "simulations" / "scenarios"))


def played(raw: dict) -> list[str]:
    scenario, problems = parse_scenario(raw, "tailored", SKILL_SLUGS)
    assert not problems, problems
    return tailoring_problems(scenario)


@pytest.mark.parametrize("scenario_id", sorted(RAW))
def test_every_shipped_scenario_plays_as_written(scenario_id):
    assert played(RAW[scenario_id]) == []


def test_a_check_the_task_cannot_earn_is_found():
    raw = copy.deepcopy(RAW["advance-opportunity"])
    raw["checks"][3]["where"] = {"next_step": {"contains": "escalation"}}  # the task asks for the contract review
    problems = played(raw)
    assert problems == ["check “Next step names the contract review” does not pass even when the task is done right, "
                        "so it can never pass (" + problems[0].split("(", 1)[1]]


def test_a_brief_naming_what_the_data_lacks_is_found():
    raw = copy.deepcopy(RAW["advance-opportunity"])
    raw["brief"] += " Mention [[values.discount]] too."
    assert played(raw) == ["the brief names [[discount…]], which the starting data does not have"]


def test_starting_data_the_checks_and_solution_need_is_found():
    raw = copy.deepcopy(RAW["advance-opportunity"])
    del raw["setup"]["values"]  # the amount check and the solution use $values.budget
    assert played(raw) == ["the brief names [[budget…]], which the starting data does not have",
                           "the checks need something the starting data does not have (budget)"]


def test_a_solution_the_starting_data_breaks_is_found():
    raw = copy.deepcopy(RAW["advance-opportunity"])
    raw["setup"]["values"] = {"budget": "lots"}  # the solution types the budget into the amount field
    problems = played(raw)
    assert len(problems) == 1 and problems[0].startswith("the reference solution no longer works on this starting data")
    assert "Enter a number" in problems[0]
