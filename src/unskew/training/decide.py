"""The decision stage at prediction time: probabilities (calibrated when the recipe asks) and class
codes under the fitted decision rule, through the stage's interface (``fit``, ``predict``,
``decision_function``; rules that declare ``on_probabilities`` receive class probabilities, the others
logits)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["apply_decision", "calibrated_proba", "fit_decision", "rule_scores", "softmax"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a NumPy array.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """
    z = logits - logits.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def calibrated_proba(calibration: Any, logits: np.ndarray) -> np.ndarray:
    """Class probabilities from logits: the softmax, or the calibration's when there is one."""
    if calibration is None:
        return softmax(logits)
    return np.asarray(calibration.predict_proba(logits))


def rule_scores(rule: Any, calibration: Any, logits: np.ndarray) -> np.ndarray:
    """What ``rule`` decides on: (calibrated) probabilities for rules with ``on_probabilities``,
    the logits for the others."""
    if getattr(rule, "on_probabilities", False):
        return calibrated_proba(calibration, logits)
    return logits


def fit_decision(
    rule: Any, calibration: Any, logits: np.ndarray | None, y: np.ndarray | None
) -> tuple[Any, Any]:
    """Fit the calibration, then the rule, on held-out ``logits`` (both None without held-out
    rows: the calibration is dropped, the rule keeps its untuned default)."""
    if calibration is not None:
        if logits is None:
            import warnings

            warnings.warn(
                "calibrate needs held-out scores and there is no validation split: "
                "probabilities stay uncalibrated",
                UserWarning,
                stacklevel=4,
            )
            calibration = None
        else:
            calibration = calibration.fit(logits, y)
    if rule is not None:
        scores = None if logits is None else rule_scores(rule, calibration, logits)
        rule = rule.fit(scores, y)
    return rule, calibration


def apply_decision(rule: Any, calibration: Any, logits: np.ndarray) -> np.ndarray:
    """Class codes from logits under a fitted decision rule (argmax when ``rule`` is None)."""
    if rule is None:
        return logits.argmax(1)
    return np.asarray(rule.predict(rule_scores(rule, calibration, logits))).astype(np.int64)


def decision_scores(rule: Any, calibration: Any, logits: np.ndarray) -> np.ndarray:
    """Scores consistent with :func:`apply_decision`: the rule's ``decision_function`` (its adjusted
    logits), or the logits; for two classes one column whose sign gives the prediction."""
    scores = (
        logits
        if rule is None
        else np.asarray(rule.decision_function(rule_scores(rule, calibration, logits)))
    )
    if scores.ndim == 2 and scores.shape[1] == 2:
        return scores[:, 1] - scores[:, 0]
    return scores
