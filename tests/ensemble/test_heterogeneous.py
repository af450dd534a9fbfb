"""HeterogeneousEnsemble: the default trio (a real deep net, a balanced random forest, a weighted
logistic regression) by soft voting and stacking, against the plain deep model and its own
members (numbers printed with ``pytest -s``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from unskew.ensemble import HeterogeneousEnsemble, default_members
from unskew.exceptions import InputError


@pytest.mark.parametrize("method", ["soft_voting", "stacking"])
def test_the_default_trio_beats_the_plain_deep_model(split, make_net, method):
    seed, X_train, X_test, y_train, y_test = split
    plain = make_net(random_state=seed).fit(X_train, y_train)
    deep = make_net("cross_entropy+weights:inverse")
    ens = HeterogeneousEnsemble(estimator=deep, method=method, random_state=seed)
    ens.fit(X_train, y_train)
    assert list(ens.named_estimators_) == ["deep", "balanced_random_forest", "logistic_regression"]
    p_plain, p_ens = plain.predict(X_test), ens.predict(X_test)
    b_plain, b_ens = (
        balanced_accuracy_score(y_test, p_plain),
        balanced_accuracy_score(y_test, p_ens),
    )
    r_plain, r_ens = recall_score(y_test, p_plain), recall_score(y_test, p_ens)
    members = {
        name: balanced_accuracy_score(y_test, m.predict(X_test))
        for name, m in ens.named_estimators_.items()
    }
    print(
        f"\nseed {seed} {method}: minority recall plain {r_plain:.3f} ensemble {r_ens:.3f}; "
        f"balanced accuracy plain {b_plain:.3f} ensemble {b_ens:.3f}; members "
        + ", ".join(f"{k} {v:.3f}" for k, v in members.items())
    )
    assert r_ens >= r_plain + 0.4
    assert b_ens >= b_plain + 0.15
    assert b_ens >= min(members.values())


def test_soft_voting_is_the_weighted_mean_of_the_members(small):
    X, y = small
    members = [("tree", DecisionTreeClassifier(max_depth=3)), ("nb", GaussianNB())]
    ens = HeterogeneousEnsemble(members, weights=[3, 1], random_state=0).fit(X, y)
    tree, nb = ens.estimators_
    expected = 0.75 * tree.predict_proba(X) + 0.25 * nb.predict_proba(X)
    assert np.allclose(ens.predict_proba(X), expected)
    assert not hasattr(ens, "decision_function")
    assert not hasattr(members[0][1], "classes_")  # the given members are cloned


def test_stacking_learns_from_out_of_fold_probabilities():
    X, y = make_classification(
        600, 8, n_informative=5, n_classes=3, weights=[0.7, 0.2, 0.1], random_state=0
    )
    members = [("tree", DecisionTreeClassifier(max_depth=4)), ("lr", LogisticRegression())]
    ens = HeterogeneousEnsemble(members, method="stacking", random_state=0).fit(X, y)
    assert ens.final_estimator_.n_features_in_ == 2 * 3  # every member's three probabilities
    assert ens.final_estimator_.class_weight == "balanced"
    proba = ens.predict_proba(X)
    assert proba.shape == (600, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert ens.decision_function(X).shape == (600, 3)
    assert recall_score(y, ens.predict(X), average=None).min() > 0.6


def test_stacking_uses_fewer_folds_for_a_small_class_and_refuses_a_single_row(small):
    X, y = small
    y = y.copy()
    y[np.flatnonzero(y == 1)[3:]] = 0  # three minority rows: three folds
    ens = HeterogeneousEnsemble([("lr", LogisticRegression())], method="stacking", random_state=0)
    ens.fit(X, y)
    assert ens.final_estimator_.n_features_in_ == 1  # two classes: one column per member
    y[np.flatnonzero(y == 1)[1:]] = 0
    with pytest.raises(InputError, match="at least 2 rows of every class"):
        ens.fit(X, y)


def test_n_jobs_2_equals_n_jobs_1_with_a_deep_member(small, make_net):
    X, y = small
    members = [("net", make_net()), ("lr", LogisticRegression())]
    params = {"method": "stacking", "random_state": 3}
    one = HeterogeneousEnsemble(members, n_jobs=1, **params).fit(X, y)
    two = HeterogeneousEnsemble(members, n_jobs=2, **params).fit(X, y)
    assert np.allclose(one.predict_proba(X), two.predict_proba(X), atol=1e-6)


def test_string_labels_clone_and_members_seeded(small):
    X, y = small
    labels = np.array(["no", "yes"])[y]
    ens = HeterogeneousEnsemble(
        [("tree", DecisionTreeClassifier()), ("lr", LogisticRegression())], random_state=4
    )
    ens.fit(X, labels)
    assert ens.classes_.tolist() == ["no", "yes"] and set(ens.predict(X)) <= {"no", "yes"}
    assert isinstance(ens.named_estimators_.tree.random_state, int)
    copy = clone(ens)
    assert not hasattr(copy, "estimators_") and copy.get_params()["random_state"] == 4


def test_default_members():
    names = [n for n, _ in default_members()]
    assert names == ["deep", "balanced_random_forest", "logistic_regression"]
    deep = default_members()[0][1]
    assert deep.recipe == "cross_entropy+weights:inverse"
    linear = default_members()[2][1]
    assert linear[-1].class_weight == "balanced"


def test_bad_input(small):
    X, y = small
    lr = [("lr", LogisticRegression())]
    with pytest.raises(InputError, match="method must be one of"):
        HeterogeneousEnsemble(lr, method="hard").fit(X, y)
    with pytest.raises(InputError, match="weights must be 1"):
        HeterogeneousEnsemble(lr, weights=[1, 2]).fit(X, y)
    with pytest.raises(InputError, match="soft_voting.* only"):
        HeterogeneousEnsemble(lr, method="stacking", weights=[1]).fit(X, y)
    with pytest.raises(InputError, match="distinct"):
        HeterogeneousEnsemble(lr + lr).fit(X, y)
    with pytest.raises(InputError, match="non-empty list"):
        HeterogeneousEnsemble([]).fit(X, y)
    with pytest.raises(InputError, match="leave estimator=None"):
        HeterogeneousEnsemble(lr, estimator=LogisticRegression()).fit(X, y)
    with pytest.raises(InputError, match="only one class"):
        HeterogeneousEnsemble(lr).fit(X, np.zeros(len(X)))


@pytest.mark.parametrize(
    "recipe", ["cross_entropy+weights:inverse+voting", "balanced_random_forest"]
)
def test_tabular_members_read_a_table_with_text_columns_and_missing_values(recipe):
    """abalone9-18 has a text column (Sex: M/F/I); forests and linear models need numbers, so the
    classical members encode the raw table themselves (fitted on training rows only)."""
    from unskew.datasets import load
    from unskew.training import ImbalancedClassifier

    bundle = load("keel:abalone9-18")
    X = bundle.X.copy()
    assert not pd.api.types.is_numeric_dtype(X["Sex"])
    X.iloc[::7, 1] = np.nan  # missing numbers are imputed with training medians
    y = np.asarray(bundle.y)
    rng = np.random.default_rng(0)
    test = rng.random(len(y)) < 0.3
    clf = ImbalancedClassifier("mlp", recipe, epochs=5, hidden=(16,), random_state=0)
    clf.fit(X[~test], y[~test])
    unseen = X[test].copy()
    unseen.iloc[0, 0] = "a category never seen in training"
    proba = clf.predict_proba(unseen)
    assert proba.shape == (test.sum(), 2) and np.allclose(proba.sum(axis=1), 1)
    assert balanced_accuracy_score(y[test], clf.predict(X[test])) > 0.6
