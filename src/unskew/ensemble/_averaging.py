"""The base of ensembles that average members fitted on balanced subsets of the rows."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from unskew.ensemble._base import (
    BalancedScoreMixin,
    aligned_proba,
    as_rows,
    check_estimator_param,
    check_n_estimators,
    check_rows,
    check_sample_weight,
    default_estimator,
    encode_labels,
    fit_members,
    input_tags_of,
    member_seeds,
    seeded,
    weight_kwargs,
)

__all__ = ["SubsetAveragingEnsemble"]


class SubsetAveragingEnsemble(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """Members fitted in parallel on their own subsets of the rows; probabilities averaged.

    A subclass says which rows each member sees in :meth:`_subset`; ``fit`` draws two seeds per
    member (one for its subset, one for the member itself) from ``random_state`` before any
    member is fitted, so the ensemble is the same whatever ``n_jobs`` and whichever worker fits
    which member. Members are fitted on the label codes ``0..K-1``; ``classes_`` holds the labels.
    """

    estimator: Any
    n_estimators: int
    n_jobs: int | None
    random_state: Any

    # -- hooks ------------------------------------------------------------------------------------
    def _subset(self, y: Any, codes: np.ndarray, seed: int) -> np.ndarray:
        """Sorted row indices of one member's training subset."""
        raise NotImplementedError

    def _check_params(self, n: int) -> None:
        """Validate the subclass's own parameters (``n`` rows)."""

    # -- scikit-learn plumbing --------------------------------------------------------------------
    def _base_estimator(self) -> Any:
        return default_estimator() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return input_tags_of(tags, [self._base_estimator()])

    # -- fit / predict ----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SubsetAveragingEnsemble:
        """Fit ``n_estimators`` members, each on its own subset of ``(X, y)``; ``sample_weight``
        (optional) is passed on, restricted to each subset, to members that take it."""
        n_estimators = check_n_estimators(self.n_estimators)
        base = self._base_estimator()
        check_estimator_param(base, type(self).__name__)
        codes, self.classes_ = encode_labels(y)
        X = as_rows(X)
        check_rows(X, codes)
        weights = check_sample_weight(sample_weight, len(codes))
        weight_kwargs(base, weights)  # refuse early an estimator that cannot take the weights
        self._check_params(len(codes))
        y_arr = np.asarray(y).reshape(-1)
        seeds = member_seeds(self.random_state, 2 * n_estimators).reshape(n_estimators, 2)
        self.estimators_samples_ = [self._subset(y_arr, codes, int(s)) for s, _ in seeds]
        tasks = [
            (seeded(base, int(m)), X, codes, rows, weights)
            for rows, (_, m) in zip(self.estimators_samples_, seeds, strict=True)
        ]
        self.estimators_ = fit_members(tasks, self.n_jobs)
        first = self.estimators_[0]
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The members' class probabilities averaged, (N, K) in the order of ``classes_``."""
        check_is_fitted(self, "estimators_")
        k = len(self.classes_)
        return sum(aligned_proba(m, X, k) for m in self.estimators_) / len(self.estimators_)

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest averaged probability."""
        check_is_fitted(self, "estimators_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
