"""Factories for the strategy registry: recipe parameters (``easy_ensemble:n=10``) -> an unfitted
ensemble. :class:`~unskew.training.ImbalancedClassifier` then sets its ``estimator`` to the network
trained with the rest of the recipe, and its ``random_state``."""

from __future__ import annotations

from unskew.ensemble._bagging import BalancedBaggingClassifier
from unskew.ensemble._baselines import TabularBaseline
from unskew.ensemble._boosting import BoostingClassifier
from unskew.ensemble._easy_ensemble import EasyEnsembleClassifier
from unskew.ensemble._heterogeneous import HeterogeneousEnsemble

__all__ = [
    "balanced_bagging",
    "balanced_random_forest",
    "boosting",
    "easy_ensemble",
    "easy_ensemble_adaboost",
    "hist_gradient_boosting",
    "logistic_regression",
    "rus_boost",
    "stacking",
    "voting",
]


def easy_ensemble(
    n: int = 10, replacement: bool = False, n_jobs: int | None = None
) -> EasyEnsembleClassifier:
    """``easy_ensemble:n=10``: :class:`EasyEnsembleClassifier` of ``n`` members.

    Examples
    --------
    >>> easy_ensemble(5).n_estimators
    5
    """
    return EasyEnsembleClassifier(n_estimators=n, replacement=replacement, n_jobs=n_jobs)


def balanced_bagging(
    n: int = 10, max_samples: float = 1.0, n_jobs: int | None = None
) -> BalancedBaggingClassifier:
    """``balanced_bagging:n=10``: :class:`BalancedBaggingClassifier` of ``n`` members."""
    return BalancedBaggingClassifier(n_estimators=n, max_samples=max_samples, n_jobs=n_jobs)


def boosting(
    n: int = 10, learning_rate: float = 1.0, undersample: bool = True
) -> BoostingClassifier:
    """``boosting:n=10``: :class:`BoostingClassifier` (RUSBoost-style SAMME), at most ``n``
    rounds."""
    return BoostingClassifier(n_estimators=n, learning_rate=learning_rate, undersample=undersample)


def voting(n_jobs: int | None = None) -> HeterogeneousEnsemble:
    """``voting``: :class:`HeterogeneousEnsemble` of the default members, soft voting."""
    return HeterogeneousEnsemble(method="soft_voting", n_jobs=n_jobs)


def stacking(n_jobs: int | None = None) -> HeterogeneousEnsemble:
    """``stacking``: :class:`HeterogeneousEnsemble` of the default members, stacked."""
    return HeterogeneousEnsemble(method="stacking", n_jobs=n_jobs)


def balanced_random_forest(n: int = 100) -> TabularBaseline:
    """``balanced_random_forest``: imbalanced-learn's balanced random forest of ``n`` trees."""
    return TabularBaseline("balanced_random_forest", n_estimators=n)


def rus_boost(n: int = 50) -> TabularBaseline:
    """``rus_boost``: imbalanced-learn's RUSBoost of ``n`` trees."""
    return TabularBaseline("rus_boost", n_estimators=n)


def easy_ensemble_adaboost(n: int = 10) -> TabularBaseline:
    """``easy_ensemble_adaboost``: imbalanced-learn's EasyEnsemble of ``n`` AdaBoost learners."""
    return TabularBaseline("easy_ensemble_adaboost", n_estimators=n)


def logistic_regression(C: float = 1.0) -> TabularBaseline:
    """``logistic_regression:C=1``: scikit-learn's logistic regression with balanced class weights
    (``class_weight="balanced"``, L2 penalty of inverse strength ``C``) on the encoded table.

    Examples
    --------
    >>> logistic_regression(0.5).options
    {'C': 0.5}
    """
    return TabularBaseline("logistic_regression", options={"C": C})


def hist_gradient_boosting(
    n: int = 100, learning_rate: float = 0.1, max_leaf_nodes: int = 31
) -> TabularBaseline:
    """``hist_gradient_boosting:n=100``: scikit-learn's histogram gradient boosting of ``n`` rounds
    with balanced class weights on the encoded table.

    Examples
    --------
    >>> hist_gradient_boosting(50).n_estimators
    50
    """
    return TabularBaseline(
        "hist_gradient_boosting",
        n_estimators=n,
        options={"learning_rate": learning_rate, "max_leaf_nodes": max_leaf_nodes},
    )
