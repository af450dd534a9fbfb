"""The torch core of the deep detectors: pure functions on tensors (reconstruction error, the Deep
SVDD centre and loss) and one small training loop."""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from unskew.exceptions import InputError, TrainingError

__all__ = [
    "check_positive",
    "check_widths",
    "deep_svdd_loss",
    "fit_network",
    "network_scores",
    "reconstruction_error",
    "seeded",
    "svdd_center",
]


def reconstruction_error(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Mean squared reconstruction error per row, ``mean_j (x_ij - x_hat_ij)^2``.

    Shape
    -----
    (N, D), (N, D) -> (N,)

    Examples
    --------
    >>> reconstruction_error(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 0.0]]))
    tensor([2.])
    """
    return (x - x_hat).pow(2).mean(dim=1)


def svdd_center(z: torch.Tensor, eps: float = 0.1) -> torch.Tensor:
    """The Deep SVDD centre: the mean of the initial representations, with every coordinate
    closer to zero than ``eps`` pushed to ``-eps`` or ``+eps`` (``+eps`` for an exact zero), since a
    centre coordinate at zero is trivially matched by zero weights (Ruff et al., "Deep One-Class
    Classification", ICML 2018).

    Shape
    -----
    (N, K) -> (K,)

    Examples
    --------
    >>> svdd_center(torch.tensor([[0.05, -2.0, -0.01], [0.05, 0.0, -0.01]]), eps=0.1)
    tensor([ 0.1000, -1.0000, -0.1000])
    """
    c = z.detach().mean(dim=0)
    push = torch.where(c < 0, -eps, eps).to(c.dtype)
    return torch.where(c.abs() < eps, push, c)


def deep_svdd_loss(z: torch.Tensor, center: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """One-class Deep SVDD objective: ``||phi(x) - c||^2`` per row (the anomaly score), averaged
    with ``reduction="mean"`` (Ruff et al., ICML 2018, eq. 4; the weight decay term is the
    optimiser's).

    Shape
    -----
    (N, K), (K,) -> () for "mean", (N,) for "none"

    Examples
    --------
    >>> z = torch.tensor([[1.0, 1.0], [0.0, 3.0]])
    >>> deep_svdd_loss(z, torch.tensor([0.0, 1.0]), reduction="none")
    tensor([1., 4.])
    """
    distance = (z - center).pow(2).sum(dim=1)
    if reduction == "none":
        return distance
    if reduction == "mean":
        return distance.mean()
    raise InputError(f"reduction must be 'mean' or 'none', got {reduction!r}")


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's CPU generator inside the block and restore its state afterwards, so weight
    initialisation is reproducible without touching the caller's global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def fit_network(
    network: nn.Module,
    loss_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    weight_decay: float,
    batch_size: int,
    seed: int,
) -> list[float]:
    """Adam on ``loss_fn(network, batch)`` over shuffled mini-batches of ``X``; the mean loss per
    epoch. Raises :class:`~unskew.exceptions.TrainingError` when the loss stops being finite."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, weight_decay=weight_decay)
    history: list[float] = []
    network.train()
    for epoch in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        total = 0.0
        for batch in order.split(batch_size):
            optimizer.zero_grad()
            loss = loss_fn(network, X[batch])
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"the loss became {loss.item()} in epoch {epoch + 1}; lower lr (now {lr})"
                )
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        history.append(total / len(X))
    network.eval()
    return history


def network_scores(fn: Callable[[torch.Tensor], torch.Tensor], Z: np.ndarray) -> np.ndarray:
    """``fn`` applied to ``Z`` in chunks without gradients, as a float64 array."""
    from unskew.training.batches import eval_batches

    X = torch.as_tensor(Z, dtype=torch.float32)
    with torch.no_grad():
        out = [fn(chunk) for chunk in eval_batches(X, 4096)]
    return torch.cat(out).double().numpy()


def check_widths(value: Any, name: str) -> tuple[int, ...]:
    """A non-empty tuple of positive layer widths, or an :class:`InputError` naming ``name``."""
    try:
        widths = tuple(int(w) for w in value)
    except (TypeError, ValueError):
        widths = ()
    if not widths or min(widths) < 1:
        raise InputError(
            f"{name} must be a non-empty sequence of positive layer widths such as (64, 16), got "
            f"{value!r}"
        )
    return widths


def check_positive(**values: float) -> None:
    """Each value must be a finite number > 0 (``epochs``, ``batch_size``, ``rep_dim`` integers)."""
    for name, value in values.items():
        integral = name in ("epochs", "batch_size", "rep_dim")
        number = isinstance(value, float | int | np.number) and not isinstance(value, bool)
        ok = number and (isinstance(value, int | np.integer) or not integral)
        if not ok or not math.isfinite(value) or value <= 0:
            kind = "a positive integer" if integral else "a positive number"
            raise InputError(f"{name} must be {kind}, got {value!r}")


def layers(
    widths: Sequence[int], activation: Callable[[], nn.Module], bias: bool
) -> list[nn.Module]:
    """``Linear -> activation`` between consecutive ``widths`` (none after the last)."""
    out: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        out.append(nn.Linear(a, b, bias=bias))
        if i < len(widths) - 2:
            out.append(activation())
    return out
