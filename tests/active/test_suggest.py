"""Minority-seeking collection: suggested rows hold far more minority cases than random ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from unskew.active import suggest
from unskew.datasets import keel
from unskew.exceptions import InputError
from unskew.training import ImbalancedClassifier


@pytest.fixture(scope="module")
def yeast():
    data = keel("yeast4")  # 51 minority rows of 1,484
    y = (np.asarray(data.y) == 1).astype(int)
    X_lab, X_pool, y_lab, y_pool = train_test_split(
        data.X, y, train_size=200, stratify=y, random_state=0
    )
    clf = ImbalancedClassifier(
        recipe="cross_entropy+weights:inverse",
        hidden=(32,),
        epochs=60,
        lr=1e-2,
        batch_size=32,
        validation=None,
        random_state=0,
    ).fit(X_lab, y_lab)
    return clf, X_pool.reset_index(drop=True), y_pool


def test_minority_search_finds_more_than_random(yeast):
    clf, pool, y = yeast
    base = y.mean()  # about 3.4 %
    for strategy in ("minority", "hybrid"):
        picks = suggest(clf, pool, 40, strategy=strategy)
        assert len(set(picks)) == 40 and picks.min() >= 0 and picks.max() < len(pool)
        assert y[picks].mean() > 3 * base, strategy  # measured: 20-30 % of the picks
    uncertain, scores = suggest(clf, pool, 40, "uncertainty", diversity=False, return_scores=True)
    assert np.all(np.diff(scores) <= 0)  # best first
    gap = np.abs(clf.predict_proba(pool)[:, 1] - 0.5)
    rest = np.setdiff1d(np.arange(len(pool)), uncertain)
    assert gap[uncertain].max() <= gap[rest].min()  # the rows nearest the threshold


def test_hybrid_takes_half_from_each_list_and_diversity_spreads_the_batch(yeast):
    clf, pool, _ = yeast
    top = suggest(clf, pool, 10, "minority", diversity=False)
    sure = suggest(clf, pool, 10, "uncertainty", diversity=False)
    hybrid = suggest(clf, pool, 10, "hybrid", diversity=False)
    assert set(hybrid) <= set(top) | set(sure)
    assert len(set(hybrid) & set(top[:5])) >= 4 and len(set(hybrid) & set(sure[:5])) >= 4

    features = clf.embed(pool)

    def spread(rows):
        f = features[rows]
        d = np.linalg.norm(f[:, None] - f[None], axis=2)
        return d[np.triu_indices(len(rows), 1)].min()

    diverse = suggest(clf, pool, 10, "minority", diversity=True)
    assert spread(diverse) > spread(top)
    assert diverse[0] == top[0]  # k-center starts from the best-scored row


def test_any_classifier_with_a_named_minority():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] > 1.3).astype(int)
    model = LogisticRegression().fit(X[:100], y[:100])
    picks = suggest(model, X[100:], 15, minority=1)
    assert y[100:][picks].mean() > 3 * y[100:].mean()
    with pytest.raises(InputError, match="pass minority=<label>"):
        suggest(model, X[100:], 5)


def test_bad_input(yeast):
    clf, pool, _ = yeast
    with pytest.raises(InputError, match=r"n=5000 is larger than the pool \(1284 rows\)"):
        suggest(clf, pool, 5000)
    with pytest.raises(InputError, match=r"lacks the training column\(s\) \['Mcg'\]"):
        suggest(clf, pool.drop(columns="Mcg"), 5)
    with pytest.raises(InputError, match="strategy must be one of"):
        suggest(clf, pool, 5, strategy="greedy")
    with pytest.raises(InputError, match="not fitted"):
        suggest(ImbalancedClassifier(), pool, 5)


def test_cli_suggest_writes_row_ids_and_scores(tmp_path, cli, yeast):
    clf, pool, y = yeast
    clf.save(tmp_path / "model")
    pool.assign(label=y).to_csv(tmp_path / "pool.csv", index=False)
    out = tmp_path / "next.csv"
    result = cli(
        "suggest",
        str(tmp_path / "model"),
        str(tmp_path / "pool.csv"),
        "-n",
        "25",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == ["row", "score", "p_1"] and len(table) == 25
    assert y[table.row].mean() > 3 * y.mean()
    bad = cli(
        "suggest",
        str(tmp_path / "model"),
        str(tmp_path / "pool.csv"),
        "-n",
        "99999",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert bad.returncode == 2 and "larger than the pool" in bad.stderr
    assert not (tmp_path / "x.csv").exists()
