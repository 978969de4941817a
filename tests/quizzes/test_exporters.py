"""Every item of the shipped bank exports to GIFT and Moodle XML, and importing the export gives the
same questions that grade every answer the same (what a format cannot hold is reported instead)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from quizzes.exporters import to_gift, to_moodle_xml
from quizzes.importers.gift import import_gift
from quizzes.importers.moodle_xml import import_moodle_xml
from quizzes.loader import bank_files, load_bank
from quizzes.registry import grade
from app.skills.taxonomy import SKILL_SLUGS as SKILLS

BANK = Path(__file__).resolve().parents[2] / "quizzes" / "bank"


@pytest.fixture(scope="module")
def bank():
    report = load_bank(bank_files(BANK), SKILLS, None)
    assert report.ok, report.problems
    return {item.id: item for item in report.items}


def _answers(item):
    """Answers in the item's own terms, by text (exported ids differ): every choice, every pair of
    choices, each accepted text, numbers around the key, the right and a wrong order or matching."""
    data = item.data
    if item.type == "single_choice":
        return [[o["text"]] for o in data["options"]]
    if item.type == "multiple_response":
        texts = [o["text"] for o in data["options"]]
        return [list(c) for n in range(0, len(texts) + 1) for c in itertools.combinations(texts, n)]
    if item.type == "true_false":
        return [True, False]
    if item.type == "numeric":
        key, tol = data["answer"], data["tolerance"]
        return [key, key + tol, key + tol * 2 + 1, key - tol]
    if item.type == "short_text":
        return list(data["accept"]) + [e["answer"].replace("*", "x") for e in data.get("partial", ())] + ["nonsense"]
    if item.type == "ordering":
        texts = [s["text"] for s in data["sequence"]]
        return [texts, list(reversed(texts))]
    if item.type == "matching":
        choices = {c["id"]: c["text"] for c in data["choices"]}
        right = [(p["prompt"], choices[p["match"]]) for p in data["pairs"]]
        shifted = [(p, right[(n + 1) % len(right)][1]) for n, (p, _) in enumerate(right)]
        return [right, shifted]
    raise AssertionError(item.type)


def _to_ids(item, answer):
    data = item.data
    if item.type == "single_choice":
        return next(o["id"] for o in data["options"] if o["text"] == answer[0])
    if item.type == "multiple_response":
        return [o["id"] for o in data["options"] if o["text"] in answer]
    if item.type == "ordering":
        by_text = {s["text"]: s["id"] for s in data["sequence"]}
        return [by_text[t] for t in answer]
    if item.type == "matching":
        prompts = {p["prompt"]: p["id"] for p in data["pairs"]}
        choices = {c["text"]: c["id"] for c in data["choices"]}
        return {prompts[p]: choices[m] for p, m in answer}
    return answer


@pytest.mark.parametrize("fmt", ["gift", "xml"])
def test_the_whole_bank_round_trips_and_grades_the_same(bank, fmt):
    items = list(bank.values())
    if fmt == "gift":
        text, left_out = to_gift(items)
        back = import_gift(text, "export.gift", SKILLS)
    else:
        text, left_out = to_moodle_xml(items)
        back = import_moodle_xml(text, "export.xml", SKILLS)
    assert not back.problems, back.problems[:5]
    returned = {i.id: i for i in back.items}
    assert set(returned) | {p.item_id for p in left_out} == set(bank)
    for problem in left_out:
        original = bank[problem.item_id]
        assert original.type == "ordering" and fmt == "gift" or original.data.get("patterns"), problem
    for item_id, copy in returned.items():
        original = bank[item_id]
        assert (copy.type, copy.stem, copy.skills, copy.roles, copy.explanation) == \
            (original.type, original.stem, original.skills, original.roles, original.explanation), item_id
        for answer in _answers(original):
            assert grade(copy, _to_ids(copy, answer)).score == pytest.approx(
                grade(original, _to_ids(original, answer)).score, abs=1e-3), (item_id, answer)


@pytest.mark.parametrize("fmt", ["gift", "xml"])
def test_true_false_feedback_and_numeric_partial_answers_round_trip(fmt):
    from quizzes.loader import parse_item

    raws = [{"id": "tf-fb", "type": "true_false", "stem": "A contact needs an account.", "skills": ["data-quality"],
             "answer": True, "feedback": {"true": "Yes.", "false": "It does: orphans vanish from reports."}},
            {"id": "num-part", "type": "numeric", "stem": "Win rate in %?", "skills": ["opportunity-pipeline"],
             "answer": 40, "tolerance": 0.5, "partial": [{"answer": 40, "tolerance": 5, "weight": 0.5}]}]
    items = [parse_item(raw, "t", 0, frozenset(SKILLS), None, require_explanation=False)[0] for raw in raws]
    text, left_out = (to_gift if fmt == "gift" else to_moodle_xml)(items)
    back = (import_gift if fmt == "gift" else import_moodle_xml)(text, f"back.{fmt}", SKILLS)
    assert not left_out and not back.problems
    assert [i.data for i in back.items] == [i.data for i in items]
