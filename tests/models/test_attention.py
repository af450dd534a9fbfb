"""Attention blocks: output ranges of the attention maps, masks, gradients, and the attention
switches of the built-in backbones (off by default, learning digits when on)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from unskew.exceptions import InputError
from unskew.models import MLP, SmallCNN
from unskew.models.attention import (
    CBAM,
    AttentionPooling,
    FeatureTokenAttention,
    SqueezeExcitation,
)
from unskew.models.text import BagOfEmbeddings


@pytest.fixture(autouse=True)
def _one_thread():
    """These models are tiny: one thread is faster than two fighting other jobs for the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _grads_everywhere(module: nn.Module) -> None:
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(p.grad).all(), f"{name} has a non-finite gradient"


def _digits(flat: bool) -> tuple[torch.Tensor, ...]:
    X, y = load_digits(return_X_y=True)
    X = torch.from_numpy((X / 16.0).astype(np.float32))
    X = X if flat else X.reshape(-1, 1, 8, 8)
    y = torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(y)))
    train, test = order[:1200], order[1200:]
    return X[train], y[train], X[test], y[test]


def _fit_accuracy(model: nn.Module, flat: bool, epochs: int = 4, lr: float = 0.01) -> float:
    X, y, Xt, yt = _digits(flat)
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(y), generator=g).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(Xt).argmax(1) == yt).float().mean())


# ------------------------------------------------------------------------ SE and CBAM


@pytest.mark.parametrize("block", [SqueezeExcitation(8, reduction=2), CBAM(8, 2, kernel_size=3)])
def test_image_attention_keeps_shape_and_gets_gradients(block):
    torch.manual_seed(0)
    x = torch.randn(3, 8, 5, 6, requires_grad=True)
    out = block(x)
    assert out.shape == x.shape
    out.sum().backward()
    _grads_everywhere(block)
    assert torch.isfinite(x.grad).all()


def test_attention_maps_lie_in_the_open_unit_interval():
    torch.manual_seed(0)
    x = torch.randn(4, 16, 7, 7) * 5
    se, cbam = SqueezeExcitation(16, reduction=4), CBAM(16, reduction=4)
    for a in (se.attention(x), cbam.channel_attention(x), cbam.spatial_attention(x)):
        assert ((a > 0) & (a < 1)).all()
    assert se.attention(x).shape == (4, 16, 1, 1)
    assert cbam.spatial_attention(x).shape == (4, 1, 7, 7)
    # the blocks only re-scale: |output| <= |input| elementwise
    assert (se(x).abs() <= x.abs()).all() and (cbam(x).abs() <= x.abs()).all()
    expected = x * cbam.channel_attention(x)
    assert torch.allclose(cbam(x), expected * cbam.spatial_attention(expected))


def test_image_attention_rejects_bad_arguments():
    with pytest.raises(InputError, match="odd kernel_size"):
        CBAM(8, kernel_size=4)
    with pytest.raises(InputError, match="channels"):
        SqueezeExcitation(0)
    with pytest.raises(InputError, match="C=8"):
        SqueezeExcitation(8)(torch.randn(2, 4, 3, 3))


# ------------------------------------------------------------------------ AttentionPooling


def test_attention_pooling_ignores_masked_tokens_and_zeroes_empty_rows():
    torch.manual_seed(0)
    pool = AttentionPooling(6, hidden=5)
    x = torch.randn(3, 4, 6, requires_grad=True)
    mask = torch.tensor([[True, True, True, True], [True, False, True, False], [False] * 4])
    out = pool(x, mask)
    a = pool.last_weights
    assert out.shape == (3, 6)
    assert torch.allclose(a[:2].sum(1), torch.ones(2))
    assert (a[~mask] == 0).all()
    assert torch.equal(out[2], torch.zeros(6))  # a fully masked row gives zeros, not NaN
    # changing masked tokens changes nothing
    x2 = x.detach().clone()
    x2[~mask] = 100.0
    assert torch.allclose(pool(x2, mask), out.detach())
    # no mask equals an all-True mask; the weights are a softmax of the scores
    assert torch.allclose(pool(x), pool(x, torch.ones(3, 4, dtype=torch.bool)))
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad[2] == 0).all()
    _grads_everywhere(pool)


