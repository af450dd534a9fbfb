"""tune_threshold is exact: it matches a brute-force search over every candidate threshold."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from unskew.decision import tune_threshold
from unskew.exceptions import InputError


def _brute(y, s, fn):
    best_t, best_v = None, -np.inf
    for t in sorted(set(s.tolist()) | {np.inf}, reverse=True):
        v = fn(y, (s >= t).astype(int))
        if v > best_v + 1e-12:
            best_t, best_v = t, v
    return best_t, best_v


def _cm(y, p):
    tp = int(((p == 1) & (y == 1)).sum())
    fp = int(((p == 1) & (y == 0)).sum())
    return tp, fp, int((y == 1).sum()) - tp, int((y == 0).sum()) - fp


OBJECTIVES = {
    "f1": lambda y, p: skm.f1_score(y, p, zero_division=0.0),
    "fbeta:2": lambda y, p: skm.fbeta_score(y, p, beta=2.0, zero_division=0.0),
    "gmean": lambda y, p: np.sqrt(
        skm.recall_score(y, p, zero_division=0.0)
        * skm.recall_score(1 - y, 1 - p, zero_division=0.0)
    ),
    "youden": lambda y, p: skm.recall_score(y, p) - (1 - skm.recall_score(1 - y, 1 - p)),
    "balanced_accuracy": skm.balanced_accuracy_score,
    "cost:5/1": lambda y, p: -(5 * _cm(y, p)[2] + _cm(y, p)[1]) / len(y),
    "precision>=0.7": lambda y, p: (
        skm.recall_score(y, p) if (skm.precision_score(y, p, zero_division=1.0) >= 0.7) else -np.inf
    ),
    "recall>=0.6": lambda y, p: (
        skm.precision_score(y, p, zero_division=1.0) if (skm.recall_score(y, p) >= 0.6) else -np.inf
    ),
}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(list(OBJECTIVES)), st.booleans())
def test_matches_brute_force(seed, objective, ties):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    y = rng.integers(0, 2, n)
    y[0], y[1] = 0, 1
    s = np.round(rng.random(n), 1) if ties else rng.random(n)
    try:
        result = tune_threshold(y, s, objective)
    except InputError as err:  # an infeasible constraint: brute force must agree
        assert "no threshold satisfies" in str(err)
        assert not np.isfinite(_brute(y, s, OBJECTIVES[objective])[1])
        return
    t, v = _brute(y, s, OBJECTIVES[objective])
    expected = -v if objective.startswith("cost") else v
    assert result.score == pytest.approx(expected, abs=1e-9)
    assert result.threshold == t


def test_bad_input():
    with pytest.raises(InputError, match="unknown objective 'f2'.*Objectives: f1, fbeta:B"):
        tune_threshold([0, 1], [0.1, 0.9], "f2")
    with pytest.raises(InputError, match="needs both classes"):
        tune_threshold([1, 1], [0.1, 0.9])
    with pytest.raises(InputError, match="2 entries but scores has 3"):
        tune_threshold([0, 1], [0.1, 0.9, 0.3])
    with pytest.raises(InputError, match="NaN"):
        tune_threshold([0, 1], [0.1, np.nan])
