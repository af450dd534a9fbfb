"""BalancedBaggingClassifier: balanced bootstrap bags of real deep members against the plain deep
model (numbers printed with ``pytest -s``), bag sizes, parallel reproducibility, labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.tree import DecisionTreeClassifier

from unskew.ensemble import BalancedBaggingClassifier
from unskew.exceptions import InputError


def test_raises_minority_recall_over_the_plain_deep_model(split, make_net):
    seed, X_train, X_test, y_train, y_test = split
    plain = make_net(random_state=seed).fit(X_train, y_train)
    bag = BalancedBaggingClassifier(make_net(), n_estimators=5, random_state=seed)
    bag.fit(X_train, y_train)
    p_plain, p_bag = plain.predict(X_test), bag.predict(X_test)
    r_plain, r_bag = recall_score(y_test, p_plain), recall_score(y_test, p_bag)
    b_plain = balanced_accuracy_score(y_test, p_plain)
    b_bag = balanced_accuracy_score(y_test, p_bag)
    print(
        f"\nseed {seed}: minority recall plain {r_plain:.3f} bagging {r_bag:.3f}; "
        f"balanced accuracy plain {b_plain:.3f} bagging {b_bag:.3f}"
    )
    assert r_bag >= r_plain + 0.4
    assert b_bag >= b_plain + 0.1


def test_bags_are_balanced_bootstraps_that_differ(small):
    X, y = small
    n_min = int((y == 1).sum())
    bag = BalancedBaggingClassifier(DecisionTreeClassifier(), n_estimators=5, random_state=0)
    bag.fit(X, y)
    bags = bag.estimators_samples_
    for rows in bags:
        assert np.bincount(y[rows]).tolist() == [n_min, n_min]
    assert any(len(set(r)) < len(r) for r in bags)  # bootstrap: repeats
    # the minority rows are resampled too (unlike EasyEnsemble), so bags differ on both classes
    assert len({frozenset(r[y[r] == 1]) for r in bags}) == 5
    assert len({frozenset(r[y[r] == 0]) for r in bags}) == 5
    probas = {m.predict_proba(X)[:, 1].tobytes() for m in bag.estimators_}
    assert len(probas) == 5


@pytest.mark.parametrize(("max_samples", "expected"), [(0.5, 0.5), (100, 100 / 300)])
def test_max_samples_sets_the_bootstrap_size(small, max_samples, expected):
    X, y = small
    n_min = int((y == 1).sum())
    bag = BalancedBaggingClassifier(
        DecisionTreeClassifier(), n_estimators=2, max_samples=max_samples, random_state=0
    ).fit(X, y)
    for rows in bag.estimators_samples_:
        assert (y[rows] == 1).sum() == round(expected * n_min)


def test_a_tiny_class_is_in_every_bag(small):
    X, y = small
    y = y.copy()
    y[np.flatnonzero(y == 1)[2:]] = 0  # two minority rows left
    bag = BalancedBaggingClassifier(LogisticRegression(), n_estimators=10, random_state=0)
    bag.fit(X, y)
    assert all((y[r] == 1).sum() == 2 for r in bag.estimators_samples_)


def test_n_jobs_2_equals_n_jobs_1(small, make_net):
    X, y = small
    params = {"n_estimators": 3, "random_state": 11}
    one = BalancedBaggingClassifier(make_net(), n_jobs=1, **params).fit(X, y)
    two = BalancedBaggingClassifier(make_net(), n_jobs=2, **params).fit(X, y)
    assert np.allclose(one.predict_proba(X), two.predict_proba(X), atol=1e-6)
    assert np.array_equal(one.predict(X), two.predict(X))


def test_string_labels_clone_and_sample_weight(small):
    X, y = small
    labels = np.array(["neg", "pos"])[y]
    bag = BalancedBaggingClassifier(LogisticRegression(), n_estimators=3, random_state=0)
    bag.fit(X, labels, sample_weight=np.ones(len(y)))
    assert bag.classes_.tolist() == ["neg", "pos"]
    proba = bag.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(bag.predict(X)) <= {"neg", "pos"}
    copy = clone(bag)
    assert copy.get_params() == {**bag.get_params(), "estimator": copy.estimator}
    assert not hasattr(copy, "estimators_")


def test_bad_input(small):
    X, y = small
    with pytest.raises(InputError, match="n_estimators"):
        BalancedBaggingClassifier(LogisticRegression(), n_estimators=0).fit(X, y)
    with pytest.raises(InputError, match="only one class"):
        BalancedBaggingClassifier(LogisticRegression()).fit(X, np.ones(len(X)))
    for bad in (0.0, 1.5, 0, 10_000, "half"):
        with pytest.raises(InputError, match="max_samples"):
            BalancedBaggingClassifier(LogisticRegression(), max_samples=bad).fit(X, y)
    with pytest.raises(InputError, match="sample_weight"):
        BalancedBaggingClassifier(LogisticRegression()).fit(X, y, sample_weight=np.ones(3))
