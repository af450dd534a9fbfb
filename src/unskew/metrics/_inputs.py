"""Input handling shared by the metrics: NumPy or torch in, checked, labels encoded."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew._validation import format_list, to_numpy
from unskew.exceptions import InputError

#: The shared conversion (NumPy, lists, pandas, torch tensors); kept under the metrics' name.
as_array = to_numpy


def check_pair(
    a: Any, b: Any, names: tuple[str, str] = ("y_true", "y_pred")
) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of the same length; the second is checked for NaN when it holds scores."""
    a_arr, b_arr = as_array(a), as_array(b)
    if len(a_arr) != len(b_arr):
        raise InputError(
            f"{names[0]} has {len(a_arr)} entries but {names[1]} has {len(b_arr)}; they must match "
            "row for row"
        )
    if b_arr.dtype.kind == "f" and np.isnan(b_arr).any():
        n = int(np.isnan(b_arr).sum())
        raise InputError(f"{names[1]} holds {n} NaN value(s); check the model's outputs")
    return a_arr, b_arr


def _label_kind(values: np.ndarray) -> str:
    """``number``, ``text`` or ``mixed`` (a scan only for object arrays)."""
    if values.dtype.kind in "biuf":
        return "number"
    if values.dtype.kind in "US":
        return "text"
    kinds = {"text" if isinstance(v, str | bytes) else "number" for v in values.tolist()}
    if len(kinds) > 1:
        return "mixed"
    return kinds.pop() if kinds else "number"


def check_label_kinds(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """Refuse labels of two kinds (text and numbers), in one array or across the two: no class
    name equals a number, so every row would count as an error.

    Examples
    --------
    >>> check_label_kinds(np.array(["a", "b"]), np.array([0, 1]))
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: y_true holds text labels ('a', 'b') but y_pred holds numbers ...
    """
    kinds = {"y_true": _label_kind(y_true), "y_pred": _label_kind(y_pred)}
    for name, kind in kinds.items():
        if kind == "mixed":
            raise InputError(
                f"{name} mixes text and numbers as labels; give every label in one form (all "
                "class names, or all integer codes)"
            )
    if kinds["y_true"] != kinds["y_pred"]:
        text, numbers = ("y_true", "y_pred") if kinds["y_true"] == "text" else ("y_pred", "y_true")
        shown = {"y_true": y_true, "y_pred": y_pred}
        raise InputError(
            f"{text} holds text labels ({format_list(np.unique(shown[text]), 3)}) but {numbers} "
            f"holds numbers ({format_list(np.unique(shown[numbers]), 3)}); pass both as class "
            "names or both as codes (e.g. map the predictions with classes_[codes])"
        )


def encode(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of ``y_true`` and ``y_pred`` in the order of ``labels`` (default: sorted union).
    Rows whose true or predicted label is not in ``labels`` get code -1. Labels of two kinds
    (text and numbers) are refused (:func:`check_label_kinds`)."""
    check_label_kinds(y_true, y_pred)
    if labels is None and y_true.dtype.kind in "iub" and y_pred.dtype.kind in "iub" and len(y_true):
        # integer labels: presence by bincount and codes by a lookup table, no sort (O(n))
        lo = int(min(y_true.min(), y_pred.min()))
        hi = int(max(y_true.max(), y_pred.max()))
        if hi - lo < 1 << 20:
            present = (np.bincount(y_true.astype(np.int64) - lo, minlength=hi - lo + 1) > 0) | (
                np.bincount(y_pred.astype(np.int64) - lo, minlength=hi - lo + 1) > 0
            )
            lookup = np.cumsum(present) - 1
            labels_arr = (np.flatnonzero(present) + lo).astype(np.result_type(y_true, y_pred))
            return (
                lookup[y_true.astype(np.int64) - lo],
                lookup[y_pred.astype(np.int64) - lo],
                labels_arr,
            )
    if labels is None:
        labels_arr = np.unique(np.concatenate([np.unique(y_true), np.unique(y_pred)]))
    else:
        labels_arr = np.asarray(labels)
        if len(np.unique(labels_arr)) != len(labels_arr):
            raise InputError(f"labels must be unique, got {format_list(labels_arr)}")
    order = np.argsort(labels_arr, kind="stable")
    sorted_labels = labels_arr[order]

    def codes(values: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(sorted_labels, values)
        pos = np.clip(pos, 0, len(sorted_labels) - 1)
        found = sorted_labels[pos] == values
        return np.where(found, order[pos], -1)

    return codes(y_true), codes(y_pred), labels_arr


def check_probabilities(scores: np.ndarray, name: str = "y_score") -> None:
    """Rows of a probability matrix must sum to 1 (within 1e-3)."""
    sums = scores.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-3)
    if bad.size:
        raise InputError(
            f"{name} rows must be probabilities summing to 1, but row {int(bad[0])} sums to "
            f"{float(sums[bad[0]]):.4g} ({bad.size} rows off); apply a softmax to logits first"
        )


def positive_scores(scores: np.ndarray, positive: int) -> np.ndarray:
    """The scores of class ``positive`` (0 or 1) of a binary problem: its column of a (N, 2)
    matrix; for one score per row (the second class's, as in scikit-learn) the score itself, or
    for the first class its negation, which ranks the rows in exactly the reverse order. The one
    rule by which the ranking metrics and the threshold rules read a class's scores.

    Examples
    --------
    >>> positive_scores(np.array([[0.8, 0.2], [0.3, 0.7]]), 0).tolist()
    [0.8, 0.3]
    >>> positive_scores(np.array([0.2, 0.7]), 0).tolist()
    [-0.2, -0.7]
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 2:
        return s[:, positive]
    s = s.reshape(len(s), -1)[:, -1]
    return s if positive == 1 else -s
