"""Classical baselines with a decision-stage part: the rule is tuned on out-of-fold predictions of
the training rows only, saved with the model, and applied to the model's probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from unskew.decision import ThresholdRule
from unskew.ensemble import TabularBaseline
from unskew.exceptions import InputError
from unskew.recipes import parse_recipe
from unskew.training import ImbalancedClassifier, load_model
from unskew.training.held_out import decision_only, out_of_fold_logits, tune_decision


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Histogram boosting's OpenMP threads crawl on a contended machine (15 s against 0.7 s for
    one fit on a loaded 2-core box); the bench runs every fit on one thread too."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(
        500, 8, n_informative=4, weights=[0.9], flip_y=0.03, class_sep=0.8, random_state=0
    )
    return X, np.where(y == 1, "pos", "neg")


def test_out_of_fold_logits_are_scikit_learns_cross_val_predict(binary):
    X, y = binary
    model = TabularBaseline("logistic_regression")
    cv = StratifiedKFold(5, shuffle=True, random_state=3)
    expected = cross_val_predict(clone(model), X, y, cv=cv, method="predict_proba")
    got = out_of_fold_logits(model, X, y, random_state=3)
    assert np.allclose(np.exp(got), expected)
    assert not hasattr(model, "estimator_")  # the estimator given is left unfitted
    assert out_of_fold_logits(model, X[:20], np.array(["a"] * 19 + ["b"])) is None


def test_the_threshold_is_tuned_out_of_fold_not_on_the_fitted_trees(binary):
    """Boosted trees fit their training rows almost perfectly, so a threshold tuned on their own
    fit would be meaningless; the recipe's threshold is the one fitted on held-out scores."""
    X, y = binary
    clf = ImbalancedClassifier(recipe="hist_gradient_boosting:n=30+threshold:f1", random_state=0)
    clf.fit(X, y)
    codes = (y == "pos").astype(int)
    held = out_of_fold_logits(
        TabularBaseline("hist_gradient_boosting", 30, random_state=0, options=_hgb()),
        X,
        y,
        random_state=0,
    )
    reference = ThresholdRule("f1").fit(np.exp(held), codes)
    assert clf.decision_.threshold_ == pytest.approx(reference.threshold_)
    in_sample = ThresholdRule("f1").fit(clf.meta_.predict_proba(X), codes)
    assert clf.decision_.threshold_ != pytest.approx(in_sample.threshold_)
    proba = clf.predict_proba(X)
    assert np.allclose(proba, clf.meta_.predict_proba(X))  # no calibration: the model's own
    expected = np.where(proba[:, 1] >= clf.decision_.threshold_, "pos", "neg")
    assert (clf.predict(X) == expected).all()
    assert np.array_equal(clf.decision_function(X) >= 0, expected == "pos")


def _hgb():
    return {"learning_rate": 0.1, "max_leaf_nodes": 31}


@pytest.mark.parametrize(
    "recipe",
    [
        "logistic_regression+threshold:gmean",
        "balanced_random_forest:n=30+threshold:f1+calibrate:platt",
    ],
)
def test_a_ruled_baseline_saves_and_loads_its_rule(binary, tmp_path, recipe):
    X, y = binary
    clf = ImbalancedClassifier(recipe=recipe, random_state=1).fit(X, y)
    assert clf.decision_ is not None
    back = load_model(clf.save(tmp_path / "model"))
    assert back.decision_.threshold_ == clf.decision_.threshold_
    assert (back.predict(X) == clf.predict(X)).all()
    assert np.allclose(back.predict_proba(X), clf.predict_proba(X))


def test_many_classes_with_a_tuned_logit_adjustment(tmp_path):
    X, y = make_classification(
        900, 8, n_informative=5, n_classes=3, weights=[0.75, 0.2, 0.05], random_state=0
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    clf = ImbalancedClassifier(recipe="logistic_regression+logit_adjust:tau=null", random_state=0)
    clf.fit(frame, y)
    reference = tune_decision(
        parse_recipe("logit_adjust:tau=null"),
        TabularBaseline("logistic_regression", random_state=0, options={"C": 1.0}),
        frame,
        y,
        random_state=0,
    )[0]
    assert clf.decision_.tau_ == reference.tau_
    back = load_model(clf.save(tmp_path / "model"))
    assert (back.predict(frame) == clf.predict(frame)).all()


def test_a_wrapper_keeps_the_rule_in_its_members_and_other_parts_are_refused(binary):
    X, y = binary
    assert decision_only(parse_recipe("threshold:f1+calibrate"))
    assert not decision_only(parse_recipe("smote+threshold:f1"))
    clf = ImbalancedClassifier(
        recipe="easy_ensemble:n=2+threshold:f1", epochs=2, hidden=(8,), random_state=0
    ).fit(X, y)
    assert clf.decision_ is None
    assert all(m.decision_ is not None for m in clf.meta_.estimators_)
    with pytest.raises(InputError, match="decision-stage parts only"):
        ImbalancedClassifier(recipe="smote+hist_gradient_boosting").fit(X, y)
