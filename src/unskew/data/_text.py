"""Loading a table of texts (one text column, one label column) into a DataBundle."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from unskew._validation import closest_name
from unskew._validation import format_list as _fmt
from unskew.data._bundle import DataBundle
from unskew.data._table import load_table
from unskew.exceptions import InputError

__all__ = ["DEFAULT_TEXT_COLUMNS", "load_text_table"]

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


def _find_text(frame: pd.DataFrame, text: str, where: str) -> str:
    columns = [str(c) for c in frame.columns]
    if text != "auto":
        if text in columns:
            return text
        hint = closest_name(text, columns)
        raise InputError(
            f"text column '{text}' not found in {where}; "
            + (f"did you mean '{hint}'? " if hint else "")
            + f"columns: {_fmt(columns)}"
        )
    lowered = {c.lower(): c for c in columns}
    for candidate in DEFAULT_TEXT_COLUMNS:
        if candidate in lowered:
            return lowered[candidate]
    strings = [
        c
        for c in columns
        if pd.api.types.is_string_dtype(frame[c].dtype)
        or pd.api.types.is_object_dtype(frame[c].dtype)
    ]
    if len(strings) == 1:
        return strings[0]
    raise InputError(
        f"cannot tell which column of {where} holds the text; pass text=COLUMN. Columns: {_fmt(columns)}"
    )


def load_text_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    text: str = "auto",
    target: Any = "auto",
    *,
    classes: Sequence[Any] | None = None,
    min_classes: int = 2,
    name: str | None = None,
) -> DataBundle:
    """Load texts and labels from a CSV/TSV/Parquet file or a DataFrame.

    Rule: the text column is ``text`` when given, else the first column named text/sentence/document/
    review/content/body/comment/message, else the only string column. The target is found as in
    :func:`~unskew.data.load_table`. Missing texts become empty strings (the profile warns about them);
    other columns are ignored.

    Returns
    -------
    DataBundle
        ``modality="text"``, ``X`` a 1-D object array of strings, ``feature_names == [text column]``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"review": ["great", "awful", "fine"], "label": [1, 0, 1]})
    >>> data = load_text_table(frame)
    >>> data.modality, data.X.tolist(), data.y.tolist()
    ('text', ['great', 'awful', 'fine'], [1, 0, 1])
    """
    table = load_table(source, target, classes=classes, min_classes=min_classes, name=name)
    where = str(source) if not isinstance(source, pd.DataFrame) else "the DataFrame"
    column = _find_text(table.X, text, where)
    values = table.X[column]
    texts = np.array(["" if pd.isna(v) else str(v) for v in values], dtype=object)
    return DataBundle(
        X=texts,
        y=table.y,
        classes=table.classes,
        feature_names=[column],
        categorical=[],
        modality="text",
        name=table.name,
        target=table.target,
    )
