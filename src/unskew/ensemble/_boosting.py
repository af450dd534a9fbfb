"""RUSBoost-style SAMME boosting of any classifier that takes ``sample_weight``."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from unskew.ensemble._base import (
    BalancedScoreMixin,
    as_rows,
    check_estimator_param,
    check_n_estimators,
    check_rows,
    check_sample_weight,
    default_estimator,
    encode_labels,
    fit_member,
    input_tags_of,
    member_seeds,
    seeded,
)
from unskew.ensemble._easy_ensemble import undersample
from unskew.exceptions import InputError, TrainingError

__all__ = ["BoostingClassifier"]

#: The error a member with no weighted training error is given (its weight is then ~23 + log(K-1)).
_PERFECT = 1e-10


class BoostingClassifier(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """RUSBoost: SAMME boosting where every round trains on a random under-sampling.

    With weights :math:`w_i` on all :math:`n` rows (uniform, or ``sample_weight``, summing to 1)
    and :math:`K` classes, round :math:`m`:

    1. draw a random under-sampling :math:`S_m` (every class cut to the smallest class's count;
       skipped when ``undersample=False``, which is plain SAMME) and fit member :math:`h_m` on it
       with ``sample_weight`` = the kept rows' :math:`w_i`, scaled to average 1 (so a member
       whose loss sums weights, such as a regularised linear model, keeps its usual scale);
    2. its weighted error on *all* rows, :math:`\\varepsilon_m = \\sum_i w_i [h_m(x_i) \\ne y_i]`;
    3. its weight :math:`\\alpha_m = \\eta \\left(\\log\\frac{1-\\varepsilon_m}{\\varepsilon_m}
       + \\log(K-1)\\right)` (``learning_rate`` :math:`\\eta`);
    4. :math:`w_i \\leftarrow w_i\\, e^{\\alpha_m [h_m(x_i) \\ne y_i]}`, renormalised.

    The ensemble votes: ``decision_function`` is :math:`D_c(x) = \\sum_m \\alpha_m
    [h_m(x) = c]` (for two classes the single column :math:`D_1 - D_0`), ``predict_proba`` is
    :math:`D_c / \\sum_m \\alpha_m`, ``predict`` its argmax. As in scikit-learn's AdaBoost, a member
    with no weighted error ends the boosting (it is weighted as if its error were 1e-10, so it
    dominates the vote), and a member no better than chance, :math:`\\varepsilon_m \\ge 1 - 1/K`,
    is discarded and ends it (an error if it is the first).

    Seiffert, Khoshgoftaar, Van Hulse & Napolitano, "RUSBoost: A Hybrid Approach to Alleviating
    Class Imbalance", IEEE TSMC-A 40(1), 2010; multi-class SAMME: Zhu, Zou, Rosset & Hastie,
    "Multi-class AdaBoost", Statistics and Its Interface 2, 2009. Rounds depend on each other, so
    members are fitted one after another.

    A deep member on an under-sampling of about :math:`K n_{min}` rows takes far fewer optimiser
    steps per epoch than on all rows; when the first member is no better than chance, raise its
    ``epochs``.

    Parameters
    ----------
    estimator : classifier, default=None
        Cloned every round, with its ``random_state`` set to the round's seed; ``fit`` must take
        ``sample_weight`` (a ``Pipeline`` passes it to its last step). None means
        ``ImbalancedClassifier(epochs=30)``.
    n_estimators : int, default=10
        The most rounds (fewer when boosting ends early).
    learning_rate : float, default=1.0
        Shrinks every member's weight :math:`\\alpha_m`.
    undersample : bool, default=True
        Train each round on a random under-sampling (RUSBoost); False trains on all rows (SAMME).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of classifiers
        The kept members (fitted on the label codes ``0..K-1``).
    estimator_weights_ : ndarray of shape (n_members,)
    estimator_errors_ : ndarray of shape (n_members,)
    estimators_samples_ : list of ndarray
        The rows each kept member was trained on.
    classes_ : ndarray of shape (K,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    >>> tree = DecisionTreeClassifier(max_depth=2)
    >>> boost = BoostingClassifier(tree, n_estimators=5, random_state=0).fit(X, y)
    >>> boost.estimator_errors_.round(2), boost.estimator_weights_.round(2)
    (array([0.25, 0.08, 0.41, 0.3 , 0.1 ]), array([1.1 , 2.44, 0.36, 0.85, 2.25]))
    """

    def __init__(
        self,
        estimator: Any = None,
        n_estimators: int = 10,
        *,
        learning_rate: float = 1.0,
        undersample: bool = True,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.undersample = undersample
        self.random_state = random_state

    def _base_estimator(self) -> Any:
        return default_estimator() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return input_tags_of(tags, [self._base_estimator()])

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BoostingClassifier:
        """Boost up to ``n_estimators`` rounds on ``(X, y)``, starting from ``sample_weight``."""
        n_estimators = check_n_estimators(self.n_estimators)
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
            raise InputError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        base = self._base_estimator()
        check_estimator_param(base, "BoostingClassifier", proba=False)
        codes, self.classes_ = encode_labels(y)
        X = as_rows(X)
        check_rows(X, codes)
        n, k = len(codes), len(self.classes_)
        weights = check_sample_weight(sample_weight, n)
        weights = np.full(n, 1.0 / n) if weights is None else weights / weights.sum()
        seeds = member_seeds(self.random_state, 2 * n_estimators).reshape(n_estimators, 2)
        y_arr = np.asarray(y).reshape(-1)
        members, alphas, errors, samples = [], [], [], []
        for sample_seed, member_seed in seeds:
            rows = (
                undersample(y_arr, "auto", False, int(sample_seed))
                if self.undersample
                else np.arange(n)
            )
            mean = weights[rows].mean()
            scaled = weights / mean if mean > 0 else weights  # the kept rows' weights average 1
            member = fit_member(seeded(base, int(member_seed)), X, codes, rows, scaled)
            wrong = _predict_codes(member, X) != codes
            error = float(np.average(wrong, weights=weights))
            if error >= 1.0 - 1.0 / k:
                if not members:
                    raise TrainingError(
                        f"the first member's weighted error {error:.3f} is no better than chance "
                        f"(1 - 1/K = {1 - 1 / k:.3f}); train it longer (a net on a small balanced "
                        "subset takes few steps per epoch: raise epochs) or use a stronger estimator"
                    )
                break  # discard it and stop, as scikit-learn's AdaBoost does
            alpha = self.learning_rate * (
                math.log((1 - max(error, _PERFECT)) / max(error, _PERFECT)) + math.log(k - 1)
            )
            members.append(member)
            alphas.append(alpha)
            errors.append(error)
            samples.append(rows)
            if error <= 0:
                break
            weights = weights * np.exp(alpha * wrong * (weights > 0))
            weights /= weights.sum()
        self.estimators_ = members
        self.estimator_weights_ = np.asarray(alphas)
        self.estimator_errors_ = np.asarray(errors)
        self.estimators_samples_ = samples
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(members[0], name):
                setattr(self, name, getattr(members[0], name))
        return self

    def _votes(self, X: Any) -> np.ndarray:
        """:math:`D_c(x) = \\sum_m \\alpha_m [h_m(x) = c]`, shape (N, K)."""
        check_is_fitted(self, "estimators_")
        k = len(self.classes_)
        votes = None
        for member, alpha in zip(self.estimators_, self.estimator_weights_, strict=True):
            one_hot = np.eye(k)[_predict_codes(member, X)] * alpha
            votes = one_hot if votes is None else votes + one_hot
        return votes

    def decision_function(self, X: Any) -> np.ndarray:
        """Weighted votes (N, K); for two classes one column, ``D_1 - D_0`` (positive: the
        second class)."""
        votes = self._votes(X)
        return votes[:, 1] - votes[:, 0] if votes.shape[1] == 2 else votes

    def predict_proba(self, X: Any) -> np.ndarray:
        """Each class's share of the members' total weight, (N, K)."""
        return self._votes(X) / self.estimator_weights_.sum()

    def predict(self, X: Any) -> np.ndarray:
        """The class with the most weighted votes."""
        check_is_fitted(self, "estimators_")
        return self.classes_[self._votes(X).argmax(axis=1)]


def _predict_codes(member: Any, X: Any) -> np.ndarray:
    """The member's predictions as codes (members are fitted on the codes ``0..K-1``)."""
    return np.asarray(member.predict(X)).astype(np.int64)
