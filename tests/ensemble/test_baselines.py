"""The classical tabular baselines by name (imbalanced-learn's ensembles, scikit-learn's weighted
logistic regression and histogram boosting), and their registry wrapper."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.ensemble import (
    BalancedRandomForestClassifier,
    EasyEnsembleClassifier,
    RUSBoostClassifier,
)
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from unskew.ensemble import TABULAR_BASELINES, TabularBaseline, tabular_baseline
from unskew.exceptions import InputError

EXPECTED = {
    "balanced_random_forest": BalancedRandomForestClassifier,
    "rus_boost": RUSBoostClassifier,
    "easy_ensemble_adaboost": EasyEnsembleClassifier,
    "logistic_regression": LogisticRegression,
    "hist_gradient_boosting": HistGradientBoostingClassifier,
}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Histogram boosting's OpenMP threads crawl on a contended machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


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


def test_scikit_learns_models_weigh_classes_and_take_their_size_and_options(table):
    X, y = table
    for name in ("logistic_regression", "hist_gradient_boosting"):
        assert tabular_baseline(name).class_weight == "balanced"
    boosted = TabularBaseline("hist_gradient_boosting", 7, options={"learning_rate": 0.2})
    fitted = boosted.set_params(random_state=0).fit(X, y).estimator_
    assert fitted.max_iter == 7 and fitted.learning_rate == 0.2 and fitted.n_iter_ == 7
    linear = TabularBaseline("logistic_regression", options={"C": 0.1}).fit(X, y).estimator_
    assert linear.C == 0.1 and linear.max_iter == 1000
    with pytest.raises(InputError, match="logistic_regression has no number of estimators"):
        TabularBaseline("logistic_regression", 10).fit(X, y)


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
