"""Balanced subsets for ensembles (EasyEnsemble)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from unskew._validation import check_labels
from unskew.exceptions import InputError

__all__ = ["EasyEnsembleSubsets"]


class EasyEnsembleSubsets:
    """K balanced subsets: every row of the smallest class plus, from each other class, a random
    subset of the same size, drawn independently for each subset.

    Liu, Wu & Zhou, "Exploratory Undersampling for Class-Imbalance Learning", IEEE TSMC-B 2009: train
    one model per subset and average them, so the ensemble sees most majority rows while each model
    trains on balanced data. It yields subsets rather than resampling once, so it is not a
    ``fit_resample`` resampler.

    Parameters
    ----------
    n_subsets : int, default=10
    ratio : float, default=1.0
        Rows kept per larger class, as a multiple of the smallest class's count.
    replacement : bool, default=False
        Draw each class's subset with replacement (a bootstrap).
    random_state : int, RandomState or None

    Examples
    --------
    >>> y = [0] * 90 + [1] * 10
    >>> subsets = list(EasyEnsembleSubsets(n_subsets=3, random_state=0).split(y))
    >>> [len(s) for s in subsets]
    [20, 20, 20]
    """

    def __init__(
        self,
        n_subsets: int = 10,
        *,
        ratio: float = 1.0,
        replacement: bool = False,
        random_state: Any = None,
    ) -> None:
        if n_subsets < 1:
            raise InputError(f"n_subsets must be >= 1, got {n_subsets}")
        if ratio <= 0:
            raise InputError(f"ratio must be positive, got {ratio}")
        self.n_subsets = n_subsets
        self.ratio = ratio
        self.replacement = replacement
        self.random_state = random_state

    def split(self, y: Any) -> Iterator[np.ndarray]:
        """Yield the row indices of each subset (sorted)."""
        codes, _ = check_labels(y)
        counts = np.bincount(codes)
        kept = np.minimum(counts, max(1, round(self.ratio * counts.min())))
        by_class = [np.flatnonzero(codes == c) for c in range(len(counts))]
        rng = check_random_state(self.random_state)
        for _ in range(self.n_subsets):
            parts = [
                rows
                if k == len(rows) and not self.replacement
                else rng.choice(rows, size=k, replace=self.replacement)
                for rows, k in zip(by_class, kept, strict=True)
            ]
            yield np.sort(np.concatenate(parts))

    def resample(self, X: Any, y: Any) -> Iterator[tuple[Any, Any]]:
        """Yield ``(X_subset, y_subset)`` for each subset (positional indexing; DataFrames too)."""
        y_arr = np.asarray(y)
        for idx in self.split(y_arr):
            yield (X.iloc[idx] if hasattr(X, "iloc") else X[idx]), y_arr[idx]
