"""The classical tabular baselines a deep recipe should beat: imbalanced-learn's ensembles and
scikit-learn's class-weighted logistic regression and histogram gradient boosting."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from unskew._validation import closest_name, format_list
from unskew.ensemble._base import BalancedScoreMixin, check_sample_weight, weight_kwargs
from unskew.exceptions import InputError

__all__ = ["TABULAR_BASELINES", "TabularBaseline", "tabular_baseline"]

_BALANCED = {"class_weight": "balanced"}

#: Baseline name -> (``"module:Class"``, what it is).
TABULAR_BASELINES: dict[str, tuple[str, str]] = {
    "balanced_random_forest": (
        "imblearn.ensemble:BalancedRandomForestClassifier",
        "random forest whose every tree grows on a random under-sampling (Chen, Liaw & Breiman, "
        "Using Random Forest to Learn Imbalanced Data, 2004)",
    ),
    "rus_boost": (
        "imblearn.ensemble:RUSBoostClassifier",
        "AdaBoost (SAMME) of trees, each round on a random under-sampling (Seiffert et al., "
        "RUSBoost, IEEE TSMC-A 2010)",
    ),
    "easy_ensemble_adaboost": (
        "imblearn.ensemble:EasyEnsembleClassifier",
        "bag of AdaBoost learners, each on a random under-sampling (Liu, Wu & Zhou, IEEE TSMC-B "
        "2009)",
    ),
    "logistic_regression": (
        "sklearn.linear_model:LogisticRegression",
        "logistic regression with balanced class weights n / (K n_k) (King & Zeng, Logistic "
        "Regression in Rare Events Data, Political Analysis 2001)",
    ),
    "hist_gradient_boosting": (
        "sklearn.ensemble:HistGradientBoostingClassifier",
        "histogram gradient boosting of trees with balanced class weights (Ke et al., LightGBM, "
        "NeurIPS 2017)",
    ),
}

#: Defaults unskew sets where the library's differ (balanced class weights, enough iterations).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "logistic_regression": {**_BALANCED, "max_iter": 1000},
    "hist_gradient_boosting": dict(_BALANCED),
}

#: The parameter ``n_estimators`` sets (the number of members, trees or boosting rounds).
_SIZE: dict[str, str | None] = {"hist_gradient_boosting": "max_iter", "logistic_regression": None}


def tabular_baseline(name: str, random_state: Any = None, **params: Any) -> Any:
    """An unfitted classical tabular model by name, with its defaults updated by ``params``.

    ========================== ==========================================================
    ``balanced_random_forest`` ``imblearn.ensemble.BalancedRandomForestClassifier``
    ``rus_boost``              ``imblearn.ensemble.RUSBoostClassifier``
    ``easy_ensemble_adaboost`` ``imblearn.ensemble.EasyEnsembleClassifier`` (AdaBoost members)
    ``logistic_regression``    ``sklearn.linear_model.LogisticRegression``,
                               ``class_weight="balanced"``, ``max_iter=1000``
    ``hist_gradient_boosting`` ``sklearn.ensemble.HistGradientBoostingClassifier``,
                               ``class_weight="balanced"``
    ========================== ==========================================================

    Balanced class weights give class ``k`` the weight ``n / (K n_k)``, so every class carries the
    same total weight in the loss. These take numeric matrices only; :class:`TabularBaseline` puts
    a :class:`TableEncoder` in front of them so they read the same tables as the deep models.

    Examples
    --------
    >>> tabular_baseline("rus_boost", random_state=0, n_estimators=20)
    RUSBoostClassifier(n_estimators=20, random_state=0)
    >>> tabular_baseline("hist_gradient_boosting", random_state=0).class_weight
    'balanced'
    """
    if name not in TABULAR_BASELINES:
        hint = closest_name(str(name), TABULAR_BASELINES)
        raise InputError(
            f"unknown tabular baseline {name!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; the baselines are {format_list(TABULAR_BASELINES)}"
        )
    module, _, attr = TABULAR_BASELINES[name][0].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    return cls(**{"random_state": random_state, **_DEFAULTS.get(name, {}), **params})


def _size_params(name: str, n_estimators: int | None) -> dict[str, Any]:
    """``{"n_estimators": n}`` (or the model's own name for it); refused for a model without one."""
    if n_estimators is None:
        return {}
    size = _SIZE.get(name, "n_estimators")
    if size is None:
        raise InputError(
            f"{name} has no number of estimators; leave n_estimators=None (got {n_estimators!r})"
        )
    return {size: n_estimators}


def _has(method: str) -> Any:
    def check(self: TabularBaseline) -> bool:
        fitted = getattr(self, "estimator_", None)
        return hasattr(fitted if fitted is not None else tabular_baseline(self.name), method)

    return check


class TabularBaseline(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """:func:`tabular_baseline` as an estimator of its own, for the strategy registry.

    It builds the named model in ``fit``, behind a :class:`TableEncoder`
    (median imputation, scaling, one-hot of text columns), so it reads DataFrames with text
    columns and missing values as the deep classifier does. Unlike the imbalanced-learn object it
    has no ``estimator`` parameter, so a recipe keeps it the tabular model it is named after rather
    than putting a deep network inside it.

    Parameters
    ----------
    name : {"balanced_random_forest", "rus_boost", "easy_ensemble_adaboost", \
            "logistic_regression", "hist_gradient_boosting"}
    n_estimators : int or None, default=None
        Members, trees or boosting rounds (``max_iter`` of histogram gradient boosting); None keeps
        the library's default (100, 50, 10, -, 100). Logistic regression has none.
    options : dict or None, default=None
        Other keyword arguments of the model (``{"C": 0.5}``, ``{"learning_rate": 0.05}``).
    random_state : int, RandomState or None, default=None

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(200, 5, weights=[0.9], random_state=0)
    >>> TabularBaseline("balanced_random_forest", 20, random_state=0).fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        name: str = "balanced_random_forest",
        n_estimators: int | None = None,
        random_state: Any = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.n_estimators = n_estimators
        self.random_state = random_state
        self.options = options

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the TableEncoder imputes
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TabularBaseline:
        """Fit the named model on ``(X, y)``, behind a :class:`TableEncoder` fitted on ``X``."""
        from unskew.ensemble._encode import TableEncoder

        params = {**_size_params(self.name, self.n_estimators), **(self.options or {})}
        model = tabular_baseline(self.name, self.random_state, **params)
        weights = check_sample_weight(sample_weight, len(np.asarray(y).reshape(-1)))
        X = self._validated(X, reset=True)
        self.encoder_ = TableEncoder().fit(X)
        self.estimator_ = model.fit(self.encoder_.transform(X), y, **weight_kwargs(model, weights))
        self.classes_ = self.estimator_.classes_
        return self

    def _validated(self, X: Any, *, reset: bool) -> Any:
        """``X`` checked (column count and names; arrays as float64, NaN allowed), tables as they
        are so their text columns reach the encoder."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            return X
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")

    def _encode(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.encoder_.transform(self._validated(X, reset=False))

    def predict(self, X: Any) -> np.ndarray:
        X = self._encode(X)
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        X = self._encode(X)
        return self.estimator_.predict_proba(X)

    @available_if(_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        X = self._encode(X)
        return self.estimator_.decision_function(X)
