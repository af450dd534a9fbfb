"""imbalanced-learn's tabular ensembles by name, and their registry wrapper."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.ensemble import (
    BalancedRandomForestClassifier,
    EasyEnsembleClassifier,
    RUSBoostClassifier,
)
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score

from unskew.ensemble import TABULAR_BASELINES, TabularBaseline, tabular_baseline
from unskew.exceptions import InputError

EXPECTED = {
    "balanced_random_forest": BalancedRandomForestClassifier,
    "rus_boost": RUSBoostClassifier,
    "easy_ensemble_adaboost": EasyEnsembleClassifier,
}


@pytest.mark.parametrize("name", sorted(TABULAR_BASELINES))
def test_each_name_builds_imbalanced_learns_class(name, split):
    seed, X_train, X_test, y_train, y_test = split
    model = tabular_baseline(name, random_state=seed)
    assert type(model) is EXPECTED[name] and model.random_state == seed
    model.fit(X_train, y_train)
    score = balanced_accuracy_score(y_test, model.predict(X_test))
    print(f"\nseed {seed} {name}: balanced accuracy {score:.3f}")
    assert score > 0.6


def test_params_are_passed_on():
    assert tabular_baseline("rus_boost", n_estimators=7).n_estimators == 7


def test_unknown_name_lists_the_names():
    with pytest.raises(InputError, match="did you mean 'rus_boost'.*balanced_random_forest"):
        tabular_baseline("rusboost")
    with pytest.raises(InputError, match="unknown tabular baseline 'svm'"):
        tabular_baseline("svm")
    with pytest.raises(InputError, match="unknown tabular baseline"):
        TabularBaseline("svm").fit([[0], [1]], [0, 1])


def test_the_wrapper_has_no_estimator_and_follows_the_model(table):
    X, y = table
    labels = np.array(["x", "y"])[y]
    wrapper = TabularBaseline("rus_boost", n_estimators=10, random_state=0)
    assert "estimator" not in wrapper.get_params()
    wrapper.fit(X, labels)
    direct = tabular_baseline("rus_boost", random_state=0, n_estimators=10).fit(X, labels)
    assert np.array_equal(wrapper.predict_proba(X), direct.predict_proba(X))
    assert np.array_equal(wrapper.decision_function(X), direct.decision_function(X))
    assert wrapper.classes_.tolist() == ["x", "y"]
    assert not hasattr(TabularBaseline("balanced_random_forest"), "decision_function")
    assert clone(wrapper).get_params() == wrapper.get_params()
