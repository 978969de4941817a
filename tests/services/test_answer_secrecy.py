"""Scores mean something: nothing a browser sees before submitting tells a right answer from a
wrong one. Answering strategies that need no knowledge play every quiz form through the same
service calls the player uses, and must score at chance level for every item type."""
from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pytest
from sqlalchemy import select

from app.models import Item, Quiz, User
from app.services import attempts as svc
from app.services.content import engine_item
from app.services.errors import ValidationFailed
from app.services.quiz_views import public_attempt
from quizzes.registry import grade, item_type

ATTEMPTS_PER_FORM = 12


def _first_ids(view_item: dict, key: str, count: int = 1) -> list[str]:
    return [e["id"] for e in view_item[key][:count]]


def _lowest_ids(view_item: dict, key: str, count: int = 1) -> list[str]:
    return sorted(e["id"] for e in view_item[key])[:count]


def fixed_position(pick):
    """Answer every question from positions alone: `pick` chooses ids by display order or by id."""
    def answer(view_item: dict):
        kind = view_item["type"]
        if kind == "true_false":
            return "true"
        if kind == "single_choice":
            return pick(view_item, "options")[0]
        if kind == "multiple_response":  # the bank's old pattern: the leading options are right
            return pick(view_item, "options", 3)
        if kind == "ordering":
            return pick(view_item, "steps", len(view_item["steps"]))
        if kind == "matching":
            choices = pick(view_item, "choices", len(view_item["choices"]))
            return {p["id"]: choices[i % len(choices)] for i, p in enumerate(view_item["prompts"])}
        if kind == "numeric":
            return "0"
        return "a"
    return answer


STRATEGIES = {"first shown": fixed_position(_first_ids), "lowest id": fixed_position(_lowest_ids)}


def chance(item, strategy) -> float:
    """Expected score of a strategy when the display order is a uniformly random permutation:
    the mean over every permutation (ids stand in for the tokens, whose order is random too)."""
    kind = item_type(item)
    keys = kind.shuffle_keys(item)
    public = kind.public(item, None)
    if not keys:
        return grade(item, strategy({"type": item.type, **public})).score
    total, count = 0.0, 0
    for order in itertools.permutations(keys):
        view = {"type": item.type, **kind.public(item, list(order))}
        total += grade(item, strategy(view)).score
        count += 1
        if count >= 5040:
            break
    return total / count


@pytest.fixture
def forms(content_loaded, db):
    return list(db.session.scalars(select(Quiz).where(Quiz.active.is_(True)).order_by(Quiz.key)))


def _trainees(db) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "trainee").order_by(User.id)))


def _play(db, user, quiz, strategy, seed) -> list[tuple[str, float, object]]:
    attempt = svc.start_attempt(user, quiz, seed=seed)
    for item_view in public_attempt(attempt)["items"]:
        try:
            svc.save_response(user, attempt.id, item_view["key"], strategy(item_view), seq=1)
        except ValidationFailed:
            pass  # the strategy's answer was refused; the question stays unanswered (scores 0)
    svc.submit_attempt(attempt.id, user=user)
    items = {r.key: engine_item(r) for r in db.session.scalars(select(Item).where(Item.key.in_(attempt.item_keys)))}
    scores = {r.item.key: r.score or 0.0 for r in attempt.responses}
    return [(items[k].type, scores.get(k, 0.0), items[k]) for k in attempt.item_keys]


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_answering_by_position_scores_at_chance_for_every_item_type(forms, db, name):
    strategy = STRATEGIES[name]
    people = _trainees(db)
    observed, expected = defaultdict(list), defaultdict(list)
    for quiz in forms:
        if quiz.key.startswith("adaptive"):
            continue  # adaptive tests draw from the same bank; covered by the fixed forms
        for n in range(ATTEMPTS_PER_FORM):
            user = people[n % len(people)]
            for kind, score, item in _play(db, user, quiz, strategy, seed=1000 + n):
                observed[kind].append(score)
                # a token's sort order is as random as the display order, so both have the same chance
                expected[kind].append(chance(item, STRATEGIES["first shown"]))
    assert {"single_choice", "multiple_response", "true_false", "ordering", "matching"} <= set(observed)
    for kind, scores in observed.items():
        mean, target = sum(scores) / len(scores), sum(expected[kind]) / len(expected[kind])
        spread = math.sqrt(max(target * (1 - target), 0.05) / len(scores))
        assert abs(mean - target) <= max(4 * spread, 0.05), (kind, name, round(mean, 3), round(target, 3), len(scores))
        assert target <= (0.6 if kind == "true_false" else 0.5), (kind, target)  # never a pass for free


def test_a_token_learned_in_one_attempt_is_refused_in_the_next(forms, db):
    """'Same value as last time': the right answers' tokens seen in one attempt are worthless in the next."""
    user = _trainees(db)[0]
    quiz = next(q for q in forms if q.key == "crm-basics")
    first = svc.start_attempt(user, quiz, seed=7)
    rows = {r.key: engine_item(r) for r in db.session.scalars(select(Item).where(Item.key.in_(first.item_keys)))}
    from quizzes.answers import right_answer
    from quizzes.disguise import Disguise

    learned = {}
    for key, item in rows.items():
        if item_type(item).answer_ids(item):
            learned[key] = Disguise(first.answer_salt).hide(item, right_answer(item))
            assert svc.save_response(user, first.id, key, learned[key], seq=1).applied
    svc.submit_attempt(first.id, user=user)
    assert learned and all(r.score == 1.0 for r in first.responses)

    second = svc.start_attempt(user, quiz, seed=7)  # even the same item order
    assert second.id != first.id and second.item_keys == first.item_keys
    for key, answer in learned.items():
        with pytest.raises(ValidationFailed, match="not one of this question's options"):
            svc.save_response(user, second.id, key, answer, seq=1)


def test_bank_ids_are_refused_and_never_shown(forms, db):
    """The bank's own option ids (a, b, …) are not accepted as answers and never reach the view."""
    user = _trainees(db)[0]
    quiz = next(q for q in forms if q.key == "crm-basics")
    attempt = svc.start_attempt(user, quiz)
    view = public_attempt(attempt)
    choice = next(i for i in view["items"] if i["type"] == "single_choice")
    with pytest.raises(ValidationFailed):
        svc.save_response(user, attempt.id, choice["key"], "a", seq=1)
    item = engine_item(db.session.scalar(select(Item).where(Item.key == choice["key"])))
    bank_ids = set(item_type(item).answer_ids(item))
    assert not bank_ids & {o["id"] for o in choice["options"]}
    assert all(o["id"].startswith("t") and len(o["id"]) == 13 for o in choice["options"])
