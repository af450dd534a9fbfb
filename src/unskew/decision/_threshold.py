"""Exact decision-threshold tuning for binary scores."""

from __future__ import annotations

import math
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
    """The ``threshold:OBJECTIVE`` decision rule: tuned on held-out scores, then applied.

    ``fit(scores, y_true)`` finds the threshold with :func:`tune_threshold`; ``predict(scores)``
    returns 1 where ``scores >= threshold_``. ``scores`` are the positive-class scores (N,), or
    class probabilities (N, 2) whose second column is used; the Trainer passes the (calibrated)
    probabilities (``on_probabilities``). Fit it on held-out (validation or out-of-fold) scores
    only, never on the rows the model was trained on. Without held-out scores, or when they hold one
    class only, ``threshold_`` stays None and ``predict`` takes the more probable class.

    Examples
    --------
    >>> rule = ThresholdRule("f1").fit([0.1, 0.3, 0.35, 0.8, 0.4], [0, 0, 1, 1, 0])
    >>> rule.threshold_, rule.predict([0.2, 0.5]).tolist()
    (0.35, [0, 1])
    >>> ThresholdRule().load_state_dict(rule.state_dict()).threshold_
    0.35
    """

    #: the Trainer hands this rule class probabilities (calibrated when the recipe calibrates)
    on_probabilities = True

    def __init__(self, objective: str = "f1") -> None:
        parse_objective(objective)  # fail early on a bad objective
        self.objective = objective

    def fit(self, scores: Any, y_true: Any) -> ThresholdRule:
        """Tune the threshold on held-out ``scores`` and labels (both None: keep it untuned)."""
        self.threshold_: float | None = None
        self.score_: float | None = None
        if scores is None:
            return self
        p = self._positive(scores)
        if len(np.unique(as_array(y_true))) < 2:
            return self
        result = tune_threshold(y_true, p, self.objective)
        self.threshold_, self.score_ = result.threshold, result.score
        return self

    def _positive(self, scores: Any) -> np.ndarray:
        s = as_array(scores).astype(np.float64)
        if s.ndim == 2:
            if s.shape[1] != 2:
                raise InputError(
                    "threshold:OBJECTIVE is for two classes; use logit_adjust or bias_tuning for "
                    f"{s.shape[1]} classes"
                )
            return s[:, 1]
        return s.reshape(-1)

    def predict(self, scores: Any) -> np.ndarray:
        """1 where the positive-class score reaches ``threshold_`` (0.5 of a probability when the
        rule is untuned)."""
        p = self._positive(scores)
        if self.threshold_ is None:
            return (p > 0.5).astype(np.int64)
        return (p >= self.threshold_).astype(np.int64)

    def decision_function(self, scores: Any) -> np.ndarray:
        """Log-odds of the positive class minus those of the threshold: positive where
        :meth:`predict` says 1 (for probability scores)."""
        p = np.clip(self._positive(scores), 1e-12, 1 - 1e-12)
        if self.threshold_ is None:
            return np.log(p / (1 - p))
        t = min(max(self.threshold_, 1e-12), 1 - 1e-12)
        # p >= t predicts the positive class; nudge ties to the positive side
        return np.log(p / (1 - p)) - math.log(t / (1 - t)) + 1e-12

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`predict` needs, JSON-ready."""
        return {"objective": self.objective, "threshold": self.threshold_}

    def load_state_dict(self, state: dict[str, Any]) -> ThresholdRule:
        """Restore :meth:`state_dict`'s output."""
        self.objective = str(state.get("objective", self.objective))
        t = state.get("threshold")
        self.threshold_ = None if t is None else float(t)
        return self
