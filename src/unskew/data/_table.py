"""Loading tables (CSV/TSV, Parquet, .npz, KEEL .dat, DataFrames, arrays, tensors) into a DataBundle."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from unskew._validation import (
    check_consistent_length,
    check_finite,
    check_labels,
    closest_name,
    to_numpy,
)
from unskew._validation import format_list as _fmt
from unskew.data._bundle import DataBundle, DataWarning
from unskew.data._read import check_columns, check_file, read_table_file, suffix
from unskew.data._target import merge_whitespace_labels
from unskew.data._text import free_text_notes
from unskew.exceptions import InputError

__all__ = ["DEFAULT_TARGETS", "MAX_MAGNITUDE", "load_table"]

#: Column names tried, in order and ignoring case, when ``target="auto"``.
DEFAULT_TARGETS = ("target", "label", "class", "y")
#: Numeric features larger than this in magnitude are refused: squaring them (a variance, a
#: distance) overflows float64 (max 1.8e308), so scaling would turn them into inf or NaN.
MAX_MAGNITUDE = 1e150

_NPZ_X = ("X", "x", "data", "features", "images")
_NPZ_Y = ("y", "labels", "label", "target", "targets")
#: Smallest height and width of an array read as images.
MIN_IMAGE_SIDE = 8


def emit(bundle: DataBundle) -> DataBundle:
    """Issue each of the bundle's load warnings once, as a ``UserWarning``; return the bundle."""
    for note in bundle.load_warnings:
        warnings.warn(note.message, UserWarning, stacklevel=3)
    return bundle


def _find_target(columns: Sequence[str], target: str, source: str) -> str:
    if target == "auto":
        lowered = {str(c).lower(): c for c in columns}
        for candidate in DEFAULT_TARGETS:
            if candidate in lowered:
                return lowered[candidate]
        raise InputError(
            f"{source} has no target column named {'/'.join(DEFAULT_TARGETS)}; name it with "
            f"target=... (CLI: --target COL), or target=None for unlabeled data. "
            f"Columns: {_fmt(columns)}"
        )
    if target in columns:
        return target
    hint = closest_name(target, columns)
    suggestion = f"did you mean '{hint}'? " if hint else ""
    raise InputError(
        f"target column '{target}' not found in {source}; {suggestion}columns: {_fmt(columns)}"
    )


def _detect_categorical(frame: pd.DataFrame, extra: Sequence[str] | None, source: str) -> list[str]:
    cats = [
        str(c)
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(frame[c].dtype)
        or pd.api.types.is_object_dtype(frame[c].dtype)
        or pd.api.types.is_string_dtype(frame[c].dtype)
    ]
    for name in extra or ():
        if name not in frame.columns:
            hint = closest_name(name, frame.columns)
            raise InputError(
                f"categorical column '{name}' not found in {source}"
                + (f"; did you mean '{hint}'?" if hint else f"; columns: {_fmt(frame.columns)}")
            )
        if name not in cats:
            cats.append(name)
    order = {c: i for i, c in enumerate(map(str, frame.columns))}
    return sorted(cats, key=order.__getitem__)


