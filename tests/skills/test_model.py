"""The mastery model without Flask: estimator contract, recovery, real data, persistence."""
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from app.skills import persistence
from app.skills.data import load_dataset
from app.skills.inference import pattern_bits
from app.skills.model import MasteryModel
from app.skills.synthetic import generate

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def synthetic():
    pop = generate(n_persons=1500, n_skills=4, items_per_skill=8, seed=11)
    return pop, MasteryModel(pop.q_matrix).fit(pop.X, pop.y, n_persons=1500)


def test_estimator_contract():
    q = np.eye(3, dtype=int)
    model = MasteryModel(q, max_iter=50)
    assert model.get_params()["max_iter"] == 50
    assert np.array_equal(clone(model).get_params()["q_matrix"], q)
    with pytest.raises(NotFittedError):
        model.predict_proba(np.array([[0, 0]]))
    X = np.array([[0, 0], [0, 1], [1, 2], [1, 0]])
    assert model.fit(X, np.array([1.0, 0.0, 1.0, 0.5])) is model
    assert hasattr(model, "params_") and hasattr(model, "n_iter_")
    assert model.predict_proba(X).shape == (4, 2)


@pytest.mark.parametrize("X, y, message", [
    (np.array([[0, 5]]), np.array([1.0]), "item index out of range"),
    (np.array([[0, 0]]), np.array([1.5]), "scores must lie in"),
    (np.array([0, 0]), np.array([1.0]), "shape (n, 2)"),
])
def test_bad_input_is_refused_with_a_message(X, y, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        MasteryModel(np.eye(3, dtype=int)).fit(X, y)


@pytest.mark.parametrize("X, y, weights, message", [
    (np.array([[0, 0], [0, 1]]), np.array([1.0, np.nan]), None, "scores must lie in"),
    (np.array([[0, -1]]), np.array([1.0]), None, "item index out of range"),
    (np.array([[0, 0], [1, 1]]), np.array([1.0, 0.0]), np.array([1.0, -0.5]), "0 or more"),
    (np.array([[0, 0], [1, 1]]), np.array([1.0, 0.0]), np.array([1.0, np.nan]), "0 or more"),
    (np.array([[0, 0], [1, 1]]), np.array([1.0, 0.0]), np.array([1.0]), "one weight per observation"),
])
def test_nan_negative_and_misshapen_inputs_are_refused(X, y, weights, message):
    with pytest.raises(ValueError, match=message):
        MasteryModel(np.eye(3, dtype=int)).fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="person index out of range"):
        MasteryModel(np.eye(3, dtype=int)).fit(np.array([[4, 0]]), np.array([1.0]), n_persons=2)


def test_the_loader_refuses_to_guess_between_q_matrices(tmp_path):
    (tmp_path / "responses.csv").write_text("id,i1,i2\np1,1,0\np2,0,1\n")
    (tmp_path / "domain_qmatrix.csv").write_text("item,a\ni1,1\ni2,1\n")
    (tmp_path / "skill_qmatrix.csv").write_text("item,a,b\ni1,1,0\ni2,0,1\n")
    with pytest.raises(ValueError, match="2 Q-matrices .*choose one"):
        load_dataset(tmp_path)
    assert load_dataset(tmp_path, "skill_qmatrix.csv").skills == ["a", "b"]
    with pytest.raises(ValueError, match="no Q-matrix nope.csv"):
        load_dataset(tmp_path, "nope.csv")


def test_pattern_bits():
    assert pattern_bits(2).tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]


@pytest.mark.parametrize("q, message", [
    (np.array([[1, 0], [0, 0]]), "item 1 measures none"),
    (np.ones((2, 9), dtype=int), "at most 8 skills"),
    (np.zeros((0, 3), dtype=int), "at least one of each"),
])
def test_a_q_matrix_the_model_cannot_read_is_refused(q, message):
    with pytest.raises(ValueError, match=message):
        MasteryModel(q).fit(np.array([[0, 0]]), np.array([1.0]))


def test_a_repeated_answer_is_one_piece_of_evidence():
    """Thirty answers to one item count as that item once (their mean score), not as thirty items."""
    q = np.eye(2, dtype=int).repeat(6, axis=0)  # 12 items, 6 per skill
    rng = np.random.default_rng(4)
    truth = rng.random((600, 2)) < 0.5
    persons, items = np.meshgrid(np.arange(600), np.arange(12), indexing="ij")
    persons, items = persons.ravel(), items.ravel()
    p = np.where(truth[persons, q[items].argmax(axis=1)], 0.9, 0.2)
    y = (rng.random(len(p)) < p).astype(float)
    model = MasteryModel(q).fit(np.column_stack([persons, items]), y, n_persons=600)
    once = model.score(np.array([[0, 0]]), np.array([1.0]), n_persons=1).mastery[0, 0]
    thirty = model.score(np.array([[0, 0]] * 30), np.ones(30), n_persons=1).mastery[0, 0]
    six = model.score(np.column_stack([np.zeros(6, int), np.arange(6)]), np.ones(6), n_persons=1).mastery[0, 0]
    assert thirty == pytest.approx(once) and six > 0.95 > once
    mixed = model.score(np.array([[0, 0], [0, 0]]), np.array([1.0, 0.0]), n_persons=1).mastery[0, 0]
    half = model.score(np.array([[0, 0]]), np.array([0.5]), n_persons=1).mastery[0, 0]
    assert mixed == pytest.approx(half)  # the repeat's evidence is the mean score


