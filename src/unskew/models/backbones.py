"""Built-in backbones: an MLP for tables, a small CNN and two ResNets for images, and the table
of them by name (:data:`BACKBONES`, :func:`build_backbone`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.models.attention import FeatureTokenAttention, conv_attention
from unskew.models.resnet import resnet18, resnet32

__all__ = ["BACKBONES", "MLP", "BackboneSpec", "SmallCNN", "build_backbone"]


class MLP(nn.Module):
    """Multi-layer perceptron for tabular features: ``[Linear -> BatchNorm -> ReLU -> Dropout] x L``
    then a linear head.

    ``features(x)`` returns the penultimate representation (for decoupled classifier re-training and
    hybrid models); ``head`` is the final layer, replaceable (e.g. by a cosine classifier).

    With ``attention=True`` a :class:`~unskew.models.attention.FeatureTokenAttention` block (each
    column a token, one self-attention layer, attention pooling; Gorishniy et al., NeurIPS 2021)
    summarises feature interactions in ``attention_dim`` values that are *concatenated* to the
    input of the body: ``features(x) = body([x, attention(x)])``. Concatenating rather than
    replacing keeps the raw columns one linear layer away, so the switch can only add to what the
    plain MLP sees. The block is ``self.token_attention`` (None by default); its last attention
    weights are in ``token_attention.last_attention``.

    Shape
    -----
    (N, in_features) -> (N, n_classes)

    Examples
    --------
    >>> model = MLP(20, 3, hidden=(32, 16))
    >>> tuple(model(torch.randn(8, 20)).shape), model.feature_dim
    ((8, 3), 16)
    >>> attentive = MLP(20, 3, hidden=(32, 16), attention=True)
    >>> tuple(attentive(torch.randn(8, 20)).shape), attentive.body[0].in_features
    ((8, 3), 36)
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        hidden: Sequence[int] = (128, 64),
        dropout: float = 0.1,
        batch_norm: bool = True,
        attention: bool = False,
        attention_dim: int = 16,
    ) -> None:
        super().__init__()
        if in_features < 1 or n_classes < 2:
            raise InputError(
                f"MLP needs in_features >= 1 and n_classes >= 2, got {in_features} and {n_classes}"
            )
        if not isinstance(attention, bool):
            raise InputError(f"MLP's attention must be True or False, got {attention!r}")
        self.token_attention: FeatureTokenAttention | None = None
        width = in_features
        if attention:
            self.token_attention = FeatureTokenAttention(in_features, dim=attention_dim)
            width += attention_dim
        layers: list[nn.Module] = []
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers += [nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.body = nn.Sequential(*layers)
        self.feature_dim = width
        self.head: nn.Module = nn.Linear(width, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if self.token_attention is not None:
            x = torch.cat([x, self.token_attention(x)], dim=1)
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class SmallCNN(nn.Module):
    """A small CNN for images of 8x8 to 32x32 pixels: two 3x3 conv blocks (16 and 32 channels,
    batch norm, ReLU, 2x2 max-pool when the image is large enough), adaptive average pooling to a
    ``pool`` x ``pool`` map that is flattened (spatial layout matters for digits: global pooling
    alone loses it), a dense layer of ``width`` and a linear head.

    ``attention="se"`` appends a squeeze-and-excitation block (Hu et al., CVPR 2018) and
    ``attention="cbam"`` a CBAM block (channel then spatial attention; Woo et al., ECCV 2018) to
    each conv block, after its ReLU (``conv1[3]`` and ``conv2[3]``), with bottleneck reduction 4
    (16 and 32 channels are too few for the papers' 16). ``None`` (the default) is the plain CNN.

    Shape
    -----
    (N, C, H, W) -> (N, n_classes)

    Examples
    --------
    >>> net = SmallCNN(1, 10)
    >>> tuple(net(torch.randn(4, 1, 28, 28)).shape), tuple(net(torch.randn(4, 1, 8, 8)).shape)
    ((4, 10), (4, 10))
    >>> type(SmallCNN(1, 10, attention="cbam").conv2[3]).__name__
    'CBAM'
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        width: int = 128,
        dropout: float = 0.1,
        pool: int = 7,
        attention: str | None = None,
    ) -> None:
        super().__init__()
        if n_classes < 2:
            raise InputError(f"SmallCNN needs n_classes >= 2, got {n_classes}")
        if attention is not None and attention not in ("se", "cbam"):
            raise InputError(
                f"SmallCNN's attention must be None, 'se' or 'cbam', got {attention!r}"
            )
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU()
        )
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        if attention is not None:
            self.conv1.append(conv_attention(attention, 16, reduction=4))
            self.conv2.append(conv_attention(attention, 32, reduction=4))
        self.pool = nn.AdaptiveAvgPool2d(pool)
        self.dense = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * pool * pool, width), nn.ReLU(), nn.Dropout(dropout)
        )
        self.feature_dim = width
        self.head: nn.Module = nn.Linear(width, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        if min(x.shape[-2:]) >= 16:
            x = nn.functional.max_pool2d(x, 2)
        x = self.conv2(x)
        if min(x.shape[-2:]) >= 8:
            x = nn.functional.max_pool2d(x, 2)
        return self.dense(self.pool(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@dataclass(frozen=True)
class BackboneSpec:
    """One built-in backbone: how to build it and what input it takes.

    Attributes
    ----------
    builder : callable
        ``builder(in_features or in_channels, n_classes, **kw)``.
    modality : {"table", "image"}
    min_size : int or None
        Smallest image side it accepts (the last stage still sees 2x2 positions); None for tables.
    recommended_size : int or None
        The image side it was designed for.
    summary : str
    """

    builder: Callable[..., nn.Module]
    modality: str
    min_size: int | None
    recommended_size: int | None
    summary: str


#: Built-in backbones by the name ``--model`` and :func:`build_backbone` take.
BACKBONES: dict[str, BackboneSpec] = {
    "mlp": BackboneSpec(MLP, "table", None, None, "multi-layer perceptron for tables"),
    "cnn": BackboneSpec(
        SmallCNN, "image", 2, 28, "two conv blocks and a dense layer, for 8x8 to 32x32 images"
    ),
    "resnet32": BackboneSpec(
        resnet32, "image", 8, 32, "CIFAR ResNet-32 (0.46 M parameters) for 32x32 images"
    ),
    "resnet18": BackboneSpec(
        resnet18, "image", 64, 224, "ImageNet ResNet-18 (11.2 M parameters) for 64 px and more"
    ),
}


def _image_side(image_size: int | Sequence[int]) -> int:
    sides = [image_size] if isinstance(image_size, int) else list(image_size)
    if (
        not sides
        or len(sides) > 2
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in sides)
    ):
        raise InputError(
            f"image_size must be a positive int or (height, width), got {image_size!r}"
        )
    return min(sides)


def _size_text(image_size: int | Sequence[int]) -> str:
    sides = [image_size, image_size] if isinstance(image_size, int) else list(image_size)
    return "x".join(map(str, sides))


def build_backbone(
    name: str,
    *,
    n_classes: int,
    in_channels: int | None = None,
    in_features: int | None = None,
    image_size: int | Sequence[int] | None = None,
    **kw: Any,
) -> nn.Module:
    """Build the backbone :data:`BACKBONES` calls ``name``, refusing input it cannot take.

    The rule: an image backbone (``cnn``, ``resnet32``, ``resnet18``) needs ``in_channels`` and,
    when ``image_size`` (the side, or (height, width)) is given, a smaller side of at least its
    ``min_size``; ``mlp`` needs ``in_features`` (the table's width). Other keywords go to the
    builder (``attention="se"``, ``dropout=0.2``, ``hidden=(64,)``, ...).

    Parameters
    ----------
    name : {"mlp", "cnn", "resnet32", "resnet18"}
    n_classes : int
    in_channels : int, optional
        Channels of the images (1 or 3).
    in_features : int, optional
        Columns of the table.
    image_size : int or (int, int), optional
    **kw
        Passed to the builder.

    Returns
    -------
    nn.Module
        With ``features``, ``head`` and ``feature_dim``.

    Examples
    --------
    >>> build_backbone("resnet32", in_channels=1, n_classes=10, image_size=32).feature_dim
    64
    >>> build_backbone("resnet18", in_channels=3, n_classes=2, image_size=32)
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: resnet18 needs images of at least 64x64 pixels, got 32x32; \
resize them to 64 px or more (it is designed for 224) or use resnet32 or cnn
    """
    spec = BACKBONES.get(name)
    if spec is None:
        raise InputError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}")
    if spec.modality == "table":
        if in_features is None or image_size is not None:
            raise InputError(
                f"{name} takes a table (N, F); pass in_features=F, or for images choose one of "
                + ", ".join(k for k, v in BACKBONES.items() if v.modality == "image")
            )
        return spec.builder(in_features, n_classes, **kw)
    if in_channels is None:
        raise InputError(
            f"{name} takes images (N, C, H, W), got a table ({in_features} columns); use mlp "
            "for tables, or pass in_channels=C for images"
        )
    if image_size is not None and spec.min_size is not None:
        side = _image_side(image_size)
        if side < spec.min_size:
            smaller = [k for k, v in BACKBONES.items() if v.min_size and v.min_size <= side]
            raise InputError(
                f"{name} needs images of at least {spec.min_size}x{spec.min_size} pixels, got "
                f"{_size_text(image_size)}; resize them to {spec.min_size} px or more (it is "
                f"designed for {spec.recommended_size}) or use {' or '.join(reversed(smaller))}"
            )
    return spec.builder(in_channels, n_classes, **kw)
