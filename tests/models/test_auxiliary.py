"""Auxiliary heads: invisible at inference, a weighted sum of per-head losses in training, and a
wrapper that still looks like the backbone to head swaps."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from unskew.datasets import digits_lt
from unskew.exceptions import InputError
from unskew.models import MLP, CosineClassifier, SmallCNN
from unskew.models.auxiliary import AuxiliaryHead, WithAuxiliaryHeads


@pytest.fixture(autouse=True)
def _one_thread():
    """These models are tiny: one thread is faster than two fighting other jobs for the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cnn_with_heads(**kwargs) -> WithAuxiliaryHeads:
    torch.manual_seed(0)
    return WithAuxiliaryHeads(SmallCNN(1, 10, width=32), ["conv1", "conv2"], 10, **kwargs)


def test_eval_output_is_the_wrapped_models_and_no_aux_logits():
    net = _cnn_with_heads()
    x = torch.randn(6, 1, 8, 8)
    net.train()
    net(x)
    assert len(net.aux_logits) == 2
    net.eval()
    with torch.no_grad():
        out = net(x)
        assert torch.equal(out, net.model(x))
    assert net.aux_logits == []
    assert net.auxiliary_loss(torch.zeros(6, dtype=torch.long)).item() == 0.0


def test_training_output_is_the_wrapped_models_and_hooks_do_not_stay():
    net = _cnn_with_heads()
    x = torch.randn(6, 1, 8, 8)
    net.train()
    torch.manual_seed(1)
    out = net(x)
    torch.manual_seed(1)
    assert torch.equal(out, net.model(x))  # same dropout mask, same logits
    assert [a.shape for a in net.aux_logits] == [(6, 10), (6, 10)]
    assert all(not m._forward_hooks for m in net.model.modules())
    clone = copy.deepcopy(net).eval()  # no hook closures tie the copy to the original
    with torch.no_grad():
        assert torch.equal(clone(x), net.eval()(x))


def test_auxiliary_loss_is_the_weighted_sum_of_head_losses():
    focal_like = nn.CrossEntropyLoss(label_smoothing=0.2)
    torch.manual_seed(0)
    net = WithAuxiliaryHeads(
        SmallCNN(1, 10, width=32), {"conv1": (0.5, focal_like), "conv2": 0.25}, n_classes=10
    ).train()
    x, y = torch.randn(8, 1, 8, 8), torch.arange(8)
    net(x)
    a1, a2 = net.aux_logits
    per_row = nn.CrossEntropyLoss(reduction="none")
    got = net.auxiliary_loss(y, per_row)  # a per-row loss is averaged
    assert torch.allclose(got, 0.5 * focal_like(a1, y) + 0.25 * F.cross_entropy(a2, y))
    assert torch.allclose(
        net.auxiliary_loss(y), 0.5 * focal_like(a1, y) + 0.25 * F.cross_entropy(a2, y)
    )
    # the wrapper's own loss comes before the training loop's
    net.loss = lambda z, t: z.sum() * 0 + 1.0
    assert net.auxiliary_loss(y, per_row).item() == pytest.approx(
        0.5 * focal_like(a1, y).item() + 0.25
    )
    # a list of names gives GoogLeNet's weight 0.3
    assert _cnn_with_heads().aux_weights == [0.3, 0.3]


def test_gradients_reach_every_parameter_and_widths_come_from_the_layer_type():
    net = _cnn_with_heads()
    assert [h.linear.in_features for h in net.aux_heads] == [16, 32]
    net.train()
    x, y = torch.randn(8, 1, 8, 8), torch.arange(8) % 10
    (F.cross_entropy(net(x), y) + net.auxiliary_loss(y)).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert net.aux_heads[0].linear.weight.grad.abs().sum() > 0