def test_forty_skills_fit_without_a_profile_table():
    """The old model held people × 2^K profiles (K = 14 at most); this one holds people × K × nodes."""
    pop = generate(n_persons=1500, n_skills=40, items_per_skill=5, seed=8)
    model = MasteryModel(pop.q_matrix).fit(pop.X, pop.y, n_persons=1500)
    assert model.mastery_.shape == (1500, 40)
    assert ((model.mastery_ > 0.5) == pop.mastery).mean() > 0.85
    assert np.abs(model.mastery_proportion_ - pop.mastery.mean(axis=0)).mean() < 0.06


def test_recovers_known_mastery_and_item_parameters(synthetic):
    pop, model = synthetic
    assert ((model.mastery_ > 0.5) == pop.mastery).mean() > 0.93
    np.testing.assert_allclose(model.mastery_proportion_, pop.mastery.mean(axis=0), atol=0.04)
    single = np.flatnonzero(pop.q_matrix.sum(axis=1) == 1)
    np.testing.assert_allclose(model.params_[single, 1], 1 - pop.slip[single], atol=0.06)  # masters succeed
    np.testing.assert_allclose(model.params_[single, 0], pop.guess[single], atol=0.06)  # others guess


def test_a_stronger_slope_prior_shrinks_the_ability_slopes():
    """The default prior on the slopes is the item prior; a stronger one pulls every slope towards 0
    (bench.synthetic --slope-prior measures what that does to verdicts and to the lead over 2PL).
    Data where success rises with ability within a mastery class: mastery is a cut on an ability."""
    from bench.synthetic import population, q_matrix

    rng = np.random.default_rng(1)
    q = q_matrix(24, 4, rng)
    truth = population("continuous", 800, q, 1, np.random.default_rng(2))
    X = np.column_stack([np.repeat(np.arange(800), 24), np.tile(np.arange(24), 800)])
    y = truth.draw(X[:, 0], X[:, 1], rng)
    model = MasteryModel(q).fit(X, y, n_persons=800)
    assert model.get_params()["slope_prior"] is None
    shrunk = MasteryModel(q, slope_prior=300.0).fit(X, y, n_persons=800)
    assert model.slopes_.mean() > 0.3 and shrunk.slopes_.mean() < 0.5 * model.slopes_.mean()
    same = MasteryModel(q, slope_prior=model.item_prior).fit(X, y, n_persons=800)
    np.testing.assert_allclose(same.slopes_, model.slopes_)  # None means the item prior
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="slope_prior must be a positive number"):
            MasteryModel(q, slope_prior=bad).fit(X, y, n_persons=800)
    # a model stored before the parameter existed loads with it unset (its slopes had the item prior)
    state = model.__getstate__()
    del state["slope_prior"]
    old = MasteryModel.__new__(MasteryModel)
    old.__setstate__(state)
    assert old.get_params()["slope_prior"] is None and np.allclose(old.predict_proba(X[:5]), model.predict_proba(X[:5]))


def test_holding_the_structure_keeps_stage_ones_lambda_when_the_slopes_come_in():
    """Free (the setting before 2026-12-05), the slopes take over part of what λ carried (how strongly
    mastery follows the general ability) and λ shrinks; held (the default), λ is what stage 1 found —
    the fit without slopes — while the slopes are still fitted (bench.synthetic --free-structure
    measures what freeing it does to verdicts)."""
    from bench.synthetic import population, q_matrix

    rng = np.random.default_rng(1)
    q = q_matrix(24, 4, rng)
    truth = population("continuous", 800, q, 1, np.random.default_rng(2))
    X = np.column_stack([np.repeat(np.arange(800), 24), np.tile(np.arange(24), 800)])
    y = truth.draw(X[:, 0], X[:, 1], rng)
    stage_one = MasteryModel(q, slope_iter=0).fit(X, y, n_persons=800)
    free = MasteryModel(q, hold_structure=False).fit(X, y, n_persons=800)
    held = MasteryModel(q).fit(X, y, n_persons=800)
    assert held.get_params()["hold_structure"] is True
    np.testing.assert_allclose(held.lambda_, stage_one.lambda_)
    assert free.lambda_.mean() < 0.8 * held.lambda_.mean() and held.slopes_.mean() > 0.3
    assert not np.allclose(held.delta_, stage_one.delta_)  # δ (how common mastery is) still moves
    # ... to its own optimum given the held λ: the population's share of masters agrees with the fitted
    # people's mastery (the δ half of a joint λ, δ step left it about 0.04 low)
    np.testing.assert_allclose(held.mastery_proportion_, held.mastery_.mean(axis=0), atol=0.02)
    state = held.__getstate__()
    del state["hold_structure"]  # a model stored before the option existed: λ moved in its stage 2
    old = MasteryModel.__new__(MasteryModel)
    old.__setstate__(state)
    assert old.get_params()["hold_structure"] is False


