"""`unskew train`'s ranking metrics are those of the minority class, as `unskew compare` scores
them: a real model trained in a subprocess on string labels whose minority sorts first."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from sklearn.model_selection import train_test_split

from unskew._validation import minority_class
from unskew.bench._evaluate import score_predictions
from unskew.training import load_model


def fraud_table(path, n=400):
    """Three numbers; "fraud" (about 10 %, sorting before "ok") where two of them are high."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    fraud = X[:, 0] + 0.8 * X[:, 1] + rng.normal(0, 0.8, n) > 1.9
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["label"] = np.where(fraud, "fraud", "ok")
    frame.to_csv(path, index=False)
    return frame


def test_train_reports_the_minority_average_precision_and_agrees_with_compare(tmp_path, cli):
    frame = fraud_table(tmp_path / "tab.csv")
    model = tmp_path / "m"
    args = ("train", str(tmp_path / "tab.csv"), "--target", "label", "--epochs", "5")
    result = cli(*args, "--no-refit", "--out", str(model), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["test_report"]

    # the rows train held out (its split), scored by the saved model (--no-refit: the same one)
    y = frame["label"].to_numpy()
    _, test = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=0)
    clf = load_model(model)
    assert clf.classes_.tolist() == ["fraud", "ok"]
    proba = clf.predict_proba(frame.iloc[test][["a", "b", "c"]])
    fraud_ap = skm.average_precision_score(y[test] == "fraud", proba[:, 0])
    ok_ap = skm.average_precision_score(y[test] == "ok", proba[:, 1])
    assert abs(fraud_ap - ok_ap) > 0.05  # the two classes' AP differ: the check can fail
    assert report["average_precision"] == pytest.approx(fraud_ap, abs=1e-9)
    assert report["positive_class"] == "fraud"
    roc_auc = skm.roc_auc_score(y[test] == "fraud", proba[:, 0])
    assert report["roc_auc"] == pytest.approx(roc_auc, abs=1e-9)

    # compare's scoring of the same split and model gives the same numbers
    codes = np.searchsorted(clf.classes_, y)
    minority = minority_class(np.bincount(codes))  # how compare picks it, from the dataset
    pred = np.searchsorted(clf.classes_, clf.predict(frame.iloc[test][["a", "b", "c"]]))
    metrics, _ = score_predictions(codes[test], pred, proba, 2, minority)
    assert metrics["pr_auc"] == pytest.approx(report["average_precision"], abs=1e-9)
    assert metrics["roc_auc"] == pytest.approx(report["roc_auc"], abs=1e-9)


def test_train_table_names_the_class_of_the_average_precision_within_80_columns(tmp_path, cli):
    fraud_table(tmp_path / "tab.csv")
    args = ("train", str(tmp_path / "tab.csv"), "--target", "label", "--epochs", "2")
    result = cli(*args, "--no-refit", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "average_precision (fraud) " in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
