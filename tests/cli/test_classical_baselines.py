"""Each classical baseline trains, saves and predicts through `unskew train` / `unskew predict` in
real subprocesses, on a raw CSV (text column, missing values), like any recipe; a baseline with a
threshold part saves the rule tuned out of fold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

#: About 25 s each on a loaded 2-core machine (two fresh interpreters); the models themselves
#: also save and load in-process in tests/training/test_persistence.py.
RECIPES = [
    "logistic_regression",
    "hist_gradient_boosting:n=20+threshold:f1",
    pytest.param("hist_gradient_boosting:n=20", marks=pytest.mark.slow),
    pytest.param("balanced_random_forest:n=20", marks=pytest.mark.slow),
    pytest.param("easy_ensemble_adaboost:n=3", marks=pytest.mark.slow),
]


def loans(path, n=500, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(3, 0.5, size=n),
            "purpose": rng.choice(["car", "home", "travel"], size=n),
            "debt": rng.normal(10, 3, size=n),
        }
    )
    risk = frame.debt / 3 - np.log(frame.income) + (frame.purpose == "travel") * 1.5
    frame["default"] = np.where(risk > np.quantile(risk, 0.88), "yes", "no")
    frame.loc[::13, "debt"] = np.nan
    frame.to_csv(path, index=False)
    return frame


@pytest.fixture(autouse=True)
def _one_openmp_thread(monkeypatch):
    """Histogram boosting's OpenMP threads crawl on a contended machine."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.mark.parametrize("recipe", RECIPES)
def test_a_baseline_trains_saves_and_predicts(tmp_path, cli, recipe):
    loans(tmp_path / "loans.csv")
    model = tmp_path / "model"
    trained = cli(
        "train",
        str(tmp_path / "loans.csv"),
        "--target",
        "default",
        "--recipe",
        recipe,
        "--out",
        str(model),
        "--json",
    )
    assert trained.returncode == 0, trained.stderr
    report = json.loads(trained.stdout)["test_report"]
    assert report["balanced_accuracy"] > 0.75, report
    saved = json.loads((model / "model.json").read_text())
    assert saved["network"]["name"] == "meta" and saved["meta"]["class"] == "TabularBaseline"
    if "threshold" in recipe:
        rule = saved["decision"]
        assert rule["name"] == "threshold" and 0.0 < rule["state"]["threshold"] < 1.0
    else:
        assert saved["decision"] is None

    new = loans(tmp_path / "new.csv", n=300, seed=1)
    out = tmp_path / "scores.csv"
    predicted = cli("predict", str(model), str(tmp_path / "new.csv"), "--out", str(out))
    assert predicted.returncode == 0, predicted.stderr
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["row", "prediction", "score_no", "score_yes"]
    assert scores.row.tolist() == list(range(len(new)))  # joins back to the input
    assert np.allclose(scores.score_no + scores.score_yes, 1)
    recall = (scores.prediction[new.default == "yes"] == "yes").mean()
    assert recall > 0.5, recall
