"""EasyEnsembleClassifier: real deep members on balanced subsets against the plain deep model
(numbers printed with ``pytest -s``), subsets, parallel reproducibility, labels, multi-class."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from unskew.datasets import keel
from unskew.ensemble import EasyEnsembleClassifier
from unskew.exceptions import InputError


def test_raises_minority_recall_over_the_plain_deep_model(split, make_net):
    seed, X_train, X_test, y_train, y_test = split
    plain = make_net(random_state=seed).fit(X_train, y_train)
    ens = EasyEnsembleClassifier(make_net(), n_estimators=5, random_state=seed)
    ens.fit(X_train, y_train)
    p_plain, p_ens = plain.predict(X_test), ens.predict(X_test)
    r_plain, r_ens = recall_score(y_test, p_plain), recall_score(y_test, p_ens)
    b_plain = balanced_accuracy_score(y_test, p_plain)
    b_ens = balanced_accuracy_score(y_test, p_ens)
    print(
        f"\nseed {seed}: minority recall plain {r_plain:.3f} easy {r_ens:.3f}; "
        f"balanced accuracy plain {b_plain:.3f} easy {b_ens:.3f}"
    )
    assert r_ens >= r_plain + 0.4
    assert b_ens >= b_plain + 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_on_keel_yeast4_as_a_data_frame(seed, make_net):
    bundle = keel("yeast4")  # 1,433 vs 51 rows, 8 numeric columns
    X_train, X_test, y_train, y_test = train_test_split(
        bundle.X, bundle.y, test_size=0.4, stratify=bundle.y, random_state=seed
    )
    plain = make_net(random_state=seed).fit(X_train, y_train)
    ens = EasyEnsembleClassifier(make_net(), n_estimators=5, random_state=seed)
    ens.fit(X_train, y_train)
    assert ens.feature_names_in_.tolist() == list(bundle.X.columns)
    r_plain = recall_score(y_test, plain.predict(X_test))
    r_ens = recall_score(y_test, ens.predict(X_test))
    b_ens = balanced_accuracy_score(y_test, ens.predict(X_test))
    print(
        f"\nyeast4 seed {seed}: minority recall plain {r_plain:.3f} easy {r_ens:.3f}; "
        f"balanced accuracy easy {b_ens:.3f}"
    )
    assert r_ens >= r_plain + 0.4 and b_ens > 0.65


def test_each_member_sees_all_minority_rows_and_its_own_majority_subset(small):
    X, y = small
    ens = EasyEnsembleClassifier(DecisionTreeClassifier(), n_estimators=4, random_state=0)
    ens.fit(X, y)
    minority = set(np.flatnonzero(y == 1))
    majority_sets = []
    for rows in ens.estimators_samples_:
        assert set(rows[y[rows] == 1]) == minority
        assert (y[rows] == 0).sum() == len(minority)  # balanced
        assert len(set(rows)) == len(rows)  # without replacement
        majority_sets.append(frozenset(rows[y[rows] == 0]))
    assert len(set(majority_sets)) == 4  # every member its own subset
    # ... so the members really differ
    probas = [m.predict_proba(X)[:, 1] for m in ens.estimators_]
    assert len({p.tobytes() for p in probas}) == 4
    assert {m.random_state for m in ens.estimators_} != {None}
    assert len({m.random_state for m in ens.estimators_}) == 4


def test_n_jobs_2_equals_n_jobs_1(small, make_net):
    X, y = small
    one = EasyEnsembleClassifier(make_net(), n_estimators=3, n_jobs=1, random_state=7).fit(X, y)
    two = EasyEnsembleClassifier(make_net(), n_estimators=3, n_jobs=2, random_state=7).fit(X, y)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(one.estimators_samples_, two.estimators_samples_, strict=True)
    )
    assert np.allclose(one.predict_proba(X), two.predict_proba(X), atol=1e-6)
    assert np.array_equal(one.predict(X), two.predict(X))


def test_string_labels_and_probabilities(small):
    X, y = small
    labels = np.array(["ok", "fraud"])[y]
    ens = EasyEnsembleClassifier(LogisticRegression(), n_estimators=3, random_state=0)
    ens.fit(X, labels)
    assert ens.classes_.tolist() == ["fraud", "ok"]
    assert set(ens.predict(X)) <= {"fraud", "ok"}
    proba = ens.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(ens.predict(X), ens.classes_[proba.argmax(axis=1)])
    assert ens.score(X, labels) == pytest.approx(balanced_accuracy_score(labels, ens.predict(X)))


def test_multi_class_under_samples_every_class_to_the_smallest(make_net):
    X, y = make_classification(
        900, 8, n_informative=5, n_classes=3, weights=[0.7, 0.2, 0.1], random_state=0
    )
    counts = np.bincount(y)
    ens = EasyEnsembleClassifier(make_net(), n_estimators=3, random_state=0).fit(X, y)
    for rows in ens.estimators_samples_:
        assert np.bincount(y[rows]).tolist() == [counts.min()] * 3
    proba = ens.predict_proba(X)
    assert proba.shape == (900, 3) and np.allclose(proba.sum(axis=1), 1.0)
    recalls = recall_score(y, ens.predict(X), average=None)
    assert recalls.min() > 0.5  # no class ignored


def test_sampling_strategy_is_imbalanced_learns(small):
    X, y = small
    n_min = int((y == 1).sum())
    ens = EasyEnsembleClassifier(
        DecisionTreeClassifier(), n_estimators=2, sampling_strategy=0.5, random_state=0
    ).fit(X, y)
    assert all((y[r] == 0).sum() == 2 * n_min for r in ens.estimators_samples_)
    ens.set_params(replacement=True).fit(X, y)
    assert any(len(set(r)) < len(r) for r in ens.estimators_samples_)
    with pytest.raises(InputError, match="sampling_strategy"):
        ens.set_params(sampling_strategy="most").fit(X, y)


def test_clone_and_params(make_net):
    ens = EasyEnsembleClassifier(make_net(), n_estimators=4, random_state=3)
    copy = clone(ens)
    assert copy.get_params()["n_estimators"] == 4
    assert copy.estimator is not ens.estimator
    assert copy.get_params()["estimator__epochs"] == 30
    copy.set_params(estimator__epochs=5, n_jobs=2)
    assert copy.estimator.epochs == 5 and ens.estimator.epochs == 30


def test_default_estimator_is_the_deep_classifier(small):
    X, y = small
    ens = EasyEnsembleClassifier(n_estimators=1, random_state=0).fit(X, y)
    member = ens.estimators_[0]
    assert type(member).__name__ == "ImbalancedClassifier" and member.epochs == 30


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_bad_n_estimators(small, n):
    X, y = small
    with pytest.raises(InputError, match="n_estimators must be an integer >= 1"):
        EasyEnsembleClassifier(LogisticRegression(), n_estimators=n).fit(X, y)


def test_bad_input(small):
    X, y = small
    ens = EasyEnsembleClassifier(LogisticRegression(), n_estimators=2)
    with pytest.raises(InputError, match="only one class"):
        ens.fit(X, np.zeros(len(X)))
    with pytest.raises(InputError, match="rows but y has"):
        ens.fit(X[:-1], y)
    with pytest.raises(InputError, match="scikit-learn classifier"):
        EasyEnsembleClassifier(LogisticRegression).fit(X, y)
