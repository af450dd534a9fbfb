"""ThresholdedClassifier: tune the decision rule of any scikit-learn classifier out of fold."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils.validation import check_is_fitted

from unskew._validation import minority_class
from unskew.decision._multiclass import BiasTuning
from unskew.decision._threshold import tune_threshold
from unskew.metrics._inputs import positive_scores

__all__ = ["ThresholdedClassifier"]


class ThresholdedClassifier(ClassifierMixin, BaseEstimator):
    """Any classifier with ``predict_proba`` or ``decision_function``, with its decision rule tuned
    on out-of-fold predictions only.

    ``fit`` collects out-of-fold scores with ``cv`` stratified folds, tunes the rule on them, then
    refits ``estimator`` on all rows. Binary problems get a threshold on the minority class's
    scores (``positive_``; :func:`tune_threshold`, ``objective`` as there: ``f1`` is the
    minority's F1 whichever label sorts first); multi-class problems per-class biases on the
    log-probabilities (:class:`BiasTuning`, with ``objective`` "macro_f1" or
    "balanced_accuracy"; "f1" means "macro_f1" there).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(500, weights=[0.9], random_state=0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), objective="f1").fit(X, y)
    >>> 0.0 < clf.threshold_ < 1.0
    True
    """

    def __init__(
        self, estimator: Any, objective: str = "f1", cv: int = 5, random_state: int | None = 0
    ) -> None:
        self.estimator = estimator
        self.objective = objective
        self.cv = cv
        self.random_state = random_state

    def _scores(self, model: Any, X: Any) -> np.ndarray:
        if hasattr(model, "predict_proba"):
            return model.predict_proba(X)
        return model.decision_function(X)

    def fit(self, X: Any, y: Any) -> ThresholdedClassifier:
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        method = (
            "predict_proba" if hasattr(self.estimator, "predict_proba") else "decision_function"
        )
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        oof = cross_val_predict(clone(self.estimator), X, codes, cv=folds, method=method)
        if len(self.classes_) == 2:  # the minority's scores, as the metrics score it
            self.positive_ = minority_class(np.bincount(codes, minlength=2))
            scores = positive_scores(oof, self.positive_)
            hit = (codes == self.positive_).astype(np.int64)
            self.threshold_ = tune_threshold(hit, scores, self.objective).threshold
        else:
            metric = "macro_f1" if self.objective == "f1" else self.objective
            logits = np.log(np.clip(oof, 1e-12, None)) if method == "predict_proba" else oof
            self.bias_tuning_ = BiasTuning(metric).fit(logits, codes)
        self.estimator_ = clone(self.estimator).fit(X, codes)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        scores = self._scores(self.estimator_, X)
        if len(self.classes_) == 2:
            hit = positive_scores(scores, self.positive_) >= self.threshold_
            return self.classes_[np.where(hit, self.positive_, 1 - self.positive_)]
        logits = (
            np.log(np.clip(scores, 1e-12, None))
            if hasattr(self.estimator_, "predict_proba")
            else scores
        )
        return self.classes_[self.bias_tuning_.predict(logits)]

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)
