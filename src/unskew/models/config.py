"""Built-in networks described as JSON-ready configs (what a saved model folder records), and
rebuilt from them."""

from __future__ import annotations

from typing import Any

from torch import nn

from unskew.exceptions import InputError

__all__ = ["build_from_config"]


def build_from_config(config: dict[str, Any]) -> nn.Module:
    """The built-in network a config describes: ``name`` (``mlp``, ``cnn``, ``text``), its sizes,
    and the options model-stage parts asked for (``attention``: the kind of attention block).

    Examples
    --------
    >>> net = build_from_config({"name": "cnn", "in_channels": 1, "num_classes": 3,
    ...                          "dropout": 0.1, "attention": "se"})
    >>> type(net).__name__, net.head.out_features
    ('SmallCNN', 3)
    """
    from unskew.models.backbones import MLP, SmallCNN

    name = config.get("name")
    attention = config.get("attention")
    if name == "mlp":
        return MLP(
            config["in_features"],
            config["num_classes"],
            hidden=tuple(config["hidden"]),
            dropout=config["dropout"],
            attention=attention is not None,
        )
    if name == "cnn":
        return SmallCNN(
            config["in_channels"],
            config["num_classes"],
            dropout=config["dropout"],
            attention=attention,
        )
    if name == "text":
        from unskew.models.text import BagOfEmbeddings

        return BagOfEmbeddings(
            config["vocab_size"],
            config["num_classes"],
            dropout=config["dropout"],
            pooling="mean" if attention is None else "attention",
        )
    raise InputError(f"unknown network {name!r} in the saved model")
