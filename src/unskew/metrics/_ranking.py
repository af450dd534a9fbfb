"""Ranking metrics (ROC AUC, average precision) from one sort of the scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair, check_probabilities

__all__ = ["average_precision_score", "binary_counts", "roc_auc_score"]


def binary_counts(
    positive: np.ndarray, scores: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct thresholds (descending) with the true- and false-positive counts of "predict
    positive when score >= threshold": one stable sort, then cumulative sums.

    Examples
    --------
    >>> thr, tp, fp = binary_counts(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.8, 0.1]))
    >>> thr.tolist(), tp.tolist(), fp.tolist()
    ([0.9, 0.8, 0.1], [1.0, 2.0, 2.0], [0.0, 1.0, 2.0])
    """
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    pos = positive[order].astype(np.float64)
    w = np.ones_like(pos) if sample_weight is None else np.asarray(sample_weight, np.float64)[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last row of each distinct score
    tps = np.cumsum(pos * w)[last]
    fps = np.cumsum((1 - pos) * w)[last]
    return s[last], tps, fps


def _auc_from_counts(tps: np.ndarray, fps: np.ndarray) -> float:
    if tps[-1] == 0 or fps[-1] == 0:
        raise InputError(
            "ROC AUC needs both classes in y_true, but only one is present; evaluate on data "
            "with positive and negative rows"
        )
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return float(np.trapezoid(tpr, fpr))


def _ap_from_counts(tps: np.ndarray, fps: np.ndarray) -> float:
    if tps[-1] == 0:
        return 0.0  # scikit-learn warns and returns 0 when there is no positive row
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _binary_auc(positive: np.ndarray, scores: np.ndarray, w: Any) -> float:
    return _auc_from_counts(*binary_counts(positive, scores, w)[1:])


def _binary_ap(positive: np.ndarray, scores: np.ndarray, w: Any) -> float:
    return _ap_from_counts(*binary_counts(positive, scores, w)[1:])


def _binarize(y_true: np.ndarray, n_classes: int, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    classes = np.asarray(labels) if labels is not None else np.unique(y_true)
    if len(classes) != n_classes:
        raise InputError(
            f"y_score has {n_classes} columns but there are {len(classes)} classes "
            f"({classes.tolist()[:10]}); pass labels= with one label per column"
        )
    return (y_true[:, None] == classes[None, :]), classes


def _per_class(
    metric,
    y_true: np.ndarray,
    y_score: np.ndarray,
    labels: Any,
    average: str | None,
    sample_weight: Any,
) -> Any:
    onehot, _ = _binarize(y_true, y_score.shape[1], labels)
    values = np.array(
        [metric(onehot[:, j], y_score[:, j], sample_weight) for j in range(y_score.shape[1])]
    )
    if average is None:
        return values
    if average == "macro":
        return float(values.mean())
    if average == "weighted":
        support = onehot.sum(axis=0)
        return float(np.average(values, weights=support))
    raise InputError(f"average must be 'macro', 'weighted' or None, got {average!r}")


def roc_auc_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    sample_weight: Any = None,
    max_fpr: float | None = None,
    multi_class: str = "raise",
    labels: Any = None,
) -> Any:
    """Area under the ROC curve (scikit-learn's ``roc_auc_score``): binary from scores of the
    positive (greater) class, or one-vs-rest over a probability matrix (``multi_class="ovr"``,
    macro or support-weighted).

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    if max_fpr is not None:
        raise InputError(
            "max_fpr is not supported; use sklearn.metrics.roc_auc_score for partial AUC"
        )
    t, s = check_pair(y_true, y_score, ("y_true", "y_score"))
    if s.ndim == 2 and s.shape[1] > 2:
        if multi_class != "ovr":
            raise InputError("multi-class ROC AUC needs multi_class='ovr' (one-vs-rest)")
        check_probabilities(s)
        return _per_class(_binary_auc, t, s, labels, average, sample_weight)
    if s.ndim == 2:
        s = s[:, 1]
    classes = np.unique(t) if labels is None else np.asarray(labels)
    if len(classes) != 2:
        raise InputError(
            f"binary ROC AUC needs exactly two classes in y_true, got {classes.tolist()[:10]}"
        )
    return _binary_auc(t == classes[1], s.astype(np.float64), sample_weight)


def average_precision_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    pos_label: Any = 1,
    sample_weight: Any = None,
) -> Any:
    """Average precision, the step-wise area under the precision-recall curve
    ``AP = sum_n (R_n - R_{n-1}) P_n`` (scikit-learn's ``average_precision_score``); for a
    probability matrix, per class one-vs-rest and averaged.

    Examples
    --------
    >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    t, s = check_pair(y_true, y_score, ("y_true", "y_score"))
    if s.ndim == 2 and s.shape[1] > 1:
        return _per_class(_binary_ap, t, s, None, average, sample_weight)
    return _binary_ap(t == pos_label, as_array(s).reshape(-1).astype(np.float64), sample_weight)
