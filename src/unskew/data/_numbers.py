"""Numbers written as text: decimal commas, a few missing-value tokens, and the training columns'
kinds applied to a prediction file."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from unskew.data._bundle import DataBundle, DataWarning
from unskew.exceptions import InputError

__all__ = [
    "FEW_TOKENS_SHARE",
    "KINDS",
    "apply_kinds",
    "categorical_columns",
    "column_kinds",
    "repair_numbers",
]

#: A numeric column may hold at most this share of non-numeric values (at least one value),
#: which are then read as missing; more, and the column is categorical (with a warning).
FEW_TOKENS_SHARE = 0.05
#: Value kinds of a column, as :func:`column_kinds` reports them.
KINDS = ("numeric", "string", "boolean")

_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


def is_text_column(series: pd.Series) -> bool:
    """Whether a column holds strings (object or string dtype, not booleans or categories)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _present(series: pd.Series) -> pd.Series:
    """The non-missing, non-blank values as stripped strings (index kept)."""
    values = series[series.notna()].astype(str).str.strip()
    return values[values != ""]


def parse_numbers(values: pd.Series) -> tuple[pd.Series, bool]:
    """Parse strings as numbers; values that are not numbers become NaN.

    Rule: a value is a number as Python writes it (``0.125``, ``-3e5``). When some values use a
    decimal comma (``0,125``: digits, one comma, digits, an optional exponent) and reading every
    comma as the decimal point parses more values than the plain reading, the comma reading is
    used (the column then may not also use ``.`` as the decimal point; thousands separators are not
    recognised). Returns the parsed values and whether the decimal comma was used.

    Examples
    --------
    >>> parsed, comma = parse_numbers(pd.Series(["0,5", "2", "?"]))
    >>> parsed.tolist()[:2], comma
    ([0.5, 2.0], True)
    """
    dot = pd.to_numeric(values, errors="coerce")
    commas = values.str.match(_DECIMAL_COMMA)
    if commas.any():
        usable = commas | values.str.match(_INTEGER)
        comma = pd.to_numeric(
            values.where(usable).str.replace(",", ".", regex=False), errors="coerce"
        )
        if comma.notna().sum() > dot.notna().sum():
            return comma, True
    return dot, False


def _few(n: int) -> int:
    return max(1, math.floor(FEW_TOKENS_SHARE * n))


def _tokens(values: pd.Series, limit: int = 3) -> tuple[str, dict[str, int]]:
    counts = Counter(values.tolist())
    shown = ", ".join(f"'{t}' x{n}" for t, n in counts.most_common(limit))
    if len(counts) > limit:
        shown += f", ... ({len(counts)} distinct)"
    return shown, dict(counts.most_common(20))


def _as_numbers(series: pd.Series, parsed: pd.Series) -> pd.Series:
    """The parsed numbers back on every row of ``series`` (rows without a number become NaN)."""
    return parsed[parsed.notna()].reindex(series.index)


def _number_note(
    column: str, where: str, comma: bool, bad: pd.Series, kind: str = "non_numeric_tokens"
) -> DataWarning | None:
    parts = []
    details: dict[str, Any] = {"column": column, "decimal_comma": comma}
    if comma:
        parts.append("read with a decimal comma (0,5 -> 0.5)")
    if len(bad):
        shown, counts = _tokens(bad)
        parts.append(f"{len(bad):,} non-numeric value(s) read as missing ({shown})")
        details["tokens"] = counts
    if not parts:
        return None
    kind = kind if len(bad) else "decimal_comma"
    return DataWarning(kind, f"column '{column}' of {where}: " + "; ".join(parts), details)