def test_head_swap_features_and_feature_dim_delegate():
    net = _cnn_with_heads()
    assert net.feature_dim == 32
    x = torch.randn(4, 1, 8, 8)
    net.eval()
    with torch.no_grad():
        assert torch.equal(net.features(x), net.model.features(x))
    net.head = CosineClassifier(net.feature_dim, 10)  # what the Trainer's cosine swap does
    assert net.model.head is net.head
    assert "head" not in net._modules
    with torch.no_grad():
        assert net(x * 100).abs().max() <= 1.0 + 1e-6
    plain = WithAuxiliaryHeads(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), ["0"], 2)
    assert not hasattr(plain, "head") and not hasattr(plain, "feature_dim")


def test_unknown_layer_names_suggest_close_ones():
    with pytest.raises(InputError, match=r"did you mean 'conv1'.*valid names") as err:
        WithAuxiliaryHeads(SmallCNN(1, 10), ["conv_1"], 10)
    assert "'dense'" in str(err.value)
    with pytest.raises(InputError, match="weight or a \\(weight, loss\\) pair"):
        WithAuxiliaryHeads(SmallCNN(1, 10), {"conv1": (1.0, None, 3)}, 10)
    with pytest.raises(InputError, match=">= 0"):
        WithAuxiliaryHeads(SmallCNN(1, 10), {"conv1": -1.0}, 10)
    with pytest.raises(InputError, match="list of layer names"):
        WithAuxiliaryHeads(SmallCNN(1, 10), "conv1", 10)


class _Odd(nn.Module):
    """A layer whose output width its type does not tell."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x], dim=1)


def test_width_needs_example_input_when_the_type_does_not_tell():
    model = nn.Sequential(nn.Conv2d(1, 3, 3), _Odd(), nn.Flatten(), nn.LazyLinear(2))
    with pytest.raises(InputError, match="example_input="):
        WithAuxiliaryHeads(model, ["1"], 2)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), _Odd(), nn.Flatten(), nn.Linear(6 * 36, 2)).train()
    net = WithAuxiliaryHeads(model, ["1"], 2, example_input=torch.zeros(1, 1, 8, 8))
    assert net.aux_heads[0].linear.in_features == 6
    assert model.training  # the dry forward restored the mode
    net(torch.randn(2, 1, 8, 8))
    assert net.aux_logits[0].shape == (2, 2)


def test_auxiliary_head_pools_channels_first():
    head = AuxiliaryHead(4, 3)
    h = torch.randn(2, 4, 5, 5)
    assert torch.allclose(head(h), head.linear(h.mean(dim=(2, 3))))
    h3, h2 = torch.randn(2, 4, 7), torch.randn(2, 4)
    assert torch.allclose(head(h3), head.linear(h3.mean(2)))
    assert torch.allclose(head(h2), head.linear(h2))


def test_mlp_with_auxiliary_heads_learns_digits():
    data = digits_lt()
    X, y = torch.from_numpy(data.X).flatten(1), torch.from_numpy(data.y)
    Xt, yt = torch.from_numpy(data.test.X).flatten(1), torch.from_numpy(data.test.y)
    torch.manual_seed(0)
    net = WithAuxiliaryHeads(MLP(64, 10, hidden=(64, 32)), {"body.2": 0.3}, n_classes=10)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(0)
    aux_first = None
    for _ in range(15):
        net.train()
        for idx in torch.randperm(len(y), generator=g).split(32):
            opt.zero_grad()
            loss = F.cross_entropy(net(X[idx]), y[idx]) + net.auxiliary_loss(
                y[idx], F.cross_entropy
            )
            loss.backward()
            opt.step()
            aux_first = net.auxiliary_loss(y[idx]).item() if aux_first is None else aux_first
    net.eval()
    with torch.no_grad():
        accuracy = float((net(Xt).argmax(1) == yt).float().mean())
        net.train()
        net(X)
        aux_last = net.auxiliary_loss(y).item()
    assert accuracy > 0.85
    assert aux_last < 0.5 * aux_first  # the auxiliary head learned too
    assert np.isfinite(aux_last)
