"""Shared data for the bench tests: small real KEEL data and tiny synthetic tables."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from unskew.data import load_table


def _table(seed: int = 1, n: int = 120, weights: tuple[float, ...] = (0.8, 0.2)):
    X, y = make_classification(
        n,
        6,
        n_informative=3,
        n_classes=len(weights),
        n_clusters_per_class=1,
        weights=list(weights),
        random_state=seed,
    )
    return load_table(X, np.asarray(y))


@pytest.fixture(scope="session")
def make_table():
    """``make_table(seed, n, weights)``: a small imbalanced table as a DataBundle (another seed
    gives another dataset fingerprint)."""
    return _table


@pytest.fixture(scope="session")
def tiny_options():
    """run_grid settings that keep a run well under a second on two busy cores."""
    return {"cv": 2, "epochs": 2, "params": {"hidden": (8,)}, "progress": False}
