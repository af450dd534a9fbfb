"""Properties of the detectors' pure parts: the Deep SVDD centre and loss, the reconstruction
error, the bias-free network, the autoencoder's code width and the threshold cut."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from unskew._validation import minority_class
from unskew.anomaly import (
    Autoencoder,
    SVDDNetwork,
    deep_svdd_loss,
    reconstruction_error,
    svdd_center,
)
from unskew.anomaly._base import threshold_between
from unskew.exceptions import InputError


def test_svdd_center_is_the_mean_with_small_coordinates_pushed_to_eps():
    z = torch.tensor([[1.0, 0.02, -0.03, 0.0], [3.0, 0.04, -0.05, 0.0]])
    c = svdd_center(z, eps=0.1)
    assert torch.allclose(c, torch.tensor([2.0, 0.1, -0.1, 0.1]))
    far = torch.randn(50, 6) + 5.0
    assert torch.allclose(svdd_center(far), far.mean(0))  # nothing near zero: the plain mean
    assert (svdd_center(torch.randn(7, 32)).abs() >= 0.1 - 1e-7).all()


def test_deep_svdd_loss_is_the_mean_squared_distance_and_zero_at_the_centre():
    z = torch.randn(20, 5, generator=torch.Generator().manual_seed(0))
    c = torch.randn(5, generator=torch.Generator().manual_seed(1))
    per_row = deep_svdd_loss(z, c, reduction="none")
    assert torch.allclose(per_row, torch.cdist(z, c[None]).squeeze(1) ** 2, atol=1e-5)
    assert torch.allclose(deep_svdd_loss(z, c), per_row.mean())
    assert deep_svdd_loss(c.expand(3, 5), c).item() == 0.0
    with pytest.raises(InputError, match="reduction"):
        deep_svdd_loss(z, c, reduction="sum")


def test_reconstruction_error_is_zero_for_a_perfect_copy_and_grows_with_the_gap():
    x = torch.randn(10, 4)
    assert torch.equal(reconstruction_error(x, x), torch.zeros(10))
    assert torch.allclose(reconstruction_error(x, x + 2.0), torch.full((10,), 4.0))


def test_svdd_network_has_no_bias_so_it_cannot_collapse_to_a_constant():
    net = SVDDNetwork(7, (12, 9), rep_dim=5)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.bias for m in linears] == [None, None, None]
    assert torch.equal(net(torch.zeros(3, 7)), torch.zeros(3, 5))  # phi(0) = 0: no free offset


def test_autoencoder_code_is_at_most_half_the_input_width():
    assert Autoencoder(8, (64, 16)).code_width == 4
    assert Autoencoder(100, (64, 16)).code_width == 16
    assert Autoencoder(1, (4,)).code_width == 1
    assert Autoencoder(9, (6, 5)).code_width == 5


def test_minority_is_the_rarer_class_and_the_second_on_a_tie():
    assert minority_class(np.array([10, 3])) == 1
    assert minority_class(np.array([3, 10])) == 0
    assert minority_class(np.array([6, 6])) == 1
    assert minority_class(np.array([0, 6, 2])) == 2  # an absent class is not the minority


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30),
    st.integers(0, 40),
)
def test_threshold_cut_separates_exactly_like_the_tuned_threshold(values, pick):
    scores = np.asarray(values)
    candidates = [*np.unique(scores).tolist(), float("inf")]
    tuned = candidates[pick % len(candidates)]
    cut = threshold_between(tuned, scores)
    assert np.array_equal(scores > cut, scores >= tuned)
