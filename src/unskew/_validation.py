"""Checks shared by every unskew module: labels, X/y consistency, finiteness, class counts, names.

The functions here raise :class:`unskew.exceptions.InputError` with a one-line message that names the
argument, shows what was received and suggests the fix (STYLE.md, principle 6). They are deliberately
small and free of torch so that any layer may use them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from unskew.exceptions import InputError

__all__ = [
    "as_label_array",
    "check_consistent_length",
    "check_finite",
    "check_labels",
    "closest_name",
    "format_list",
    "minority_class",
    "to_numpy",
]


def format_list(items: Iterable[Any], limit: int = 12) -> str:
    """Join ``items`` as ``'a', 'b', ...`` for an error message, eliding after ``limit`` entries.

    Examples
    --------
    >>> format_list(["a", "b"])
    "'a', 'b'"
    >>> format_list(range(20), limit=3)
    "'0', '1', '2', ... (20 in all)"
    """
    items = [str(i) for i in items]
    shown = ", ".join(f"'{i}'" for i in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items)} in all)"
    return shown


def closest_name(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """Return the choice closest to ``name`` (case-insensitive), or None when nothing is close.

    Uses :func:`difflib.get_close_matches` (Ratcliff/Obershelp similarity).

    Examples
    --------
    >>> closest_name("lable", ["feature", "label"])
    'label'
    >>> closest_name("zzz", ["feature", "label"]) is None
    True
    """
    choices = [str(c) for c in choices]
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def _missing_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of missing labels: None, NaN, NaT and empty / blank strings."""
    import pandas as pd

    mask = np.asarray(pd.isna(values), dtype=bool)
    if values.dtype.kind in "OUS":
        blank = np.array(
            [isinstance(v, (str, bytes)) and not v.strip() for v in values], dtype=bool
        )
        mask |= blank
    return mask


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy view of an array, list, pandas object or torch tensor (without importing torch;
    bfloat16 tensors become float32, which NumPy can hold).

    Examples
    --------
    >>> to_numpy([1, 2]).tolist()
    [1, 2]
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    if hasattr(x, "to_numpy"):  # pandas Series / DataFrame / Categorical
        return x.to_numpy()
    return np.asarray(x)


