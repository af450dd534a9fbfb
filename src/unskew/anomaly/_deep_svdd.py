"""DeepSVDDDetector: one-class Deep SVDD (Ruff et al., ICML 2018) as a minority detector."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from unskew.anomaly._base import BaseDetector
from unskew.anomaly._torch import (
    check_positive,
    check_widths,
    deep_svdd_loss,
    fit_network,
    layers,
    network_scores,
    seeded,
    svdd_center,
)

__all__ = ["DeepSVDDDetector", "SVDDNetwork"]


class SVDDNetwork(nn.Module):
    """The Deep SVDD feature map ``phi``: bias-free linear layers with leaky ReLU between them.

    No bias terms (and no affine normalisation): with a bias, the network could map every input to
    the centre and reach zero loss without learning anything ("hypersphere collapse", Ruff et al.
    2018, Proposition 2).

    Shape
    -----
    (N, in_features) -> (N, rep_dim)

    Examples
    --------
    >>> net = SVDDNetwork(10, (8,), rep_dim=4)
    >>> linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    >>> tuple(net(torch.randn(3, 10)).shape), [m.bias for m in linears]
    ((3, 4), [None, None])
    """

    def __init__(
        self, in_features: int, hidden: tuple[int, ...] = (64, 32), rep_dim: int = 16
    ) -> None:
        super().__init__()
        widths = [in_features, *hidden, rep_dim]
        self.body = nn.Sequential(*layers(widths, lambda: nn.LeakyReLU(0.1), bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class DeepSVDDDetector(BaseDetector):
    """Minority detection with one-class Deep SVDD.

    A bias-free network ``phi`` maps the normal rows (standardised on them) into a small
    hypersphere: the centre ``c`` is the mean of the initial representations of the training
    rows, with coordinates closer to zero than ``eps`` pushed to ``+-eps``; training minimises
    ``mean_i ||phi(x_i) - c||^2`` plus weight decay ``weight_decay/2 * sum ||W||^2`` (Adam). The
    anomaly score is ``||phi(x) - c||^2``; the threshold and probabilities are tuned on held-out
    labelled rows (the contract of :class:`~unskew.anomaly.IsolationForestDetector`).
    Reference: Ruff et al., "Deep One-Class Classification", ICML 2018.

    Parameters
    ----------
    hidden : tuple of int, default=(64, 32)
        Hidden widths of ``phi``.
    rep_dim : int, default=16
        Width of the representation.
    epochs, lr, batch_size : int, float, int
    weight_decay : float, default=1e-6
        The paper's lambda.
    eps : float, default=0.1
        Centre coordinates closer to zero are pushed to ``+-eps``.
    fit_on : {"majority", "all"}, default="majority"
    threshold : str, default="f1"
    validation : float, default=0.25
    random_state : int or None, default=None
        Seeds the split, the initial weights and the batch order.

    Attributes
    ----------
    classes_, minority_class_, majority_class_, threshold_ : as for every detector
    network_ : SVDDNetwork
    center_ : torch.Tensor of shape (rep_dim,)
    history_ : list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 6)), rng.normal(0, 1, (30, 6)) * 4])
    >>> y = np.array([0] * 300 + [1] * 30)
    >>> det = DeepSVDDDetector(epochs=10, batch_size=256, random_state=0).fit(X, y)
    >>> det.center_.shape, det.score(X, y) > 0.8
    (torch.Size([16]), True)
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (64, 32),
        rep_dim: int = 16,
        epochs: int = 50,
        lr: float = 1e-3,
        batch_size: int = 128,
        weight_decay: float = 1e-6,
        eps: float = 0.1,
        fit_on: str = "majority",
        *,
        threshold: str = "f1",
        validation: float = 0.25,
        random_state: int | None = None,
    ) -> None:
        self.hidden = hidden
        self.rep_dim = rep_dim
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.eps = eps
        self.fit_on = fit_on
        self.threshold = threshold
        self.validation = validation
        self.random_state = random_state

    def _check_params(self) -> None:
        check_widths(self.hidden, "hidden")
        check_positive(
            rep_dim=self.rep_dim,
            epochs=self.epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            eps=self.eps,
        )

    def _fit_detector(self, Z: np.ndarray, contamination: float | None, seed: int) -> None:
        X = torch.as_tensor(Z, dtype=torch.float32)
        with seeded(seed):
            self.network_ = SVDDNetwork(
                Z.shape[1], check_widths(self.hidden, "hidden"), int(self.rep_dim)
            )
        self.network_.eval()
        with torch.no_grad():
            self.center_ = svdd_center(self.network_(X), float(self.eps))
        center = self.center_

        def loss(net: nn.Module, xb: torch.Tensor) -> torch.Tensor:
            return deep_svdd_loss(net(xb), center)

        self.history_ = fit_network(
            self.network_,
            loss,
            X,
            epochs=int(self.epochs),
            lr=float(self.lr),
            weight_decay=float(self.weight_decay),
            batch_size=int(self.batch_size),
            seed=seed,
        )

    def _anomaly_score(self, Z: np.ndarray) -> np.ndarray:
        return network_scores(
            lambda x: deep_svdd_loss(self.network_(x), self.center_, reduction="none"), Z
        )