def _load_npz(path: Path, target: Any, data: bytes | None) -> tuple[np.ndarray, Any]:
    try:
        with np.load(io.BytesIO(data) if data is not None else path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except Exception as err:
        raise InputError(
            f"cannot read {path} as a NumPy .npz archive ({type(err).__name__}); "
            "save it with numpy.savez(path, X=features, y=labels)"
        ) from None
    x_key = next((k for k in _NPZ_X if k in arrays), None)
    if x_key is None:
        raise InputError(
            f"{path} has no feature array named {'/'.join(_NPZ_X)}; arrays: {_fmt(arrays)}; "
            "save it with numpy.savez(path, X=features, y=labels)"
        )
    if isinstance(target, str) and target != "auto":
        if target not in arrays:
            raise InputError(f"{path} has no label array '{target}'; arrays: {_fmt(arrays)}")
        y: Any = arrays[target]
    elif target == "auto":
        y_key = next((k for k in _NPZ_Y if k in arrays), None)
        if y_key is None:
            raise InputError(
                f"{path} has no label array named {'/'.join(_NPZ_Y)}; arrays: {_fmt(arrays)}; "
                "pass target=NAME, or target=None for unlabeled data"
            )
        y = arrays[y_key]
    else:
        y = target
    return arrays[x_key], y


def image_layout(shape: tuple[int, ...]) -> str | None:
    """How an array of this shape holds images: ``"NCHW"``, ``"NHWC"``, ``"NHW"``, or None for a
    table (N, F) or a vector (N,).

    Rule: (N, H, W), (N, C, H, W) and (N, H, W, C) with C in {1, 3} and H, W >= 8 are images (the
    channel axis is the second when it could be either); any other shape with more than two axes
    is refused.

    Examples
    --------
    >>> image_layout((10, 28, 28)), image_layout((10, 3, 32, 32)), image_layout((10, 32, 32, 3))
    ('NHW', 'NCHW', 'NHWC')
    >>> image_layout((10, 20)) is None
    True
    """
    if len(shape) <= 2:
        return None
    big = MIN_IMAGE_SIDE
    if len(shape) == 3 and shape[1] >= big and shape[2] >= big:
        return "NHW"
    if len(shape) == 4:
        if shape[1] in (1, 3) and shape[2] >= big and shape[3] >= big:
            return "NCHW"
        if shape[3] in (1, 3) and shape[1] >= big and shape[2] >= big:
            return "NHWC"
    raise InputError(
        f"an array of shape {tuple(shape)} is neither a table (N, F) nor images: images are "
        f"(N, H, W), (N, C, H, W) or (N, H, W, C) with C 1 or 3 and H, W >= {big}; reshape it"
    )


def _images(X: np.ndarray, layout: str) -> np.ndarray:
    """float32 (N, C, H, W); integer pixels scaled to [0, 1] like images read from a folder."""
    X = {"NHW": lambda a: a[:, None], "NHWC": lambda a: a.transpose(0, 3, 1, 2)}.get(
        layout, lambda a: a
    )(X)
    if X.dtype in (np.uint8, np.uint16):
        return (X / np.float32(np.iinfo(X.dtype).max)).astype(np.float32)
    return np.ascontiguousarray(X, dtype=np.float32)


def _check_magnitude(frame: pd.DataFrame, where: str) -> None:
    big = {}
    for column in frame.columns:
        s = frame[column]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            values = np.abs(s.to_numpy(dtype=np.float64, na_value=np.nan))
            largest = np.nanmax(values, initial=0.0)
            if np.isfinite(largest) and largest > MAX_MAGNITUDE:
                big[str(column)] = largest
    if big:
        shown = ", ".join(f"'{c}' (up to {v:.3g})" for c, v in list(big.items())[:5])
        raise InputError(
            f"{where} has values beyond {MAX_MAGNITUDE:.0e} in magnitude in column(s) {shown}: "
            "they are finite, but squaring them overflows float64 when features are scaled; "
            "rescale those columns (divide them, or take a log) first"
        )


def _labels(
    y: Any,
    name: str,
    classes: Sequence[Any] | None,
    min_classes: int,
    notes: list[DataWarning],
) -> tuple[np.ndarray, np.ndarray]:
    values, note = merge_whitespace_labels(to_numpy(y), name)
    if note is not None:
        notes.append(note)
    return check_labels(values, classes=classes, min_classes=min_classes, name=name)


def _array_bundle(
    X: np.ndarray,
    y: Any,
    *,
    name: str,
    min_classes: int,
    classes: Sequence[Any] | None,
    what: str = "an array",
) -> DataBundle:
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim == 0 or len(X) == 0:
        raise InputError(f"{name} holds no rows (shape {X.shape}); pass a non-empty array")
    layout = image_layout(X.shape)
    if layout is not None:
        data: Any = _images(X, layout)
        names = [f"px{i}" for i in range(int(np.prod(data.shape[1:])))]
        check_finite(data, source=name)
        _, c, h, w = data.shape
        detection = f"{what}: X of shape {tuple(X.shape)} ({layout}) read as {c}x{h}x{w} images"
    else:
        names = [f"x{i}" for i in range(X.shape[1])]
        data = pd.DataFrame(X, columns=names)
        check_finite(data, source=name)
        _check_magnitude(data, name)
        detection = f"{what}: X of shape {tuple(X.shape)} read as a table of {X.shape[1]} columns"
    codes = classes_arr = None
    notes: list[DataWarning] = []
    if y is not None:
        y_arr = to_numpy(y)
        check_consistent_length(data, y_arr, x_name="X", y_name="y")
        codes, classes_arr = _labels(y_arr, "y", classes, min_classes, notes)
    modality = "table" if layout is None else "image"
    cats = _detect_categorical(data, None, name) if modality == "table" else []
    return DataBundle(
        data,
        codes,
        classes_arr,
        names,
        cats,
        modality,
        name,
        detection=detection,
        load_warnings=notes,
    )


def _frame_bundle(
    frame: pd.DataFrame,
    target: Any,
    *,
    categorical: Sequence[str] | None,
    classes: Sequence[Any] | None,
    min_classes: int,
    name: str,
    where: str,
    how: str,
    notes: list[DataWarning],
) -> DataBundle:
    frame = (
        frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
    )
    check_columns(frame, where)
    if target is None:
        features, codes, classes_arr, target_name = frame, None, None, None
    elif isinstance(target, str):
        target_name = _find_target(list(frame.columns), target, where)
        features = frame.drop(columns=[target_name])
        label_name = f"target column '{target_name}' of {where}"
        codes, classes_arr = _labels(frame[target_name], label_name, classes, min_classes, notes)
    else:  # labels given separately
        features, target_name = frame, None
        y_arr = to_numpy(target)
        check_consistent_length(frame, y_arr, x_name=where, y_name="target")
        codes, classes_arr = _labels(y_arr, "y", classes, min_classes, notes)
    if features.shape[1] == 0:
        raise InputError(f"{where} has no feature columns besides the target '{target_name}'")
    check_finite(features, source=where)
    _check_magnitude(features, where)
    cats = _detect_categorical(features, categorical, where)
    detection = (
        f"table ({how}): {features.shape[1]} feature column(s), {len(cats)} of them categorical"
    )
    return DataBundle(
        X=features,
        y=codes,
        classes=classes_arr,
        feature_names=[str(c) for c in features.columns],
        categorical=cats,
        modality="table",
        name=name,
        target=target_name,
        detection=detection,
        load_warnings=notes,
    )


def table_bundle(
    source: Any,
    target: Any = "auto",
    *,
    categorical: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    min_classes: int = 2,
    name: str | None = None,
) -> DataBundle:
    """:func:`load_table` without its free-text check and without issuing warnings: the bundle's
    ``load_warnings`` hold what reading changed (for loaders built on it)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name.split(".")[0]
        if suffix(path) == ".npz":
            X, y = _load_npz(path, target, check_file(path))
            what = f"NumPy arrays {path.name}"
            return _array_bundle(
                X, y, name=name, min_classes=min_classes, classes=classes, what=what
            )
        frame, notes, how = read_table_file(path)
        where = str(path)
    elif isinstance(source, pd.DataFrame):
        frame, notes, how = source, [], "a DataFrame"
        name = name or "data"
        where = "the DataFrame"
    elif hasattr(source, "__array__") or hasattr(source, "detach"):
        name = name or "data"
        if isinstance(target, str):
            raise InputError(
                f"target='{target}' names a column, but an array has no columns; pass the labels "
                "themselves (load_table(X, y)) or target=None"
            )
        return _array_bundle(
            to_numpy(source), target, name=name, min_classes=min_classes, classes=classes
        )
    else:
        raise InputError(
            f"cannot load a {type(source).__name__}; pass a file path, a pandas DataFrame, a NumPy "
            "array or a torch tensor"
        )
    return _frame_bundle(
        frame,
        target,
        categorical=categorical,
        classes=classes,
        min_classes=min_classes,
        name=name,
        where=where,
        how=how,
        notes=notes,
    )


def load_table(
    source: Any,
    target: Any = "auto",
    *,
    categorical: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    min_classes: int = 2,
    name: str | None = None,
) -> DataBundle:
    """Load a labeled (or unlabeled) table from a file, a DataFrame, an array or a tensor.

    Rule: the target column is ``target`` when given, else the first column named
    ``target``/``label``/``class``/``y`` (ignoring case); ``target=None`` loads unlabeled data. Labels
    become integer codes ``0..C-1`` in sorted order of their values (or the order of ``classes``).
    Columns with string, boolean or category dtype are categorical: they are *kept as raw values*, and
    encoding happens later, fitted on training rows only. Missing feature values stay NaN.

    Parameters
    ----------
    source : path, DataFrame, ndarray or torch.Tensor
        A file (CSV, TSV, optionally compressed, Parquet, ``.npz`` with arrays ``X`` and ``y``, KEEL
        ``.dat``), a DataFrame holding the target column, or a feature array/tensor. Arrays with more
        than two dimensions are images, shape (N, C, H, W) or (N, H, W).
    target : str, array-like, None or "auto", default="auto"
        Column (or ``.npz`` array) name of the labels, the labels themselves (for arrays), ``None`` for
        unlabeled data, or "auto".
    categorical : sequence of str, optional
        Extra columns to treat as categorical (integer-coded categories, for instance).
    classes : sequence, optional
        Label values in code order, to fix the coding (e.g. ``["negative", "positive"]``).
    min_classes : int, default=2
        Labeled data with fewer classes is refused (use 1 to evaluate on a one-class file).
    name : str, optional
        Name for reports; defaults to the file stem.

    Returns
    -------
    DataBundle

    Raises
    ------
    unskew.exceptions.InputError
        Missing, empty, unreadable or unknown file; target column missing (the message lists the
        columns and suggests the closest); missing labels; a single class; infinite feature values;
        X and y of different lengths.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"amount": [1.0, 2.5, None, 4.0], "city": ["a", "b", "a", "a"],
    ...                       "label": ["ok", "ok", "fraud", "ok"]})
    >>> data = load_table(frame)
    >>> data.y.tolist(), data.classes.tolist(), data.categorical
    ([1, 1, 0, 1], ['fraud', 'ok'], ['city'])
    """
    bundle = table_bundle(
        source, target, categorical=categorical, classes=classes, min_classes=min_classes, name=name
    )
    if bundle.modality == "table":
        where = "the DataFrame" if isinstance(source, pd.DataFrame) else str(source)
        bundle.load_warnings += free_text_notes(bundle.X, where)
    return emit(bundle)
