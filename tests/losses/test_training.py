"""Each remedy, trained for real on small imbalanced problems, beats the plain loss where it claims to."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from torch import nn

from unskew.losses import DeferredReweighting, make_loss
from unskew.models.heads import CosineClassifier

EPOCHS = 200


@pytest.fixture(scope="module")
def table():
    """A 95/5 table with overlapping classes; features standardised on the training half."""
    X, y = make_classification(
        n_samples=3000,
        n_features=10,
        n_informative=4,
        n_redundant=2,
        weights=[0.95, 0.05],
        class_sep=0.7,
        flip_y=0.0,
        random_state=0,
    )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    mean, std = Xtr.mean(0), Xtr.std(0)

    def tensor(a):
        return torch.tensor((a - mean) / std, dtype=torch.float32)

    return tensor(Xtr), torch.tensor(ytr), tensor(Xte), torch.tensor(yte)


def _train(loss, X, y, *, cosine=False, drw=None):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(X.shape[1], 32),
        nn.ReLU(),
        CosineClassifier(32, 2) if cosine else nn.Linear(32, 2),
    )
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(EPOCHS):
        if drw is not None:
            drw.step(loss, epoch)
        opt.zero_grad()
        loss(model(X), y).backward()
        opt.step()
    return model


def _predict(model, X):
    with torch.no_grad():
        return model(X).argmax(1)


def _minority_recall(model, X, y):
    pred = _predict(model, X)
    return float(((pred == 1) & (y == 1)).sum() / (y == 1).sum())


@pytest.fixture(scope="module")
def baseline_recall(table):
    Xtr, ytr, Xte, yte = table
    return _minority_recall(_train(make_loss("cross_entropy"), Xtr, ytr), Xte, yte)


RECIPES = {
    "weighted cross_entropy": lambda c: (make_loss("cross_entropy", c, weights="inverse"), {}),
    "focal with alpha": lambda c: (make_loss("focal", gamma=2.0, alpha=[0.1, 0.9]), {}),
    "class_balanced": lambda c: (make_loss("class_balanced", c, beta=0.999), {}),
    "ldam + drw": lambda c: (
        make_loss("ldam", c),
        {"cosine": True, "drw": DeferredReweighting(c, start_epoch=int(0.75 * EPOCHS))},
    ),
    "balanced_softmax": lambda c: (make_loss("balanced_softmax", c), {}),
    "logit_adjusted": lambda c: (make_loss("logit_adjusted", c, tau=1.0), {}),
}


@pytest.mark.parametrize("recipe", RECIPES)
def test_raises_minority_recall_over_cross_entropy(table, baseline_recall, recipe):
    Xtr, ytr, Xte, yte = table
    loss, kwargs = RECIPES[recipe](torch.bincount(ytr))
    recall = _minority_recall(_train(loss, Xtr, ytr, **kwargs), Xte, yte)
    assert baseline_recall < 0.35  # plain cross-entropy misses most of the minority here
    assert recall >= baseline_recall + 0.2, (recipe, recall, baseline_recall)


def test_cost_sensitive_lowers_expected_cost(table):
    Xtr, ytr, Xte, yte = table
    cost = torch.tensor([[0.0, 1.0], [10.0, 0.0]])  # a missed minority row costs 10 false alarms

    def held_out_cost(loss):
        return float(cost[yte, _predict(_train(loss, Xtr, ytr), Xte)].mean())

    plain = held_out_cost(make_loss("cross_entropy"))
    sensitive = held_out_cost(make_loss("cost_sensitive", fn_cost=10.0, fp_cost=1.0))
    assert sensitive < 0.9 * plain, (sensitive, plain)


def _masks(n, seed, size=32):
    """Noisy images with one small disc each: the foreground is about 1.2 % of the pixels."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    images, masks = [], []
    for _ in range(n):
        cy, cx = torch.randint(4, size - 4, (2,), generator=g)
        radius = 1.5 + torch.rand((), generator=g)
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2).long()
        images.append((0.6 * mask + 0.5 * torch.randn(size, size, generator=g))[None])
        masks.append(mask)
    return torch.stack(images), torch.stack(masks)


def test_dice_and_tversky_raise_foreground_iou_over_pixel_cross_entropy():
    X, M = _masks(64, seed=0)
    Xt, Mt = _masks(64, seed=100)
    assert M.float().mean() < 0.05

    def iou(loss):
        torch.manual_seed(0)
        net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 2, 1),
        )
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        for _ in range(150):
            opt.zero_grad()
            loss(net(X), M).backward()
            opt.step()
        with torch.no_grad():
            pred = net(Xt).argmax(1)
        return float(((pred == 1) & (Mt == 1)).sum() / ((pred == 1) | (Mt == 1)).sum().clamp_min(1))

    ce = iou(make_loss("cross_entropy"))
    for name in ("dice", "tversky"):
        assert iou(make_loss(name)) >= ce + 0.25, name


def _multilabel(n, seed, labels=8, dim=20):
    W = torch.randn(dim, labels, generator=torch.Generator().manual_seed(123))
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, dim, generator=g)
    Y = ((X @ W) / 2 - 4.0 + 1.5 * torch.randn(n, labels, generator=g) > 0).float()
    return X, Y


def test_asymmetric_raises_macro_average_precision_over_bce():
    X, Y = _multilabel(2000, 0)
    Xt, Yt = _multilabel(2000, 50)
    assert Y.mean() < 0.1  # rare labels

    def macro_ap(loss):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 8))
        opt = torch.optim.Adam(net.parameters(), lr=0.003)
        for _ in range(100):
            opt.zero_grad()
            loss(net(X), Y).backward()
            opt.step()
        with torch.no_grad():
            scores = net(Xt).numpy()
        return np.mean([average_precision_score(Yt[:, j], scores[:, j]) for j in range(8)])

    bce = macro_ap(F.binary_cross_entropy_with_logits)
    asl = macro_ap(make_loss("asymmetric"))
    assert asl >= bce + 0.1, (asl, bce)
