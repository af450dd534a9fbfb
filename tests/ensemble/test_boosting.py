"""BoostingClassifier: SAMME as scikit-learn computes it, RUSBoost rounds of real deep members
against the plain deep model (numbers printed with ``pytest -s``), the degenerate rounds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import AdaBoostClassifier
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from unskew.ensemble import BoostingClassifier
from unskew.exceptions import InputError, TrainingError


@pytest.mark.parametrize("n_classes", [2, 3])
def test_without_undersampling_it_is_scikit_learns_samme(n_classes):
    X, y = make_classification(
        400,
        6,
        n_informative=4,
        n_classes=n_classes,
        weights=[0.7, 0.2, 0.1][:n_classes],
        random_state=0,
    )
    stump = DecisionTreeClassifier(max_depth=1)
    ours = BoostingClassifier(stump, n_estimators=8, undersample=False, random_state=0)
    ref = AdaBoostClassifier(stump, n_estimators=8, random_state=0)
    ours.fit(X, y)
    ref.fit(X, y)
    kept = len(ours.estimators_)
    assert np.allclose(ours.estimator_errors_, ref.estimator_errors_[:kept])
    assert np.allclose(ours.estimator_weights_, ref.estimator_weights_[:kept])
    assert np.array_equal(ours.predict(X), ref.predict(X))


def test_beats_the_plain_deep_model(split, make_net):
    seed, X_train, X_test, y_train, y_test = split
    plain = make_net(random_state=seed).fit(X_train, y_train)
    boost = BoostingClassifier(make_net(), n_estimators=5, random_state=seed)
    boost.fit(X_train, y_train)
    p_plain, p_boost = plain.predict(X_test), boost.predict(X_test)
    r_plain, r_boost = recall_score(y_test, p_plain), recall_score(y_test, p_boost)
    b_plain = balanced_accuracy_score(y_test, p_plain)
    b_boost = balanced_accuracy_score(y_test, p_boost)
    print(
        f"\nseed {seed}: minority recall plain {r_plain:.3f} boosting {r_boost:.3f}; "
        f"balanced accuracy plain {b_plain:.3f} boosting {b_boost:.3f}; "
        f"{len(boost.estimators_)} rounds kept, errors {boost.estimator_errors_.round(3)}"
    )
    assert b_boost >= b_plain + 0.1
    assert r_boost >= r_plain + 0.3


def test_rounds_train_on_weighted_undersamplings(small, make_net):
    X, y = small
    n_min = int((y == 1).sum())
    boost = BoostingClassifier(make_net(), n_estimators=3, random_state=0).fit(X, y)
    assert 1 <= len(boost.estimators_) <= 3
    for rows in boost.estimators_samples_:
        assert np.bincount(y[rows]).tolist() == [n_min, n_min]
    assert np.all(boost.estimator_weights_ > 0)
    assert np.all(boost.estimator_errors_ < 0.5)


def test_votes_probabilities_and_decision_agree(small):
    X, y = small
    labels = np.array(["a", "b"])[y]
    tree = DecisionTreeClassifier(max_depth=2)
    boost = BoostingClassifier(tree, n_estimators=5, random_state=0).fit(X, labels)
    assert boost.classes_.tolist() == ["a", "b"]
    proba = boost.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    decision = boost.decision_function(X)
    assert decision.shape == (len(X),)
    votes = proba * boost.estimator_weights_.sum()
    assert np.allclose(decision, votes[:, 1] - votes[:, 0])
    assert np.array_equal(boost.predict(X), boost.classes_[(decision > 0).astype(int)])


def test_a_perfect_member_stops_boosting_and_dominates():
    X, y = make_classification(200, 4, n_informative=2, class_sep=3, flip_y=0, random_state=0)
    boost = BoostingClassifier(
        DecisionTreeClassifier(), n_estimators=5, undersample=False, random_state=0
    ).fit(X, y)
    assert len(boost.estimators_) == 1 and boost.estimator_errors_[0] == 0
    assert boost.estimator_weights_[0] > 20  # log((1 - 1e-10) / 1e-10)
    assert np.array_equal(boost.predict(X), y)


def test_a_member_no_better_than_chance_is_discarded(small):
    X, y = small
    tree = DecisionTreeClassifier(max_depth=2)
    boost = BoostingClassifier(tree, n_estimators=10, random_state=0).fit(X, y)
    assert len(boost.estimators_) < 10  # a round reached error >= 1/2 and ended the boosting
    assert (boost.estimator_errors_ < 0.5).all()
    always_minority = DummyClassifier(strategy="constant", constant=1)
    with pytest.raises(TrainingError, match="no better than chance"):
        BoostingClassifier(always_minority, undersample=False).fit(X, y)


def test_same_seed_same_ensemble_and_clone(small, make_net):
    X, y = small
    a = BoostingClassifier(make_net(), n_estimators=3, random_state=5).fit(X, y)
    b = clone(a).fit(X, y)
    assert np.array_equal(a.estimator_weights_, b.estimator_weights_)
    assert np.allclose(a.predict_proba(X), b.predict_proba(X))
    assert clone(a).get_params()["estimator__hidden"] == (32,)


def test_bad_input(small):
    X, y = small
    tree = DecisionTreeClassifier(max_depth=2)
    with pytest.raises(InputError, match="n_estimators"):
        BoostingClassifier(tree, n_estimators=0).fit(X, y)
    with pytest.raises(InputError, match="learning_rate"):
        BoostingClassifier(tree, learning_rate=0).fit(X, y)
    with pytest.raises(InputError, match="only one class"):
        BoostingClassifier(tree).fit(X, np.zeros(len(X)))
    with pytest.raises(InputError, match="does not accept sample_weight"):
        BoostingClassifier(KNeighborsClassifier()).fit(X, y)
