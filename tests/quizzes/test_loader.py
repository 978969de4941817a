"""The loader reports every problem with file, item id and field, and never loads half a file."""
from pathlib import Path

import pytest

from quizzes.loader import load_bank
from tests.quizzes.helpers import SKILLS

GOOD = """
items:
  - id: good-001
    type: true_false
    skills: [lead-management]
    stem: Leads can be converted.
    answer: true
    explanation: They can.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("item_yaml, field, message", [
    ("{id: x-1, type: true_false, skills: [nope], stem: S, answer: true, explanation: E}", "skills", "unknown skill 'nope'"),
    ("{id: x-1, type: true_false, skills: [lead-management], stem: S, explanation: E}", "answer", "must be true or false"),
    ("{id: x-1, type: essay, skills: [lead-management], stem: S, explanation: E}", "type", "unknown type 'essay'"),
    ("{id: x-1, type: true_false, skills: [lead-management], answer: true, explanation: E}", "stem", "is missing"),
    ("{id: x-1, type: true_false, skills: [lead-management], stem: S, answer: true}", "explanation", "is missing"),
    ("{id: X 1, type: true_false, skills: [lead-management], stem: S, answer: true, explanation: E}", "id", "lower-case"),
    ("{id: x-1, type: single_choice, skills: [lead-management], stem: S, explanation: E, options: [{id: a, text: A, correct: true}]}", "options", "at least 2 options"),
    ("{id: x-1, type: single_choice, skills: [lead-management], stem: S, explanation: E, options: [{id: a, text: A, correct: true}, {id: b, text: B, correct: true}, {id: c, text: C}]}", "options", "exactly one"),
    ("{id: x-1, type: single_choice, skills: [lead-management], stem: S, explanation: E, options: [{id: a, text: A, correct: true}, {id: a, text: B}, {id: c, text: C}]}", "options[1].id", "duplicate option id"),
    ("{id: x-1, type: multiple_response, skills: [lead-management], stem: S, explanation: E, options: [{id: a, text: A, correct: true}, {id: b, text: B, correct: true}, {id: c, text: C, correct: true}]}", "options", "not correct"),
    ("{id: x-1, type: numeric, skills: [lead-management], stem: S, explanation: E, answer: many}", "answer", "must be a number"),
    ("{id: x-1, type: numeric, skills: [lead-management], stem: S, explanation: E, answer: 3, tolerance: -1}", "tolerance", "0 or more"),
    ("{id: x-1, type: short_text, skills: [lead-management], stem: S, explanation: E, patterns: ['(']}", "patterns[0]", "not a valid regular expression"),
    ("{id: x-1, type: ordering, skills: [lead-management], stem: S, explanation: E, sequence: [a, b]}", "sequence", "at least 3"),
    ("{id: x-1, type: matching, skills: [lead-management], stem: S, explanation: E, pairs: [{prompt: p, match: m}]}", "pairs", "at least 2"),
    ("{id: x-1, type: true_false, skills: [lead-management], stem: S, answer: true, explanation: E, difficulty: brutal}", "difficulty", "use one of"),
])
def test_bad_item_is_reported_precisely_and_its_file_is_not_loaded(tmp_path, item_yaml, field, message):
    write(tmp_path, "a-good.yaml", GOOD)
    bad = write(tmp_path, "b-bad.yaml", GOOD.replace("good-001", "fine-002") + "  - " + item_yaml + "\n")
    report = load_bank([tmp_path / "a-good.yaml", bad], SKILLS)
    assert [i.id for i in report.items] == ["good-001"]  # fine-002 shares a file with the bad item
    matching = [p for p in report.problems if p.file == "b-bad.yaml" and p.field == field]
    assert matching and message in matching[0].message, report.problems
    assert matching[0].item_id in ("x-1", "X 1")


def test_duplicate_ids_within_and_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    write(tmp_path, "c.yaml", GOOD.replace("good-001", "dup-1") + GOOD.split("items:\n")[1].replace("good-001", "dup-1"))
    report = load_bank(sorted(tmp_path.glob("*.yaml")), SKILLS)
    assert [i.id for i in report.items] == ["good-001"]
    assert any(p.file == "b.yaml" and "already used in a.yaml" in p.message for p in report.problems)
    assert any(p.file == "c.yaml" and "more than once" in p.message for p in report.problems)


@pytest.mark.parametrize("text, message", [
    ("items: [\n  - {id: a", "not valid YAML (line"),
    ("just a string", "must hold a list of items"),
    ("items: []", "must hold a list of items"),
    ("a: &x [1]\nb: *x\n", "aliases"),
])
def test_malformed_files(tmp_path, text, message):
    report = load_bank([write(tmp_path, "m.yaml", text)], SKILLS)
    assert not report.items and message in str(report.problems[0])


def test_oversized_file_is_refused(tmp_path):
    report = load_bank([write(tmp_path, "big.yaml", "# " + "x" * (3 * 1024 * 1024))], SKILLS)
    assert "larger than" in report.problems[0].message


def test_problem_reads_as_a_location(tmp_path):
    report = load_bank([write(tmp_path, "p.yaml", GOOD.replace("[lead-management]", "[typo]"))], SKILLS)
    assert str(report.problems[0]) == "p.yaml item good-001 field skills: unknown skill 'typo'"
