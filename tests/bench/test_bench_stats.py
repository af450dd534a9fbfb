"""Statistics: the corrected resampled t-test by hand, Friedman against SciPy, Nemenyi's table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from unskew.bench.stats import (
    Q_ALPHA_05,
    cd_diagram,
    corrected_ttest,
    friedman_test,
    nemenyi_cd,
)
from unskew.exceptions import InputError


def test_corrected_ttest_matches_a_hand_computation():
    a = [0.80, 0.78, 0.85, 0.82, 0.79, 0.81]
    b = [0.75, 0.77, 0.80, 0.80, 0.74, 0.78]
    # d = a - b: mean 0.035, squared deviations 0.000225 x 4 + 0.000625 + 0.000025 = 0.00155,
    # variance 0.00155 / 5 = 0.00031; J = 6 pairs, n2 / n1 = 1 / 4 (5-fold)
    d = [0.05, 0.01, 0.05, 0.02, 0.05, 0.03]
    mean = sum(d) / 6
    var = sum((x - mean) ** 2 for x in d) / 5
    t_hand = mean / math.sqrt((1 / 6 + 1 / 4) * var)
    p_hand = 2 * stats.t.sf(abs(t_hand), 5)
    result = corrected_ttest(a, b, test_train_ratio=0.25)
    assert result.statistic == pytest.approx(t_hand, rel=1e-9)
    assert result.pvalue == pytest.approx(p_hand, rel=1e-9)
    assert result.df == 5
    assert mean == pytest.approx(0.035)
    assert var == pytest.approx(0.00031)
    assert t_hand == pytest.approx(0.035 / math.sqrt(0.00031 * 5 / 12))


def test_the_correction_is_more_cautious_than_the_plain_paired_ttest():
    rng = np.random.default_rng(0)
    a = rng.normal(0.8, 0.02, 10)
    b = a - rng.normal(0.01, 0.01, 10)
    plain = stats.ttest_rel(a, b)
    corrected = corrected_ttest(a, b, test_train_ratio=0.25)
    assert abs(corrected.statistic) < abs(plain.statistic)
    assert corrected.pvalue > plain.pvalue
    # with a vanishing test share the correction reduces to the plain paired t-test
    assert corrected_ttest(a, b, test_train_ratio=1e-12).statistic == pytest.approx(plain.statistic)
    swapped = corrected_ttest(b, a, test_train_ratio=0.25)
    assert swapped.statistic == pytest.approx(-corrected.statistic)
    assert swapped.pvalue == pytest.approx(corrected.pvalue)


def test_constant_differences():
    assert corrected_ttest([1, 2], [1, 2], test_train_ratio=0.5)[:2] == (0.0, 1.0)
    t, p, _ = corrected_ttest([2, 3], [1, 2], test_train_ratio=0.5)
    assert t == math.inf and p == 0.0
    with pytest.raises(InputError, match="at least 2"):
        corrected_ttest([1], [2], test_train_ratio=0.5)
    with pytest.raises(InputError, match="paired"):
        corrected_ttest([1, 2], [2], test_train_ratio=0.5)


@pytest.mark.parametrize("seed", range(4))
def test_friedman_statistic_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    scores = rng.random((8, 5)).round(1)  # rounding makes ties, which SciPy corrects for
    ours = friedman_test(scores)
    ref = stats.friedmanchisquare(*scores.T)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.mean_ranks.sum() == pytest.approx(5 * 6 / 2)


def test_friedman_ranks_best_first_in_either_direction():
    scores = np.array([[0.9, 0.5, 0.7], [0.8, 0.6, 0.7], [0.95, 0.1, 0.5]])
    assert friedman_test(scores).mean_ranks.tolist() == [1.0, 3.0, 2.0]
    assert friedman_test(scores, greater_is_better=False).mean_ranks.tolist() == [3.0, 1.0, 2.0]
    assert friedman_test(np.ones((3, 3)))[:2] == (0.0, 1.0)
    with pytest.raises(InputError, match="NaN"):
        friedman_test([[0.1, np.nan]])


def test_nemenyi_table_agrees_with_demsar_and_the_studentized_range():
    demsar = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
    assert [Q_ALPHA_05[k] for k in range(2, 11)] == demsar
    for k, q in Q_ALPHA_05.items():
        exact = stats.studentized_range.ppf(0.95, k, np.inf) / math.sqrt(2)
        assert q == pytest.approx(exact, abs=1.5e-3)
    assert nemenyi_cd(5, 14) == pytest.approx(2.728 * math.sqrt(5 * 6 / (6 * 14)))
    assert nemenyi_cd(25, 10) > nemenyi_cd(20, 10)  # beyond the table, from SciPy


def test_cd_diagram_draws_every_method():
    fig = cd_diagram({"a": 1.1, "b": 1.9, "c": 3.2, "d": 3.8}, cd=1.2, title="t")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("a (1.10)") for t in texts)
    assert any(t.startswith("d (3.80)") for t in texts)
    assert "CD = 1.20" in texts
