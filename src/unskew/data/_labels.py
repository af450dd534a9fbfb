"""One fast way to get the labels of any dataset, for samplers and profiling."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from unskew._validation import as_label_array, format_list
from unskew.data._bundle import DataBundle
from unskew.exceptions import InputError

__all__ = ["get_labels"]

_LABEL_ATTRS = ("targets", "labels", "y")
_FRAME_ATTRS = ("df", "dataframe", "frame", "data", "table")
_LABEL_KEYS = ("label", "labels", "target", "targets", "y", "class")


def _frame_column(frame: Any, column: str | None) -> np.ndarray | None:
    from unskew.data._table import DEFAULT_TARGETS

    if column is not None:
        if column not in frame.columns:
            raise InputError(
                f"label column '{column}' not found; columns: {format_list(frame.columns)}"
            )
        return as_label_array(frame[column])
    lowered = {str(c).lower(): c for c in frame.columns}
    for name in (*DEFAULT_TARGETS, "labels", "targets"):
        if name in lowered:
            return as_label_array(frame[lowered[name]])
    return None


def _item_label(item: Any) -> Any:
    if isinstance(item, Mapping):
        for key in _LABEL_KEYS:
            if key in item:
                return item[key]
        raise InputError(
            f"dataset items are dicts without a label key ({'/'.join(_LABEL_KEYS)}); keys: "
            f"{format_list(item)}; give the dataset a `targets` attribute"
        )
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        label = item[1]
    else:
        raise InputError(
            f"dataset items are {type(item).__name__}, not (input, label) pairs; give the dataset a "
            "`targets` attribute or a get_labels() method"
        )
    if hasattr(label, "item") and getattr(label, "ndim", 0) == 0:
        label = label.item()
    return label


def _single_pass(dataset: Any, progress: bool) -> np.ndarray:
    n = len(dataset)
    labels = []
    if progress and n >= 1000:
        from rich.progress import track

        indices = track(range(n), description="reading labels", transient=True)
    else:
        indices = range(n)
    for i in indices:
        labels.append(_item_label(dataset[i]))
    return as_label_array(labels)


def get_labels(dataset: Any, *, column: str | None = None, progress: bool = True) -> np.ndarray:
    """Return one label per sample of ``dataset`` as a 1-D NumPy array, as cheaply as possible.

    Tried in order, stopping at the first that applies:

    1. labels given directly (array, list, tensor, pandas Series) or a :class:`DataBundle` (its ``y``);
    2. a pandas DataFrame: ``column``, else a column named target/label/class/y;
    3. torch ``Subset`` (labels of the parent at ``indices``), ``ConcatDataset`` (concatenation) and
       ``TensorDataset`` (its last tensor), recursively;
    4. an attribute ``targets``, ``labels`` or ``y``, or a ``get_labels()`` method;
    5. a DataFrame held in ``df``/``dataframe``/``frame``/``data``/``table`` with a label column;
    6. one pass over ``dataset[i]`` reading the label of each ``(input, label)`` pair or dict item,
       with a progress bar for large datasets. This decodes every item: give slow datasets a
       ``targets`` attribute instead.

    Parameters
    ----------
    dataset : any
    column : str, optional
        Label column for DataFrame-backed datasets.
    progress : bool, default=True
        Show a progress bar during a single pass over 1,000 items or more.

    Returns
    -------
    numpy.ndarray, shape (len(dataset),)
        The labels as stored (integer codes for most torch datasets).

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import Subset, TensorDataset
    >>> ds = TensorDataset(torch.zeros(5, 2), torch.tensor([0, 1, 1, 0, 1]))
    >>> get_labels(Subset(ds, [1, 3])).tolist()
    [1, 0]
    """
    if isinstance(dataset, DataBundle):
        if dataset.y is None:
            raise InputError(f"{dataset.name} is unlabeled: it has no labels to read")
        return dataset.y
    if isinstance(dataset, (np.ndarray, list)) or type(dataset).__name__ in ("Tensor", "Series"):
        return as_label_array(dataset)
    if type(dataset).__name__ == "DataFrame" and hasattr(dataset, "columns"):
        labels = _frame_column(dataset, column)
        if labels is None:
            raise InputError(
                f"no label column in the DataFrame; pass column=NAME. Columns: "
                f"{format_list(dataset.columns)}"
            )
        return labels

    torch = sys.modules.get("torch")  # only a torch object can be a torch dataset
    if torch is not None:
        data = torch.utils.data
        if isinstance(dataset, data.Subset):
            parent = get_labels(dataset.dataset, column=column, progress=progress)
            return parent[np.asarray(dataset.indices, dtype=np.int64)]
        if isinstance(dataset, data.ConcatDataset):
            parts = [get_labels(d, column=column, progress=progress) for d in dataset.datasets]
            return np.concatenate(parts) if parts else np.array([], dtype=np.int64)
        if isinstance(dataset, data.TensorDataset) and len(dataset.tensors) >= 2:
            return as_label_array(dataset.tensors[-1])

    for attr in _LABEL_ATTRS:
        value = getattr(dataset, attr, None)
        if value is not None and not callable(value):
            return as_label_array(value)
    method = getattr(dataset, "get_labels", None)
    if callable(method):
        return as_label_array(method())
    for attr in _FRAME_ATTRS:
        frame = getattr(dataset, attr, None)
        if frame is not None and type(frame).__name__ == "DataFrame":
            labels = _frame_column(frame, column)
            if labels is not None:
                return labels
    if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
        raise InputError(
            f"cannot read labels from a {type(dataset).__name__}: it is not a map-style dataset "
            "(no __len__/__getitem__) and has no `targets`; pass the labels themselves"
        )
    return _single_pass(dataset, progress)
