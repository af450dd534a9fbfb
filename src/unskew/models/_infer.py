"""Shared helpers of the composite models: the width of a backbone's features, found without
asking the user when the backbone can tell, and the features themselves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError

__all__ = ["dry_run", "feature_dim_of", "features_of"]


def features_of(backbone: nn.Module, x: Any) -> torch.Tensor:
    """``backbone.features(x)`` when the backbone has a ``features`` method, else ``backbone(x)``.

    The built-in backbones (:class:`~unskew.models.MLP`, :class:`~unskew.models.SmallCNN`,
    :class:`~unskew.models.text.BagOfEmbeddings`) return their penultimate representation from
    ``features``; any other module is taken to be a feature extractor already.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> tuple(features_of(MLP(5, 2, hidden=(8,)), torch.randn(3, 5)).shape)
    (3, 8)
    >>> tuple(features_of(nn.Linear(5, 4), torch.randn(3, 5)).shape)
    (3, 4)
    """
    features = getattr(backbone, "features", None)
    if callable(features) and not isinstance(features, nn.Module):
        return features(x)
    return backbone(x)


@contextmanager
def dry_run(module: nn.Module) -> Iterator[None]:
    """Run ``module`` in eval mode without gradients, then restore every sub-module's mode.

    Eval mode keeps batch norm from updating its running statistics (and accepts a batch of one)
    and switches dropout off, so a dry forward leaves the model exactly as it was.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 2), nn.Dropout()).train()
    >>> with dry_run(net):
    ...     _ = net(torch.randn(1, 3))
    >>> net.training, net[1].training
    (True, True)
    """
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, mode in modes:
            m.training = mode


def _guess_example(backbone: nn.Module) -> torch.Tensor | None:
    """A zero batch of two rows when the input width is evident (an ``nn.Sequential`` or a plain
    ``nn.Linear`` whose first layer is ``nn.Linear``)."""
    first: nn.Module = backbone
    while isinstance(first, nn.Sequential) and len(first) > 0:
        first = first[0]
    if isinstance(first, nn.Linear) and (first is backbone or isinstance(backbone, nn.Sequential)):
        return first.weight.new_zeros((2, first.in_features))
    return None


def feature_dim_of(backbone: nn.Module, example_input: Any = None) -> int:
    """Width D of the features a backbone returns, shape (N, D).

    The rule, first that applies: the backbone's ``feature_dim`` attribute (the built-in backbones
    have it); a dry forward of ``example_input`` through ``backbone.features`` (or ``backbone``
    itself when it has no ``features`` method) in eval mode and without gradients, restoring the
    training mode of every sub-module afterwards; for an ``nn.Sequential`` (or ``nn.Linear``)
    that starts with ``nn.Linear``, the same dry forward on a zero batch of its input width.

    Parameters
    ----------
    backbone : nn.Module
    example_input : Tensor, tuple of tensors or any input the backbone accepts, optional
        A small batch (two rows are enough), used only for the dry forward.

    Returns
    -------
    int

    Raises
    ------
    InputError
        When none of the rules applies, the dry forward fails, or it does not return a 2-D
        tensor; the message says to pass ``feature_dim=...`` or ``example_input=...``.

    Examples
    --------
    >>> from unskew.models import SmallCNN
    >>> feature_dim_of(SmallCNN(1, 10, width=32))
    32
    >>> feature_dim_of(nn.Sequential(nn.Linear(6, 5), nn.ReLU()))
    5
    >>> conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())
    >>> feature_dim_of(conv, example_input=torch.zeros(2, 1, 8, 8))
    144
    """
    name = type(backbone).__name__
    width = getattr(backbone, "feature_dim", None)
    if width is not None:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise InputError(
                f"{name}.feature_dim must be a positive int, got {width!r}; fix the attribute or "
                "pass feature_dim=... explicitly"
            )
        return int(width)
    example = example_input if example_input is not None else _guess_example(backbone)
    if example is None:
        raise InputError(
            f"cannot infer the width of {name}'s features: it has no `feature_dim` attribute and "
            "no example input was given; pass feature_dim=<D, the width of its (N, D) output> or "
            "example_input=<a small batch it accepts, e.g. X[:2]>"
        )
    try:
        with dry_run(backbone):
            out = features_of(backbone, example)
    except InputError:
        raise
    except Exception as err:
        raise InputError(
            f"a dry forward of {name} on the example input failed ({type(err).__name__}: {err}); "
            "pass an example_input it accepts, or feature_dim=<width of its features>"
        ) from err
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise InputError(
            f"{name}'s features must be a 2-D tensor (N, D) but a dry forward returned {got}; "
            "end the backbone with nn.Flatten() or global pooling, or pass feature_dim=... and a "
            "backbone whose features(x) is (N, D)"
        )
    return int(out.shape[1])
