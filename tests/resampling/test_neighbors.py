"""The exact neighbour search against scikit-learn's, on both of its selection paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors

from unskew.resampling._neighbors import GROUP, kneighbors, smallest


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("n", "m", "d"),
    [
        (300, 300, 5),  # narrow rows: plain top-k
        (500, 4 * 6 * GROUP + 7, 8),  # wide rows, not a whole number of groups: two-stage
        (40, 3000, 3),  # few queries against a larger base
    ],
)
@pytest.mark.parametrize("chunk_size", [1, 5000, 1 << 22])
def test_kneighbors_equals_scikit_learn(n, m, d, chunk_size, two_threads):
    rng = np.random.default_rng(n + m)
    base = rng.normal(size=(m, d))
    query = np.r_[base[: n // 2], rng.normal(size=(n - n // 2, d))]  # half of them in the base
    expected = NearestNeighbors(n_neighbors=6).fit(base).kneighbors(query, return_distance=False)
    ours = kneighbors(torch.from_numpy(query), torch.from_numpy(base), 6, chunk_size=chunk_size)
    np.testing.assert_array_equal(ours.numpy(), expected)


def test_one_thread_and_two_agree_and_the_thread_count_is_restored(two_threads):
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(2000, 16)).astype(np.float32))
    both = kneighbors(X, X, 6, chunk_size=1 << 16)
    assert torch.get_num_threads() == 2
    torch.set_num_threads(1)
    one = kneighbors(X, X, 6, chunk_size=1 << 16)
    torch.testing.assert_close(both, one)
    assert bool((both[:, 0] == torch.arange(2000)).all())  # each row is its own nearest


def test_k_larger_than_the_base_returns_every_row():
    base = torch.tensor([[0.0], [2.0], [1.0]])
    assert kneighbors(torch.tensor([[0.1]]), base, 5).tolist() == [[0, 2, 1]]


@pytest.mark.parametrize("width", [10, 4 * 3 * GROUP, 9 * GROUP])
def test_smallest_returns_the_k_smallest_values_in_order(width):
    g = torch.Generator().manual_seed(width)
    values = torch.randint(0, 50, (30, width), generator=g).float()  # many ties
    ours = values.gather(1, smallest(values, 3))
    expected = torch.topk(values, 3, dim=1, largest=False, sorted=True).values
    torch.testing.assert_close(ours, expected)
