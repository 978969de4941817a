"""Provisional rows for uncalibrated items, without Flask: an item the model never saw is read like
the calibrated items of its kind and skills, and its evidence moves mastery the right way."""
import numpy as np
import pytest

from app.skills.model import MasteryModel
from app.skills.person import mastery, state_from
from app.skills.priors import CalibratedRates, extend, provisional_rows
from app.skills.synthetic import generate


@pytest.fixture(scope="module")
def fitted():
    pop = generate(n_persons=1500, n_skills=4, items_per_skill=6, seed=3)
    model = MasteryModel(pop.q_matrix).fit(pop.X, pop.y, n_persons=1500)
    kinds = ["single_choice" if j % 2 else "check" for j in range(len(pop.q_matrix))]
    return pop, model, kinds


def test_rates_come_from_calibrated_items_of_the_same_kind_and_skill(fitted):
    pop, model, kinds = fitted
    rates = CalibratedRates.of(model, kinds)
    assert np.all(rates.h > rates.g)  # masters succeed more often on every calibrated item
    q_row = pop.q_matrix[1]
    g, h = rates.rates_for(q_row, "single_choice")
    peers = [j for j in range(len(kinds)) if kinds[j] == "single_choice" and pop.q_matrix[j] @ q_row > 0]
    assert g == pytest.approx(np.mean(rates.g[peers])) and h == pytest.approx(np.mean(rates.h[peers]))
    assert 0.02 <= g < h <= 0.98
    # a kind the model never calibrated falls back to every item sharing a skill
    sharing = [j for j in range(len(kinds)) if pop.q_matrix[j] @ q_row > 0]
    assert rates.rates_for(q_row, "never-seen-kind") == pytest.approx(
        (np.mean(rates.g[sharing]), np.mean(rates.h[sharing])))


def test_a_provisional_row_is_dina_shaped(fitted):
    pop, model, kinds = fitted
    rates = CalibratedRates.of(model, kinds)
    q_row = np.array([[1, 1, 0, 0]])
    row = provisional_rows(rates, q_row, ["check"], width=4)[0]  # logits for patterns 00, 10, 01, 11
    assert row[0] == row[1] == row[2] < row[3]
    g, h = rates.rates_for(q_row[0], "check")
    np.testing.assert_allclose(1 / (1 + np.exp(-row[[0, 3]])), [g, h])


def test_evidence_on_an_uncalibrated_item_moves_mastery_the_right_way(fitted):
    pop, model, kinds = fitted
    scoring = extend(model, CalibratedRates.of(model, kinds), np.array([[0, 0, 1, 0]]), ["check"])
    new = len(kinds)  # the provisional item's index comes after the calibrated ones
    assert scoring.logits_.shape[0] == new + 1 and scoring.q_matrix_[new].tolist() == [0, 0, 1, 0]
    prior = mastery(scoring, state_from(scoring, [], [], []))[2]
    right = mastery(scoring, state_from(scoring, [new] * 3, [1.0] * 3, [0.0] * 3))[2]
    wrong = mastery(scoring, state_from(scoring, [new] * 3, [0.0] * 3, [0.0] * 3))[2]
    assert wrong < prior < right
    moved = mastery(scoring, state_from(scoring, [new] * 3, [1.0] * 3, [0.0] * 3)) \
        - mastery(scoring, state_from(scoring, [], [], []))
    assert np.argmax(moved) == 2  # correlated skills move too, the measured one most
