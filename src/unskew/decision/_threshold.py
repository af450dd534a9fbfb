"""Exact decision-threshold tuning for binary scores."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from unskew._validation import minority_class
from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, positive_scores
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

    ``fit(scores, y_true)`` (class codes 0 and 1) finds the threshold with
    :func:`tune_threshold` for the positive class ``positive_``; ``predict(scores)`` returns
    ``positive_`` where its score reaches ``threshold_``, the other class elsewhere. ``scores``
    are class probabilities (N, 2), whose positive class is the minority of ``y_true``
    (:func:`unskew._validation.minority_class`, the class the metrics score: ``threshold:f1``
    tunes the minority's F1 whichever label sorts first), or the scores of class 1 (N,), which
    is then the positive class. The Trainer passes the (calibrated) probabilities
    (``on_probabilities``). Fit it on held-out (validation or out-of-fold) scores only, never on
    the rows the model was trained on. Without held-out scores, or when they hold one class
    only, ``threshold_`` stays None and ``predict`` takes the more probable class.

    Examples
    --------
    >>> rule = ThresholdRule("f1").fit([0.1, 0.3, 0.35, 0.8, 0.4], [0, 0, 1, 1, 0])
    >>> rule.threshold_, rule.predict([0.2, 0.5]).tolist()
    (0.35, [0, 1])
    >>> ThresholdRule().load_state_dict(rule.state_dict()).threshold_
    0.35
    >>> first = ThresholdRule("f1").fit([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]], [1, 0, 1])
    >>> first.positive_, first.threshold_  # class 0 is the minority: its F1 is tuned
    (0, 0.6)
    """

    #: the Trainer hands this rule class probabilities (calibrated when the recipe calibrates)
    on_probabilities = True

    def __init__(self, objective: str = "f1") -> None:
        parse_objective(objective)  # fail early on a bad objective
        self.objective = objective
        self.positive_ = 1

    def fit(self, scores: Any, y_true: Any) -> ThresholdRule:
        """Tune the threshold on held-out ``scores`` and labels (both None: keep it untuned)."""
        self.threshold_: float | None = None
        self.score_: float | None = None
        self.positive_ = 1
        if scores is None:
            return self
        s = self._checked(scores)
        codes = as_array(y_true).astype(np.int64)
        if len(np.unique(codes)) < 2:
            return self
        if s.ndim == 2:
            self.positive_ = minority_class(np.bincount(codes, minlength=2))
        hit = (codes == self.positive_).astype(np.int64)
        result = tune_threshold(hit, positive_scores(s, self.positive_), self.objective)
        self.threshold_, self.score_ = result.threshold, result.score
        return self

    def _checked(self, scores: Any) -> np.ndarray:
        s = as_array(scores).astype(np.float64)
        if s.ndim == 2 and s.shape[1] != 2:
            raise InputError(
                "threshold:OBJECTIVE is for two classes; use logit_adjust or bias_tuning for "
                f"{s.shape[1]} classes"
            )
        return s if s.ndim == 2 else s.reshape(-1)

    def predict(self, scores: Any) -> np.ndarray:
        """``positive_`` where its score reaches ``threshold_`` (above 0.5 of a probability when
        the rule is untuned), the other class elsewhere."""
        p = positive_scores(self._checked(scores), self.positive_)
        hit = p > 0.5 if self.threshold_ is None else p >= self.threshold_
        return np.where(hit, self.positive_, 1 - self.positive_).astype(np.int64)

    def decision_function(self, scores: Any) -> np.ndarray:
        """Log-odds of class 1 beyond the threshold's: positive where :meth:`predict` says 1 (for
        probability scores)."""
        p = np.clip(positive_scores(self._checked(scores), self.positive_), 1e-12, 1 - 1e-12)
        if self.threshold_ is None:
            d = np.log(p / (1 - p))
        else:
            t = min(max(self.threshold_, 1e-12), 1 - 1e-12)
            # p >= t predicts the positive class; nudge ties to its side
            d = np.log(p / (1 - p)) - math.log(t / (1 - t)) + 1e-12
        return d if self.positive_ == 1 else -d

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`predict` needs, JSON-ready."""
        return {
            "objective": self.objective,
            "threshold": self.threshold_,
            "positive": self.positive_,
        }

    def load_state_dict(self, state: dict[str, Any]) -> ThresholdRule:
        """Restore :meth:`state_dict`'s output."""
        self.objective = str(state.get("objective", self.objective))
        t = state.get("threshold")
        self.threshold_ = None if t is None else float(t)
        self.positive_ = int(state.get("positive", 1))  # saved before it was recorded: class 1
        return self
