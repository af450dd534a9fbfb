"""Table encoding for the classical members of an ensemble (forests, linear models), which need a
numeric matrix where the deep classifier takes a raw table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from unskew.training.preprocess import TablePreprocessor, categorical_columns

__all__ = ["TableEncoder"]


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.set_axis([str(c) for c in X.columns], axis=1)
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


class TableEncoder(TransformerMixin, BaseEstimator):
    """Impute, scale and one-hot encode a table the way :class:`ImbalancedClassifier` does, as a
    scikit-learn transformer for the classical members of an ensemble.

    A DataFrame's text, category and boolean columns are categorical (most-frequent imputation,
    one-hot ignoring unseen categories); numbers get median imputation and standardisation
    (:class:`unskew.training.preprocess.TablePreprocessor`). Arrays are numeric. Everything is
    learned in ``fit``, from the training rows only, so a ``make_pipeline(TableEncoder(),
    BalancedRandomForestClassifier())`` takes the same raw tables as the deep member.

    Examples
    --------
    >>> frame = pd.DataFrame({"amount": [1.0, None, 3.0], "sex": ["M", "F", "M"]})
    >>> TableEncoder().fit_transform(frame).shape
    (3, 3)
    """

    def fit(self, X: Any, y: Any = None) -> TableEncoder:
        """Learn medians, scales and categories from ``X``."""
        frame = _frame(X)
        self.preprocessor_ = TablePreprocessor(categorical_columns(frame)).fit(frame)
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The encoded matrix (float64)."""
        check_is_fitted(self, "preprocessor_")
        return self.preprocessor_.transform(_frame(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "preprocessor_")
        return np.asarray(self.preprocessor_.feature_names_out_, dtype=object)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
