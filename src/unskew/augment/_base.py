"""Shared plumbing of the augmenting over-samplers: the sampling strategy, the choice of source rows,
seeding, and the label side of imbalanced-learn's ``fit_resample(X, y)`` contract.

A subclass implements one hook, ``_generate(X, rows, codes, seed)``, that returns ``X`` with one augmented
copy of ``X[rows[i]]`` appended per ``i``, in the type and shape of ``X``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from unskew._validation import (
    check_consistent_length,
    check_labels,
    format_list,
    minority_class,
    to_numpy,
)
from unskew.exceptions import InputError

__all__ = ["AugmentingOverSampler", "sampling_targets"]

_STRATEGIES = ("auto", "not majority", "not minority", "minority", "all")


def sampling_targets(sampling_strategy: Any, y: Any) -> dict[Any, int]:
    """Number of rows to add per class, imbalanced-learn's ``sampling_strategy_`` for over-sampling.

    The rule, with ``n_c`` the rows of class ``c`` and ``n_max`` those of the largest class:

    * ``"auto"`` / ``"not majority"``: every class but the majority is brought to ``n_max``;
      ``"all"``: every class; ``"not minority"``: every class but the smallest; ``"minority"``:
      only the smallest class;
    * a float ``r`` in (0, 1]: every class is brought to ``floor(r * n_max)`` rows (classes already
      at least that large are left alone; unlike imbalanced-learn, any number of classes is allowed);
    * a dict ``{class: count}``: the listed classes are brought to ``count`` rows;
    * a callable ``f(y) -> dict``: as a dict.

    Examples
    --------
    >>> sampling_targets("auto", [0, 0, 0, 0, 1, 2, 2])
    {1: 3, 2: 2}
    >>> sampling_targets(0.5, [0, 0, 0, 0, 1, 2, 2])
    {1: 1, 2: 0}
    >>> sampling_targets({1: 2}, [0, 0, 1])
    {1: 1}
    """
    codes, classes = check_labels(y, min_classes=1)
    counts = np.bincount(codes, minlength=len(classes))
    labels = classes.tolist()
    n_max = int(counts.max())
    if callable(sampling_strategy):
        sampling_strategy = sampling_strategy(y)
    if isinstance(sampling_strategy, str):
        if sampling_strategy not in _STRATEGIES:
            raise InputError(
                f"sampling_strategy must be one of {format_list(_STRATEGIES)}, a float in (0, 1] "
                f"or a dict {{class: count}}, got {sampling_strategy!r}"
            )
        keep = np.ones(len(labels), dtype=bool)
        if sampling_strategy in ("auto", "not majority"):
            keep[int(np.argmax(counts))] = False
        elif sampling_strategy == "not minority":
            keep[minority_class(counts)] = False
        elif sampling_strategy == "minority":
            keep[:] = False
            keep[minority_class(counts)] = True
        return {labels[c]: n_max - int(counts[c]) for c in np.flatnonzero(keep)}
    if isinstance(sampling_strategy, numbers.Real) and not isinstance(sampling_strategy, bool):
        if not 0 < sampling_strategy <= 1:
            raise InputError(
                f"a float sampling_strategy is the wanted ratio of each class to the majority "
                f"class and must be in (0, 1], got {sampling_strategy!r}"
            )
        goal = int(np.floor(sampling_strategy * n_max + 1e-9))
        return {
            labels[c]: max(0, goal - int(counts[c]))
            for c in range(len(labels))
            if counts[c] < n_max
        }
    if isinstance(sampling_strategy, Mapping):
        out: dict[Any, int] = {}
        for label, wanted in sampling_strategy.items():
            if label not in labels:
                raise InputError(
                    f"sampling_strategy names the class {label!r}, which is not in y; "
                    f"the classes are {format_list(labels)}"
                )
            have = int(counts[labels.index(label)])
            if not isinstance(wanted, numbers.Integral) or isinstance(wanted, bool):
                raise InputError(
                    f"sampling_strategy[{label!r}] must be an integer count, got {wanted!r}"
                )
            if wanted < have:
                raise InputError(
                    f"sampling_strategy asks for {wanted} rows of class {label!r}, which already "
                    f"has {have}; an over-sampler only adds rows: ask for at least {have}, or use "
                    "an under-sampler such as RandomUnderSampler"
                )
            out[label] = int(wanted) - have
        return out
    raise InputError(
        f"sampling_strategy must be one of {format_list(_STRATEGIES)}, a float in (0, 1], a dict "
        f"{{class: count}} or a callable, got {type(sampling_strategy).__name__}"
    )


def _source_rows(codes: np.ndarray, n_new: dict[int, int], rs: np.random.RandomState) -> np.ndarray:
    """Row indices to copy: for each class code in order, its rows in random order, cycled (a fresh
    permutation per pass) until ``n_new[c]`` rows are chosen, so every row is used evenly."""
    picks = [np.empty(0, dtype=np.int64)]
    for c in sorted(n_new):
        want = n_new[c]
        if want <= 0:
            continue
        rows = np.flatnonzero(codes == c)
        passes = -(-want // rows.size)
        order = np.argsort(rs.random_sample((passes, rows.size)), axis=1)
        picks.append(rows[order].ravel()[:want])
    return np.concatenate(picks).astype(np.int64)


def _take_labels(y: Any, index: np.ndarray) -> Any:
    """``y[index]`` in the type of ``y``: NumPy, torch (on its device), pandas; lists give NumPy."""
    if hasattr(y, "detach") and hasattr(y, "index_select"):
        import torch

        return y[torch.as_tensor(index, device=y.device)]
    if hasattr(y, "iloc"):
        return y.iloc[index].reset_index(drop=True)
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    return arr[index]


class AugmentingOverSampler(BaseEstimator):
    """Base of the augmenting over-samplers: ``fit_resample`` validates, picks the source rows and
    returns the labels; subclasses implement ``_generate`` for their kind of ``X``.

    ``__init__`` of a subclass stores its arguments verbatim (scikit-learn's convention, so
    :func:`sklearn.base.clone` works); all checks happen in ``fit_resample``.
    """

    #: Whether ``X`` may have more than two dimensions (images).
    accepts_nd: ClassVar[bool] = False
    #: Type of resampling, as imbalanced-learn names it.
    _sampling_type: ClassVar[str] = "over-sampling"

    sampling_strategy: Any
    random_state: Any

    def _check_params(self) -> None:
        """Check the subclass's parameters (raise InputError)."""

    def _check_X(self, X: Any) -> None:
        """Check ``X`` before any work (raise InputError)."""

    def _generate(self, X: Any, rows: np.ndarray, codes: np.ndarray, seed: int) -> Any:
        """``X`` followed by one augmented copy of each ``X[rows[i]]``, same type and shape
        (``codes`` are the class codes of the rows of ``X``)."""
        raise NotImplementedError

    def _labels(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        if y is None:
            raise InputError("y is None; fit_resample needs the class label of every row")
        y_np = to_numpy(y)
        check_consistent_length(X, y_np)
        if len(y_np) == 0:
            raise InputError("X and y are empty; pass at least one row of each class")
        return check_labels(y_np, min_classes=1)

    def _prepare(self, X: Any, y: Any) -> np.ndarray:
        """Check everything, set ``sampling_strategy_`` and ``classes_``; return the class codes."""
        self._check_params()
        self._check_X(X)
        self._labels(X, y)
        return self._prepare_labels(to_numpy(y))

    def _prepare_labels(self, y: np.ndarray) -> np.ndarray:
        """Set ``sampling_strategy_`` and ``classes_`` from the labels; return the class codes."""
        codes, classes = check_labels(y, min_classes=1)
        self.sampling_strategy_ = sampling_targets(self.sampling_strategy, y)
        self.classes_ = classes
        return codes

    def fit(self, X: Any, y: Any) -> AugmentingOverSampler:
        """Check the inputs and set ``sampling_strategy_`` without resampling; return ``self``."""
        self._prepare(X, y)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Append augmented copies of minority rows until every class reaches its target.

        Returns ``(X_res, y_res)``: the original rows first, unchanged, then the new rows class by
        class; ``sample_indices_`` holds the source row of every output row.
        """
        codes = self._prepare(X, y)
        rows, seed = self._plan_rows(codes)
        X_res = self._generate(X, rows, codes, seed)
        return X_res, _take_labels(y, self.sample_indices_)

    def _plan_rows(self, codes: np.ndarray) -> tuple[np.ndarray, int]:
        """The source rows of the new rows (setting ``sample_indices_``) and the seed of their
        augmentation, from the class codes and ``sampling_strategy_``."""
        lookup = {label: i for i, label in enumerate(self.classes_.tolist())}
        n_new = {lookup[label]: n for label, n in self.sampling_strategy_.items()}
        rs = check_random_state(self.random_state)
        rows = _source_rows(codes, n_new, rs)
        seed = int(rs.randint(np.iinfo(np.int32).max))
        self.sample_indices_ = np.concatenate([np.arange(len(codes)), rows])
        return rows, seed


def call_with_generator(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` accepts a ``generator`` keyword."""
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "generator" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
