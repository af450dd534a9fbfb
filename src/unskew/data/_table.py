"""Loading tables (CSV/TSV, Parquet, .npz, KEEL .dat, DataFrames, arrays, tensors) into a DataBundle."""

from __future__ import annotations

import os
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
from unskew.data._bundle import DataBundle
from unskew.exceptions import InputError

__all__ = ["DEFAULT_TARGETS", "load_table", "read_frame"]

#: Column names tried, in order and ignoring case, when ``target="auto"``.
DEFAULT_TARGETS = ("target", "label", "class", "y")

_COMPRESSIONS = (".gz", ".bz2", ".zip", ".xz", ".zst")
_TEXT_FORMATS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET = {".parquet", ".pq"}
_NPZ_X = ("X", "x", "data", "features", "images")
_NPZ_Y = ("y", "labels", "label", "target", "targets")
FORMATS = "CSV (.csv), TSV (.tsv/.tab), optionally compressed (.gz/.bz2/.zip/.xz), Parquet (.parquet/.pq), NumPy (.npz), KEEL (.dat)"


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in _COMPRESSIONS:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(
            f"file not found: {path}; check the path (relative paths start at {Path.cwd()})"
        )
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a file; pass a table file, or use load_image_folder() for a "
            "folder of images with one sub-folder per class"
        )
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied; check the file's permissions")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes); export the data again or pass another file")


def _read_text_table(path: Path, sep: str) -> pd.DataFrame:
    # pandas' C engine: measured as fast as the pyarrow engine on 2 cores for a 1M x 20 CSV
    # (benchmarks/bench_profile.py) and more forgiving about quoting and encodings.
    try:
        return pd.read_csv(path, sep=sep, low_memory=False)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} holds no table (no header row); check the file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as err:
        lines = str(err).strip().splitlines()
        detail = lines[-1] if lines else type(err).__name__
        kind = "TSV" if sep == "\t" else "CSV"
        raise InputError(
            f"cannot read {path} as {kind}: {detail}; check that it is a delimited text table "
            "with one header row"
        ) from None


def read_frame(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a table file into a DataFrame, choosing the reader from the file's extension.

    Raises :class:`~unskew.exceptions.InputError` for a missing, empty, unreadable or unknown file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,label\\n1,x\\n2,y\\n")
    >>> read_frame(p).shape
    (2, 2)
    """
    path = Path(path)
    _check_file(path)
    suffix = _suffix(path)
    if suffix in _TEXT_FORMATS:
        frame = _read_text_table(path, _TEXT_FORMATS[suffix])
    elif suffix in _PARQUET:
        try:
            frame = pd.read_parquet(path)
        except Exception as err:
            raise InputError(
                f"cannot read {path} as Parquet ({type(err).__name__}: {str(err)[:120]}); "
                "check that the file is a complete Parquet file"
            ) from None
    elif suffix == ".dat":
        from unskew.data._keel_format import read_keel

        frame, _, _ = read_keel(path)
    else:
        raise InputError(
            f"unknown format '{suffix or '(no extension)'}' for {path}; supported: {FORMATS}"
        )
    if frame.shape[1] == 0:
        raise InputError(f"{path} has no columns; check the file")
    if len(frame) == 0:
        raise InputError(f"{path} has a header but no data rows; check the export")
    return frame


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


def _load_npz(path: Path, target: Any) -> tuple[np.ndarray, Any]:
    try:
        with np.load(path, allow_pickle=False) as archive:
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


def _array_bundle(
    X: np.ndarray, y: Any, *, name: str, min_classes: int, classes: Sequence[Any] | None
) -> DataBundle:
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim == 0 or len(X) == 0:
        raise InputError(f"{name} holds no rows (shape {X.shape}); pass a non-empty array")
    if X.ndim > 2:  # images: (N, C, H, W) or (N, H, W)
        X = X[:, None] if X.ndim == 3 else X
        X = X.astype(np.float32, copy=False)
        names = [f"px{i}" for i in range(int(np.prod(X.shape[1:])))]
        modality = "image"
        check_finite(X, source=name)
        data: Any = X
    else:
        names = [f"x{i}" for i in range(X.shape[1])]
        data = pd.DataFrame(X, columns=names)
        modality = "table"
        check_finite(data, source=name)
    codes = classes_arr = None
    if y is not None:
        y_arr = to_numpy(y)
        check_consistent_length(data, y_arr, x_name="X", y_name="y")
        codes, classes_arr = check_labels(y_arr, classes=classes, min_classes=min_classes)
    cats = _detect_categorical(data, None, name) if modality == "table" else []
    return DataBundle(data, codes, classes_arr, names, cats, modality, name)


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
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name.split(".")[0]
        if _suffix(path) == ".npz":
            _check_file(path)
            X, y = _load_npz(path, target)
            return _array_bundle(X, y, name=name, min_classes=min_classes, classes=classes)
        frame = read_frame(path)
        where = str(path)
    elif isinstance(source, pd.DataFrame):
        frame = source
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

    frame = (
        frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
    )
    if target is None:
        features, codes, classes_arr, target_name = frame, None, None, None
    elif isinstance(target, str):
        target_name = _find_target(list(frame.columns), target, where)
        features = frame.drop(columns=[target_name])
        codes, classes_arr = check_labels(
            frame[target_name],
            classes=classes,
            min_classes=min_classes,
            name=f"target column '{target_name}' of {where}",
        )
    else:  # labels given separately
        features, target_name = frame, None
        y_arr = to_numpy(target)
        check_consistent_length(frame, y_arr, x_name=where, y_name="target")
        codes, classes_arr = check_labels(y_arr, classes=classes, min_classes=min_classes)
    if features.shape[1] == 0:
        raise InputError(f"{where} has no feature columns besides the target '{target_name}'")
    check_finite(features, source=where)
    cats = _detect_categorical(features, categorical, where)
    return DataBundle(
        X=features,
        y=codes,
        classes=classes_arr,
        feature_names=[str(c) for c in features.columns],
        categorical=cats,
        modality="table",
        name=name,
        target=target_name,
    )
