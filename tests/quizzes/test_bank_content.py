"""The shipped CRM item bank and quiz forms: complete, valid and leak-free."""
import random
from collections import Counter
from pathlib import Path

import pytest

from app.skills.taxonomy import SKILL_SLUGS
from quizzes.assembly import FixedForm, load_quizzes
from quizzes.loader import bank_files, load_bank
from quizzes.answers import right_answer as reference_answer
from quizzes.registry import ITEM_TYPES, grade, item_type

ROOT = Path(__file__).resolve().parents[2] / "quizzes"
ROLES = frozenset({"account executive", "sales manager", "service agent", "marketing specialist"})


@pytest.fixture(scope="module")
def bank():
    report = load_bank(bank_files(ROOT / "bank"), SKILL_SLUGS, ROLES)
    assert report.ok, [str(p) for p in report.problems]
    return {i.id: i for i in report.items}


def test_bank_covers_every_skill_and_type(bank):
    assert len(bank) >= 120
    per_skill = Counter(s for item in bank.values() for s in item.skills)
    assert set(per_skill) == SKILL_SLUGS and min(per_skill.values()) >= 8
    assert set(Counter(i.type for i in bank.values())) == set(ITEM_TYPES)
    assert all(i.explanation and i.roles for i in bank.values())


ANSWER_KEYS = {"correct", "answer", "accept", "patterns", "sequence", "pairs", "match", "explanation", "tolerance"}


def keys_of(value):
    if isinstance(value, dict):
        yield from value
        for inner in value.values():
            yield from keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_of(inner)


def test_public_views_never_carry_answers(bank):
    for item in bank.values():
        view = item_type(item).public(item, None)
        assert not set(keys_of(view)) & ANSWER_KEYS, item.id
        assert item.explanation not in repr(view), item.id


def test_quiz_forms_load_and_assemble(bank):
    quizzes, problems = load_quizzes(sorted((ROOT / "forms").glob("*.yaml")), bank, ROLES)
    assert not problems, [str(p) for p in problems]
    placement_roles = {q.role for q in quizzes if q.id.startswith("placement-")}
    assert placement_roles == ROLES
    adaptive = [q for q in quizzes if q.mode == "adaptive"]
    assert adaptive and all(q.skills and q.max_items >= 10 for q in adaptive)
    for quiz in quizzes:
        if quiz.mode == "adaptive":
            continue
        ids = FixedForm().initial_items(quiz, bank, random.Random(7))
        assert len(ids) == len(set(ids)) >= 8, quiz.id
        if quiz.role:
            assert all(quiz.role in bank[i].roles or "all" in bank[i].roles for i in ids)


def test_reference_answers_grade_full_marks(bank):
    """Every item can be answered fully right: a broken item would be unwinnable."""
    for item in bank.values():
        answer = reference_answer(item)
        assert grade(item, answer).score == 1.0, item.id


def test_wrong_answers_score_below_full_marks(bank):
    import random

    from quizzes.answers import wrong_answer

    rng = random.Random(1)
    for item in bank.values():
        assert grade(item, wrong_answer(item, rng)).score < 1.0, item.id


# --- no channel but knowledge: positions, lengths and stems ------------------------------------------
def _of_type(bank, kind):
    return [i for i in bank.values() if i.type == kind]


def test_right_options_sit_at_every_position_in_the_files(bank):
    """Where a form does not shuffle, file order is display order: no position may be the safe bet."""
    positions = Counter([o["correct"] for o in i.data["options"]].index(True) for i in _of_type(bank, "single_choice"))
    total = sum(positions.values())
    assert len(positions) == 4 and max(positions.values()) <= 0.35 * total, positions
    leading = 0
    for item in _of_type(bank, "multiple_response"):
        flags = [o["correct"] for o in item.data["options"]]
        leading += flags == sorted(flags, reverse=True)  # every right option before every wrong one
    assert leading <= 0.2 * len(_of_type(bank, "multiple_response"))


def test_true_false_answers_are_balanced(bank):
    answers = Counter(i.data["answer"] for i in _of_type(bank, "true_false"))
    assert abs(answers[True] - answers[False]) <= 0.2 * sum(answers.values()), answers


def test_the_longest_option_is_not_the_safe_bet(bank):
    """Test-wise trainees pick the longest, most qualified option; it must be right no more often
    than chance allows (single choice) and right options must not be the longer ones as a rule."""
    singles = _of_type(bank, "single_choice")
    longest_right = 0
    for item in singles:
        lengths = [len(o["text"]) for o in item.data["options"]]
        right = [o["correct"] for o in item.data["options"]].index(True)
        longest_right += lengths[right] == max(lengths)
    assert longest_right <= 0.35 * len(singles), longest_right
    multiples = _of_type(bank, "multiple_response")
    longer = 0
    for item in multiples:
        right = [len(o["text"]) for o in item.data["options"] if o["correct"]]
        wrong = [len(o["text"]) for o in item.data["options"] if not o["correct"]]
        longer += sum(right) / len(right) > sum(wrong) / len(wrong)
    assert longer <= 0.5 * len(multiples), longer


def test_no_stem_prints_its_own_answer(bank):
    from quizzes.text import normalise_text

    for item in _of_type(bank, "short_text"):
        words = set(normalise_text(item.stem).replace("(", " ").replace(")", " ").split())
        stem = normalise_text(item.stem)
        for accepted in item.data["accept"]:
            answer = normalise_text(accepted)
            assert answer not in words and f" {answer} " not in f" {stem} ", (item.id, accepted)
    for item in _of_type(bank, "numeric"):
        value = item.data["answer"]
        assert f"{value:g}" not in item.stem.replace(",", "").split(), item.id
