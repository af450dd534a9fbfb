"""imbalanced-learn's random over- and under-samplers, with the data stage's index-level form:
which rows to repeat or drop, for datasets that are not held in memory (image folders)."""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn.over_sampling import RandomOverSampler as _RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler as _RandomUnderSampler

__all__ = ["RandomOverSampler", "RandomUnderSampler"]


def _rows(sampler: Any, y: Any) -> np.ndarray:
    y = np.asarray(y)
    rows = np.arange(len(y)).reshape(-1, 1)
    sampler.fit_resample(rows, y)
    return np.asarray(sampler.sample_indices_, dtype=np.int64)


class RandomOverSampler(_RandomOverSampler):
    """imbalanced-learn's ``RandomOverSampler`` (unchanged ``fit_resample``), plus
    :meth:`resample_index`.

    Examples
    --------
    >>> RandomOverSampler(random_state=0).resample_index([0, 0, 0, 1]).tolist()
    [0, 1, 2, 3, 3, 3]
    """

    def resample_index(self, y: Any) -> np.ndarray:
        """The rows of a resampling of ``y``: every original row, then the repeated ones."""
        return _rows(self, y)


class RandomUnderSampler(_RandomUnderSampler):
    """imbalanced-learn's ``RandomUnderSampler`` (unchanged ``fit_resample``), plus
    :meth:`resample_index`.

    Examples
    --------
    >>> sorted(RandomUnderSampler(random_state=0).resample_index([0, 0, 0, 1]).tolist())[-1]
    3
    """

    def resample_index(self, y: Any) -> np.ndarray:
        """The rows a resampling of ``y`` keeps."""
        return _rows(self, y)
