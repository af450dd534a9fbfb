"""EasyEnsemble: members on all minority rows plus a different random majority subset each."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.ensemble._averaging import SubsetAveragingEnsemble
from unskew.exceptions import InputError

__all__ = ["EasyEnsembleClassifier"]


class EasyEnsembleClassifier(SubsetAveragingEnsemble):
    """EasyEnsemble: independent random under-samplings, one member each, probabilities averaged.

    Member :math:`m` is trained on :math:`S_m`, every minority row plus a random subset of each
    larger class, drawn independently for every member; the ensemble predicts

    .. math:: p(c \\mid x) = \\frac{1}{M} \\sum_{m=1}^{M} p_m(c \\mid x), \\qquad
              \\hat y = \\arg\\max_c p(c \\mid x).

    Each member trains on balanced data, yet together the members see most majority rows, so
    little of the majority class is thrown away (Liu, Wu & Zhou, "Exploratory Undersampling for
    Class-Imbalance Learning", IEEE TSMC-B 39(2), 2009). The subsets are imbalanced-learn's
    ``RandomUnderSampler`` with ``sampling_strategy``: ``"auto"`` under-samples every class but
    the smallest to the smallest class's count (for two classes: the majority to the minority's).
    imbalanced-learn's own ``EasyEnsembleClassifier`` boosts AdaBoost members on the subsets; this
    one takes any classifier, by default the deep :class:`~unskew.training.ImbalancedClassifier`
    (imbalanced-learn's is :func:`tabular_baseline` ``("easy_ensemble_adaboost")``).

    A deep member on a balanced subset of about :math:`K n_{min}` rows takes
    :math:`n / (K n_{min})` times fewer optimiser steps per epoch than a model on all :math:`n`
    rows; if members underfit, raise their ``epochs`` (or lower ``batch_size``).

    Parameters
    ----------
    estimator : classifier, default=None
        Cloned for every member, with its ``random_state`` (nested ones too) set to the member's
        own seed. It needs ``predict_proba``. None means ``ImbalancedClassifier(epochs=30)``.
    n_estimators : int, default=10
        Number of members (subsets).
    sampling_strategy : float, str, dict or callable, default="auto"
        How much of each class to keep, as imbalanced-learn's ``RandomUnderSampler`` reads it
        (a float is the minority/majority ratio after under-sampling, for two classes).
    replacement : bool, default=False
        Draw each subset with replacement.
    n_jobs : int or None, default=None
        Members fitted in parallel by joblib (processes); None means 1 unless a
        ``joblib.parallel_config`` says otherwise. The result does not depend on it.
    random_state : int, RandomState or None, default=None
        Fixes every subset and every member's seed.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted members (fitted on the label codes ``0..K-1``).
    estimators_samples_ : list of ndarray
        The row indices each member was trained on.
    classes_ : ndarray of shape (K,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from unskew.training import ImbalancedClassifier
    >>> X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    >>> net = ImbalancedClassifier(epochs=5, hidden=(16,))
    >>> ens = EasyEnsembleClassifier(net, n_estimators=3, random_state=0).fit(X, y)
    >>> [len(rows) for rows in ens.estimators_samples_], ens.predict_proba(X[:2]).shape
    ([62, 62, 62], (2, 2))
    """

    def __init__(
        self,
        estimator: Any = None,
        n_estimators: int = 10,
        *,
        sampling_strategy: Any = "auto",
        replacement: bool = False,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.sampling_strategy = sampling_strategy
        self.replacement = replacement
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _subset(self, y: Any, codes: np.ndarray, seed: int) -> np.ndarray:
        return undersample(y, self.sampling_strategy, self.replacement, seed)


def undersample(y: Any, sampling_strategy: Any, replacement: bool, seed: int) -> np.ndarray:
    """Sorted row indices kept by imbalanced-learn's ``RandomUnderSampler`` on labels ``y``."""
    from imblearn.under_sampling import RandomUnderSampler

    sampler = RandomUnderSampler(
        sampling_strategy=sampling_strategy, replacement=replacement, random_state=seed
    )
    try:
        sampler.fit_resample(np.zeros((len(y), 1)), y)
    except ValueError as err:
        raise InputError(
            f"sampling_strategy={sampling_strategy!r} was refused by imbalanced-learn's "
            f"RandomUnderSampler: {err}; use 'auto' to under-sample every class to the smallest"
        ) from err
    return np.sort(sampler.sample_indices_)
