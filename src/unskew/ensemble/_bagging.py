"""Balanced bagging: bootstrap samples, each balanced by under-sampling, probabilities averaged."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from unskew.ensemble._averaging import SubsetAveragingEnsemble
from unskew.exceptions import InputError

__all__ = ["BalancedBaggingClassifier"]


class BalancedBaggingClassifier(SubsetAveragingEnsemble):
    """Bagging whose every bag is balanced: a bootstrap sample, then under-sampled.

    For member :math:`m`, each class :math:`c` of :math:`n_c` rows gets a bootstrap sample of
    :math:`b_c = \\max(1, \\mathrm{round}(s\\, n_c))` rows drawn with replacement (``s`` from
    ``max_samples``; stratified, so every bag holds every class); then every class's bootstrap
    is under-sampled, without replacement, to the smallest one, :math:`\\min_c b_c` rows. The
    members' probabilities are averaged (soft voting).

    Under-sampling within bagging is the idea of Hido, Kashima & Takahashi, "Roughly Balanced
    Bagging for Imbalanced Data", Statistical Analysis and Data Mining 2(5-6), 2009; they draw the
    majority count of each bag from a negative binomial so bags are balanced only on average, while
    here (as in imbalanced-learn's ``BalancedBaggingClassifier``) every bag is exactly balanced.
    Unlike :class:`EasyEnsembleClassifier`, the minority rows are resampled too, so members also
    differ on the minority class.

    A deep member on a balanced subset of about :math:`K n_{min}` rows takes
    :math:`n / (K n_{min})` times fewer optimiser steps per epoch than a model on all :math:`n`
    rows; if members underfit, raise their ``epochs`` (or lower ``batch_size``).

    Parameters
    ----------
    estimator : classifier, default=None
        Cloned for every member, with its ``random_state`` set to the member's own seed; it needs
        ``predict_proba``. None means ``ImbalancedClassifier(epochs=30)``.
    n_estimators : int, default=10
    max_samples : float or int, default=1.0
        Bootstrap size before balancing: a share of the rows in (0, 1], or a number of rows,
        split over the classes in proportion to their sizes.
    n_jobs : int or None, default=None
        Members fitted in parallel by joblib (processes); the result does not depend on it.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of classifiers
    estimators_samples_ : list of ndarray
        The row indices of each bag (sorted; repeated rows appear repeatedly).
    classes_ : ndarray of shape (K,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    >>> bag = BalancedBaggingClassifier(DecisionTreeClassifier(), n_estimators=5, random_state=0)
    >>> bag.fit(X, y).predict_proba(X[:3]).sum(axis=1)
    array([1., 1., 1.])
    """

    def __init__(
        self,
        estimator: Any = None,
        n_estimators: int = 10,
        *,
        max_samples: float = 1.0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_params(self, n: int) -> None:
        s = self.max_samples
        is_int = isinstance(s, numbers.Integral) and not isinstance(s, bool)
        if is_int and not 1 <= s <= n:
            raise InputError(f"max_samples={s} rows is outside [1, {n}] (the number of rows)")
        if not is_int and not (isinstance(s, numbers.Real) and 0 < s <= 1):
            raise InputError(
                f"max_samples must be a share in (0, 1] or a number of rows, got {s!r}"
            )

    def _subset(self, y: Any, codes: np.ndarray, seed: int) -> np.ndarray:
        rng = np.random.RandomState(seed)
        s = self.max_samples
        as_rows = isinstance(s, numbers.Integral) and not isinstance(s, bool)
        share = s / len(codes) if as_rows else float(s)
        by_class = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
        boots = [
            rng.choice(rows, max(1, round(share * len(rows))), replace=True) for rows in by_class
        ]
        size = min(len(b) for b in boots)
        return np.sort(np.concatenate([rng.choice(b, size, replace=False) for b in boots]))
