"""Person-level estimates, verdicts, explanations, forgetting and adaptive selection."""
import numpy as np
import pytest

from app.skills.adaptive import could_change, open_skills, run_adaptive, select_next
from app.skills.model import MasteryModel
from app.skills.person import (PROFICIENT, UNKNOWN, WEAK, days_until_below, empty_state, evidence, explain,
                               mastery, observe, state_from, verdict)
from app.skills.synthetic import generate


@pytest.fixture(scope="module")
def model():
    pop = generate(n_persons=2000, n_skills=3, items_per_skill=8, seed=2, two_skill_share=0.0)
    return MasteryModel(pop.q_matrix).fit(pop.X, pop.y, n_persons=2000)


def items_of(model, skill):
    return [j for j in range(model.q_matrix_.shape[0]) if model.q_matrix_[j, skill]]


@pytest.mark.parametrize("p, evidence, expected", [
    (0.95, 5, PROFICIENT), (0.05, 5, WEAK), (0.5, 5, UNKNOWN), (0.95, 1, UNKNOWN), (0.8, 3, PROFICIENT),
    (0.21, 3, UNKNOWN), (0.05, 2 * 0.5 ** (1 / (180 * 86400)), WEAK), (0.05, 2 * 0.5 ** (3 / 180), WEAK),
    (0.05, 2 * 0.5 ** (30 / 180), UNKNOWN),
])
def test_verdict_rules(p, evidence, expected):
    assert verdict(p, evidence, target=0.8) == expected


def test_hand_made_people(model):
    skill0 = items_of(model, 0)
    right = state_from(model, skill0, np.ones(len(skill0)), np.zeros(len(skill0)))
    wrong = state_from(model, skill0, np.zeros(len(skill0)), np.zeros(len(skill0)))
    assert mastery(model, right)[0] > 0.95 and verdict(mastery(model, right)[0], evidence(model, right)[0]) == PROFICIENT
    assert mastery(model, wrong)[0] < 0.05 and verdict(mastery(model, wrong)[0], evidence(model, wrong)[0]) == WEAK
    nothing = empty_state(model)
    assert verdict(mastery(model, nothing)[1], evidence(model, nothing)[1]) == UNKNOWN


def test_answering_one_item_again_and_again_is_not_new_evidence(model):
    """Thirty right answers to one question do not make someone proficient: the item counts once."""
    item = items_of(model, 0)[0]
    again = state_from(model, [item] * 30, np.ones(30), np.zeros(30))
    once = state_from(model, [item], [1.0], [0.0])
    assert evidence(model, again)[0] == pytest.approx(1.0)
    assert mastery(model, again)[0] == pytest.approx(mastery(model, once)[0])
    assert verdict(mastery(model, again)[0], evidence(model, again)[0]) == UNKNOWN
    fixed = state_from(model, [item, item], [0.0, 1.0], [0.0, 1.0])  # wrong first, right on the retry
    assert mastery(model, state_from(model, [item], [0.0], [0.0]))[0] < mastery(model, fixed)[0] < mastery(model, once)[0]


