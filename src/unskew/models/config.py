"""Built-in networks described as JSON-ready configs (what a saved model folder records), and
rebuilt from them."""

from __future__ import annotations

from typing import Any

from torch import nn

from unskew.exceptions import InputError

__all__ = ["build_from_config"]


def build_from_config(config: dict[str, Any]) -> nn.Module:
    """The built-in network a config describes: ``name`` (``mlp``, ``cnn``, ``resnet32``,
    ``resnet18``, ``text``), its sizes (a ResNet's ``image_size`` is checked against its minimum),
    and the options model-stage parts asked for (``attention``: the kind of attention block).
    Configs written before the library said ``n_classes`` everywhere (``num_classes``) still load.

    Examples
    --------
    >>> net = build_from_config({"name": "cnn", "in_channels": 1, "n_classes": 3,
    ...                          "dropout": 0.1, "attention": "se"})
    >>> type(net).__name__, net.head.out_features
    ('SmallCNN', 3)
    >>> build_from_config({"name": "resnet32", "in_channels": 3, "n_classes": 2,
    ...                    "image_size": [32, 32], "attention": "se"}).arch
    'resnet32'
    """
    from unskew.models.backbones import MLP, SmallCNN

    if "num_classes" in config:  # folders saved before the one vocabulary (issue 18)
        config = {
            **{k: v for k, v in config.items() if k != "num_classes"},
            "n_classes": config["num_classes"],
        }
    name = config.get("name")
    attention = config.get("attention")
    if name == "mlp":
        return MLP(
            config["in_features"],
            config["n_classes"],
            hidden=tuple(config["hidden"]),
            dropout=config["dropout"],
            attention=attention is not None,
        )
    if name == "cnn":
        return SmallCNN(
            config["in_channels"],
            config["n_classes"],
            dropout=config["dropout"],
            attention=attention,
        )
    if name in ("resnet32", "resnet18"):
        from unskew.models.backbones import build_backbone

        size = config.get("image_size")
        return build_backbone(
            name,
            n_classes=config["n_classes"],
            in_channels=config["in_channels"],
            image_size=None if size is None else tuple(size),
            dropout=config.get("dropout", 0.0),
            attention=attention,
        )
    if name == "text":
        from unskew.models.text import BagOfEmbeddings

        return BagOfEmbeddings(
            config["vocab_size"],
            config["n_classes"],
            dropout=config["dropout"],
            pooling="mean" if attention is None else "attention",
        )
    raise InputError(f"unknown network {name!r} in the saved model")