def as_label_array(y: Any) -> np.ndarray:
    """Labels as a 1-D NumPy array; a (N, 1) column is flattened, anything wider refused.

    Examples
    --------
    >>> as_label_array([[1], [0]]).tolist()
    [1, 0]
    """
    arr = to_numpy(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputError(
            f"labels must be one-dimensional (one label per row), got shape {arr.shape}; "
            "pass class labels, not one-hot or multi-label targets"
        )
    return arr


def check_labels(
    y: Any,
    *,
    classes: Sequence[Any] | None = None,
    min_classes: int = 2,
    name: str = "y",
) -> tuple[np.ndarray, np.ndarray]:
    """Validate labels and encode them as integer codes ``0..C-1``.

    Rule: labels must be one-dimensional and have no missing values (None, NaN, blank strings); float
    labels must be whole numbers (continuous values are a regression target, refused); there must be
    at least ``min_classes`` distinct values. Codes follow ``classes`` when given (every label must be
    one of them, and each class listed once), otherwise the sorted distinct values (integer-valued
    floats become ints, and mixed types are compared as strings).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels in any form: NumPy, list, pandas Series, torch tensor.
    classes : sequence, optional
        The label values in code order. Labels absent from ``y`` still get a code.
    min_classes : int, default=2
        Fewer distinct labels than this is an error (a single class cannot be learned).
    name : str, default="y"
        How the labels are called in error messages (a column name, for instance).

    Returns
    -------
    codes : ndarray of int64, shape (n_samples,)
    classes : ndarray, shape (n_classes,)
        The original label values, in code order.

    Examples
    --------
    >>> codes, classes = check_labels(["no", "yes", "no"])
    >>> codes.tolist(), classes.tolist()
    ([0, 1, 0], ['no', 'yes'])
    """
    arr = as_label_array(y)
    missing = _missing_mask(arr)
    if missing.any():
        rows = np.flatnonzero(missing)
        raise InputError(
            f"{name} has {rows.size} missing label(s) (rows {format_list(rows, 5)}, counted from 0); "
            "fill them or drop those rows, or load the file with target=None to predict on it"
        )
    if arr.dtype.kind == "f" and arr.size and np.all(np.mod(arr, 1) == 0):
        arr = arr.astype(np.int64)
    _check_not_continuous(arr, name)
    if classes is None:
        try:
            classes_arr, codes = np.unique(arr, return_inverse=True)
        except TypeError:  # mixed types: compare as text
            arr = arr.astype(str)
            classes_arr, codes = np.unique(arr, return_inverse=True)
    else:
        classes_arr = np.asarray(list(classes))
        _check_unique_classes(classes_arr)
        lookup = {c: i for i, c in enumerate(classes_arr.tolist())}
        try:
            codes = np.fromiter((lookup[v] for v in arr.tolist()), dtype=np.int64, count=arr.size)
        except KeyError as err:
            raise InputError(
                f"{name} holds the label {err.args[0]!r}, which is not among the classes "
                f"{format_list(classes_arr)}; pass classes that include every label"
            ) from None
    n_present = np.unique(codes).size
    if n_present < min_classes:
        only = format_list(classes_arr[np.unique(codes)])
        raise InputError(
            f"{name} has a single class ({only}); at least {min_classes} classes are needed to learn "
            "anything: check the target column, or add rows of the other class(es)"
            if n_present == 1
            else f"{name} has {n_present} classes, need at least {min_classes}"
        )
    return codes.astype(np.int64, copy=False), classes_arr


def _check_not_continuous(arr: np.ndarray, name: str) -> None:
    """Refuse float labels that are not whole numbers: a regression target, not classes."""
    if arr.dtype.kind != "f" or not arr.size:
        return
    distinct = np.unique(arr)
    raise InputError(
        f"{name} holds continuous values ({format_list(distinct, 4)}; {distinct.size} distinct), "
        "not classes: unskew classifies; bin the target into classes (e.g. pandas.cut), or, if "
        "these are class names, store them as integers or text"
    )


def _check_unique_classes(classes: np.ndarray) -> None:
    values = classes.tolist()
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise InputError(
            f"classes lists {format_list(repeated)} more than once ({format_list(values)}); "
            "pass each class once, in code order"
        )


def minority_class(counts: Any) -> int:
    """Position of "the minority class" given per-class row counts: the smallest class present
    (a class with no rows is absent, not small); a tie goes to the later class, so the positive
    class of a balanced binary problem is the minority. The one rule every part of the library
    uses (metrics, comparisons, anomaly detectors, data collection, augmentation).

    Examples
    --------
    >>> minority_class([90, 10]), minority_class([5, 5]), minority_class([0, 7, 3, 3])
    (1, 1, 3)
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1 or not np.any(c > 0):
        raise InputError(
            f"counts must be one non-negative count per class, some above 0; got {counts!r}"
        )
    masked = np.where(c > 0, c, np.inf)[::-1]
    return len(c) - 1 - int(np.argmin(masked))


def check_consistent_length(X: Any, y: Any, *, x_name: str = "X", y_name: str = "y") -> None:
    """Raise when ``X`` and ``y`` do not have the same number of rows.

    Examples
    --------
    >>> check_consistent_length(np.zeros((3, 2)), [0, 1])
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: X has 3 rows but y has 2 labels; they must match row for row (...)
    """
    n_x, n_y = len(X), len(y)
    if n_x != n_y:
        raise InputError(
            f"{x_name} has {n_x} rows but {y_name} has {n_y} labels; they must match row for row "
            "(check that the labels belong to this data and were not filtered separately)"
        )


def check_finite(X: Any, feature_names: Sequence[str] | None = None, *, source: str = "X") -> None:
    """Raise when numeric features hold +/-inf; NaN (missing) is allowed.

    Missing values are real and are imputed later inside training folds; infinities are almost always a
    bug upstream (a division by zero), so they are refused with the offending columns named.

    Examples
    --------
    >>> check_finite(np.array([[1.0, np.nan]]))   # NaN is fine
    >>> check_finite(np.array([[1.0, np.inf]]), ["a", "b"])
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: X has infinite values in column(s) 'b' (1 value(s)); ...
    """
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        bad: dict[str, int] = {}
        for col in X.columns:
            s = X[col]
            if pd.api.types.is_float_dtype(s.dtype):
                n = int(np.isinf(s.to_numpy(dtype=np.float64, na_value=np.nan)).sum())
                if n:
                    bad[str(col)] = n
    else:
        arr = np.asarray(X)
        if arr.dtype.kind not in "fc":
            return
        inf = np.isinf(arr.reshape(len(arr), -1) if arr.ndim > 1 else arr[:, None])
        counts = inf.sum(axis=0)
        names = list(feature_names) if feature_names is not None else None
        bad = {
            (names[j] if names is not None and j < len(names) else f"x{j}"): int(counts[j])
            for j in np.flatnonzero(counts)
        }
    if bad:
        raise InputError(
            f"{source} has infinite values in column(s) {format_list(bad)} "
            f"({sum(bad.values())} value(s)); replace them (e.g. with NaN, which is imputed inside "
            "training folds) or drop those rows"
        )
