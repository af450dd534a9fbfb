"""Deferred re-weighting (DRW): class weights switched on at a chosen epoch."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.weights import class_weights

__all__ = ["DeferredReweighting"]


class DeferredReweighting:
    """Deferred re-weighting schedule (Cao et al., NeurIPS 2019, Sec. 3.3).

    Train with unweighted loss first, so the network learns good features from the natural
    distribution, then switch per-class weights on at ``start_epoch`` to move the decision boundary
    towards the majority classes. The weights are ``class_weights(class_counts, scheme, beta=beta,
    normalize="classes")``; the paper uses the effective number with ``beta=0.9999`` from epoch 160
    of 200.

    Call :meth:`step` at the start of every epoch with the loss module: it calls the loss's
    ``set_class_weight`` (``None`` before ``start_epoch``).

    Parameters
    ----------
    class_counts : array-like (C,)
    start_epoch : int, default=160
        First epoch (0-based) trained with weights.
    beta : float, default=0.9999
    scheme : str, default="effective_number"
        Any scheme of :func:`unskew.weights.class_weights`.

    Examples
    --------
    >>> from unskew.losses import LDAMLoss
    >>> loss = LDAMLoss([500, 50])
    >>> drw = DeferredReweighting([500, 50], start_epoch=3)
    >>> drw.step(loss, epoch=2); loss.weight is None
    True
    >>> drw.step(loss, epoch=3); loss.weight
    tensor([0.1856, 1.8144])
    """

    def __init__(
        self,
        class_counts: Any,
        start_epoch: int = 160,
        beta: float = 0.9999,
        scheme: str = "effective_number",
    ) -> None:
        if start_epoch < 0:
            raise InputError(f"start_epoch must be >= 0, got {start_epoch}")
        self.start_epoch = int(start_epoch)
        self.beta = beta
        self.scheme = scheme
        self.weights = class_weights(
            class_counts, scheme, beta=beta, normalize="classes", counts=True
        )

    def weight_at(self, epoch: int) -> torch.Tensor | None:
        """The class weights in force at ``epoch`` (None before ``start_epoch``)."""
        return self.weights.clone() if epoch >= self.start_epoch else None

    def on_epoch(self, epoch: int, loss: nn.Module) -> None:
        """The objective-stage hook, called by the Trainer at the start of every epoch."""
        self.step(loss, epoch)

    def step(self, loss: nn.Module, epoch: int) -> None:
        """Apply the weights of ``epoch`` to ``loss`` (which must have ``set_class_weight``)."""
        setter = getattr(loss, "set_class_weight", None)
        if setter is None:
            raise InputError(
                f"{type(loss).__name__} takes no class weights, so DRW cannot act on it; use it with "
                "ldam, cross_entropy, focal, logit_adjusted or balanced_softmax"
            )
        setter(self.weight_at(epoch))

    def __repr__(self) -> str:
        return (
            f"DeferredReweighting(start_epoch={self.start_epoch}, beta={self.beta}, "
            f"scheme={self.scheme!r})"
        )
