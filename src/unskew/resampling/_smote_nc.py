"""SMOTE-NC on a table as unskew reads it: the categorical columns are the ones the table's encoder
one-hot encodes (text, object, category and boolean columns), not only pandas ``category`` ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTENC as _SMOTENC
from imblearn.utils import check_sampling_strategy

from unskew._validation import closest_name, format_list
from unskew.data import categorical_columns
from unskew.exceptions import InputError

__all__ = ["SMOTENC"]


class SMOTENC(_SMOTENC):
    """SMOTE for tables with categorical columns (SMOTE-NC), imbalanced-learn's ``SMOTENC`` with
    ``categorical_features="auto"`` meaning the columns unskew encodes as categories.

    A new row lies between a minority row ``x_i`` and one of its ``k_neighbors`` nearest rows of
    the same class ``x_j``: its numeric columns are ``x_i + lambda (x_j - x_i)`` with ``lambda`` in
    [0, 1]; each categorical column takes the value most frequent among the ``k`` neighbours.
    Distances count a differing category as the median standard deviation of the class's numeric
    columns (Chawla et al., SMOTE, JAIR 2002, section 6.1).

    Parameters
    ----------
    categorical_features : "auto" or list of str or int, default="auto"
        ``"auto"``: the columns :func:`unskew.data.categorical_columns` names (every non-numeric
        column, and booleans), whatever their pandas dtype (string, object, category, bool).
        Otherwise the categorical columns by name or position; every other column must hold
        numbers.
    categorical_encoder, sampling_strategy, random_state, k_neighbors
        As in imbalanced-learn's ``SMOTENC``.

    Missing numbers count as their column's median (of the rows given) in the neighbour search
    and the interpolation; the original rows keep them missing (the table's encoder imputes them
    after resampling, on the training rows).

    Raises
    ------
    InputError
        A table without a categorical column (use SMOTE) or without a numeric one (use random
        over-sampling), infinite numbers, a class to over-sample with fewer than
        ``k_neighbors + 1`` rows, an invalid ``sampling_strategy``.

    Examples
    --------
    >>> X = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 2.5, 3.5],
    ...                   "city": ["a", "b", "a", "b", "a", "b", "a", "b"]})
    >>> X_res, y_res = SMOTENC(k_neighbors=2, random_state=0).fit_resample(X, [0] * 5 + [1] * 3)
    >>> len(y_res), sorted(set(X_res["city"]))
    (10, ['a', 'b'])
    """

    def __init__(
        self,
        categorical_features: Any = "auto",
        *,
        categorical_encoder: Any = None,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
    ) -> None:
        super().__init__(
            categorical_features,
            categorical_encoder=categorical_encoder,
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            k_neighbors=k_neighbors,
        )

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        """Resample ``X`` (a DataFrame, or a 2-D array with ``categorical_features`` positions)
        and ``y``: the original rows first, unchanged, then the new ones, in the input's type
        (numeric columns with missing values or a nullable dtype come back as float64)."""
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X).infer_objects()
        positions = categorical_positions(frame, self.categorical_features)
        numeric = [i for i in range(frame.shape[1]) if i not in positions]
        gaps = _numeric_gaps(frame, numeric)
        _check_classes(np.asarray(y), self.sampling_strategy, self.k_neighbors)
        sampler = _SMOTENC(**{**self.get_params(deep=False), "categorical_features": positions})
        source = _prepared(X, frame, positions, gaps)
        out = sampler.fit_resample(source, y, **params)
        if gaps.any():
            _restore_gaps(out[0], numeric, gaps)
        for name, value in vars(sampler).items():  # the fitted state, as imbalanced-learn's
            if name.endswith("_") and not name.startswith("_"):
                setattr(self, name, value)
        return out


def categorical_positions(frame: pd.DataFrame, chosen: Any = "auto") -> list[int]:
    """Positions of the categorical columns of ``frame``: :func:`~unskew.data.categorical_columns`
    for ``"auto"``, else ``chosen`` (names or positions) checked against the columns.

    Examples
    --------
    >>> categorical_positions(pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]}))
    [1, 2]
    >>> categorical_positions(pd.DataFrame({"a": [1.0], "b": [2]}), ["b"])
    [1]
    """
    names = [str(c) for c in frame.columns]
    cats = set(categorical_columns(frame))
    if isinstance(chosen, str) and chosen == "auto":
        positions = [i for i, name in enumerate(names) if name in cats]
    else:
        items = (
            list(chosen) if isinstance(chosen, list | tuple | np.ndarray | pd.Index) else [chosen]
        )
        positions = [_position(item, names) for item in items]
        text = [n for i, n in enumerate(names) if i not in positions and n in cats]
        if text:
            raise InputError(
                f"SMOTE-NC: column {text[0]!r} is not numeric but is not in categorical_features "
                f"{chosen!r}; add it there, or leave categorical_features='auto'"
            )
    positions = sorted(set(positions))
    if not positions:
        raise InputError(
            f"SMOTE-NC: the table has no categorical column (its {len(names)} feature columns "
            "are all numeric); use smote instead"
        )
    if len(positions) == len(names):
        raise InputError(
            f"SMOTE-NC: the table has no numeric column to interpolate (every feature column is "
            f"categorical: {format_list(names)}); use random_oversampling instead"
        )
    return positions


def _position(item: Any, names: list[str]) -> int:
    if isinstance(item, bool | np.bool_):
        raise InputError(
            "SMOTE-NC categorical_features takes column names or positions, got a boolean; "
            "name the columns, or leave it 'auto'"
        )
    if isinstance(item, int | np.integer):
        if not -len(names) <= item < len(names):
            raise InputError(
                f"SMOTE-NC categorical_features: position {item} is outside the table's "
                f"{len(names)} columns; give positions 0..{len(names) - 1} or column names"
            )
        return int(item) % len(names)
    if str(item) not in names:
        hint = closest_name(str(item), names)
        raise InputError(
            f"SMOTE-NC categorical_features names {str(item)!r}, which is not a column"
            + (f"; did you mean {hint!r}?" if hint else f"; columns: {format_list(names)}")
        )
    return names.index(str(item))


def _numbers(frame: pd.DataFrame, i: int) -> np.ndarray:
    return pd.to_numeric(frame.iloc[:, i], errors="coerce").to_numpy(float, na_value=np.nan)


def _numeric_gaps(frame: pd.DataFrame, numeric: list[int]) -> np.ndarray:
    """Where the numeric columns are missing, (n_rows, len(numeric)); an infinite number is an
    error (there is nothing to interpolate towards)."""
    gaps = np.zeros((len(frame), len(numeric)), dtype=bool)
    for j, i in enumerate(numeric):
        values = _numbers(frame, i)
        if np.isinf(values).any():
            raise InputError(
                f"SMOTE-NC cannot interpolate infinite numbers: column {str(frame.columns[i])!r} "
                f"has {int(np.isinf(values).sum())}; replace them with finite values"
            )
        gaps[:, j] = np.isnan(values)
    return gaps


def _prepared(X: Any, frame: pd.DataFrame, categorical: list[int], gaps: np.ndarray) -> Any:
    """``X``, or a copy imbalanced-learn can resample: numeric columns with missing values (or of
    a nullable pandas dtype, which cannot take interpolated values back) as float64, missing values
    set to the column's median (0 when the whole column is missing) for the neighbour search and
    the interpolation; categorical columns with missing values as objects with NaN (the encoder
    refuses pandas' NA), as the table's encoder reads them."""
    numeric = [i for i in range(frame.shape[1]) if i not in categorical]
    redo = [
        i
        for j, i in enumerate(numeric)
        if gaps[:, j].any() or not isinstance(frame.dtypes.iloc[i], np.dtype)
    ]
    missing_cats = [i for i in categorical if frame.iloc[:, i].isna().any()]
    if not redo and not missing_cats:
        return X
    filled = frame.copy()
    for i in redo:
        values = _numbers(frame, i)
        missing = np.isnan(values)
        median = float(np.median(values[~missing])) if not missing.all() else 0.0
        filled.isetitem(i, np.where(missing, median, values))
    for i in missing_cats:
        column = frame.iloc[:, i]
        filled.isetitem(i, column.astype(object).where(column.notna(), np.nan))
    return filled if isinstance(X, pd.DataFrame) else filled.to_numpy()


def _restore_gaps(X_res: Any, numeric: list[int], gaps: np.ndarray) -> None:
    """Missing values back into the original rows (the first ones of imbalanced-learn's output),
    so resampling only adds rows; the table's encoder imputes them later."""
    for j, i in enumerate(numeric):
        rows = np.flatnonzero(gaps[:, j])
        if isinstance(X_res, pd.DataFrame):
            X_res.iloc[rows, i] = np.nan
        else:
            X_res[rows, i] = np.nan


def _check_classes(y: np.ndarray, sampling_strategy: Any, k_neighbors: Any) -> None:
    """imbalanced-learn's sampling strategy as an InputError, and every class to over-sample
    with at least ``k_neighbors + 1`` rows."""
    try:
        plan = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    except ValueError as err:
        raise InputError(f"SMOTE-NC sampling_strategy={sampling_strategy!r}: {err}") from None
    if not isinstance(k_neighbors, int | np.integer):
        return  # a nearest-neighbours estimator of the user's own
    for label, n_new in plan.items():
        count = int((y == label).sum())
        if n_new > 0 and count < k_neighbors + 1:
            raise InputError(
                f"class {label} has {count} rows but SMOTE-NC with k_neighbors={k_neighbors} "
                f"needs {k_neighbors + 1}; lower k_neighbors or use random_oversampling"
            )
