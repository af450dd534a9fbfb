"""Texts in tables: which string columns hold free text, and a text DataBundle from a table."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from unskew._validation import closest_name
from unskew._validation import format_list as _fmt
from unskew.data._bundle import DataBundle, DataWarning
from unskew.data._numbers import is_text_column
from unskew.exceptions import InputError

__all__ = [
    "DEFAULT_TEXT_COLUMNS",
    "TEXT_JOIN",
    "TextColumn",
    "free_text_columns",
    "join_texts",
    "load_text_table",
]

#: Column names tried, in order and ignoring case, when ``text="auto"``.
DEFAULT_TEXT_COLUMNS = (
    "text",
    "sentence",
    "document",
    "review",
    "content",
    "body",
    "comment",
    "message",
)
#: Several text columns are joined into one text per row with this separator.
TEXT_JOIN = " | "
#: Free text: at least this share of the non-missing values are distinct ...
MIN_DISTINCT_SHARE = 0.5
#: ... and the median value has at least this many words (whitespace-separated).
MIN_MEDIAN_WORDS = 3
#: Values sampled (evenly spaced) to count words and look for dates.
TEXT_SAMPLE = 2000
#: A column is dates, not text, when this share of the sampled values parse as dates.
DATE_SHARE = 0.9


@dataclass
class TextColumn:
    """A string column detected as free text, with the facts that decided it."""

    name: str
    distinct_share: float
    median_words: float

    def describe(self) -> str:
        """``'review' (97% distinct, median 12 words)``."""
        return (
            f"'{self.name}' ({self.distinct_share:.0%} distinct, median "
            f"{self.median_words:g} words)"
        )


def _values(series: pd.Series) -> pd.Series:
    values = series[series.notna()].astype(str)
    return values[values.str.strip() != ""]


def _sample(values: pd.Series) -> pd.Series:
    if len(values) <= TEXT_SAMPLE:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, TEXT_SAMPLE).astype(np.int64)]


def _looks_like_dates(sample: pd.Series) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= DATE_SHARE)


def free_text_columns(frame: pd.DataFrame, exclude: Sequence[str] = ()) -> list[TextColumn]:
    """The string columns of ``frame`` that hold free text, in column order.

    Rule: a string column (object or string dtype) is free text when at least 50% of its
    non-missing values are distinct and the median value has at least 3 words (on up to 2,000
    evenly spaced values), unless 90% of those values parse as dates. Identifiers, codes and
    categories fail the word count; short labels fail the distinct share.

    Examples
    --------
    >>> frame = pd.DataFrame({"review": ["great value for money", "broke after one day",
    ...                                  "not what the picture shows"], "city": ["a", "b", "a"]})
    >>> [c.name for c in free_text_columns(frame)]
    ['review']
    """
    found = []
    for column in frame.columns:
        name = str(column)
        if name in exclude or not is_text_column(frame[column]):
            continue
        values = _values(frame[column])
        if values.empty:
            continue
        distinct = values.nunique() / len(values)
        if distinct < MIN_DISTINCT_SHARE:
            continue
        sample = _sample(values)
        words = float(sample.str.split().str.len().median())
        if words < MIN_MEDIAN_WORDS or _looks_like_dates(sample):
            continue
        found.append(TextColumn(name, float(distinct), words))
    return found


def free_text_notes(frame: pd.DataFrame, where: str) -> list[DataWarning]:
    """A warning for each free-text column of a table that would be one-hot encoded."""
    return [
        DataWarning(
            "free_text_as_category",
            f"column {col.describe()} of {where} looks like free text: as a table column it is "
            f"one-hot encoded ({frame[col.name].nunique():,} categories) and carries almost no "
            f"signal; load it as text (text='{col.name}', CLI --text {col.name})",
            {"column": col.name, "distinct_share": col.distinct_share, "words": col.median_words},
        )
        for col in free_text_columns(frame)
    ]


def parse_text_option(text: Any) -> list[str] | None:
    """``text=`` as a list of column names: None for "auto"/None, [] for "none"."""
    if text is None or (isinstance(text, str) and text.strip().lower() == "auto"):
        return None
    if isinstance(text, str):
        if text.strip().lower() == "none":
            return []
        names = [t.strip() for t in text.split(",")]
    else:
        names = [str(t).strip() for t in text]
    if not names or not all(names):
        raise InputError(
            f"text must name column(s) (text='review' or 'title,body'), 'auto' or 'none'; got {text!r}"
        )
    return names


def check_named_columns(frame: pd.DataFrame, names: list[str], where: str) -> None:
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in columns:
            hint = closest_name(name, columns)
            raise InputError(
                f"text column '{name}' not found in {where}; "
                + (f"did you mean '{hint}'? " if hint else "")
                + f"columns: {_fmt(columns)}"
            )


def _auto_columns(frame: pd.DataFrame, where: str) -> list[str]:
    columns = [str(c) for c in frame.columns]
    lowered = {c.lower(): c for c in columns}
    for candidate in DEFAULT_TEXT_COLUMNS:
        if candidate in lowered:
            return [lowered[candidate]]
    detected = [c.name for c in free_text_columns(frame)]
    if detected:
        return detected
    strings = [c for c in frame.columns if is_text_column(frame[c])]
    if len(strings) == 1:
        return [str(strings[0])]
    raise InputError(
        f"cannot tell which column of {where} holds the text; pass text=COLUMN. Columns: {_fmt(columns)}"
    )


def join_texts(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One text per row: the non-empty values of ``columns`` joined with ``" | "`` (missing -> "").

    The same rule reads the training file and a prediction file.

    Examples
    --------
    >>> frame = pd.DataFrame({"title": ["Late", None], "body": ["never came", "fine"]})
    >>> join_texts(frame, ["title", "body"]).tolist()
    ['Late | never came', 'fine']
    """
    parts = [
        frame[c].astype(object).where(frame[c].notna(), "").astype(str).str.strip() for c in columns
    ]
    rows = zip(*(p.tolist() for p in parts), strict=True)
    return np.array([TEXT_JOIN.join(v for v in row if v) for row in rows], dtype=object)


