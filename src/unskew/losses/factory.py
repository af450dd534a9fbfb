"""``make_loss``: build any registered loss by name, for the engine that composes recipes."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from unskew._validation import closest_name, format_list
from unskew.exceptions import InputError
from unskew.losses._checks import check_counts
from unskew.registry import get_registry
from unskew.weights import class_weights

__all__ = ["loss_names", "make_loss"]


def loss_names() -> list[str]:
    """Names of the registered losses.

    Examples
    --------
    >>> "focal" in loss_names()
    True
    """
    return [s.name for s in get_registry().list(stage="objective", tag="loss")]


def make_loss(
    name: str,
    class_counts: Any = None,
    *,
    weights: str | Any = None,
    **params: Any,
) -> nn.Module:
    """Build the loss registered as ``name``.

    Parameters
    ----------
    name : str
        One of :func:`loss_names`: ``cross_entropy``, ``focal``, ``sigmoid_focal``,
        ``class_balanced``, ``ldam``, ``balanced_softmax``, ``logit_adjusted``, ``cost_sensitive``,
        ``asymmetric``, ``dice``, ``tversky``.
    class_counts : array-like (C,), optional
        Training rows per class; required by the losses that use the label distribution
        (``class_balanced``, ``ldam``, ``balanced_softmax``, ``logit_adjusted``) and by ``weights``.
    weights : str or tensor, optional
        Class weights applied through the loss's ``set_class_weight``: a scheme of
        :func:`unskew.weights.class_weights` (``"inverse"``, ...) computed from ``class_counts``, or
        the weights themselves.
    **params
        The loss's parameters, named as in the papers (``gamma``, ``alpha``, ``max_margin``,
        ``scale``, ``tau``, ``beta``, ...).

    Examples
    --------
    >>> make_loss("focal", gamma=1.5)
    FocalLoss(reduction='mean', gamma=1.5, ignore_index=-100, scalar_alpha=None)
    >>> make_loss("ldam", class_counts=[500, 50], max_margin=0.5).margins
    tensor([0.2812, 0.5000])
    >>> make_loss("cross_entropy", [900, 100], weights="inverse").weight
    tensor([0.5556, 5.0000])
    """
    losses = loss_names()
    if name not in losses:
        hint = closest_name(name, losses)
        raise InputError(
            f"unknown loss '{name}'"
            + (f"; did you mean '{hint}'?" if hint else "")
            + f" Losses: {format_list(losses, limit=20)}"
        )
    strategy = get_registry().get(name)
    if "class_counts" in strategy.needs:
        params["class_counts"] = check_counts(class_counts, name)
    loss = strategy.build(**params)
    if weights is not None:
        setter = getattr(loss, "set_class_weight", None)
        if setter is None:
            raise InputError(f"{name} takes no class weights; drop weights= or use another loss")
        if isinstance(weights, str):
            if class_counts is None:
                raise InputError(f"weights='{weights}' needs class_counts to compute the weights")
            weights = class_weights(class_counts, weights, counts=True)
        setter(torch.as_tensor(weights, dtype=torch.float32))
    return loss