def test_with_one_skill_the_structure_is_not_held():
    """With a single skill the general ability is that skill's ability: nothing to keep it from, so
    the default fit is the free one."""
    rng = np.random.default_rng(4)
    ability = rng.normal(size=600)
    X = np.column_stack([np.repeat(np.arange(600), 6), np.tile(np.arange(6), 600)])
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-(1.5 * ability[X[:, 0]] - 0.3 * (X[:, 1] - 2))))).astype(float)
    q = np.ones((6, 1), dtype=int)
    default, free = MasteryModel(q).fit(X, y, n_persons=600), MasteryModel(q, hold_structure=False).fit(X, y, n_persons=600)
    stage_one = MasteryModel(q, slope_iter=0).fit(X, y, n_persons=600)
    np.testing.assert_allclose(default.lambda_, free.lambda_)
    assert not np.allclose(default.lambda_, stage_one.lambda_)


def test_partial_credit_and_weights_are_used():
    q = np.array([[1], [1], [1]])
    persons = np.repeat(np.arange(100), 3)
    X = np.column_stack([persons, np.tile([0, 1, 2], 100)])
    y = (persons < 50).astype(float)  # the first fifty get everything right, the others nothing
    strong = MasteryModel(q).fit(X, y)
    half = MasteryModel(q).fit(X, np.where(y == 1, 0.5, 0.0))
    assert strong.mastery_[0, 0] > 0.9 and strong.mastery_[99, 0] < 0.1
    assert half.params_[:, 1].max() <= 0.6  # half credit means at most about half success


def test_fast_real_data_pie_pilot():
    data = load_dataset(DATA / "pie_pilot")
    X, y = data.observations()
    assert np.isnan(data.responses).any()  # missing cells are simply not observations
    model = MasteryModel(data.q_matrix).fit(X, y, n_persons=len(data.persons))
    proportions = model.mastery_proportion_
    assert proportions.shape == (3,) and np.all((proportions > 0.5) & (proportions < 1))
    p = model.predict_proba(X)[:, 1]
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, p) > 0.8


def test_skills_go_together_through_the_general_ability():
    """With few people per skill pattern, the higher-order structure (λ, δ per skill) carries the
    correlation: good evidence on one skill moves a person's estimate of the others."""
    pop = generate(n_persons=300, n_skills=8, items_per_skill=4, seed=5)
    model = MasteryModel(pop.q_matrix).fit(pop.X, pop.y, n_persons=300)
    assert model.lambda_.shape == (8,) and (model.lambda_ > 0.3).all()
    assert ((model.mastery_ > 0.5) == pop.mastery).mean() > 0.85
    skill0 = np.flatnonzero(model.q_matrix_[:, 0] & (model.sizes_ == 1))
    strong = model.score(np.column_stack([np.zeros(len(skill0), int), skill0]), np.ones(len(skill0)), n_persons=1)
    assert (strong.mastery[0, 1:] > model.mastery_proportion_[1:]).all()


def test_persistence_round_trip_and_tamper_refusal(synthetic):
    import sklearn

    _, model = synthetic
    data, card = persistence.dump(model, {"responses": 12000, "validation": {"auc": 0.9}})
    loaded = persistence.load(data, card)
    np.testing.assert_allclose(loaded.params_, model.params_)
    assert card["validation"]["auc"] == 0.9 and card["sklearn_version"] == sklearn.__version__
    assert card["bytes"] == len(data) and len(card["sha256"]) == 64
    with pytest.raises(persistence.ModelFileError, match="does not match"):
        persistence.load(b"not the model the app wrote", card)
    with pytest.raises(persistence.ModelFileError, match="does not match"):
        persistence.load(data, {**card, "sha256": ""})
    with pytest.raises(persistence.ModelFileError, match="scikit-learn 0.1"):
        persistence.load(data, {**card, "sklearn_version": "0.1"})
