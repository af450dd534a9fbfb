"""Multi-class decision rules, the meta-estimator and calibration, on real data and models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, log_loss
from sklearn.model_selection import train_test_split
from torch import nn

from unskew.datasets import mnist_lt
from unskew.decision import (
    BiasTuning,
    LogitAdjustment,
    ScoreCalibrator,
    TemperatureScaling,
    ThresholdedClassifier,
    logit_adjust,
)
from unskew.exceptions import InputError
from unskew.metrics import expected_calibration_error


@pytest.fixture(scope="module")
def mnist_logits():
    """A plain cross-entropy MLP trained on MNIST-LT (ratio 100) by a short hand-written loop."""
    data = mnist_lt()
    torch.manual_seed(0)
    X = torch.from_numpy(data.X).reshape(len(data), -1)
    y = torch.from_numpy(data.y)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(30):
        for idx in torch.randperm(len(X)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        test_logits = model(torch.from_numpy(data.test.X).reshape(len(data.test), -1))
    return test_logits.numpy(), data.test.y, data.class_counts


def test_logit_adjustment_raises_balanced_accuracy_on_mnist_lt(mnist_logits):
    logits, y_test, counts = mnist_logits
    plain = balanced_accuracy_score(y_test, logits.argmax(1))
    adjusted = balanced_accuracy_score(y_test, logit_adjust(logits, counts, tau=1.0).argmax(1))
    assert adjusted >= plain + 0.03, (plain, adjusted)
    rule = LogitAdjustment(tau=1.0).fit(logits, y_test, class_counts=counts)
    np.testing.assert_array_equal(rule.predict(logits), logit_adjust(logits, counts).argmax(1))
    assert torch.is_tensor(logit_adjust(torch.from_numpy(logits), counts))


def _multiclass_split():
    X, y = make_classification(
        3000,
        n_features=12,
        n_informative=6,
        n_classes=4,
        weights=[0.7, 0.2, 0.07, 0.03],
        class_sep=0.8,
        random_state=2,
    )
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def test_tuned_tau_and_bias_tuning_on_held_out_data():
    X_tr, X_te, y_tr, y_te = _multiclass_split()
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_tr, y_tr, test_size=0.4, stratify=y_tr, random_state=0
    )
    model = LogisticRegression(max_iter=2000).fit(X_fit, y_fit)
    val, test = model.predict_log_proba(X_val), model.predict_log_proba(X_te)
    counts = np.bincount(y_fit)
    plain = balanced_accuracy_score(y_te, test.argmax(1))
    la = LogitAdjustment(tau=None).fit(val, y_val, class_counts=counts)
    assert la.tau_ > 0
    assert balanced_accuracy_score(y_te, la.predict(test)) > plain
    bt = BiasTuning("macro_f1").fit(val, y_val)
    assert bt.score_ >= f1_score(y_val, val.argmax(1), average="macro")
    assert f1_score(y_te, bt.predict(test), average="macro") > f1_score(
        y_te, test.argmax(1), average="macro"
    )
    with pytest.raises(InputError, match="label metric that grows"):
        BiasTuning("roc_auc").fit(val, y_val)


def test_thresholded_classifier_binary_and_multiclass():
    X, y = make_classification(2000, weights=[0.93], class_sep=0.8, random_state=1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    base = LogisticRegression(max_iter=1000)
    tuned = ThresholdedClassifier(base, objective="f1").fit(X_tr, y_tr)
    assert f1_score(y_te, tuned.predict(X_te)) > f1_score(
        y_te, clone(base).fit(X_tr, y_tr).predict(X_te)
    )
    assert clone(tuned).get_params()["objective"] == "f1"
    X_tr, X_te, y_tr, y_te = _multiclass_split()
    labels = np.array(["a", "b", "c", "d"])
    multi = ThresholdedClassifier(base, objective="balanced_accuracy").fit(X_tr, labels[y_tr])
    plain = clone(base).fit(X_tr, y_tr).predict(X_te)
    assert set(multi.predict(X_te)) <= set(labels)
    assert balanced_accuracy_score(labels[y_te], multi.predict(X_te)) > balanced_accuracy_score(
        y_te, plain
    )


def test_threshold_rules_tune_the_minority_whichever_label_sorts_first(tmp_path):
    # fraud < ok: the minority is class code 0, and threshold:f1 is its F1 (it tuned code 1's,
    # the majority's, when code 1 was taken as the positive class)
    X, y = make_classification(1200, weights=[0.9], class_sep=0.8, random_state=3)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    first, last = np.array(["ok", "fraud"]), np.array(["a_ok", "z_fraud"])
    base = LogisticRegression(max_iter=1000)
    tuned_first = ThresholdedClassifier(base, objective="f1").fit(X_tr, first[y_tr])
    tuned_last = ThresholdedClassifier(base, objective="f1").fit(X_tr, last[y_tr])
    assert tuned_first.classes_[tuned_first.positive_] == "fraud"
    assert tuned_last.classes_[tuned_last.positive_] == "z_fraud"
    same = (tuned_first.predict(X_te) == "fraud") == (tuned_last.predict(X_te) == "z_fraud")
    assert same.all()  # the label names no longer decide which class is tuned
    assert f1_score(first[y_te], tuned_first.predict(X_te), pos_label="fraud") > f1_score(
        first[y_te], clone(base).fit(X_tr, first[y_tr]).predict(X_te), pos_label="fraud"
    )

    from unskew.training import ImbalancedClassifier, load_model

    clf = ImbalancedClassifier("mlp", "cross_entropy+threshold:f1", epochs=15, random_state=0).fit(
        X_tr, first[y_tr]
    )
    assert clf.classes_[clf.decision_.positive_] == "fraud" and clf.decision_.threshold_ < 0.5
    clf.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.decision_.positive_ == clf.decision_.positive_
    np.testing.assert_array_equal(loaded.predict(X_te), clf.predict(X_te))


def test_calibration(mnist_logits):
    logits, y_test, _ = mnist_logits
    half = len(y_test) // 2
    ts = TemperatureScaling().fit(torch.from_numpy(logits[:half]), y_test[:half])
    before = log_loss(y_test[half:], softmax(logits[half:], axis=1), labels=range(10))
    after = log_loss(y_test[half:], ts.predict_proba(logits[half:]), labels=range(10))
    assert after < before
    np.testing.assert_array_equal(ts.predict_proba(logits).argmax(1), logits.argmax(1))
    rng = np.random.default_rng(0)
    scores = rng.random(4000)
    y = (rng.random(4000) < scores**3).astype(int)  # scores over-state the probability
    for method in ("platt", "isotonic"):
        cal = ScoreCalibrator(method).fit(scores[:2000], y[:2000])
        prob = cal.predict_proba(scores[2000:])
        assert prob.min() >= 0 and prob.max() <= 1
        assert expected_calibration_error(y[2000:], prob) < expected_calibration_error(
            y[2000:], scores[2000:]
        )
