"""An item back in the bank's raw shape reads as the same item: same data, ids and grades."""
from pathlib import Path

import pytest

from quizzes.answers import right_answer
from quizzes.loader import bank_files, load_bank, parse_item
from quizzes.raw import to_raw
from quizzes.registry import grade
from app.skills.taxonomy import SKILLS

BANK = load_bank(bank_files(Path(__file__).resolve().parents[2] / "quizzes" / "bank"),
                 frozenset(s.slug for s in SKILLS)).items


def test_the_shipped_bank_loads():
    assert len(BANK) > 100 and len({i.type for i in BANK}) == 7


@pytest.mark.parametrize("item", BANK, ids=lambda i: i.id)
def test_to_raw_round_trips_every_shipped_item(item):
    again, problems = parse_item(to_raw(item), item.source, 0, frozenset(item.skills), None)
    assert not problems
    assert (again.type, again.stem, again.skills, again.roles, again.explanation, again.difficulty, again.data) == \
        (item.type, item.stem, item.skills, item.roles, item.explanation, item.difficulty, item.data)
    assert grade(again, right_answer(item)).score == 1.0


SPECIAL = [  # what Moodle imports bring and the shipped bank does not use
    {"id": "w-sc", "type": "single_choice", "stem": "Capital?", "skills": ["data-quality"], "explanation": "",
     "options": [{"id": "a", "text": "Canberra", "weight": 1.0, "feedback": "Yes."},
                 {"id": "b", "text": "Sydney", "weight": 0.5}, {"id": "c", "text": "Perth", "weight": -0.25}]},
    {"id": "w-mr", "type": "multiple_response", "stem": "Pick two", "skills": ["data-quality"], "explanation": "",
     "options": [{"id": "a", "text": "A", "weight": 0.5}, {"id": "b", "text": "B", "weight": 0.5},
                 {"id": "c", "text": "C", "weight": -1.0, "feedback": "Not C."}]},
    {"id": "w-st", "type": "short_text", "stem": "Planet?", "skills": ["data-quality"], "explanation": "",
     "accept": ["Saturn"], "patterns": ["sat[u]rn"], "case_sensitive": True,
     "partial": [{"answer": "Sat*", "weight": 0.5}]},
    {"id": "w-ma", "type": "matching", "stem": "Match", "skills": ["data-quality"], "explanation": "",
     "pairs": [{"prompt": "Lead", "match": "Prospect"}, {"prompt": "Case", "match": "Complaint"}],
     "distractors": ["Invoice"]},
    {"id": "w-nu", "type": "numeric", "stem": "How many?", "skills": ["data-quality"], "explanation": "",
     "answer": 12.5, "tolerance": 0.5, "unit": "%", "partial": [{"answer": 12.5, "tolerance": 2, "weight": 0.5}]},
    {"id": "w-tf", "type": "true_false", "stem": "True?", "skills": ["data-quality"], "explanation": "",
     "answer": False, "feedback": {"true": "Not so.", "false": "Right."}},
]


@pytest.mark.parametrize("raw", SPECIAL, ids=lambda r: r["id"])
def test_to_raw_keeps_weights_feedback_partial_answers_and_distractors(raw):
    item, problems = parse_item(raw, "special", 0, frozenset(["data-quality"]), None, require_explanation=False)
    assert not problems
    again, problems = parse_item(to_raw(item), "special", 0, frozenset(["data-quality"]), None,
                                 require_explanation=False)
    assert not problems and again.data == item.data
