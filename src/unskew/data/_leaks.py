"""Columns that leak the answer: a copy or recoding of the label, a saved row index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from unskew.data._bundle import DataBundle
from unskew.exceptions import InputError

__all__ = ["LEAK_FIX", "check_leaks", "find_leaks"]

#: Tables with fewer rows are not checked (a short column matches a label or an index by chance).
MIN_LEAK_ROWS = 10
#: The fix every leak message ends with.
LEAK_FIX = (
    "drop the column, or pass --allow-leak (allow_leak=True in Python) if it is really known "
    "when predicting"
)
_INDEX_NAMES = ("", "unnamed: 0", "index")


def _recodes_label(column: pd.Series, labels: np.ndarray, n_classes: int) -> bool:
    """Whether ``column`` and the labels determine each other (a one-to-one recoding)."""
    if column.nunique(dropna=False) != n_classes:
        return False
    pairs = pd.DataFrame({"c": column.to_numpy(), "y": labels}).drop_duplicates()
    return len(pairs) == n_classes


def _identical(column: pd.Series, labels: np.ndarray) -> bool:
    return bool((column.astype(str).to_numpy() == labels.astype(str)).all())


def _is_row_index(column: pd.Series, name: str) -> str | None:
    if not pd.api.types.is_integer_dtype(column.dtype) and not pd.api.types.is_float_dtype(
        column.dtype
    ):
        return None
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    n = len(values)
    for start in (0, 1):
        if np.array_equal(values, np.arange(start, start + n)):
            return f"{start}..{start + n - 1}"
    if name.strip().lower() in _INDEX_NAMES and np.array_equal(np.sort(values), np.arange(n)):
        return f"a shuffled 0..{n - 1}"
    return None


def find_leaks(bundle: DataBundle) -> list[str]:
    """Feature columns that leak the label, one message each (empty when none).

    Rules, on labeled tables of at least 10 rows:

    * a column identical to the label, or a one-to-one recoding of it (each value of the column
      goes with one class and each class with one value: ``yes/no`` -> ``1/0``);
    * a leading column equal to 0..n-1 or 1..n (or, when named like pandas' index column,
      ``Unnamed: 0``, any order of 0..n-1): a row index saved with the data, which predicts the
      label whenever the rows were ordered by class.

    ``unskew profile`` reports them; ``train`` and ``compare`` refuse them (:func:`check_leaks`)
    unless ``--allow-leak``. Every message ends with that fix.

    Examples
    --------
    >>> import pandas as pd
    >>> from unskew.data import load_table
    >>> frame = pd.DataFrame({"x": range(12), "flag": ["a", "b"] * 6, "label": ["n", "p"] * 6})
    >>> for leak in find_leaks(load_table(frame)):
    ...     print(leak.split(":")[0])
    column 'x' is 0..11, a saved row index
    column 'flag' is a one-to-one recoding of the target 'label'
    """
    if bundle.modality != "table" or bundle.y is None or len(bundle) < MIN_LEAK_ROWS:
        return []
    frame: pd.DataFrame = bundle.X
    labels = bundle.labels()
    n_classes = int(np.unique(bundle.y).size)
    target = f"the target '{bundle.target}'" if bundle.target else "the labels"
    leaks = []
    first = str(frame.columns[0])
    span = _is_row_index(frame.iloc[:, 0], first)
    if span is not None:
        leaks.append(
            f"column '{first}' is {span}, a saved row index: a model learns the rows' order "
            f"(pandas writes it unless to_csv(index=False)); {LEAK_FIX}"
        )
    for name in frame.columns:
        column = frame[name]
        if not _recodes_label(column, labels, n_classes):
            continue
        what = "identical to" if _identical(column, labels) else "a one-to-one recoding of"
        leaks.append(
            f"column '{name}' is {what} {target}: a model reads the answer from it; {LEAK_FIX}"
        )
    return leaks


def check_leaks(bundle: DataBundle, *, allow_leak: bool = False) -> list[str]:
    """Refuse a bundle with leaking columns (:func:`find_leaks`) unless ``allow_leak``.

    Returns the leak messages (empty when none, or the ones allowed, for the caller to warn
    about). Raises :class:`~unskew.exceptions.InputError` with the first message (and how many
    more) when there is a leak and ``allow_leak`` is False.

    Examples
    --------
    >>> import pandas as pd
    >>> from unskew.data import load_table
    >>> data = load_table(pd.DataFrame({"x": [5, 3] * 6, "label": ["n", "p"] * 6}))
    >>> check_leaks(data)
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: column 'x' is a one-to-one recoding of the target 'label': ...
    >>> len(check_leaks(data, allow_leak=True))
    1
    """
    leaks = find_leaks(bundle)
    if leaks and not allow_leak:
        more = f" (and {len(leaks) - 1} more leak(s))" if len(leaks) > 1 else ""
        raise InputError(leaks[0] + more)
    return leaks
