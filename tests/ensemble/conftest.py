"""Small real imbalanced tables and small deep nets for the ensemble tests."""

from __future__ import annotations

import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from unskew.training import ImbalancedClassifier


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small networks train much faster on one torch thread than on two contended ones."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def make_net():
    """A small MLP trained for a fixed 30 epochs (no early stopping, so the plain model really
    trains rather than stopping at an early epoch whose validation score ties)."""

    def make(recipe: str = "cross_entropy", **params) -> ImbalancedClassifier:
        return ImbalancedClassifier(
            recipe=recipe, epochs=30, hidden=(32,), validation=None, **params
        )

    return make


def imbalanced_split(seed: int, n_samples: int = 1500):
    """93 % vs 7 %, four informative features, ``class_sep=1``; 40 % held out, stratified."""
    X, y = make_classification(
        n_samples,
        10,
        n_informative=4,
        weights=[0.93, 0.07],
        class_sep=1.0,
        flip_y=0,
        random_state=seed,
    )
    return train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)


@pytest.fixture(scope="session", params=[0, 1], ids=["seed0", "seed1"])
def split(request):
    """``(seed, X_train, X_test, y_train, y_test)`` for two data and model seeds."""
    return (request.param, *imbalanced_split(request.param))


@pytest.fixture(scope="session")
def small():
    """A small table for the behaviour tests (not the quality ones)."""
    X, y = make_classification(300, 6, n_informative=3, weights=[0.85], random_state=0)
    return X, y


@pytest.fixture(scope="session")
def table():
    """``(X, y)``: the training part of the seed-0 split (900 rows, 63 of the minority)."""
    X_train, _, y_train, _ = imbalanced_split(0)
    return X_train, y_train