@pytest.mark.parametrize("item, score, t, weight, message", [
    (0, float("nan"), 1.0, 1.0, "score must lie in"), (0, 1.5, 1.0, 1.0, "score must lie in"),
    (-1, 1.0, 1.0, 1.0, "item index -1"), (10_000, 1.0, 1.0, 1.0, "out of range"),
    (0, 1.0, float("nan"), 1.0, "finite number of days"), (0, 1.0, 1.0, -2.0, "weight 0 or more"),
])
def test_one_bad_observation_is_refused_and_the_state_stays_usable(model, item, score, t, weight, message):
    state = state_from(model, [0, 1], [1.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match=message):
        observe(model, state, item, score, t, weight=weight)
    assert np.isfinite(mastery(model, state, 2)).all()  # nothing NaN got in


def test_incremental_update_equals_batch(model):
    items, scores, times = [0, 3, 5, 1], [1.0, 0.0, 0.5, 1.0], [0.0, 2.0, 10.0, 30.0]
    state = empty_state(model)
    for i, s, t in zip(items, scores, times):
        state = observe(model, state, i, s, t)
    batch = state_from(model, items, scores, times)
    np.testing.assert_allclose(state.A1, batch.A1)
    np.testing.assert_allclose(state.top_weight, batch.top_weight)
    np.testing.assert_allclose(mastery(model, state, 40), mastery(model, batch, 40))


def test_forgetting_fades_towards_unsure_never_towards_mastery(model):
    """A master drifts down towards 0.5 (so a refresher falls due); someone who failed every item
    drifts up towards 0.5 at most — never past it, however common the skill — and both verdicts
    become "not enough evidence" as the evidence fades."""
    skill0 = items_of(model, 0)[:4]
    right = state_from(model, skill0, np.ones(4), np.zeros(4))
    now, year, ten = (mastery(model, right, t)[0] for t in (0, 365, 3650))
    assert now > year > ten > 0.5 and ten < 0.6
    wrong = state_from(model, items_of(model, 0), np.zeros(8), np.zeros(8))
    failed = [mastery(model, wrong, t)[0] for t in (0, 180, 730, 3650)]
    assert failed == sorted(failed) and failed[0] < 0.05 and max(failed) < 0.5
    assert verdict(failed[0], evidence(model, wrong, 0)[0]) == WEAK
    assert verdict(failed[-1], evidence(model, wrong, 3650)[0]) == UNKNOWN
    days = days_until_below(model, right, 0, threshold=0.8, now=0)
    assert days is not None and 0 < days < 730
    assert mastery(model, right, days + 1)[0] < 0.8 <= mastery(model, right, days - 1)[0]
    assert days_until_below(model, empty_state(model), 0, threshold=0.99, now=0) == 0.0
    assert days_until_below(model, right, 0, threshold=0.8, now=days + 5) == 0.0


def test_a_retry_after_training_outweighs_the_old_failure(model):
    skill0 = items_of(model, 0)
    history = state_from(model, skill0[:4] + skill0[4:], [0.0] * 4 + [1.0] * 4, [0.0] * 4 + [200.0] * 4)
    assert mastery(model, history, 200)[0] > 0.8


def test_explanation_names_the_evidence_that_drove_the_verdict(model):
    skill0, skill1 = items_of(model, 0), items_of(model, 1)
    items = skill0[:3] + skill1[:2]
    scores = [0.0, 0.0, 1.0, 1.0, 1.0]
    rows = explain(model, 0, items, scores, [0.0] * 5, now=0.0)
    assert {r.item for r in rows} == set(skill0[:3])  # only evidence about the skill itself
    wrong = [r for r in rows if r.score == 0.0]
    assert all(r.log_odds < 0 for r in wrong) and [r for r in rows if r.score == 1.0][0].log_odds > 0
    assert abs(rows[0].log_odds) >= abs(rows[-1].log_odds)


def test_adaptive_selection_prefers_items_of_open_skills_and_stops(model):
    state = empty_state(model)
    first = select_next(model, state, list(range(model.q_matrix_.shape[0])), skills=[2])
    assert model.q_matrix_[first, 2] == 1
    assert select_next(model, state, items_of(model, 0), skills=[2]) is None
    result = run_adaptive(model, lambda j: 1.0, list(range(model.q_matrix_.shape[0])), skills=[0, 1, 2],
                          target=0.95)
    assert len(result.items) < model.q_matrix_.shape[0] and (result.marginals > 0.95).all()


def test_an_adaptive_test_asks_until_each_verdict_has_its_evidence(model):
    """One confident answer is not a verdict (a verdict needs two items); two clear ones are."""
    skill0 = items_of(model, 0)
    once = state_from(model, skill0[:1], [1.0], [0.0])
    assert mastery(model, once)[0] > 0.5 and open_skills(model, once, [0], skill0[1:], 0.8) == [0]
    twice = state_from(model, skill0[:2], [1.0, 1.0], [0.0, 0.0])
    assert mastery(model, twice)[0] >= 0.8 and open_skills(model, twice, [0], skill0[2:], 0.8) == []


def test_a_skill_on_the_line_is_asked_about_while_the_rest_of_the_test_could_still_turn_it(model):
    """Stochastic curtailment: an unclassified skill stays open while answering the remaining items
    on it could put it on the other side of even odds, and closes when they could not (or none are
    left) — not after a fixed number of items."""
    skill0 = items_of(model, 0)
    mixed = state_from(model, skill0[:2], [1.0, 0.0], [0.0, 0.0])
    assert 0.2 < mastery(model, mixed)[0] < 0.8
    assert could_change(model, mixed, [0], skill0[2:]).tolist() == [True]
    assert open_skills(model, mixed, [0, 1], skill0[2:], 0.8) == [0, 1]  # skill 1: no evidence yet
    assert open_skills(model, mixed, [0], [], 0.8) == []  # nothing left to ask on it
    assert open_skills(model, mixed, [0], items_of(model, 1), 0.8) == []  # nor on the pool given
    # strong evidence that is still short of a demanding target: one more item cannot turn it
    strong = state_from(model, skill0[:5], [1.0, 1.0, 1.0, 1.0, 0.0], [0.0] * 5)
    assert 0.5 < mastery(model, strong)[0] < 0.999
    assert could_change(model, strong, [0], skill0[5:6]).tolist() == [False]
    assert open_skills(model, strong, [0], skill0[5:6], 0.999) == []
    assert could_change(model, mixed, [0], skill0[2:]).tolist() == could_change(model, mixed, [0], skill0[2:]).tolist()


def test_a_question_asked_again_is_simulated_as_the_scorer_reads_a_repeat(model):
    """Someone who answered one question ten times (half right) and another right: one new question
    could turn the skill, one more answer to the question seen ten times could not (the scorer takes
    the mean of its answers) — so the rule does not keep the skill open for it."""
    skill0 = items_of(model, 0)
    state = state_from(model, [skill0[0]] * 10 + [skill0[1]], [0.0, 1.0] * 5 + [1.0], np.zeros(11))
    assert 0.5 < mastery(model, state)[0] < 0.8
    assert could_change(model, state, [0], [skill0[5]]).tolist() == [True]
    assert could_change(model, state, [0], [skill0[0]]).tolist() == [False]


def test_an_adaptive_test_of_someone_on_the_line_runs_until_the_pool_cannot_move_them(model):
    """Right, wrong, right, wrong… on skill 0: each answer could still turn it, so every item on it
    is asked (the rule before closed a skill after a fixed number of items); skill 1, all right, is
    classified early and stops being asked about."""
    skill0, skill1 = items_of(model, 0), items_of(model, 1)
    given = []

    def answer(j):
        if model.q_matrix_[j, 0]:
            given.append(j)
            return float(len(given) % 2 == 1)
        return 1.0
    result = run_adaptive(model, answer, skill0 + skill1, skills=[0, 1], target=0.95)
    assert sorted(given) == sorted(skill0)
    assert 2 <= len([j for j in result.items if j in skill1]) < len(skill1) and result.marginals[1] >= 0.95
    assert 0.05 < result.marginals[0] < 0.95  # still unsure: the pool was spent, not a verdict reached
