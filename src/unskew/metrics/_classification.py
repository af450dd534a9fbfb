"""Count-based classification metrics with scikit-learn's and imbalanced-learn's names and
signatures, from one confusion matrix (one bincount)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from unskew._validation import closest_name
from unskew.exceptions import InputError
from unskew.metrics._inputs import check_pair, encode

__all__ = [
    "balanced_accuracy_score",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "geometric_mean_score",
    "matthews_corrcoef",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "specificity_score",
]

AVERAGES = ("binary", "micro", "macro", "weighted", None)


def _confusion(y_true: Any, y_pred: Any, labels: Any, sample_weight: Any, extend: bool = False):
    """Confusion matrix over ``labels`` (rows outside them dropped, as scikit-learn's
    ``confusion_matrix``), or with ``extend`` over ``labels`` followed by every other label present,
    so per-class counts of the requested labels stay exact (as its precision/recall do)."""
    t, p = check_pair(y_true, y_pred)
    if labels is not None and extend:
        present = np.unique(np.concatenate([np.unique(t), np.unique(p)]))
        requested = np.asarray(labels)
        labels = np.concatenate([requested, present[~np.isin(present, requested)]])
    ct, cp, labels_arr = encode(t, p, labels)
    keep = (ct >= 0) & (cp >= 0)
    n = len(labels_arr)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[keep]
    flat = np.bincount(ct[keep] * n + cp[keep], weights=w, minlength=n * n)
    cm = flat.reshape(n, n)
    return (cm if w is not None else cm.astype(np.int64)), labels_arr, ct, cp


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    sample_weight: Any = None,
    normalize: str | None = None,
) -> np.ndarray:
    """Confusion matrix ``C[i, j]``: rows of true class i predicted as class j (scikit-learn's
    ``confusion_matrix``; ``normalize`` in {"true", "pred", "all", None}).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 1], [0, 0, 1, 1]).tolist()
    [[1, 0], [1, 2]]
    """
    cm, _, _, _ = _confusion(y_true, y_pred, labels, sample_weight)
    if normalize is None:
        return cm
    with np.errstate(all="ignore"):
        if normalize == "true":
            out = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            out = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            out = cm / cm.sum()
        else:
            raise InputError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    return np.nan_to_num(out)


def _divide(num: np.ndarray, den: np.ndarray, zero_division: Any, what: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = num / den
    zero = den == 0
    if zero.any():
        if isinstance(zero_division, str) and zero_division == "warn":
            warnings.warn(
                f"{what} is ill-defined and set to 0.0 in labels with no "
                f"{'predicted' if what == 'Precision' else 'true'} samples",
                UserWarning,
                stacklevel=4,
            )
            value = 0.0
        else:
            value = float(zero_division)
        out = np.where(zero, value, out)
    return out


def _select(
    labels_arr: np.ndarray,
    labels: Any,
    average: str | None,
    pos_label: Any,
    ct: np.ndarray,
    cp: np.ndarray,
) -> np.ndarray | None:
    """Indices of the classes to report (None: all), following scikit-learn's rules for 'binary'."""
    if average not in AVERAGES:
        hint = closest_name(str(average), [a for a in AVERAGES if a])
        raise InputError(
            f"unknown average {average!r}"
            + (f"; did you mean '{hint}'?" if hint else "")
            + " Averages: 'binary', 'micro', 'macro', 'weighted', None"
        )
    if average != "binary":
        return None
    present = np.union1d(ct[ct >= 0], cp[cp >= 0])
    if len(labels_arr) > 2 or len(present) > 2:
        raise InputError(
            f"average='binary' needs two classes, but the labels are {labels_arr.tolist()}; choose "
            "average='macro', 'micro' or 'weighted'"
        )
    matches = np.flatnonzero(labels_arr == pos_label)
    if matches.size == 0:
        if len(labels_arr) < 2:
            return np.array([], dtype=np.int64)
        raise InputError(f"pos_label={pos_label!r} is not a valid label: {labels_arr.tolist()}")
    return matches


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> tuple[Any, Any, Any, Any]:
    """Per-class (or averaged) precision, recall, F-beta and support, as scikit-learn computes them.

    ``F_beta = (1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP)``; averages: "binary" (the
    ``pos_label`` class), "micro" (pooled counts), "macro" (mean over classes), "weighted" (by
    support), None (per class). Undefined ratios take ``zero_division`` ("warn" = 0 with a warning).

    Examples
    --------
    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1, 1], [0, 0, 1, 1])
    >>> r.tolist(), s.tolist()
    ([1.0, 0.6666666666666666], [1, 3])
    """
    cm, labels_arr, ct, cp = _confusion(y_true, y_pred, labels, sample_weight, extend=True)
    chosen = _select(labels_arr, labels, average, pos_label, ct, cp)
    if chosen is None and labels is not None:
        chosen = np.arange(len(labels))
    tp = np.diag(cm).astype(np.float64)
    pred = cm.sum(axis=0).astype(np.float64)
    true = cm.sum(axis=1).astype(np.float64)
    if chosen is not None:
        tp, pred, true = tp[chosen], pred[chosen], true[chosen]
    if average == "micro":
        tp, pred, true = tp.sum(keepdims=True), pred.sum(keepdims=True), true.sum(keepdims=True)
    b2 = beta * beta
    precision = _divide(tp, pred, zero_division, "Precision")
    recall = _divide(tp, true, zero_division, "Recall")
    denom = (1 + b2) * tp + b2 * (true - tp) + (pred - tp)
    fscore = _divide((1 + b2) * tp, denom, zero_division, "F-score")
    if average is None:
        return precision, recall, fscore, true.astype(np.int64) if sample_weight is None else true
    if average == "weighted":
        weights = true
        if weights.sum() == 0:
            return 0.0, 0.0, 0.0, None
    else:
        weights = None

    def avg(v: np.ndarray) -> float:
        return float(np.average(v, weights=weights)) if v.size else 0.0

    return avg(precision), avg(recall), avg(fscore), None


