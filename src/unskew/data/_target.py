"""Label values that differ only by surrounding whitespace are one class."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from unskew.data._bundle import DataWarning

__all__ = ["merge_whitespace_labels"]


def merge_whitespace_labels(y: Any, name: str) -> tuple[np.ndarray, DataWarning | None]:
    """Strip surrounding whitespace from string labels when that merges labels into one class.

    Rule: when two distinct labels are equal once stripped (``"pos"`` and ``"pos "``), every
    string label is stripped and a warning names the merged labels and counts the rows that
    changed. Labels whose whitespace merges nothing are left as they are.

    Examples
    --------
    >>> y, note = merge_whitespace_labels(np.array(["pos", "pos ", "neg"], dtype=object), "label")
    >>> y.tolist(), note.kind
    (['pos', 'pos', 'neg'], 'label_whitespace')
    """
    arr = np.asarray(y)
    if arr.dtype.kind not in "OUS":
        return arr, None
    groups: dict[str, set[str]] = defaultdict(set)
    for value in set(arr.tolist()):
        if isinstance(value, str):
            groups[value.strip()].add(value)
    merged = {key: sorted(vals) for key, vals in groups.items() if len(vals) > 1}
    if not merged:
        return arr, None
    stripped = np.array(
        [v.strip() if isinstance(v, str) else v for v in arr.tolist()], dtype=object
    )
    changed = int(sum(a != b for a, b in zip(arr.tolist(), stripped.tolist(), strict=True)))
    shown = "; ".join(
        " and ".join(repr(v) for v in vals) + f" -> {key!r}"
        for key, vals in list(merged.items())[:3]
    )
    note = DataWarning(
        "label_whitespace",
        f"labels of {name} that differ only by surrounding whitespace are merged ({shown}; "
        f"{changed:,} row(s) changed); clean the labels to silence this",
        {"merged": {k: v for k, v in merged.items()}, "rows": changed},
    )
    return stripped, note
