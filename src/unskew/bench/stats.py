"""Statistics for comparing recipes: the corrected resampled t-test on one dataset, and the Friedman
test with the Nemenyi critical difference over several datasets (Demšar 2006).

Examples
--------
>>> t = corrected_ttest([0.8, 0.82, 0.79, 0.85], [0.75, 0.8, 0.74, 0.8], test_train_ratio=0.25)
>>> round(t.statistic, 3), round(t.pvalue, 3)
(4.007, 0.028)
>>> round(nemenyi_cd(4, 10), 3)
1.483
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from unskew.exceptions import InputError

__all__ = [
    "Q_ALPHA_05",
    "FriedmanResult",
    "TTestResult",
    "cd_diagram",
    "compare_paired",
    "corrected_ttest",
    "friedman_test",
    "nemenyi_cd",
]


class TTestResult(NamedTuple):
    """``statistic`` (t), two-sided ``pvalue`` and degrees of freedom ``df``."""

    statistic: float
    pvalue: float
    df: int


class FriedmanResult(NamedTuple):
    """The Friedman chi-square ``statistic``, its ``pvalue`` (k - 1 degrees of freedom) and the
    mean rank of every method (1 = best)."""

    statistic: float
    pvalue: float
    mean_ranks: np.ndarray


def corrected_ttest(
    a: Sequence[float], b: Sequence[float], *, test_train_ratio: float
) -> TTestResult:
    """Corrected resampled t-test of paired scores over folds x repeats (Nadeau & Bengio 2003).

    The folds of cross-validation share training rows, so their score differences are correlated
    and the plain paired t-test is far too confident. With ``d_j = a_j - b_j`` over the ``J``
    (repeat, fold) pairs, ``n2 / n1`` the test-to-training size ratio and ``s^2`` the sample
    variance of ``d`` (ddof = 1)::

        t = mean(d) / sqrt((1 / J + n2 / n1) * s^2),   df = J - 1,

    and the two-sided p-value is ``2 * P(T_df > |t|)`` (Nadeau & Bengio, Inference for the
    Generalization Error, Machine Learning 52, 2003; Bouckaert & Frank, PAKDD 2004). When every
    difference is equal, ``t`` is 0 (p = 1) if they are zero and infinite (p = 0) otherwise.

    Parameters
    ----------
    a, b : sequence of float
        Paired scores (same folds, same order).
    test_train_ratio : float
        ``n_test / n_train`` of the splits (``1 / (K - 1)`` for K-fold).

    Examples
    --------
    >>> r = corrected_ttest([0.9, 0.8, 0.85], [0.8, 0.7, 0.8], test_train_ratio=0.5)
    >>> round(r.statistic, 4), r.df
    (3.1623, 2)
    """
    from scipy import stats

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise InputError(
            f"a and b must be paired 1-D score sequences of one length, got {x.shape} and {y.shape}"
        )
    if len(x) < 2:
        raise InputError(f"the corrected t-test needs at least 2 paired scores, got {len(x)}")
    if not test_train_ratio > 0:
        raise InputError(f"test_train_ratio must be > 0 (n_test / n_train), got {test_train_ratio}")
    d = x - y
    j = len(d)
    mean, var = float(d.mean()), float(d.var(ddof=1))
    if var <= 1e-300:
        if abs(mean) <= 1e-15:
            return TTestResult(0.0, 1.0, j - 1)
        return TTestResult(math.copysign(math.inf, mean), 0.0, j - 1)
    t = mean / math.sqrt((1.0 / j + test_train_ratio) * var)
    p = float(2 * stats.t.sf(abs(t), j - 1))
    return TTestResult(float(t), p, j - 1)


def compare_paired(
    mine: Mapping[Any, float],
    other: Mapping[Any, float],
    *,
    test_train_ratio: float,
    greater_is_better: bool = True,
    alpha: float = 0.05,
) -> dict[str, Any] | None:
    """Is ``mine`` better, worse or tied with ``other``? Their scores on the splits both hold,
    compared by :func:`corrected_ttest` (Nadeau & Bengio 2003).

    Rule: over the common keys (``(repeat, fold)`` pairs, sorted), ``diff`` is the mean of
    ``mine - other``; the verdict is ``better`` (or ``worse``) when the two-sided p-value is below
    ``alpha`` and ``diff`` is non-zero in the good (or bad) direction, else ``tie``. The
    leaderboard tests every recipe against the baseline with it, and racing tests every recipe
    against the current leader.

    Parameters
    ----------
    mine, other : mapping
        Split key -> score.
    test_train_ratio : float
        ``n_test / n_train`` of the splits.
    greater_is_better : bool, default=True
    alpha : float, default=0.05

    Returns
    -------
    dict or None
        ``t``, ``p``, ``diff`` and ``verdict``; None with fewer than 2 common splits.

    Examples
    --------
    >>> a = {(0, 0): 0.9, (0, 1): 0.8, (0, 2): 0.85}
    >>> b = {(0, 0): 0.8, (0, 1): 0.7, (0, 2): 0.8}
    >>> r = compare_paired(b, a, test_train_ratio=0.5)
    >>> r["verdict"], round(r["diff"], 3)
    ('tie', -0.083)
    """
    common = sorted(set(mine) & set(other))
    if len(common) < 2:
        return None
    test = corrected_ttest(
        [mine[k] for k in common], [other[k] for k in common], test_train_ratio=test_train_ratio
    )
    diff = float(np.mean([mine[k] - other[k] for k in common]))
    good = diff > 0 if greater_is_better else diff < 0
    verdict = "tie"
    if test.pvalue < alpha and diff != 0:
        verdict = "better" if good else "worse"
    return {"t": test.statistic, "p": test.pvalue, "diff": diff, "verdict": verdict}


def _ranks(scores: np.ndarray, greater_is_better: bool) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(-scores if greater_is_better else scores, method="average", axis=1)


def friedman_test(scores: Any, *, greater_is_better: bool = True) -> FriedmanResult:
    """Friedman test of ``k`` methods over ``N`` datasets, from their ranks (Friedman 1937; Demšar,
    Statistical Comparisons of Classifiers over Multiple Data Sets, JMLR 7, 2006).

    Each dataset ranks the methods (1 = best, ties share the mean rank); with ``R_j`` the rank sum
    of method ``j``::

        chi2_F = (12 / (N k (k + 1)) * sum_j R_j^2 - 3 N (k + 1)) / C,
        C = 1 - sum_ties (t^3 - t) / (N k (k^2 - 1)),

    ``C`` corrects for ties (as :func:`scipy.stats.friedmanchisquare` does); p from chi-square
    with ``k - 1`` degrees of freedom.

    Parameters
    ----------
    scores : array-like, shape (N datasets, k methods)
    greater_is_better : bool, default=True

    Examples
    --------
    >>> r = friedman_test([[0.9, 0.8, 0.7], [0.85, 0.8, 0.6], [0.7, 0.75, 0.5]])
    >>> round(r.statistic, 3), r.mean_ranks.tolist()
    (4.667, [1.3333333333333333, 1.6666666666666667, 3.0])
    """
    from scipy import stats

    m = np.asarray(scores, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] < 1 or m.shape[1] < 2:
        raise InputError(
            f"scores must be a (datasets x methods) matrix with at least 2 methods, got shape "
            f"{m.shape}"
        )
    if not np.isfinite(m).all():
        raise InputError(
            "scores hold NaN or infinite values; every method needs a score on every dataset"
        )
    n, k = m.shape
    ranks = _ranks(m, greater_is_better)
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts**3 - counts))
    c = 1.0 - ties / (k * (k * k - 1) * n)
    rank_sums = ranks.sum(axis=0)
    if c <= 0:
        return FriedmanResult(0.0, 1.0, rank_sums / n)
    chi2 = (12.0 / (n * k * (k + 1)) * float(np.sum(rank_sums**2)) - 3.0 * n * (k + 1)) / c
    return FriedmanResult(float(chi2), float(stats.chi2.sf(chi2, k - 1)), rank_sums / n)


#: Critical values q_0.05 of the Nemenyi test for k = 2..20 methods: the studentized range
#: statistic at infinite degrees of freedom divided by sqrt(2) (k <= 10 as tabulated by Demšar 2006).
Q_ALPHA_05: dict[int, float] = {
    2: 1.960,
    3: 2.343,
    4: 2.569,
    5: 2.728,
    6: 2.850,
    7: 2.949,
    8: 3.031,
    9: 3.102,
    10: 3.164,
    11: 3.219,
    12: 3.268,
    13: 3.313,
    14: 3.354,
    15: 3.391,
    16: 3.426,
    17: 3.458,
    18: 3.489,
    19: 3.517,
    20: 3.544,
}


def _q_alpha(k: int, alpha: float) -> float:
    if alpha == 0.05 and k in Q_ALPHA_05:
        return Q_ALPHA_05[k]
    from scipy.stats import studentized_range

    return float(studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2))


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Critical difference of the Nemenyi post-hoc test (Nemenyi 1963; Demšar 2006): two methods
    whose mean ranks over ``n`` datasets differ by at least

        CD = q_alpha * sqrt(k (k + 1) / (6 n))

    perform significantly differently. ``q_alpha`` comes from :data:`Q_ALPHA_05` (alpha 0.05,
    k <= 20) or else from the studentized range distribution.

    Examples
    --------
    >>> round(nemenyi_cd(3, 10), 3)
    1.048
    """
    if k < 2 or n < 1:
        raise InputError(
            f"the critical difference needs k >= 2 methods and n >= 1 datasets, got {k}, {n}"
        )
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}")
    return _q_alpha(int(k), alpha) * math.sqrt(k * (k + 1) / (6.0 * n))


