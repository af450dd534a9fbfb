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


def _minority_first(seed=0, n=300):
    """Codes whose minority is class 0 (the first), with overlapping probabilities."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) > 0.15).astype(int)
    p1 = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * (2 * y - 1))))
    return y, np.c_[1 - p1, p1]


def test_binary_ranking_metrics_are_of_the_minority_class_first_or_last():
    y, proba = _minority_first()
    minority_ap = skm.average_precision_score(y == 0, proba[:, 0])
    assert abs(minority_ap - skm.average_precision_score(y, proba[:, 1])) > 0.1
    for scores in (proba, proba[:, 1]):  # a matrix, or scikit-learn's one score per row
        r = classification_report(y, proba.argmax(1), scores)
        assert r["positive_class"] == 0
        assert r["average_precision"] == pytest.approx(minority_ap, abs=1e-12)
        assert r["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba[:, 1]), abs=1e-12)
        assert get_metric("pr_auc")(y, proba.argmax(1), scores) == r["average_precision"]
    # string labels: the minority sorts first; pos_label picks another class on request
    labels = np.array(["fraud", "ok"])[y]
    r = classification_report(labels, labels, proba)
    assert r["positive_class"] == "fraud" and r["average_precision"] == pytest.approx(minority_ap)
    r = classification_report(labels, labels, proba, pos_label="ok")
    assert r["positive_class"] == "ok"
    assert r["average_precision"] == pytest.approx(skm.average_precision_score(y, proba[:, 1]))
    with pytest.raises(InputError, match="pos_label='spam' is not one of the labels"):
        classification_report(labels, labels, proba, pos_label="spam")
    assert "positive_class" not in classification_report(labels, labels)  # no scores, no class


def test_report_table_names_the_average_precision_class_within_the_caption():
    y, proba = _minority_first()
    labels = np.array(["fraudulent-transaction-flagged", "ok"])[y]
    table = report_table(classification_report(labels, labels, proba))
    assert "average_precision (fraudulent-transact…) " in table.caption
    assert max(len(line) for line in table.caption.splitlines()) <= 58


def test_early_stopping_on_pr_auc_scores_the_minority(one_thread):
    from unskew.models import MLP
    from unskew.training import Trainer

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    y = (X[:, 0] + rng.normal(0, 0.7, 400) < 1.3).astype(int)  # class 0 is the minority
    torch.manual_seed(0)
    trainer = Trainer(
        MLP(4, 2, hidden=(8,)), epochs=20, lr=0.01, metric="pr_auc", validation=(X[300:], y[300:])
    ).fit(X[:300], y[:300])
    proba = trainer.predict_proba(X[300:])
    expected = skm.average_precision_score(y[300:] == 0, proba[:, 0])
    best = trainer.history_[trainer.best_epoch_]["validation"]  # the weights kept
    assert best == pytest.approx(expected, abs=1e-6) and expected > 0.5
    assert abs(expected - skm.average_precision_score(y[300:], proba[:, 1])) > 0.05
