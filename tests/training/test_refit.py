"""refit_every_row: the model `unskew train` saves, fitted again on every labelled row."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

from unskew.decision import ThresholdRule
from unskew.exceptions import InputError
from unskew.training import ImbalancedClassifier, load_model, refit_every_row

RECIPE = "cross_entropy+weights:inverse+threshold:f1"


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(400, 6, weights=[0.8], flip_y=0.05, random_state=3)
    return X, y


@pytest.fixture(scope="module")
def first(data):
    """The reported model: fitted on the first 300 rows (240 train, 60 for early stopping)."""
    X, y = data
    torch.set_num_threads(1)
    return ImbalancedClassifier(recipe=RECIPE, hidden=(16,), epochs=40, random_state=0).fit(
        X[:300], y[:300]
    )


def weights(clf):
    return list(clf.model_.state_dict().values())


def test_keep_trains_every_row_for_the_chosen_epochs_and_keeps_the_rule(data, first):
    X, y = data
    saved = refit_every_row(first, X, y, decision="keep")
    assert first.n_rows_ == 300 and saved.n_rows_ == 400
    assert first.best_epoch_ is not None and saved.refit_epochs_ == first.best_epoch_ + 1
    assert saved.history_ == first.history_ and saved.best_epoch_ == first.best_epoch_
    assert saved.decision_.threshold_ == first.decision_.threshold_
    # the network: every row, no validation, best_epoch_ + 1 epochs (AdamW's rate is constant,
    # so the shorter budget changes nothing else)
    by_hand = ImbalancedClassifier(
        recipe=RECIPE, hidden=(16,), epochs=first.best_epoch_ + 1, validation=None, random_state=0
    ).fit(X, y)
    for a, b in zip(weights(saved), weights(by_hand), strict=True):
        torch.testing.assert_close(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(weights(saved), weights(first), strict=True))
    assert first.n_rows_ == 300 and first.refit_epochs_ is None  # the reported model is unchanged


def test_out_of_fold_retunes_the_rule_on_cross_fitted_logits(data, first):
    X, y = data
    kept = refit_every_row(first, X, y, decision="keep")
    tuned = refit_every_row(first, X, y, decision="out_of_fold", cv=3)
    for a, b in zip(weights(tuned), weights(kept), strict=True):  # the same network
        torch.testing.assert_close(a, b)
    # by hand: 3 stratified folds, each scored by a network trained like the refit on the others
    logits = np.zeros((len(y), 2))
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(y, y):
        fold = ImbalancedClassifier(
            recipe=RECIPE,
            hidden=(16,),
            epochs=first.best_epoch_ + 1,
            validation=None,
            random_state=0,
        ).fit(X[train], y[train])
        logits[test] = fold._logits(X[test])
    proba = np.exp(logits - logits.max(1, keepdims=True))
    proba /= proba.sum(1, keepdims=True)
    expected = ThresholdRule("f1").fit(proba, y).threshold_
    assert tuned.decision_.threshold_ == pytest.approx(expected)
    assert tuned.decision_.threshold_ != kept.decision_.threshold_
    assert (tuned.refit_decision_, kept.refit_decision_) == ("out_of_fold", "keep")


def test_a_class_too_small_for_folds_keeps_the_rule(data):
    X, y = data
    y = y.copy()
    y[0] = 2  # a third class with a single row: no early stopping, no out-of-fold scores
    first = ImbalancedClassifier(recipe="cross_entropy+logit_adjust", hidden=(8,), epochs=3)
    first.set_params(random_state=0).fit(X[:300], y[:300])
    with pytest.warns(UserWarning, match="too few for out-of-fold scores"):
        saved = refit_every_row(first, X, y, decision="out_of_fold")
    assert saved.refit_decision_ == "keep" and saved.decision_ is first.decision_
    assert saved.refit_epochs_ == 3 and saved.n_rows_ == 400


def test_a_recipe_without_a_rule_needs_no_folds_and_tau_stays_tuned(data):
    X, y = data
    first = ImbalancedClassifier(
        recipe="cross_entropy+tau_norm", hidden=(16,), epochs=30, random_state=0
    ).fit(X[:300], y[:300])
    saved = refit_every_row(first, X, y, decision="out_of_fold")
    tau = first.model_.head.tau
    assert saved.model_.head.tau == tau and saved.recipe_.endswith(f"tau_norm:tau={tau:g}")
    assert saved.decision_ is None and saved.refit_decision_ is None and saved.n_rows_ == 400


def test_no_early_stopping_refits_for_the_whole_budget(data):
    X, y = data
    first = ImbalancedClassifier(hidden=(8,), epochs=4, validation=None, random_state=0)
    saved = refit_every_row(first.fit(X[:300], y[:300]), X, y)
    assert saved.best_epoch_ is None and saved.refit_epochs_ == 4 and saved.n_rows_ == 400


def test_a_meta_recipe_is_fitted_again_on_every_row(data):
    X, y = data
    first = ImbalancedClassifier(recipe="balanced_random_forest", random_state=0)
    first.fit(X[:300], y[:300])
    saved = refit_every_row(first, X, y, decision="out_of_fold")
    assert saved.meta_ is not first.meta_ and saved.n_rows_ == 400
    assert saved.refit_decision_ is None
    fresh = ImbalancedClassifier(recipe="balanced_random_forest", random_state=0).fit(X, y)
    np.testing.assert_array_equal(saved.predict_proba(X), fresh.predict_proba(X))
    assert not np.array_equal(saved.predict_proba(X), first.predict_proba(X))


def test_rows_are_saved_and_loaded(data, first, tmp_path):
    X, y = data
    folder = refit_every_row(first, X, y).save(tmp_path / "m")
    assert json.loads((folder / "model.json").read_text())["n_rows"] == 400
    assert load_model(folder).n_rows_ == 400
    description = json.loads((folder / "model.json").read_text())
    del description["n_rows"]  # a folder written before the count was recorded
    (folder / "model.json").write_text(json.dumps(description))
    assert load_model(folder).n_rows_ is None


def test_bad_decision_is_one_line(data, first):
    X, y = data
    with pytest.raises(InputError, match="decision must be one of"):
        refit_every_row(first, X, y, decision="retune")
