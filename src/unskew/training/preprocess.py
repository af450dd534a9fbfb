"""Preprocessing for tables, fitted on training rows only and saved with the model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from unskew.exceptions import InputError

__all__ = ["TablePreprocessor"]


class TablePreprocessor:
    """Impute, scale and one-hot encode a table, learning everything from the training rows.

    Numeric columns: median imputation, then standardisation. Categorical columns (the
    ``DataBundle.categorical`` names): most-frequent imputation, then one-hot encoding that ignores
    categories unseen in training. A new file at prediction time must carry the training columns
    (extra columns are ignored, missing ones are an error naming them), so the model sees exactly
    the features it was trained on. Built from scikit-learn transformers.

    Examples
    --------
    >>> frame = pd.DataFrame({"amount": [1.0, None, 3.0], "city": ["a", "b", None]})
    >>> prep = TablePreprocessor(categorical=["city"]).fit(frame)
    >>> prep.transform(frame).shape, prep.feature_names_out_[:2]
    ((3, 3), ['amount', 'city_a'])
    """

    def __init__(self, categorical: list[str] | None = None) -> None:
        self.categorical = list(categorical or [])

    def fit(self, X: pd.DataFrame) -> TablePreprocessor:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        if not isinstance(X, pd.DataFrame):
            raise InputError("TablePreprocessor expects a DataFrame (DataBundle.X of a table)")
        self.columns_ = [str(c) for c in X.columns]
        numeric = [c for c in self.columns_ if c not in self.categorical]
        steps = []
        if numeric:
            steps.append(
                (
                    "num",
                    make_pipeline(
                        SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                    ),
                    numeric,
                )
            )
        if self.categorical:
            steps.append(
                (
                    "cat",
                    make_pipeline(
                        SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    ),
                    self.categorical,
                )
            )
        cats = X[self.categorical].astype(object).where(X[self.categorical].notna(), np.nan)
        frame = pd.concat([X[numeric], cats], axis=1)
        self.transformer_ = ColumnTransformer(steps, verbose_feature_names_out=False).fit(frame)
        self.feature_names_out_ = [str(n) for n in self.transformer_.get_feature_names_out()]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Float32 features in the training layout."""
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise InputError(
                f"the data lacks the training column(s) {missing}; predict on a table with the same "
                "columns as the training data"
            )
        numeric = [c for c in self.columns_ if c not in self.categorical]
        cats = X[self.categorical].astype(object).where(X[self.categorical].notna(), np.nan)
        frame = pd.concat([X[numeric], cats], axis=1)
        return np.asarray(self.transformer_.transform(frame), dtype=np.float32)

    def fit_transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.fit(X).transform(X)
