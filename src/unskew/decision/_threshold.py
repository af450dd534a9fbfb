"""Exact decision-threshold tuning for binary scores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from unskew._validation import closest_name
from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair
from unskew.metrics._ranking import binary_counts

__all__ = ["OBJECTIVES", "ThresholdResult", "ThresholdRule", "objective_curve", "tune_threshold"]

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


@dataclass(frozen=True)
class ThresholdResult:
    """The tuned threshold (a row is positive when its score >= threshold) and the objective's
    value there (for ``cost:FN/FP``, the mean cost per row, which was minimised)."""

    threshold: float
    score: float
    objective: str


def _parse(objective: str) -> tuple[str, float | None, float | None]:
    text = objective.replace(" ", "")
    if text in ("f1", "gmean", "youden", "balanced_accuracy"):
        return text, None, None
    if m := re.fullmatch(r"fbeta:([0-9.]+)", text):
        return "fbeta", float(m.group(1)), None
    if m := re.fullmatch(r"cost:([0-9.]+)/([0-9.]+)", text):
        return "cost", float(m.group(1)), float(m.group(2))
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
    kind, a, b = _parse(objective)
    t, s = check_pair(y_true, scores, ("y_true", "scores"))
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


def tune_threshold(
    y_true: Any, scores: Any, objective: str = "f1", *, pos_label: Any = 1
) -> ThresholdResult:
    """The decision threshold on ``scores`` that maximises ``objective`` (exact, O(n log n)).

    Every distinct score is a candidate (plus "above the highest score", predicting no positive):
    one sort gives the true and false positives of all of them by cumulative sums, and the
    objective is evaluated for all at once (:func:`objective_curve`). Objectives: ``f1``;
    ``fbeta:B``; ``gmean`` (``sqrt(TPR * TNR)``); ``youden`` (``TPR - FPR``, Youden 1950);
    ``balanced_accuracy``; ``cost:FN/FP`` (minimise ``FN_cost * FN + FP_cost * FP``);
    ``precision>=P`` (largest recall with precision at least P); ``recall>=R`` (largest precision
    with recall at least R). Ties go to the highest threshold.

    Examples
    --------
    >>> r = tune_threshold([0, 0, 1, 1, 0], [0.1, 0.3, 0.35, 0.8, 0.4], "f1")
    >>> r.threshold, round(r.score, 4)
    (0.35, 0.8)
    """
    thresholds, value, precision, recall = objective_curve(
        y_true, scores, objective, pos_label=pos_label
    )
    if not np.isfinite(value.max()):
        raise InputError(
            f"no threshold satisfies {objective}: the best precision is {precision.max():.3f}, "
            f"recall {recall.max():.3f}"
        )
    top = value.max()
    # the highest threshold among ties (values equal up to rounding, e.g. 1/3 reached two ways)
    best = int(np.argmax(value >= top - 1e-12 * max(1.0, abs(top))))
    score = (
        float(-value[best]) if objective.replace(" ", "").startswith("cost") else float(value[best])
    )
    return ThresholdResult(threshold=float(thresholds[best]), score=score, objective=objective)


class ThresholdRule:
    """The ``threshold:OBJECTIVE`` decision rule: tuned on validation scores, then applied.

    ``fit(y_true, scores)`` finds the threshold with :func:`tune_threshold`; ``predict(scores)``
    returns 1 where ``scores >= threshold_``. Fit it on held-out (validation or out-of-fold) scores
    only, never on the rows the model was trained on.

    Examples
    --------
    >>> rule = ThresholdRule("f1").fit([0, 0, 1, 1, 0], [0.1, 0.3, 0.35, 0.8, 0.4])
    >>> rule.threshold_, rule.predict([0.2, 0.5]).tolist()
    (0.35, [0, 1])
    """

    def __init__(self, objective: str = "f1") -> None:
        _parse(objective)  # fail early on a bad objective
        self.objective = objective

    def fit(self, y_true: Any, scores: Any) -> ThresholdRule:
        result = tune_threshold(y_true, scores, self.objective)
        self.threshold_, self.score_ = result.threshold, result.score
        return self

    def predict(self, scores: Any) -> np.ndarray:
        return (as_array(scores) >= self.threshold_).astype(np.int64)
