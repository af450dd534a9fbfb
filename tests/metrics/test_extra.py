"""Expected cost, calibration error, long-tail accuracy and the streaming accumulator."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
import torch

from unskew.exceptions import InputError
from unskew.metrics import (
    MetricAccumulator,
    balanced_log_loss,
    classification_report,
    expected_calibration_error,
    expected_cost,
    get_metric,
    shot_accuracy,
)


def test_expected_cost_and_errors():
    assert expected_cost([0, 1, 1, 0], [1, 0, 1, 0], [[0, 2], [5, 0]]) == pytest.approx(7 / 4)
    with pytest.raises(InputError, match="square"):
        expected_cost([0], [0], [[0, 1]])


def test_calibration_error_of_a_calibrated_and_an_overconfident_model():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(int)  # labels drawn from the predicted probabilities
    assert expected_calibration_error(y, p) < 0.01
    overconfident = np.where(p > 0.5, 0.99, 0.01)
    assert expected_calibration_error(y, overconfident) > 0.2
    with pytest.raises(InputError, match="summing to 1"):
        expected_calibration_error([0, 1], [[0.5, 0.6], [0.5, 0.5]])


def test_balanced_log_loss_is_sklearn_log_loss_with_balanced_weights():
    from sklearn.utils.class_weight import compute_sample_weight

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [90, 8, 2])
    p = rng.dirichlet([1.0, 1.0, 1.0], size=len(y))
    expected = skm.log_loss(y, p, sample_weight=compute_sample_weight("balanced", y))
    assert balanced_log_loss(y, p) == pytest.approx(expected)
    # each class counts once, however many rows it has: a model confident on the 90 majority
    # rows and wrong on the 10 others scores worse than plain log-loss says
    sure = np.where(y[:, None] == 0, [0.98, 0.01, 0.01], [0.98, 0.01, 0.01])
    assert balanced_log_loss(y, sure) > 2.5 * skm.log_loss(y, sure)
    # binary: the probability of class 1 is enough; the shared metric table minimises it
    yb, pb = np.array([0, 0, 0, 1]), np.array([0.1, 0.2, 0.3, 0.6])
    assert balanced_log_loss(yb, pb) == pytest.approx(balanced_log_loss(yb, np.c_[1 - pb, pb]))
    metric = get_metric("balanced_log_loss")
    assert not metric.greater_is_better and metric(yb, pb > 0.5, pb) == balanced_log_loss(yb, pb)
    with pytest.raises(InputError, match="class codes 0..1"):
        balanced_log_loss([0, 2], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(InputError, match="apply a sigmoid"):
        balanced_log_loss([0, 1], [0.5, 1.5])


def test_shot_accuracy_groups():
    counts = [400, 150, 60, 30, 10, 4]
    y = np.repeat(np.arange(6), 10)
    pred = y.copy()
    pred[y == 5] = 0  # the rarest class is always wrong
    out = shot_accuracy(y, pred, counts)
    assert out == {"many": 1.0, "medium": 1.0, "few": 0.5, "overall": pytest.approx(50 / 60)}
    assert shot_accuracy(y, pred, counts, many=500)["many"] is None


def test_accumulator_equals_the_one_shot_report_across_batches_and_merges():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 1000)
    logits = rng.normal(size=(1000, 3)) + np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    whole = classification_report(y, proba.argmax(1), proba)
    a, b = MetricAccumulator(3), MetricAccumulator(3)
    for start in range(0, 600, 100):
        a.update(
            torch.from_numpy(y[start : start + 100]),
            y_score=torch.from_numpy(proba[start : start + 100]),
        )
    b.update(y[600:], y_score=proba[600:])
    merged = a.merge(b).compute()
    assert merged["roc_auc"] == pytest.approx(whole["roc_auc"])
    assert merged["macro_f1"] == pytest.approx(skm.f1_score(y, proba.argmax(1), average="macro"))
    a.reset()
    assert a.confusion.sum() == 0
    with pytest.raises(InputError, match="class codes 0..2"):
        a.update([3], y_pred=[0])