def test_attention_pooling_rejects_bad_masks():
    pool = AttentionPooling(4)
    x = torch.randn(2, 3, 4)
    with pytest.raises(InputError, match="bool tensor of shape"):
        pool(x, torch.ones(2, 3))
    with pytest.raises(InputError, match="bool tensor of shape"):
        pool(x, torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(InputError, match="D=4"):
        pool(torch.randn(2, 3, 5))


# ------------------------------------------------------------------------ FeatureTokenAttention


def test_feature_token_attention_shapes_weights_and_gradients():
    torch.manual_seed(0)
    attn = FeatureTokenAttention(7, dim=8, heads=2)
    x = torch.randn(5, 7)
    out = attn(x)
    assert out.shape == (5, 8)
    assert attn.last_attention.shape == (5, 2, 7, 7)
    assert torch.allclose(attn.last_attention.sum(-1), torch.ones(5, 2, 7), atol=1e-6)
    assert attn.last_pooling.shape == (5, 7)
    assert not attn.last_attention.requires_grad
    out.pow(2).sum().backward()
    _grads_everywhere(attn)


def test_feature_token_attention_rejects_bad_arguments():
    with pytest.raises(InputError, match="heads to divide dim"):
        FeatureTokenAttention(4, dim=10, heads=3)
    with pytest.raises(InputError, match="F=4"):
        FeatureTokenAttention(4)(torch.randn(2, 5))


# ------------------------------------------------------------------------ backbone switches

SMALL_CNN_KEYS = [
    "conv1.0.weight",
    "conv1.0.bias",
    "conv1.1.weight",
    "conv1.1.bias",
    "conv1.1.running_mean",
    "conv1.1.running_var",
    "conv1.1.num_batches_tracked",
    "conv2.0.weight",
    "conv2.0.bias",
    "conv2.1.weight",
    "conv2.1.bias",
    "conv2.1.running_mean",
    "conv2.1.running_var",
    "conv2.1.num_batches_tracked",
    "dense.1.weight",
    "dense.1.bias",
    "head.weight",
    "head.bias",
]


def test_defaults_build_the_same_networks_as_before():
    assert list(SmallCNN(1, 10).state_dict()) == SMALL_CNN_KEYS
    assert list(SmallCNN(1, 10, attention=None).state_dict()) == SMALL_CNN_KEYS
    mlp = MLP(5, 2, hidden=(4,))
    assert mlp.token_attention is None
    assert [k for k in mlp.state_dict() if "token_attention" in k] == []
    assert mlp.body[0].in_features == 5
    # same seed, same weights with and without naming the default
    torch.manual_seed(0)
    a = SmallCNN(1, 10)
    torch.manual_seed(0)
    b = SmallCNN(1, 10, attention=None)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in SMALL_CNN_KEYS)
    bag = BagOfEmbeddings(20, 2)
    assert bag.attention_pool is None and bag.pooling == "mean"
    assert list(bag.state_dict()) == [
        "embedding.weight",
        "dense.0.weight",
        "dense.0.bias",
        "head.weight",
        "head.bias",
    ]


def test_switches_reject_unknown_values():
    with pytest.raises(InputError, match="'se' or 'cbam'"):
        SmallCNN(1, 10, attention="transformer")
    with pytest.raises(InputError, match="True or False"):
        MLP(4, 2, attention="yes")
    with pytest.raises(InputError, match="'mean' or 'attention'"):
        BagOfEmbeddings(20, 2, pooling="max")


@pytest.mark.parametrize("kind", ["se", "cbam"])
def test_small_cnn_with_attention_learns_digits(kind):
    torch.manual_seed(0)
    net = SmallCNN(1, 10, width=64, attention=kind)
    assert type(net.conv1[3]).__name__ == {"se": "SqueezeExcitation", "cbam": "CBAM"}[kind]
    assert _fit_accuracy(net, flat=False, epochs=5) > 0.9


def test_mlp_with_feature_attention_learns_digits():
    torch.manual_seed(0)
    net = MLP(64, 10, hidden=(64,), attention=True)
    assert net.body[0].in_features == 64 + 16  # the attention summary is concatenated
    assert _fit_accuracy(net, flat=True, epochs=4, lr=0.005) > 0.9
    assert net.token_attention.last_attention.shape[1:] == (2, 64, 64)


def test_mlp_with_attention_gets_gradients_everywhere():
    torch.manual_seed(0)
    net = MLP(6, 3, hidden=(8,), attention=True)
    net(torch.randn(4, 6)).sum().backward()
    _grads_everywhere(net)


# ------------------------------------------------------------------------ BagOfEmbeddings


def test_attention_bag_is_padding_blind_and_learns_a_rare_word():
    torch.manual_seed(0)
    model = BagOfEmbeddings(30, 2, dim=16, hidden=16, pooling="attention")
    ids = torch.tensor([[5, 9, 3, 0, 0], [0, 0, 0, 0, 0]])
    model.eval()
    with torch.no_grad():
        out = model(ids)
        padded = model(torch.cat([ids, torch.zeros(2, 3, dtype=torch.long)], dim=1))
        empty = model(ids[:, :0])
    assert torch.allclose(out, padded) and torch.isfinite(out).all()
    assert torch.allclose(out[1], empty[1])  # all padding is the same as no token
    # class 1 has the word 2 among 3-8 filler words (ids 3..29); 10% of rows
    g = torch.Generator().manual_seed(0)
    n = 600
    y = (torch.rand(n, generator=g) < 0.1).long()
    X = torch.randint(3, 30, (n, 8), generator=g)
    lengths = torch.randint(3, 9, (n,), generator=g)
    X[torch.arange(8).expand(n, 8) >= lengths[:, None]] = 0
    X[y == 1, 0] = 2
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    model.train()
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y, weight=torch.tensor([1.0, 9.0])).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(X).argmax(1)
    recall = [float((pred[y == c] == c).float().mean()) for c in (0, 1)]
    assert min(recall) > 0.95
