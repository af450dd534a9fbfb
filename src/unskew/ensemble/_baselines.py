"""imbalanced-learn's tabular ensembles, the classical baselines the deep ensembles should beat."""

from __future__ import annotations

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

#: Baseline name -> (imbalanced-learn class, what it is).
TABULAR_BASELINES: dict[str, tuple[str, str]] = {
    "balanced_random_forest": (
        "BalancedRandomForestClassifier",
        "random forest whose every tree grows on a random under-sampling (Chen, Liaw & Breiman, "
        "Using Random Forest to Learn Imbalanced Data, 2004)",
    ),
    "rus_boost": (
        "RUSBoostClassifier",
        "AdaBoost (SAMME) of trees, each round on a random under-sampling (Seiffert et al., "
        "RUSBoost, IEEE TSMC-A 2010)",
    ),
    "easy_ensemble_adaboost": (
        "EasyEnsembleClassifier",
        "bag of AdaBoost learners, each on a random under-sampling (Liu, Wu & Zhou, IEEE TSMC-B "
        "2009)",
    ),
}


def tabular_baseline(name: str, random_state: Any = None, **params: Any) -> Any:
    """An unfitted imbalanced-learn ensemble by name, with its own defaults updated by ``params``.

    ========================== ==========================================================
    ``balanced_random_forest`` ``imblearn.ensemble.BalancedRandomForestClassifier``
    ``rus_boost``              ``imblearn.ensemble.RUSBoostClassifier``
    ``easy_ensemble_adaboost`` ``imblearn.ensemble.EasyEnsembleClassifier`` (AdaBoost members)
    ========================== ==========================================================

    These take numeric matrices only; :class:`TabularBaseline` puts a :class:`TableEncoder` in
    front of them so they read the same tables as the deep models.

    Examples
    --------
    >>> tabular_baseline("rus_boost", random_state=0, n_estimators=20)
    RUSBoostClassifier(n_estimators=20, random_state=0)
    """
    if name not in TABULAR_BASELINES:
        hint = closest_name(str(name), TABULAR_BASELINES)
        raise InputError(
            f"unknown tabular baseline {name!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; the baselines are {format_list(TABULAR_BASELINES)}"
        )
    import imblearn.ensemble

    cls = getattr(imblearn.ensemble, TABULAR_BASELINES[name][0])
    return cls(**{"random_state": random_state, **params})


def _has(method: str) -> Any:
    def check(self: TabularBaseline) -> bool:
        fitted = getattr(self, "estimator_", None)
        return hasattr(fitted if fitted is not None else tabular_baseline(self.name), method)

    return check


class TabularBaseline(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """:func:`tabular_baseline` as an estimator of its own, for the strategy registry.

    It builds the named imbalanced-learn ensemble in ``fit``, behind a :class:`TableEncoder`
    (median imputation, scaling, one-hot of text columns), so it reads DataFrames with text
    columns and missing values as the deep classifier does. Unlike the imbalanced-learn object it
    has no ``estimator`` parameter, so a recipe keeps it the tabular model it is named after rather
    than putting a deep network inside it.

    Parameters
    ----------
    name : {"balanced_random_forest", "rus_boost", "easy_ensemble_adaboost"}
    n_estimators : int or None, default=None
        None keeps imbalanced-learn's default (100, 50, 10).
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
    ) -> None:
        self.name = name
        self.n_estimators = n_estimators
        self.random_state = random_state

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the TableEncoder imputes
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TabularBaseline:
        """Fit the named imbalanced-learn ensemble on ``(X, y)``."""
        from unskew.ensemble._encode import TableEncoder

        params = {} if self.n_estimators is None else {"n_estimators": self.n_estimators}
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
