"""The Trainer's inputs: features as tensors or a Dataset, class codes, per-row weights, the model's
output width, and the stratified validation split."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Subset

from unskew.exceptions import InputError

__all__ = [
    "as_tensor",
    "check_labels",
    "check_model",
    "check_sample_weight",
    "is_dataset",
    "split_validation",
    "take_rows",
]


def is_dataset(X: Any) -> bool:
    """Whether ``X`` is a torch-style Dataset (indexable, sized, not an array or a table).

    Examples
    --------
    >>> is_dataset(np.zeros((2, 3))), is_dataset(torch.utils.data.TensorDataset(torch.zeros(2)))
    (False, True)
    """
    return (
        not torch.is_tensor(X)
        and not isinstance(X, np.ndarray | list | tuple)
        and hasattr(X, "__getitem__")
        and hasattr(X, "__len__")
        and not hasattr(X, "columns")
    )


def as_tensor(X: Any) -> torch.Tensor:
    """Features as a tensor: 2-D integer inputs (token ids) stay integers, the rest float32.

    Examples
    --------
    >>> as_tensor(np.ones((2, 2), dtype=np.float64)).dtype
    torch.float32
    """
    if hasattr(X, "columns"):  # a DataFrame
        try:
            X = X.to_numpy(dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise InputError(
                "the Trainer takes numeric features; this table has non-numeric columns. Encode it "
                "with unskew.training.TablePreprocessor, or use ImbalancedClassifier, which does"
            ) from err
    t = X if torch.is_tensor(X) else torch.as_tensor(np.asarray(X))
    if t.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8) and t.dim() == 2:
        return t.long()
    if t.dtype == torch.bool or not t.is_floating_point():
        t = t.float()
    return t.float() if t.dtype == torch.float64 else t


def take_rows(X: Any, rows: Any) -> Any:
    """Rows ``rows`` (positions) of any input the library takes: a DataFrame (its index kept), a
    list of texts, an array, a tensor, or a Dataset (an image folder streamed from disk: a
    ``Subset``, nothing decoded). A tensor or Dataset asked for all its rows in order is returned
    as it is.

    Examples
    --------
    >>> take_rows(["a", "b", "c"], np.array([2, 0]))
    ['c', 'a']
    >>> take_rows(np.arange(6).reshape(3, 2), [1]).tolist()
    [[2, 3]]
    """
    rows = np.asarray(rows, dtype=np.int64)
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if isinstance(X, list | tuple):
        return [X[i] for i in rows]
    if isinstance(X, np.ndarray):
        return X[rows]
    whole = len(rows) == len(X) and np.array_equal(rows, np.arange(len(X)))
    if is_dataset(X):
        return X if whole else Subset(X, rows.tolist())
    if torch.is_tensor(X):
        return X if whole else X[torch.from_numpy(rows)]
    return np.asarray(X)[rows]


def check_labels(y: np.ndarray) -> np.ndarray:
    """Class codes as int64 (whole-number floats are accepted).

    Examples
    --------
    >>> check_labels(np.array([0.0, 1.0])).dtype
    dtype('int64')
    """
    if y.ndim != 1 or len(y) == 0:
        raise InputError(f"y must be one label per row (1-D, non-empty), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0):
            y = y.astype(np.int64)
        else:
            raise InputError(
                "the Trainer takes class codes 0..C-1; encode labels first (sklearn's "
                "LabelEncoder), or use ImbalancedClassifier, which accepts any labels"
            )
    return y.astype(np.int64)


def check_sample_weight(sample_weight: Any, n_rows: int) -> np.ndarray | None:
    """One finite, non-negative weight per row, not all zero (None passes through)."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
    if len(weights) != n_rows or (weights < 0).any() or not np.isfinite(weights).all():
        raise InputError(
            f"sample_weight needs one finite, non-negative weight per row ({n_rows} rows)"
        )
    if weights.sum() <= 0:
        raise InputError("sample_weight is zero for every row; give some rows weight")
    return weights


def check_model(model: nn.Module, X: Any, y: np.ndarray) -> int:
    """The model's number of outputs, checked against the labels (one output per class, every
    class present)."""
    if is_dataset(X):
        item = X[0]
        first = item[0] if isinstance(item, list | tuple) else item
        probe = torch.as_tensor(np.asarray(first) if not torch.is_tensor(first) else first)
        probe = probe.unsqueeze(0)
    else:
        probe = X[:2]
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    with torch.no_grad():
        out = model(probe.to(device))
    model.train(was_training)
    if out.dim() != 2:
        raise InputError(
            f"the model must return logits of shape (N, C); it returned shape {tuple(out.shape)}"
        )
    width = int(out.shape[1])
    bad = y[(y < 0) | (y >= width)]
    if len(bad):
        raise InputError(
            f"label {int(bad[0])} is outside 0..{width - 1}, the classes of a model with "
            f"{width} outputs; give the model one output per class or encode labels as 0..C-1"
        )
    present = np.bincount(y, minlength=width)
    if (present == 0).any():
        absent = np.flatnonzero(present == 0).tolist()
        raise InputError(
            f"the model has {width} outputs but the labels hold {int((present > 0).sum())} "
            f"classes (no rows of class(es) {absent}); make the output width equal the "
            "number of classes"
        )
    return width


def split_validation(
    validation: Any, X: Any, y: np.ndarray, n_classes: int, random_state: int
) -> tuple[np.ndarray, tuple[Any, np.ndarray] | None, np.ndarray | None]:
    """Training row indices, the validation pair ``(features, labels)`` or None, and the
    validation rows of ``X`` (None unless they were split off).

    ``validation`` is a share in (0, 1) (a stratified split), a pair ``(X_val, y_val)`` or None.
    Classes too small for a split give a warning and no validation.
    """
    rows = np.arange(len(y))
    if validation is None:
        return rows, None, None
    if isinstance(validation, tuple | list):
        if len(validation) != 2:
            raise InputError("validation must be a float, None or a pair (X_val, y_val)")
        X_val = validation[0] if is_dataset(validation[0]) else as_tensor(validation[0])
        y_raw = validation[1]
        y_val = check_labels(np.asarray(y_raw.cpu() if torch.is_tensor(y_raw) else y_raw))
        bad = y_val[(y_val < 0) | (y_val >= n_classes)]
        if len(bad):
            raise InputError(f"validation label {int(bad[0])} is outside 0..{n_classes - 1}")
        missing = sorted(set(range(n_classes)) - set(np.unique(y_val).tolist()))
        if missing:
            warnings.warn(
                f"the validation set has no rows of class(es) {missing}: early stopping and "
                "decision tuning use the classes present",
                UserWarning,
                stacklevel=4,
            )
        return rows, (X_val, y_val), None
    if not 0.0 < float(validation) < 1.0:
        raise InputError(
            f"validation must be a share in (0, 1), a pair or None, got {validation!r}"
        )
    counts = np.bincount(y, minlength=n_classes)
    if (counts < 2).any() or round(len(y) * float(validation)) < n_classes:
        warnings.warn(
            f"class(es) {np.flatnonzero(counts < 2).tolist() or 'all'} are too small for a "
            "validation split: training for the full budget without early stopping; decision "
            "rules that need held-out scores keep their untuned defaults",
            UserWarning,
            stacklevel=4,
        )
        return rows, None, None
    from sklearn.model_selection import train_test_split

    train, val = train_test_split(
        rows, test_size=float(validation), stratify=y, random_state=random_state
    )
    train, val = np.sort(train), np.sort(val)
    return train, (take_rows(X, val), y[val]), val
