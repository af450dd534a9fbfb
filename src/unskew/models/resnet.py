"""Residual networks of the long-tail literature, written here (torchvision is not a dependency).

* :func:`resnet32`: the CIFAR ResNet of He et al. (2016, Sec. 4.2) that LDAM-DRW (Cao et al.
  2019), balanced softmax (Ren et al. 2020) and logit adjustment (Menon et al. 2021) report on:
  a 3x3 stem, 3 stages of 5 basic blocks (16, 32, 64 channels), option-A shortcuts; 32x32 inputs.
* :func:`resnet18`: the ImageNet ResNet-18 (He et al. 2016, Table 1): a 7x7 stride-2 stem and a
  3x3 stride-2 max-pool, 4 stages of 2 basic blocks (64 ... 512 channels), 1x1 projection
  shortcuts; 64 px and larger.

Both have the interface the model-stage recipe parts use: ``features(x)`` -> (N, feature_dim),
a replaceable ``head`` (``nn.Linear``), ``feature_dim`` and ``forward = head(features(x))``.
Parameter names follow torchvision's ResNet (``conv1``, ``bn1``, ``layer1.0.conv1``, ...,
``layer2.0.downsample.0``), so a state_dict saved from torchvision's ``resnet18`` (or from the
LDAM authors' ``resnet32``) loads with :func:`unskew.models.transfer.load_pretrained`; its ``fc.``
(or ``linear.``) classifier is read as ``head.`` (``pretrained_aliases``).
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from unskew.exceptions import InputError
from unskew.models.attention import CBAM, SqueezeExcitation, conv_attention

__all__ = ["BasicBlock", "ResNet", "resnet18", "resnet32"]


class _PadShortcut(nn.Module):
    """Option-A shortcut (He et al. 2016): keep every ``stride``-th pixel and pad the new channels
    with zeros; no parameters."""

    def __init__(self, stride: int, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.stride = stride
        extra = out_channels - in_channels
        self.pad = (extra // 2, extra - extra // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, *self.pad))


def _projection(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Option-B shortcut: 1x1 convolution with the block's stride, then batch norm."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class BasicBlock(nn.Module):
    """The basic residual block (He et al. 2016): ``relu(bn2(conv2(relu(bn1(conv1(x))))) + s(x))``
    with 3x3 convolutions and ``s`` the identity, or where the shape changes the shortcut
    ``shortcut="A"`` (subsample and zero-pad the channels) or ``"B"`` (1x1 conv + batch norm).

    With ``attention`` a :class:`~unskew.models.attention.SqueezeExcitation` (``"se"``) or
    :class:`~unskew.models.attention.CBAM` (``"cbam"``) block re-weights the residual branch
    before the addition, where SE-ResNet (Hu et al. 2018) and CBAM (Woo et al. 2018) put it.

    Shape
    -----
    (N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride)

    Examples
    --------
    >>> block = BasicBlock(16, 32, stride=2, shortcut="A")
    >>> tuple(block(torch.randn(2, 16, 8, 8)).shape), block.out_channels
    ((2, 32, 4, 4), 32)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        shortcut: str = "B",
        attention: str | None = None,
        reduction: int = 16,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.attention: SqueezeExcitation | CBAM | None = None
        if attention is not None:
            self.attention = conv_attention(attention, out_channels, reduction)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = (
                _PadShortcut(stride, in_channels, out_channels)
                if shortcut == "A"
                else _projection(in_channels, out_channels, stride)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        if self.attention is not None:
            out = self.attention(out)
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNet(nn.Module):
    """A residual network of :class:`BasicBlock` stages, global average pooling, optional dropout
    and a linear ``head``; build it with :func:`resnet32` or :func:`resnet18`.

    ``features(x)`` is the pooled output of the last stage (N, feature_dim), after dropout; it
    refuses, with the fix, an input that is not (N, in_channels, H, W) or whose smaller side is
    under ``min_size`` (the size at which the last stage still sees 2x2 positions).

    Parameters
    ----------
    arch : str
        The name used in messages (``"resnet32"``).
    stem : dict of str -> nn.Module
        Layers before the first stage, in order, registered under their names (``conv1``,
        ``bn1``, ``relu`` and ``maxpool``, as torchvision names them).
    widths, depths : tuple of int
        Channels and number of blocks of each stage (``layer1``, ``layer2``, ...).
    in_channels, n_classes : int
    stride : int
        Total down-sampling of the stem and stages (sets ``min_size = 2 * stride``).
    recommended_size : int
        The image side the architecture was designed for.
    shortcut : {"A", "B"}
    attention : {None, "se", "cbam"}
    reduction : int
        Bottleneck ratio of the attention blocks.
    dropout : float
        Dropout on the pooled features, before the head.

    Attributes
    ----------
    aux_layer : str
        The layer the ``aux_head`` part watches by default: ``"layer2"``, the output of the second
        stage (about half the depth, where GoogLeNet put its auxiliary classifiers).
    pretrained_aliases : dict
        Prefixes of other code's classifiers read as ``head.`` by ``load_pretrained``.
    min_size, recommended_size, feature_dim, in_channels, arch

    Examples
    --------
    >>> stem = {"conv1": nn.Conv2d(1, 8, 3, padding=1, bias=False), "bn1": nn.BatchNorm2d(8)}
    >>> net = ResNet("tiny", stem, (8, 16), (1, 1), 1, 3, stride=2, recommended_size=16,
    ...              shortcut="B", attention=None, reduction=4, dropout=0.0)
    >>> tuple(net(torch.randn(2, 1, 16, 16)).shape), net.min_size, net.feature_dim
    ((2, 3), 4, 16)
    """

    aux_layer = "layer2"
    pretrained_aliases: ClassVar[dict[str, str]] = {"fc.": "head.", "linear.": "head."}

    def __init__(
        self,
        arch: str,
        stem: dict[str, nn.Module],
        widths: tuple[int, ...],
        depths: tuple[int, ...],
        in_channels: int,
        n_classes: int,
        *,
        stride: int,
        recommended_size: int,
        shortcut: str,
        attention: str | None,
        reduction: int,
        dropout: float,
    ) -> None:
        super().__init__()
        _check_arguments(arch, in_channels, n_classes, attention, dropout, shortcut)
        self.arch = arch
        self.in_channels = in_channels
        self.min_size = 2 * stride
        self.recommended_size = recommended_size
        self.stem_names = tuple(stem)
        for name, module in stem.items():
            self.add_module(name, module)
        width = widths[0]
        for k, (planes, blocks) in enumerate(zip(widths, depths, strict=True)):
            first_stride = 1 if k == 0 else 2
            layer = []
            for b in range(blocks):
                layer.append(
                    BasicBlock(
                        width,
                        planes,
                        first_stride if b == 0 else 1,
                        shortcut=shortcut,
                        attention=attention,
                        reduction=reduction,
                    )
                )
                width = planes
            self.add_module(f"layer{k + 1}", nn.Sequential(*layer))
        self.n_stages = len(widths)
        self.dropout = nn.Dropout(dropout)
        self.feature_dim = width
        self.head: nn.Module = nn.Linear(width, n_classes)
        self._initialise()

    def _initialise(self) -> None:
        """He-normal convolutions (fan-out, as torchvision), batch norm 1 and 0; the attention
        blocks keep their own initialisation."""
        inside_attention = {
            id(m)
            for block in self.modules()
            if isinstance(block, SqueezeExcitation | CBAM)
            for m in block.modules()
        }
        for m in self.modules():
            if id(m) in inside_attention:
                continue
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != self.in_channels:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(
                f"{self.arch} takes images (N, C={self.in_channels}, H, W), got {got}; a table "
                f"needs the mlp backbone, and images of another channel count "
                f"{self.arch}(in_channels=C)"
            )
        if min(x.shape[-2:]) < self.min_size:
            raise InputError(
                f"{self.arch} needs images of at least {self.min_size}x{self.min_size} pixels, got "
                f"{x.shape[-2]}x{x.shape[-1]}; resize them to {self.min_size} px or more (it is "
                f"designed for {self.recommended_size}) or use a backbone for smaller images"
            )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled last-stage features (N, feature_dim)."""
        self._check_input(x)
        for name in self.stem_names:
            x = getattr(self, name)(x)
        for k in range(self.n_stages):
            x = getattr(self, f"layer{k + 1}")(x)
        return self.dropout(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def extra_repr(self) -> str:
        return f"arch={self.arch!r}, in_channels={self.in_channels}, min_size={self.min_size}"


def _check_arguments(
    arch: str,
    in_channels: int,
    n_classes: int,
    attention: str | None,
    dropout: float,
    shortcut: str,
) -> None:
    for name, value, low in (("in_channels", in_channels, 1), ("n_classes", n_classes, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InputError(f"{arch} needs {name} to be an int >= {low}, got {value!r}")
    if attention is not None and attention not in ("se", "cbam"):
        raise InputError(f"{arch}'s attention must be None, 'se' or 'cbam', got {attention!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise InputError(f"{arch} needs 0 <= dropout < 1, got {dropout}")
    if shortcut not in ("A", "B"):
        raise InputError(
            f"{arch}'s shortcut must be 'A' (zero-padding) or 'B' (1x1 projection), got "
            f"{shortcut!r}"
        )


def resnet32(
    in_channels: int,
    n_classes: int,
    *,
    attention: str | None = None,
    dropout: float = 0.0,
    shortcut: str = "A",
    reduction: int = 4,
) -> ResNet:
    """ResNet-32 for 32x32 images (He et al. 2016, Sec. 4.2, n = 5): the network of the LDAM-DRW,
    balanced-softmax and logit-adjustment papers' CIFAR-LT experiments.

    The rule: a 3x3 convolution to 16 channels (``conv1``, ``bn1``, ReLU), three stages of five
    :class:`BasicBlock` (16, 32, 64 channels; the second and third start with stride 2), global
    average pooling and ``head = Linear(64, n_classes)``: 31 convolutions + 1 linear layer,
    0.46 M parameters. Shortcuts are option A (parameter-free: subsample and zero-pad the new
    channels), as in He et al.'s CIFAR experiments and the LDAM authors' code; ``shortcut="B"``
    uses 1x1 projections instead. The smallest input is 8x8 (the last stage then sees 2x2).

    Parameters
    ----------
    in_channels : int
        1 for grey images, 3 for colour.
    n_classes : int
    attention : {None, "se", "cbam"}, default=None
        An attention block in every residual branch (reduction 4: 16 to 64 channels are too few
        for the papers' 16).
    dropout : float, default=0.0
        Dropout on the pooled features (the papers use none).
    shortcut : {"A", "B"}, default="A"
    reduction : int, default=4

    Shape
    -----
    (N, in_channels, H, W), H, W >= 8 -> (N, n_classes)

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016;
    K. Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
    NeurIPS 2019.

    Examples
    --------
    >>> net = resnet32(1, 10)
    >>> tuple(net(torch.randn(2, 1, 32, 32)).shape), net.feature_dim
    ((2, 10), 64)
    >>> round(sum(p.numel() for p in net.parameters()) / 1e6, 2)
    0.46
    """
    _check_arguments("resnet32", in_channels, n_classes, attention, dropout, shortcut)
    stem = {
        "conv1": nn.Conv2d(in_channels, 16, 3, padding=1, bias=False),
        "bn1": nn.BatchNorm2d(16),
        "relu": nn.ReLU(inplace=True),
    }
    return ResNet(
        "resnet32",
        stem,
        (16, 32, 64),
        (5, 5, 5),
        in_channels,
        n_classes,
        stride=4,
        recommended_size=32,
        shortcut=shortcut,
        attention=attention,
        reduction=reduction,
        dropout=dropout,
    )


def resnet18(
    in_channels: int,
    n_classes: int,
    *,
    attention: str | None = None,
    dropout: float = 0.0,
    reduction: int = 16,
) -> ResNet:
    """ResNet-18 with the ImageNet stem (He et al. 2016, Table 1), for images of 64 px and more.

    The rule: a 7x7 stride-2 convolution to 64 channels (``conv1``, ``bn1``, ReLU) and a 3x3
    stride-2 max-pool (``maxpool``), four stages of two :class:`BasicBlock` (64, 128, 256, 512
    channels; stages 2-4 start with stride 2 and a 1x1 projection shortcut), global average
    pooling and ``head = Linear(512, n_classes)``; 11.7 M parameters with 1,000 classes, the
    same names and shapes as torchvision's ``resnet18`` (its ``fc`` is our ``head``). The input is
    down-sampled 32 times, so the smallest is 64x64 (the last stage then sees 2x2); 224 is the
    size it was designed for.

    Parameters
    ----------
    in_channels : int
        1 for grey images, 3 for colour (torchvision's weights need 3).
    n_classes : int
    attention : {None, "se", "cbam"}, default=None
        An attention block in every residual branch (reduction 16, the papers').
    dropout : float, default=0.0
        Dropout on the pooled features.
    reduction : int, default=16

    Shape
    -----
    (N, in_channels, H, W), H, W >= 64 -> (N, n_classes)

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016.

    Examples
    --------
    >>> net = resnet18(3, 5)
    >>> tuple(net(torch.randn(2, 3, 64, 64)).shape), net.feature_dim, net.min_size
    ((2, 5), 512, 64)
    >>> sum(p.numel() for p in resnet18(3, 1000).parameters())
    11689512
    """
    _check_arguments("resnet18", in_channels, n_classes, attention, dropout, "B")
    stem = {
        "conv1": nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False),
        "bn1": nn.BatchNorm2d(64),
        "relu": nn.ReLU(inplace=True),
        "maxpool": nn.MaxPool2d(3, stride=2, padding=1),
    }
    return ResNet(
        "resnet18",
        stem,
        (64, 128, 256, 512),
        (2, 2, 2, 2),
        in_channels,
        n_classes,
        stride=32,
        recommended_size=224,
        shortcut="B",
        attention=attention,
        reduction=reduction,
        dropout=dropout,
    )