def repair_numbers(frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Make text columns that hold numbers numeric, saying what changed.

    Rule, for each string column of a file just read (blank cells and the reader's missing markers
    such as ``NA`` or ``n/a`` are already missing): values are parsed by :func:`parse_numbers`.

    * every value parses: the column becomes numeric (a decimal comma is noted);
    * a few do not (at most ``max(1, 5%)`` of the values, and at least two numbers): the column
      becomes numeric, those tokens (``?``, ``-``, ``unknown``) become missing, and a warning counts
      them;
    * more do not, but at least half are numbers: the column stays categorical, and a warning says
      so with the tokens (never silently categorical);
    * fewer than half are numbers: a categorical or text column, unchanged.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": ["1,5", "2,0", "?"] + ["3,0"] * 20, "b": ["x", "y"] * 11 + ["z"]})
    >>> fixed, notes = repair_numbers(frame, "t.csv")
    >>> fixed["a"].tolist()[:3], [n.kind for n in notes]
    ([1.5, 2.0, nan], ['non_numeric_tokens'])
    """
    notes: list[DataWarning] = []
    out = frame
    for column in frame.columns:
        series = frame[column]
        if not is_text_column(series):
            continue
        values = _present(series)
        if values.empty:
            continue
        parsed, comma = parse_numbers(values)
        ok = parsed.notna()
        n, n_ok = len(values), int(ok.sum())
        if n_ok == 0:
            continue
        bad = values[~ok]
        name = str(column)
        if len(bad) == 0 or (len(bad) <= _few(n) and n_ok >= 2):
            if out is frame:
                out = frame.copy()
            out[column] = _as_numbers(series, parsed)
            note = _number_note(name, where, comma, bad)
            if note is not None:
                notes.append(note)
        elif n_ok >= n / 2:
            shown, counts = _tokens(bad)
            notes.append(
                DataWarning(
                    "mixed_column",
                    f"column '{name}' of {where} is {n_ok / n:.0%} numbers but {len(bad):,} value(s) "
                    f"are not ({shown}), more than {FEW_TOKENS_SHARE:.0%}: it is read as "
                    "categorical; empty those cells to make it numeric",
                    {"column": name, "tokens": counts, "numbers": n_ok},
                )
            )
    return out, notes


def column_kinds(data: DataBundle | pd.DataFrame) -> dict[str, str]:
    """The value kind of each feature column: ``numeric``, ``string`` or ``boolean``.

    Saved with a model and given back to :func:`~unskew.data.read_frame` as ``like=``, it makes a
    prediction file parse exactly as the training file did. A text bundle's text columns are
    ``string``; an image bundle has no columns (an empty dict).

    Examples
    --------
    >>> column_kinds(pd.DataFrame({"a": [1.5], "b": ["x"], "c": [True]}))
    {'a': 'numeric', 'b': 'string', 'c': 'boolean'}
    """
    if isinstance(data, DataBundle):
        if data.modality == "text":
            return dict.fromkeys(data.feature_names, "string")
        if data.modality != "table":
            return {}
        data = data.X
    kinds = {}
    for column in data.columns:
        dtype = data[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kinds[str(column)] = "boolean"
        elif pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            kinds[str(column)] = "numeric"
        else:
            kinds[str(column)] = "string"
    return kinds


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a table's encoder one-hot encodes, and SMOTE-NC treats as categories: every
    non-numeric column (text, category, object) and booleans; the rest are numbers to impute and
    scale (or, for SMOTE-NC, to interpolate).

    Examples
    --------
    >>> categorical_columns(pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]}))
    ['b', 'c']
    """
    return [
        str(c)
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]


def _numbers_to_text(series: pd.Series) -> pd.Series:
    def text(v: Any) -> Any:
        if pd.isna(v):
            return np.nan
        return str(int(v)) if float(v).is_integer() else str(v)

    return series.map(text).astype(object)


def _force_numeric(
    series: pd.Series, name: str, where: str
) -> tuple[pd.Series, DataWarning | None]:
    values = _present(series)
    parsed, comma = parse_numbers(values)
    ok = parsed.notna()
    if len(values) and not ok.any():
        shown, _ = _tokens(values)
        raise InputError(
            f"column '{name}' of {where} was numeric in training but holds no number here "
            f"({shown}); check that this file has the training columns"
        )
    return _as_numbers(series, parsed), _number_note(name, where, comma, values[~ok])


def apply_kinds(
    frame: pd.DataFrame, like: Mapping[str, str] | DataBundle | pd.DataFrame, where: str
) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Give each column of ``frame`` named in ``like`` its training kind (see
    :func:`~unskew.data.read_frame`). Returns the frame and what changed."""
    kinds = dict(like) if isinstance(like, Mapping) else column_kinds(like)
    unknown = sorted({k for k in kinds.values() if k not in KINDS})
    if unknown:
        raise InputError(f"like= holds unknown column kind(s) {unknown}; use {', '.join(KINDS)}")
    out = frame.copy()
    notes: list[DataWarning] = []
    for column, kind in kinds.items():
        if column not in out.columns:
            continue  # the caller names missing training columns
        series = out[column]
        numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        )
        if kind == "numeric" and not numeric:
            out[column], note = _force_numeric(series.astype(object), column, where)
            if note is not None:
                notes.append(note)
        elif kind == "string" and numeric:
            out[column] = _numbers_to_text(series)
    return out, notes
