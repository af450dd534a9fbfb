"""Slow: `unskew profile` on a large real CSV finds exactly the problems planted in it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


@pytest.mark.slow
def test_profile_large_csv_counts_planted_problems(tmp_path, cli):
    rows = 300_000
    rng = np.random.default_rng(7)
    X = rng.normal(size=(rows, 12)).round(6)
    X[:500, 4] = np.nan  # 500 missing values in f4
    y = (rng.random(rows) < 0.02).astype(int)
    X[1000:1300], y[1000:1300] = X[2000:2300], y[2000:2300]  # 300 exact duplicates
    X[5000:5040], y[5000:5040] = X[6000:6040], 1 - y[6000:6040]  # 40 conflicting pairs
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(12)])
    frame["const"] = 1.5
    frame["label"] = y
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)

    result = cli("profile", str(path), "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    counts = np.bincount(y)
    assert [c["count"] for c in report["classes"]] == counts.tolist()
    assert report["imbalance_ratio"] == pytest.approx(counts[0] / counts[1])
    warnings = {w["kind"]: w["details"] for w in report["warnings"]}
    assert warnings["missing_values"] == {"columns": {"f4": 500}}
    assert warnings["constant_features"] == {"columns": ["const"]}
    assert warnings["duplicate_rows"] == {"rows": 300}
    assert warnings["conflicting_labels"] == {"groups": 40, "rows": 80}
