"""Stratified, shuffled, repeated folds, and the seed of each run."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from unskew.exceptions import InputError

__all__ = ["Fold", "make_folds", "run_seed"]


class Fold(NamedTuple):
    """One train/test split: ``train`` and ``test`` are row positions (int64 arrays)."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def _class_name(classes: Any, code: int) -> str:
    if classes is None:
        return str(code)
    value = np.asarray(classes)[code]
    return str(value.item() if hasattr(value, "item") else value)


def make_folds(
    y: Any, cv: int = 5, repeats: int = 1, random_state: int = 0, *, classes: Any = None
) -> list[Fold]:
    """Stratified, shuffled K-fold splits, repeated with different shuffles.

    Rule: ``K = min(cv, n_min)`` where ``n_min`` is the row count of the smallest class, so every
    test fold holds at least one row of every class (stratified K-fold puts ``floor(n_c / K)`` or
    ``ceil(n_c / K)`` rows of class ``c`` in each fold). When ``K < cv`` a warning names the class
    and the folds used. Repeat ``r`` shuffles with a seed drawn from ``(random_state, r)``, so the splits
    of every recipe in a comparison are identical and the scores can be paired (Dietterich 1998;
    Nadeau & Bengio 2003 for the paired test over repeated folds).

    Parameters
    ----------
    y : array-like of int, shape (N,)
        Class codes (or any labels).
    cv : int, default=5
        Folds wanted (at least 2).
    repeats : int, default=1
        How many times to reshuffle and split again.
    random_state : int, default=0
    classes : array-like, optional
        Label values in code order, to name a class in messages.

    Returns
    -------
    list of Fold
        ``(repeat, fold, train, test)`` in repeat-then-fold order; row positions into ``y``.

    Raises
    ------
    InputError
        ``cv < 2``, ``repeats < 1``, or a class with a single row (it cannot be in both a training
        and a test fold).

    Examples
    --------
    >>> folds = make_folds([0] * 8 + [1] * 4, cv=3, repeats=2)
    >>> len(folds), folds[0].repeat, folds[-1].fold, sorted(len(f.test) for f in folds[:3])
    (6, 0, 2, [4, 4, 4])
    >>> all(set(f.train).isdisjoint(f.test) for f in folds)
    True
    """
    from sklearn.model_selection import StratifiedKFold

    if not isinstance(cv, int | np.integer) or cv < 2:
        raise InputError(f"cv must be an integer >= 2 (folds), got {cv!r}")
    if not isinstance(repeats, int | np.integer) or repeats < 1:
        raise InputError(f"repeats must be an integer >= 1, got {repeats!r}")
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) == 0:
        raise InputError(f"y must be one label per row (1-D, non-empty), got shape {y_arr.shape}")
    values, codes, counts = np.unique(y_arr, return_inverse=True, return_counts=True)
    smallest = int(np.argmin(counts))
    name = _class_name(classes, values[smallest]) if classes is not None else str(values[smallest])
    n_min = int(counts[smallest])
    if len(values) < 2:
        raise InputError(f"y holds a single class ({name!r}); a comparison needs two or more")
    if n_min < 2:
        raise InputError(
            f"class {name!r} has a single row, so no split can put it in both a training and a "
            "test fold; add rows of that class, or drop or merge it before comparing"
        )
    k = min(int(cv), n_min)
    if k < cv:
        warnings.warn(
            f"class {name!r} has only {n_min} rows, fewer than cv={cv}; using {k} folds so every "
            "test fold holds each class",
            UserWarning,
            stacklevel=2,
        )
    folds = []
    for r in range(int(repeats)):
        state = int(
            np.random.SeedSequence([int(random_state), r]).generate_state(1)[0] % (2**31 - 1)
        )
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=state)
        for f, (train, test) in enumerate(splitter.split(np.zeros(len(codes)), codes)):
            folds.append(Fold(r, f, train.astype(np.int64), test.astype(np.int64)))
    return folds


def run_seed(seed: int, repeat: int, fold: int) -> int:
    """The ``random_state`` of the run on ``(repeat, fold)``: the same for every recipe, so recipes
    differ only in the recipe (common random numbers), and different across folds and repeats.

    Examples
    --------
    >>> run_seed(0, 0, 0) == run_seed(0, 0, 0), run_seed(0, 0, 0) == run_seed(0, 0, 1)
    (True, False)
    """
    return int(
        np.random.SeedSequence([int(seed), 1, int(repeat), int(fold)]).generate_state(1)[0]
        % (2**31 - 1)
    )
