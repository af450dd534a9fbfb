"""Preprocessing for tables, fitted on training rows only and saved with the model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from unskew.data import categorical_columns
from unskew.exceptions import InputError

__all__ = ["TablePreprocessor", "categorical_columns"]


class TablePreprocessor:
    """Impute, scale and one-hot encode a table, learning everything from the training rows.

    Numeric columns: median imputation, then standardisation. Categorical columns (the
    ``DataBundle.categorical`` names): most-frequent imputation, then one-hot encoding that ignores
    categories unseen in training. A new file at prediction time must carry the training columns
    (extra columns are ignored, missing ones are an error naming them), so the model sees exactly
    the features it was trained on. Fitted with scikit-learn transformers; what they learned
    (medians, means, scales, fill values, categories) is kept as plain values, so
    :meth:`to_dict`/:meth:`from_dict` save it as JSON and a reloaded preprocessor transforms exactly
    as the fitted one.

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
        state: dict = {"columns": self.columns_, "categorical": self.categorical}
        named = dict(self.transformer_.named_transformers_)
        if numeric:
            imputer, scaler = named["num"].steps[0][1], named["num"].steps[1][1]
            state["numeric"] = {
                "columns": numeric,
                "median": imputer.statistics_.astype(float).tolist(),
                "mean": scaler.mean_.astype(float).tolist(),
                "scale": scaler.scale_.astype(float).tolist(),
            }
        if self.categorical:
            imputer, encoder = named["cat"].steps[0][1], named["cat"].steps[1][1]
            state["categories"] = {
                "columns": self.categorical,
                "fill": [_plain(v) for v in imputer.statistics_],
                "values": [[_plain(v) for v in cats] for cats in encoder.categories_],
            }
        self.state_ = state
        return self

    def to_dict(self) -> dict:
        """What was learned, as JSON-ready values."""
        return {**self.state_, "feature_names_out": self.feature_names_out_}

    @classmethod
    def from_dict(cls, state: dict) -> TablePreprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_dict`'s output."""
        prep = cls(categorical=state["categorical"])
        prep.columns_ = list(state["columns"])
        prep.feature_names_out_ = list(state["feature_names_out"])
        prep.state_ = {k: v for k, v in state.items() if k != "feature_names_out"}
        return prep

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Float32 features in the training layout."""
        if not isinstance(X, pd.DataFrame):
            raise InputError("TablePreprocessor expects a DataFrame with the training columns")
        missing = [c for c in self.columns_ if c not in X.columns.astype(str)]
        if missing:
            raise InputError(
                f"the data lacks the training column(s) {missing}; predict on a table with the same "
                "columns as the training data"
            )
        X = X.set_axis(X.columns.astype(str), axis=1)
        blocks = []
        num = self.state_.get("numeric")
        if num:
            values = X[num["columns"]].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
            values = np.where(np.isnan(values), np.asarray(num["median"]), values)
            blocks.append((values - np.asarray(num["mean"])) / np.asarray(num["scale"]))
        cat = self.state_.get("categories")
        if cat:
            for column, fill, values in zip(
                cat["columns"], cat["fill"], cat["values"], strict=True
            ):
                col = X[column].astype(object).where(X[column].notna(), fill)
                codes = pd.Index(values, dtype=object).get_indexer(col.to_numpy(dtype=object))
                onehot = np.zeros((len(X), len(values)))
                known = codes >= 0
                onehot[np.flatnonzero(known), codes[known]] = 1.0
                blocks.append(onehot)
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((len(X), 0), np.float32)

    def fit_transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.fit(X).transform(X)


def _plain(value: object) -> object:
    """A NumPy scalar as the matching Python scalar (for JSON)."""
    return value.item() if hasattr(value, "item") else value
