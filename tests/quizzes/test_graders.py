"""Pure graders, one table per item type."""
import pytest

from quizzes.registry import ITEM_TYPES, grade
from tests.quizzes.helpers import make

OPTIONS = [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}]


@pytest.mark.parametrize("answer, score, answered", [
    ("a", 1.0, True), ("b", 0.0, True), ("zz", 0.0, True), (None, 0.0, False), ("", 0.0, False), (["a"], 0.0, True),
])
def test_single_choice(answer, score, answered):
    result = grade(make(type="single_choice", options=OPTIONS), answer)
    assert (result.score, result.answered) == (score, answered)


MR = [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": True},
      {"id": "c", "text": "C"}, {"id": "d", "text": "D"}]


@pytest.mark.parametrize("answer, score", [
    (["a", "b"], 1.0), (["b", "a"], 1.0), (["a"], 0.5), (["a", "c"], 0.0), (["a", "b", "c"], 0.5),
    (["c", "d"], 0.0), (["a", "b", "c", "d"], 0.0), (["a", "a"], 0.0), (["x"], 0.0), ("a", 0.0),
])
def test_multiple_response_partial_credit(answer, score):
    assert grade(make(type="multiple_response", options=MR), answer).score == score


@pytest.mark.parametrize("answer, score", [(True, 1.0), ("true", 1.0), (False, 0.0), ("false", 0.0), ("yes", 0.0)])
def test_true_false(answer, score):
    assert grade(make(type="true_false", answer=True), answer).score == score


@pytest.mark.parametrize("answer, score", [
    (12500, 1.0), ("12,500", 1.0), ("$12 500", 1.0), ("12450", 1.0), (12551, 0.0), ("abc", 0.0),
    ("nan", 0.0), ("inf", 0.0), (True, 0.0),
])
def test_numeric_with_tolerance(answer, score):
    assert grade(make(type="numeric", answer=12500, tolerance=50), answer).score == score


@pytest.mark.parametrize("answer, score", [
    ("Related lists", 1.0), ("  related   LIST. ", 1.0), ("“related lists”", 1.0), ("related", 0.0),
    ("SLA", 1.0), ("level (sla)", 1.0), ("x" * 600, 0.0), (42, 0.0),
])
def test_short_text_normalised_and_patterns(answer, score):
    item = make(type="short_text", accept=["related lists", "related list"], patterns=["sla", r"level\s*\(sla\)"])
    assert grade(item, answer).score == score


def test_ordering_scores_neighbouring_pairs():
    item = make(type="ordering", sequence=["one", "two", "three", "four"])
    ids = [s["id"] for s in item.data["sequence"]]
    assert grade(item, ids).score == 1.0
    assert grade(item, [ids[1], ids[0], ids[2], ids[3]]).score == pytest.approx(1 / 3, abs=1e-3)
    assert grade(item, list(reversed(ids))).score == 0.0
    assert grade(item, ids[:3]).score == 0.0  # every step must be placed
    assert grade(item, [ids[0], ids[0], ids[1], ids[2]]).score == 0.0


def test_ordering_ids_do_not_reveal_the_order():
    """A step's id depends on its text only: the same steps listed in another order keep their ids,
    so neither the ids nor their sort order say where a step belongs."""
    forward = make(type="ordering", sequence=["one", "two", "three", "four"])
    backward = make(type="ordering", sequence=["four", "three", "two", "one"])
    ids = {s["text"]: s["id"] for s in forward.data["sequence"]}
    assert ids == {s["text"]: s["id"] for s in backward.data["sequence"]}
    assert all(i.startswith("o") and len(i) == 11 for i in ids.values())


def test_matching_scores_share_of_prompts():
    item = make(type="matching", pairs=[{"prompt": "New", "match": "not contacted"},
                                        {"prompt": "Working", "match": "being qualified"},
                                        {"prompt": "Nurture", "match": "not ready yet"}],
                distractors=["converted"])
    right = {p["id"]: p["match"] for p in item.data["pairs"]}
    assert grade(item, right).score == 1.0
    first = next(iter(right))
    assert grade(item, {first: right[first]}).score == pytest.approx(1 / 3, abs=1e-3)
    assert len(item.data["choices"]) == 4
    assert grade(item, {"bogus": "x"}).score == 0.0
    assert not grade(item, {}).answered


@pytest.mark.parametrize("type_name", sorted(ITEM_TYPES))
def test_every_type_describes_its_correct_answer(type_name):
    raw = {"single_choice": {"options": OPTIONS}, "multiple_response": {"options": MR},
           "true_false": {"answer": False}, "numeric": {"answer": 3, "unit": "days"},
           "short_text": {"accept": ["task"]}, "ordering": {"sequence": ["a", "b", "c"]},
           "matching": {"pairs": [{"prompt": "p", "match": "m"}, {"prompt": "q", "match": "n"}]}}[type_name]
    item = make(type=type_name, **raw)
    assert ITEM_TYPES[type_name].correct_answer(item)
