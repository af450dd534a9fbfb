"""The decision stage around a whole model of its own (a classical baseline such as
``hist_gradient_boosting``, an anomaly detector): the recipe's rule and calibration tuned on
out-of-fold predictions of the training rows, then applied to the model's probabilities.

A deep network tunes its rule on its validation split; a model with no validation split of its
own gets held-out scores the way scikit-learn's ``TunedThresholdClassifierCV`` does: every training
row is scored by a clone fitted on the other folds (``cross_val_predict``), the rule is fitted on
those scores, and the model itself is fitted on every row. The rule sees log-probabilities as its
logits (``softmax(log p) = p``), so a tuned threshold reads the model's probabilities and a logit
adjustment subtracts ``tau * log prior`` from ``log p``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.recipes import Recipe
from unskew.stages import RunContext
from unskew.training.assembly import build_decision
from unskew.training.decide import fit_decision

__all__ = ["FOLDS", "as_logits", "decision_only", "out_of_fold_logits", "tune_decision"]

#: Folds of the out-of-fold predictions (fewer when the smallest class is smaller).
FOLDS = 5
_FLOOR = 1e-12


def as_logits(proba: np.ndarray) -> np.ndarray:
    """Log-probabilities, floored at ``log(1e-12)``: logits whose softmax is ``proba``.

    Examples
    --------
    >>> as_logits(np.array([[0.25, 0.75]])).round(3).tolist()
    [[-1.386, -0.288]]
    """
    return np.log(np.clip(np.asarray(proba, dtype=np.float64), _FLOOR, None))


def decision_only(recipe: Recipe) -> bool:
    """True when every part of ``recipe`` acts at the decision stage (a rule, calibrations).

    Examples
    --------
    >>> from unskew.recipes import parse_recipe
    >>> decision_only(parse_recipe("threshold:f1+calibrate")), decision_only(parse_recipe("focal"))
    (True, False)
    """
    return all(part.strategy.stage == "decision" for part in recipe.parts)


def out_of_fold_logits(
    estimator: Any,
    X: Any,
    y: np.ndarray,
    *,
    sample_weight: Any = None,
    random_state: int | None = None,
    folds: int = FOLDS,
) -> np.ndarray | None:
    """Held-out log-probabilities of every row of ``(X, y)``: each scored by a clone of
    ``estimator`` fitted on the other folds (stratified, shuffled with ``random_state``;
    ``min(folds, smallest class)`` folds). None when a class has a single row.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(100, 4, random_state=0)
    >>> out_of_fold_logits(LogisticRegression(), X, y, random_state=0).shape
    (100, 2)
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    k = min(int(folds), int(np.unique(y, return_counts=True)[1].min()))
    if k < 2:
        return None
    cv = StratifiedKFold(k, shuffle=True, random_state=random_state)
    params = {} if sample_weight is None else {"sample_weight": sample_weight}
    proba = cross_val_predict(clone(estimator), X, y, cv=cv, method="predict_proba", params=params)
    return as_logits(proba)


def tune_decision(
    recipe: Recipe,
    estimator: Any,
    X: Any,
    y: np.ndarray,
    *,
    sample_weight: Any = None,
    random_state: int | None = None,
) -> tuple[Any, Any]:
    """The decision rule and calibration of ``recipe`` (decision-stage parts only) built through
    the registry and fitted on :func:`out_of_fold_logits` of the unfitted ``estimator``; without
    held-out scores the rule keeps its untuned default and the calibration is dropped (with a
    warning), as in the Trainer.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from unskew.recipes import parse_recipe
    >>> X, y = make_classification(200, 4, weights=[0.9], random_state=0)
    >>> rule, calibration = tune_decision(parse_recipe("threshold:f1"), LogisticRegression(), X, y)
    >>> 0.0 < rule.threshold_ < 1.0, calibration is None
    (True, True)
    """
    classes, codes = np.unique(y, return_inverse=True)
    context = RunContext(
        class_counts=np.bincount(codes, minlength=len(classes)),
        labels=codes,
        random_state=random_state,
    )
    parts = build_decision(recipe, context)
    logits = out_of_fold_logits(
        estimator, X, y, sample_weight=sample_weight, random_state=random_state
    )
    return fit_decision(parts.rule, parts.calibration, logits, None if logits is None else codes)
