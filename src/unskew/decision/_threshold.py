"""Exact decision-threshold tuning for binary scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array
from unskew.metrics._thresholds import OBJECTIVES, best_index, objective_curve, parse_objective

__all__ = ["OBJECTIVES", "ThresholdResult", "ThresholdRule", "objective_curve", "tune_threshold"]


@dataclass(frozen=True)
class ThresholdResult:
    """The tuned threshold (a row is positive when its score >= threshold) and the objective's
    value there (for ``cost:FN/FP``, the mean cost per row, which was minimised)."""

    threshold: float
    score: float
    objective: str


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
    best = best_index(value)  # the highest threshold among ties
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
        parse_objective(objective)  # fail early on a bad objective
        self.objective = objective

    def fit(self, y_true: Any, scores: Any) -> ThresholdRule:
        result = tune_threshold(y_true, scores, self.objective)
        self.threshold_, self.score_ = result.threshold, result.score
        return self

    def predict(self, scores: Any) -> np.ndarray:
        return (as_array(scores) >= self.threshold_).astype(np.int64)
