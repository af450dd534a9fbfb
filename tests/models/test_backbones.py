"""Built-in backbones learn on real data and expose features and a replaceable head."""

from __future__ import annotations

import torch
from torch import nn

from unskew.datasets import digits_lt, seed_example
from unskew.models import MLP, CosineClassifier, SmallCNN


def _fit(model, X, y, steps=150):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(X).argmax(1) == y).float().mean())


def test_mlp_learns_the_seed_example():
    data = seed_example()
    X = torch.tensor(data.X.to_numpy(), dtype=torch.float32)
    y = torch.from_numpy(data.y)
    torch.manual_seed(0)
    model = MLP(20, 2, hidden=(32,))
    assert _fit(model, X, y) > 0.97
    assert model.features(X).shape == (1000, 32)
    model.head = CosineClassifier(model.feature_dim, 2)
    assert model(X).abs().max() <= 1.0 + 1e-6


def test_small_cnn_learns_digits():
    data = digits_lt()
    X, y = torch.from_numpy(data.X), torch.from_numpy(data.y)
    torch.manual_seed(0)
    assert _fit(SmallCNN(1, 10), X, y, steps=120) > 0.9
