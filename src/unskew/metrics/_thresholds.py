"""Every candidate decision threshold of binary scores and an objective's value at each."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from unskew._validation import closest_name, format_list
from unskew.exceptions import InputError
from unskew.metrics._inputs import check_pair
from unskew.metrics._ranking import binary_counts

__all__ = ["OBJECTIVES", "best_index", "objective_curve", "parse_objective"]

#: Objective forms accepted by :func:`tune_threshold`.
OBJECTIVES = (
    "f1",
    "fbeta:B",
    "gmean",
    "youden",
    "balanced_accuracy",
    "cost:FN/FP",
    "precision>=P",
    "recall>=R",
)


def parse_objective(objective: str) -> tuple[str, float | None, float | None]:
    text = objective.replace(" ", "")
    if text in ("f1", "gmean", "youden", "balanced_accuracy"):
        return text, None, None
    if m := re.fullmatch(r"fbeta:([0-9.]+)", text):
        return "fbeta", float(m.group(1)), None
    if m := re.fullmatch(r"cost:([0-9.]+)/([0-9.]+)", text):
        fn, fp = float(m.group(1)), float(m.group(2))
        if fn <= 0 or fp <= 0:
            raise InputError(
                f"cost:FN/FP needs two positive costs (a missed positive, a false alarm), got "
                f"{objective!r}; e.g. cost:10/1"
            )
        return "cost", fn, fp
    if m := re.fullmatch(r"(precision|recall)>=([0-9.]+)", text):
        value = float(m.group(2))
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{m.group(1)} bound must be in [0, 1], got {value}")
        return m.group(1) + ">=", value, None
    hint = closest_name(
        text.split(":")[0],
        ["f1", "fbeta", "gmean", "youden", "balanced_accuracy", "cost", "precision>=", "recall>="],
    )
    raise InputError(
        f"unknown objective '{objective}'"
        + (f"; did you mean '{hint}'?" if hint else "")
        + f" Objectives: {', '.join(OBJECTIVES)}"
    )


def _check_binary(t: np.ndarray, s: np.ndarray, pos_label: Any) -> None:
    """Threshold tuning takes two classes and one score per row: refuse more classes, a score
    matrix, and a ``pos_label`` that is not one of the labels."""
    if s.ndim > 2 or (s.ndim == 2 and s.shape[1] != 1):
        raise InputError(
            f"scores must hold one score per row (the positive class's), got shape {s.shape}; "
            "for two-class probabilities pass proba[:, 1]"
        )
    classes = np.unique(t.astype(str)) if t.dtype.kind == "O" else np.unique(t)
    if len(classes) > 2:
        raise InputError(
            f"threshold tuning is for two classes, but y_true holds {len(classes)} "
            f"({format_list(classes, 5)}); for more classes use the recipe parts logit_adjust or "
            "bias_tuning, or tune one class against the rest with y_true == CLASS"
        )
    if len(classes) == 2 and pos_label not in classes.tolist():
        raise InputError(
            f"pos_label={pos_label!r} is not a label of y_true ({format_list(classes)}); pass "
            f"pos_label={classes[-1].item() if hasattr(classes[-1], 'item') else classes[-1]!r}"
        )


def objective_curve(
    y_true: Any, scores: Any, objective: str = "f1", *, pos_label: Any = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The objective at every candidate threshold, highest threshold first.

    Returns ``(thresholds, values, precision, recall)``; the first candidate (``inf``) predicts no
    positive. ``values`` is -inf where a constraint (``precision>=P``, ``recall>=R``) fails, and for
    ``cost:FN/FP`` it is the negated mean cost (so larger is better everywhere).

    Examples
    --------
    >>> thr, val, _, _ = objective_curve([0, 1, 1], [0.2, 0.9, 0.4], "f1")
    >>> thr.tolist(), val.round(3).tolist()
    ([inf, 0.9, 0.4, 0.2], [0.0, 0.667, 1.0, 0.8])
    """
    kind, a, b = parse_objective(objective)
    t, s = check_pair(y_true, scores, ("y_true", "scores"))
    _check_binary(t, s, pos_label)
    s = s.reshape(-1).astype(np.float64)
    positive = t == pos_label
    n_pos = int(positive.sum())
    n_neg = len(t) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise InputError(
            f"threshold tuning needs both classes in y_true; it holds {'only' if len(t) else 'no'} "
            f"{'positive' if n_neg == 0 else 'negative'} rows (pos_label={pos_label!r})"
        )
    thresholds, tps, fps = binary_counts(positive, s)
    thresholds = np.r_[np.inf, thresholds]  # candidate 0 predicts nothing positive
    tp, fp = np.r_[0.0, tps], np.r_[0.0, fps]
    fn, tn = n_pos - tp, n_neg - fp
    with np.errstate(all="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
        recall = tp / n_pos
        tnr = tn / n_neg
        if kind == "f1":
            value = 2 * tp / (2 * tp + fp + fn)
        elif kind == "fbeta":
            b2 = a * a
            value = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
        elif kind == "gmean":
            value = np.sqrt(recall * tnr)
        elif kind == "youden":
            value = recall - (fp / n_neg)
        elif kind == "balanced_accuracy":
            value = (recall + tnr) / 2
        elif kind == "cost":
            value = -(a * fn + b * fp) / len(t)
        elif kind == "precision>=":
            value = np.where(precision >= a, recall, -np.inf)
        else:
            value = np.where(recall >= a, precision, -np.inf)
    return thresholds, np.nan_to_num(value, nan=-np.inf), precision, recall


def best_index(values: np.ndarray) -> int:
    """Index of the best value of :func:`objective_curve`: among values equal up to rounding
    (1/3 reached two ways), the first, i.e. the highest threshold.

    Examples
    --------
    >>> best_index(np.array([0.0, 1 / 3, 0.1 + 0.2 + 1 / 3 - 0.3]))
    1
    """
    top = values.max()
    return int(np.argmax(values >= top - 1e-12 * max(1.0, abs(top))))
