"""AutoencoderDetector: the reconstruction error of an autoencoder trained on the normal class."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from unskew.anomaly._base import BaseDetector
from unskew.anomaly._torch import (
    check_positive,
    check_widths,
    fit_network,
    layers,
    network_scores,
    reconstruction_error,
    seeded,
)

__all__ = ["Autoencoder", "AutoencoderDetector"]


class Autoencoder(nn.Module):
    """A fully connected autoencoder: ``in -> hidden[0] -> ... -> code`` and back, ReLU between
    layers, a linear code and a linear output.

    The code is ``hidden[-1]`` wide but at most half the input width (rounded up): a code as wide
    as the input can learn the identity and reconstruct anomalies as well as normal rows.

    Shape
    -----
    (N, in_features) -> (N, in_features)

    Examples
    --------
    >>> net = Autoencoder(10, (8, 6))
    >>> tuple(net(torch.randn(4, 10)).shape), net.code_width
    ((4, 10), 5)
    """

    def __init__(self, in_features: int, hidden: tuple[int, ...] = (64, 16)) -> None:
        super().__init__()
        self.code_width = min(hidden[-1], max(1, -(-in_features // 2)))
        widths = [in_features, *hidden[:-1], self.code_width]
        self.encoder = nn.Sequential(*layers(widths, nn.ReLU, bias=True))
        self.decoder = nn.Sequential(*layers(widths[::-1], nn.ReLU, bias=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class AutoencoderDetector(BaseDetector):
    """Minority detection by autoencoder reconstruction error.

    An autoencoder learns to reconstruct the normal (majority) rows, standardised on those rows;
    a row it reconstructs badly, ``score(x) = mean_j (x_j - AE(x)_j)^2``, is flagged as minority
    when its score exceeds a threshold tuned on held-out labelled rows (see
    :class:`~unskew.anomaly.IsolationForestDetector` for the shared ``fit``/``predict`` contract).
    Reference: Hawkins et al., "Outlier Detection Using Replicator Neural Networks", DaWaK 2002;
    Sakurada & Yairi, "Anomaly Detection Using Autoencoders with Nonlinear Dimensionality
    Reduction", MLSDA 2014.

    Parameters
    ----------
    hidden : tuple of int, default=(64, 16)
        Encoder widths; the last is the code (at most half the input width, see
        :class:`Autoencoder`); the decoder mirrors them.
    epochs, lr, batch_size : int, float, int
        Adam on the mean squared reconstruction error.
    fit_on : {"majority", "all"}, default="majority"
        Learn the normal class only, or every training row.
    threshold : str, default="f1"
        Objective the decision threshold maximises on the validation rows.
    validation : float, default=0.25
        Share of the rows (stratified) kept aside to tune the threshold and the probabilities.
    weight_decay : float, default=0.0
    random_state : int or None, default=None
        Seeds the split, the initial weights and the batch order.

    Attributes
    ----------
    classes_, minority_class_, majority_class_ : the labels
    threshold_ : float
        ``predict`` says minority where the score exceeds it.
    network_ : Autoencoder
    history_ : list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 6)), rng.normal(0, 1, (30, 6)) * 4])
    >>> y = np.array(["normal"] * 300 + ["anomaly"] * 30)
    >>> det = AutoencoderDetector(epochs=10, batch_size=256, random_state=0).fit(X, y)
    >>> det.minority_class_, det.score(X, y) > 0.8
    (np.str_('anomaly'), True)
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (64, 16),
        epochs: int = 50,
        lr: float = 1e-3,
        batch_size: int = 128,
        fit_on: str = "majority",
        *,
        threshold: str = "f1",
        validation: float = 0.25,
        weight_decay: float = 0.0,
        random_state: int | None = None,
    ) -> None:
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.fit_on = fit_on
        self.threshold = threshold
        self.validation = validation
        self.weight_decay = weight_decay
        self.random_state = random_state

    def _check_params(self) -> None:
        check_widths(self.hidden, "hidden")
        check_positive(epochs=self.epochs, lr=self.lr, batch_size=self.batch_size)

    def _fit_detector(self, Z: np.ndarray, contamination: float | None, seed: int) -> None:
        with seeded(seed):
            self.network_ = Autoencoder(Z.shape[1], check_widths(self.hidden, "hidden"))

        def loss(net: nn.Module, xb: torch.Tensor) -> torch.Tensor:
            return reconstruction_error(xb, net(xb)).mean()

        self.history_ = fit_network(
            self.network_,
            loss,
            torch.as_tensor(Z, dtype=torch.float32),
            epochs=int(self.epochs),
            lr=float(self.lr),
            weight_decay=float(self.weight_decay),
            batch_size=int(self.batch_size),
            seed=seed,
        )

    def _anomaly_score(self, Z: np.ndarray) -> np.ndarray:
        return network_scores(lambda x: reconstruction_error(x, self.network_(x)), Z)