def fbeta_score(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F-beta score (scikit-learn's ``fbeta_score``).

    Examples
    --------
    >>> round(fbeta_score([0, 1, 1, 1], [0, 0, 1, 1], beta=2.0), 4)
    0.7143
    """
    return precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )[2]


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F1 score: ``2 TP / (2 TP + FN + FP)`` (scikit-learn's ``f1_score``).

    Examples
    --------
    >>> f1_score([0, 1, 1, 1], [0, 0, 1, 1])
    0.8
    """
    return fbeta_score(
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Precision ``TP / (TP + FP)`` (scikit-learn's ``precision_score``).

    Examples
    --------
    >>> precision_score([0, 1, 1, 1], [0, 0, 1, 1])
    1.0
    """
    return precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )[0]


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Recall (sensitivity) ``TP / (TP + FN)`` (scikit-learn's ``recall_score``).

    Examples
    --------
    >>> round(recall_score([0, 1, 1, 1], [0, 0, 1, 1]), 4)
    0.6667
    """
    return precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )[1]


def specificity_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
) -> Any:
    """Specificity ``TN / (TN + FP)`` per class (imbalanced-learn's ``specificity_score``).

    Examples
    --------
    >>> specificity_score([0, 0, 1, 1], [0, 1, 1, 1])
    0.5
    """
    cm, labels_arr, ct, cp = _confusion(y_true, y_pred, labels, sample_weight, extend=True)
    chosen = _select(labels_arr, labels, average, pos_label, ct, cp)
    if chosen is None and labels is not None:
        chosen = np.arange(len(labels))
    total = cm.sum()
    tp = np.diag(cm).astype(np.float64)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = total - tp - fp - fn
    if chosen is not None:
        tn, fp, fn, tp = tn[chosen], fp[chosen], fn[chosen], tp[chosen]
    if average == "micro":
        tn, fp = tn.sum(keepdims=True), fp.sum(keepdims=True)
    spec = _divide(tn, tn + fp, 0.0, "Specificity")
    if average is None:
        return spec
    weights = (tp + fn) if average == "weighted" else None
    return float(np.average(spec, weights=weights)) if spec.size else 0.0


def balanced_accuracy_score(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, adjusted: bool = False
) -> float:
    """Mean recall over the classes present in ``y_true`` (scikit-learn's
    ``balanced_accuracy_score``; ``adjusted`` rescales chance to 0).

    Examples
    --------
    >>> balanced_accuracy_score([0, 0, 0, 1], [0, 0, 0, 0])
    0.5
    """
    cm, _, _, _ = _confusion(y_true, y_pred, None, sample_weight)
    true = cm.sum(axis=1)
    present = true > 0
    recall = np.diag(cm)[present] / true[present]
    score = float(recall.mean())
    if adjusted:
        chance = 1.0 / present.sum()
        score = (score - chance) / (1.0 - chance)
    return score


def matthews_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Matthews correlation coefficient, multi-class (Gorodkin 2004), as scikit-learn computes it.

    Examples
    --------
    >>> round(matthews_corrcoef([0, 1, 1, 1], [0, 0, 1, 1]), 4)
    0.5774
    """
    cm, _, _, _ = _confusion(y_true, y_pred, None, sample_weight)
    cm = cm.astype(np.float64)
    t, p = cm.sum(axis=1), cm.sum(axis=0)
    c, s = np.trace(cm), cm.sum()
    cov_ytyp = c * s - t @ p
    cov_ypyp = s * s - p @ p
    cov_ytyt = s * s - t @ t
    if cov_ypyp * cov_ytyt == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(cov_ytyt * cov_ypyp))


def geometric_mean_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "multiclass",
    sample_weight: Any = None,
    correction: float = 0.0,
) -> Any:
    """G-mean: the geometric mean of the per-class recalls (imbalanced-learn's
    ``geometric_mean_score``; for two classes ``sqrt(TPR * TNR)``, Kubat & Matwin 1997).

    ``average="multiclass"`` (default) takes all classes of ``labels`` (default: those present);
    a class never predicted nor present counts with ``correction`` instead of its recall of 0.

    Examples
    --------
    >>> geometric_mean_score([0, 0, 1, 1], [0, 1, 1, 1])
    0.7071067811865476
    """
    if average != "multiclass":
        sens = recall_score(
            y_true,
            y_pred,
            labels=labels,
            pos_label=pos_label,
            average=average,
            sample_weight=sample_weight,
            zero_division=0.0,
        )
        spec = specificity_score(
            y_true,
            y_pred,
            labels=labels,
            pos_label=pos_label,
            average=average,
            sample_weight=sample_weight,
        )
        return (
            np.sqrt(np.asarray(sens) * np.asarray(spec))
            if average is None
            else float(np.sqrt(sens * spec))
        )
    cm, _, _, _ = _confusion(y_true, y_pred, labels, sample_weight)
    true = cm.sum(axis=1).astype(np.float64)
    tp = np.diag(cm).astype(np.float64)
    with np.errstate(all="ignore"):
        recall = np.where(true > 0, tp / true, 0.0)
    recall = np.where(recall == 0, correction, recall) if correction else recall
    if recall.size == 0:
        return 0.0
    return float(np.prod(recall) ** (1.0 / recall.size))
