"""classification_report and the shared metric table against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn.metrics as skm
import torch
from imblearn.metrics import geometric_mean_score

from unskew.exceptions import InputError
from unskew.metrics import METRIC_NAMES, classification_report, get_metric, report_table


@pytest.mark.parametrize("n_classes", [2, 3])
def test_report_matches_scikit_learn(n_classes):
    rng = np.random.default_rng(n_classes)
    y_true = rng.choice(n_classes, 500, p=[0.8, 0.2] if n_classes == 2 else [0.7, 0.2, 0.1])
    logits = rng.normal(size=(500, n_classes)) + np.eye(n_classes)[y_true] * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y_pred = proba.argmax(1)
    scores = proba[:, 1] if n_classes == 2 else proba
    r = classification_report(torch.from_numpy(y_true), y_pred, scores)
    p, rec, f, s = skm.precision_recall_fscore_support(y_true, y_pred)
    np.testing.assert_allclose([c["precision"] for c in r["classes"]], p, atol=1e-12)
    np.testing.assert_allclose([c["recall"] for c in r["classes"]], rec, atol=1e-12)
    np.testing.assert_allclose([c["f1"] for c in r["classes"]], f, atol=1e-12)
    assert [c["support"] for c in r["classes"]] == s.tolist()
    assert r["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    assert r["macro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    assert r["weighted_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="weighted"))
    assert r["mcc"] == pytest.approx(skm.matthews_corrcoef(y_true, y_pred))
    assert r["gmean"] == pytest.approx(geometric_mean_score(y_true, y_pred))
    if n_classes == 2:
        assert r["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, scores))
        assert r["average_precision"] == pytest.approx(skm.average_precision_score(y_true, scores))
    else:
        assert r["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, proba, multi_class="ovr"))
    assert json.loads(json.dumps(r)) == r


def test_metric_table():
    y_true = np.array([0] * 8 + [1] * 2)
    y_pred = np.array([0] * 7 + [1, 1, 0])
    scores = np.linspace(0, 1, 10)
    assert set(METRIC_NAMES) - {"cost:FN/FP"} == {
        "gmean",
        "balanced_accuracy",
        "macro_f1",
        "f1",
        "pr_auc",
        "roc_auc",
        "mcc",
        "balanced_log_loss",
    }
    assert get_metric("f1")(y_true, y_pred) == pytest.approx(skm.f1_score(y_true, y_pred))
    assert get_metric("macro_f1")(y_true, y_pred) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro")
    )
    assert get_metric("pr_auc")(y_true, y_pred, scores) == pytest.approx(
        skm.average_precision_score(y_true, scores)
    )
    cost = get_metric("cost:10/1")
    assert not cost.greater_is_better
    assert cost(y_true, y_pred) == pytest.approx((10 * 1 + 1 * 1) / 10)
    with pytest.raises(InputError, match="unknown metric 'gmaen'; did you mean 'gmean'"):
        get_metric("gmaen")
    with pytest.raises(InputError, match="needs scores"):
        get_metric("roc_auc")(y_true, y_pred)


def test_report_table_renders_every_class_and_the_summary():
    from rich.console import Console

    report = classification_report(
        # binary scores belong to the second label in sorted order ("ok"), as in scikit-learn
        ["ok", "ok", "ok", "fraud"],
        ["ok", "fraud", "ok", "fraud"],
        [0.9, 0.3, 0.8, 0.1],
    )
    console = Console(width=120, record=True)
    console.print(report_table(report, title="holdout"))
    text = console.export_text()
    assert "fraud" in text and "ok" in text and "balanced_accuracy 0.833" in text
    assert "roc_auc 1.000" in text