def _cliques(ranks: np.ndarray, cd: float) -> list[tuple[int, int]]:
    """Maximal runs ``[i, j]`` of methods (sorted by rank) whose ranks differ by less than ``cd``."""
    out: list[tuple[int, int]] = []
    for i in range(len(ranks)):
        j = i
        while j + 1 < len(ranks) and ranks[j + 1] - ranks[i] < cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in out):
            out.append((i, j))
    return out


def cd_diagram(mean_ranks: Mapping[str, float], cd: float, *, title: str | None = None) -> Any:
    """Critical-difference diagram (Demšar 2006): methods on a rank axis (1 = best, on the left),
    with thick bars joining the groups whose mean ranks differ by less than ``cd``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = cd_diagram({"a": 1.2, "b": 2.0, "c": 2.8}, cd=1.0)
    >>> len(fig.axes)
    1
    """
    from unskew.metrics.plots import _plt

    plt = _plt()
    items = sorted(mean_ranks.items(), key=lambda kv: kv[1])
    if not items:
        raise InputError("mean_ranks is empty; pass {method: mean rank}")
    names = [str(n) for n, _ in items]
    ranks = np.array([float(r) for _, r in items])
    k = max(len(items), 2)
    half = math.ceil(len(items) / 2)
    step = 0.35
    depth = step * (half + 1)
    fig, ax = plt.subplots(figsize=(8.0, 1.4 + 0.32 * half), dpi=110)
    ax.set_xlim(1 - 0.05 * k, k + 0.05 * k)
    ax.set_ylim(-depth - 0.1, 0.9)
    ax.axis("off")
    ax.hlines(0, 1, k, color="black", linewidth=1)
    for r in range(1, k + 1):
        ax.vlines(r, 0, 0.08, color="black", linewidth=1)
        ax.text(r, 0.14, str(r), ha="center", va="bottom", fontsize=9)
    ax.hlines(0.62, 1, 1 + cd, color="black", linewidth=1.5)
    ax.vlines([1, 1 + cd], 0.56, 0.68, color="black", linewidth=1.5)
    ax.text(1 + cd / 2, 0.7, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
    for i, (name, r) in enumerate(zip(names, ranks, strict=True)):
        left = i < half
        level = (i + 1) if left else (len(items) - i)
        y = -step * level
        edge = 1 - 0.03 * k if left else k + 0.03 * k
        ax.plot([r, r, edge], [0, y, y], color="black", linewidth=0.9)
        ax.text(
            edge + (-0.02 if left else 0.02) * k,
            y,
            f"{name} ({r:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
            clip_on=False,
        )
    for c, (i, j) in enumerate(_cliques(ranks, cd)):
        y = -0.08 - 0.09 * c
        ax.hlines(y, ranks[i] - 0.03, ranks[j] + 0.03, color="#c8443c", linewidth=3)
    if title:
        ax.set_title(title)
    return fig