def text_bundle(table: DataBundle, columns: list[str], where: str, detection: str) -> DataBundle:
    """A text bundle from a loaded table bundle: ``columns`` joined, the other features dropped
    (with a warning)."""
    frame = table.X
    for column in columns:
        if _values(frame[column]).empty:
            raise InputError(
                f"text column '{column}' of {where} is empty in every row; pass the column that "
                "holds the text (text=COL, CLI --text COL), or text='none' to load a table"
            )
    notes = list(table.load_warnings)
    dropped = [str(c) for c in frame.columns if str(c) not in columns]
    if dropped:
        notes.append(
            DataWarning(
                "dropped_columns",
                f"a text model reads column(s) {_fmt(columns)} only: {len(dropped)} other "
                f"column(s) of {where} dropped ({_fmt(dropped, 6)}); pass text='none' to use "
                "them as a table instead",
                {"columns": dropped},
            )
        )
    return DataBundle(
        X=join_texts(frame, columns),
        y=table.y,
        classes=table.classes,
        feature_names=list(columns),
        categorical=[],
        modality="text",
        name=table.name,
        target=table.target,
        detection=detection,
        load_warnings=notes,
    )


def load_text_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    text: str | Sequence[str] = "auto",
    target: Any = "auto",
    *,
    classes: Sequence[Any] | None = None,
    min_classes: int = 2,
    name: str | None = None,
) -> DataBundle:
    """Load texts and labels from a CSV/TSV/Parquet file or a DataFrame.

    Rule: the text columns are ``text`` when given (a name, a comma-separated list or a list);
    with "auto", the first column named text/sentence/document/review/content/body/comment/message,
    else every free-text column (:func:`free_text_columns`), else the only string column. Several
    text columns are joined per row with ``" | "`` (:func:`join_texts`); missing texts become
    empty strings (the profile warns about them); a text column empty in every row is refused;
    other columns are dropped, with a warning. The file is read and the target found as in
    :func:`~unskew.data.load_table`.

    Returns
    -------
    DataBundle
        ``modality="text"``, ``X`` a 1-D object array of strings, ``feature_names`` the text columns.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"review": ["great", "awful", "fine"], "label": [1, 0, 1]})
    >>> data = load_text_table(frame)
    >>> data.modality, data.X.tolist(), data.y.tolist()
    ('text', ['great', 'awful', 'fine'], [1, 0, 1])
    """
    from unskew.data._table import emit, table_bundle

    table = table_bundle(source, target, classes=classes, min_classes=min_classes, name=name)
    where = str(source) if not isinstance(source, pd.DataFrame) else "the DataFrame"
    names = parse_text_option(text)
    if names == []:
        raise InputError(
            "load_text_table needs a text column; text='none' loads a table: use load_table"
        )
    if names is None:
        names = _auto_columns(table.X, where)
        how = "chosen by text='auto'"
    else:
        check_named_columns(table.X, names, where)
        how = f"named by text='{','.join(names)}'"
    detection = f"text: column(s) {_fmt(names)} ({how})"
    return emit(text_bundle(table, names, where, detection))
