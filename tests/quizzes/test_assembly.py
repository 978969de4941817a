"""Assembling a sampled form: preferred (calibrated) questions first, the rest only to fill up."""
import random

from quizzes.assembly import FixedForm, QuizDef
from quizzes.model import Item


def item(n: int, skill: str = "data-quality") -> Item:
    return Item(id=f"q-{n:02d}", type="true_false", stem=f"Statement {n}", skills=(skill,), roles=("all",),
                explanation="", data={"answer": True})


BANK = {i.id: i for i in (item(n) for n in range(10))}
QUIZ = QuizDef(id="placement", title="Placement", description="", rules=(("data-quality", 3),), role="sales manager")


def test_a_sample_draws_preferred_questions_first():
    preferred = frozenset({"q-01", "q-04", "q-07", "q-09"})
    for seed in range(20):
        chosen = FixedForm(preferred).initial_items(QUIZ, BANK, random.Random(seed))
        assert len(chosen) == 3 and set(chosen) <= preferred


def test_it_fills_up_from_the_rest_when_preferred_questions_run_short():
    chosen = FixedForm(frozenset({"q-02"})).initial_items(QUIZ, BANK, random.Random(3))
    assert "q-02" in chosen and len(set(chosen)) == 3


def test_without_preferences_every_question_can_be_drawn():
    seen = set()
    for seed in range(60):
        seen |= set(FixedForm().initial_items(QUIZ, BANK, random.Random(seed)))
    assert seen == set(BANK)
