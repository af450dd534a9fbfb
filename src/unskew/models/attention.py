"""Attention blocks: channel and spatial attention for images, attention pooling for sequences and
feature-token self-attention for tables.

The built-in backbones switch them on with ``SmallCNN(..., attention="se" | "cbam")``,
``resnet32(..., attention=...)`` and ``resnet18(..., attention=...)`` (in every residual branch),
``MLP(..., attention=True)`` and ``BagOfEmbeddings(..., pooling="attention")``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from unskew.exceptions import InputError

__all__ = [
    "CBAM",
    "AttentionPooling",
    "FeatureTokenAttention",
    "SqueezeExcitation",
    "conv_attention",
]


def _check_positive(name: str, value: int, owner: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{owner} needs {name} to be a positive int, got {value!r}")


def _check_images(x: torch.Tensor, channels: int, owner: str) -> None:
    if x.ndim != 4 or x.shape[1] != channels:
        raise InputError(
            f"{owner} takes images (N, C={channels}, H, W), got shape {tuple(x.shape)}; build it "
            "with channels equal to the number of channels of its input"
        )


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation block (Hu et al., CVPR 2018): re-weights the channels of a feature map.

    The rule: ``s = sigmoid(W_2 relu(W_1 z))`` with ``z_c`` the spatial mean of channel c
    (squeeze), ``W_1`` of shape (C/r, C) and ``W_2`` of shape (C, C/r) (excitation), and the
    output is ``x_c * s_c``. Each ``s_c`` lies in (0, 1), see :meth:`attention`.

    Parameters
    ----------
    channels : int
        C, the number of channels of the input.
    reduction : int, default=16
        r; the bottleneck has ``max(1, C // r)`` units.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    References
    ----------
    J. Hu, L. Shen and G. Sun, "Squeeze-and-Excitation Networks", CVPR 2018.

    Examples
    --------
    >>> se = SqueezeExcitation(32, reduction=8)
    >>> x = torch.randn(2, 32, 5, 5)
    >>> tuple(se(x).shape), tuple(se.attention(x).shape)
    ((2, 32, 5, 5), (2, 32, 1, 1))
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        _check_positive("channels", channels, "SqueezeExcitation")
        _check_positive("reduction", reduction, "SqueezeExcitation")
        self.channels = channels
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """The channel weights ``s`` (N, C, 1, 1), each in (0, 1)."""
        _check_images(x, self.channels, "SqueezeExcitation")
        z = x.mean(dim=(2, 3), keepdim=True)
        return torch.sigmoid(self.fc2(F.relu(self.fc1(z))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.attention(x)


class CBAM(nn.Module):
    """Convolutional block attention module (Woo et al., ECCV 2018): channel attention, then
    spatial attention.

    The rule: ``M_c = sigmoid(MLP(avgpool(x)) + MLP(maxpool(x)))`` (N, C, 1, 1), with one shared
    two-layer MLP of bottleneck C/r; ``x' = M_c * x``; ``M_s = sigmoid(conv_k([mean_c(x');
    max_c(x')]))`` (N, 1, H, W), a k x k convolution of the channel-wise mean and max maps; the
    output is ``M_s * x'``. Both maps lie in (0, 1), see :meth:`channel_attention` and
    :meth:`spatial_attention`.

    Parameters
    ----------
    channels : int
        C, the number of channels of the input.
    reduction : int, default=16
        r; the shared MLP has ``max(1, C // r)`` hidden units.
    kernel_size : int, default=7
        k, odd, the size of the spatial attention convolution.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    References
    ----------
    S. Woo, J. Park, J.-Y. Lee and I. S. Kweon, "CBAM: Convolutional Block Attention Module",
    ECCV 2018.

    Examples
    --------
    >>> cbam = CBAM(16, reduction=4, kernel_size=3)
    >>> x = torch.randn(2, 16, 6, 6)
    >>> tuple(cbam(x).shape), tuple(cbam.spatial_attention(x).shape)
    ((2, 16, 6, 6), (2, 1, 6, 6))
    """

    def __init__(self, channels: int, reduction: int = 16, kernel_size: int = 7) -> None:
        super().__init__()
        _check_positive("channels", channels, "CBAM")
        _check_positive("reduction", reduction, "CBAM")
        _check_positive("kernel_size", kernel_size, "CBAM")
        if kernel_size % 2 == 0:
            raise InputError(
                f"CBAM needs an odd kernel_size so the spatial map keeps its size, got "
                f"{kernel_size}; use {kernel_size + 1} or {kernel_size - 1}"
            )
        self.channels = channels
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1), nn.ReLU(), nn.Conv2d(hidden, channels, 1)
        )
        self.spatial = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def channel_attention(self, x: torch.Tensor) -> torch.Tensor:
        """``M_c`` (N, C, 1, 1), each in (0, 1)."""
        _check_images(x, self.channels, "CBAM")
        avg = self.mlp(x.mean(dim=(2, 3), keepdim=True))
        peak = self.mlp(x.amax(dim=(2, 3), keepdim=True))
        return torch.sigmoid(avg + peak)

    def spatial_attention(self, x: torch.Tensor) -> torch.Tensor:
        """``M_s`` (N, 1, H, W) of ``x`` (apply it to the channel-refined map), each in (0, 1)."""
        _check_images(x, self.channels, "CBAM")
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.spatial(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.channel_attention(x)
        return x * self.spatial_attention(x)


#: The attention blocks a convolutional backbone can hold, by the name its ``attention=`` takes.
CONV_ATTENTION: dict[str, type[SqueezeExcitation | CBAM]] = {"se": SqueezeExcitation, "cbam": CBAM}


def conv_attention(kind: str, channels: int, reduction: int) -> SqueezeExcitation | CBAM:
    """The block a convolutional backbone's ``attention=kind`` means, for ``channels`` channels.

    ``"se"`` is :class:`SqueezeExcitation`, ``"cbam"`` is :class:`CBAM`, both with bottleneck
    ``max(1, channels // reduction)``.

    Examples
    --------
    >>> type(conv_attention("cbam", 16, reduction=4)).__name__
    'CBAM'
    """
    if kind not in CONV_ATTENTION:
        raise InputError(
            f"attention must be None, 'se' or 'cbam', got {kind!r}; 'se' is squeeze-and-"
            "excitation (Hu et al. 2018), 'cbam' channel then spatial attention (Woo et al. 2018)"
        )
    return CONV_ATTENTION[kind](channels, reduction=reduction)


class AttentionPooling(nn.Module):
    """Additive attention pooling of a sequence into one vector (Bahdanau et al., 2015; Lin et
    al., 2017).

    The rule: ``e_i = v^T tanh(W h_i + b)`` for each position i, ``a = softmax(e)`` over the real
    positions only (``mask[i]`` True), and the output is ``sum_i a_i h_i``. A row without any real
    position gives a zero vector, never NaN. The weights of the last call are kept, detached, in
    ``last_weights`` (N, L) for inspection.

    Parameters
    ----------
    dim : int
        D, the width of each position's vector.
    hidden : int, optional
        Width of the scoring layer W (default ``dim``).

    Shape
    -----
    x (N, L, D) and optional boolean mask (N, L), True for a real token -> (N, D)

    References
    ----------
    D. Bahdanau, K. Cho and Y. Bengio, "Neural Machine Translation by Jointly Learning to Align and
    Translate", ICLR 2015; Z. Lin et al., "A Structured Self-Attentive Sentence Embedding",
    ICLR 2017.

    Examples
    --------
    >>> pool = AttentionPooling(4)
    >>> x = torch.randn(2, 3, 4)
    >>> mask = torch.tensor([[True, True, False], [False, False, False]])
    >>> out = pool(x, mask)
    >>> tuple(out.shape), out[1].abs().sum().item(), pool.last_weights[0, 2].item()
    ((2, 4), 0.0, 0.0)
    """

    last_weights: torch.Tensor | None

    def __init__(self, dim: int, hidden: int | None = None) -> None:
        super().__init__()
        _check_positive("dim", dim, "AttentionPooling")
        hidden = dim if hidden is None else hidden
        _check_positive("hidden", hidden, "AttentionPooling")
        self.dim = dim
        self.score = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.last_weights = None

    def weights(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The attention weights ``a`` (N, L): rows sum to 1, or to 0 when fully masked."""
        if x.ndim != 3 or x.shape[2] != self.dim:
            raise InputError(
                f"AttentionPooling takes a sequence (N, L, D={self.dim}), got shape "
                f"{tuple(x.shape)}"
            )
        scores = self.score(x).squeeze(-1)
        if mask is None:
            return torch.softmax(scores, dim=1)
        if mask.dtype != torch.bool or tuple(mask.shape) != tuple(x.shape[:2]):
            raise InputError(
                f"AttentionPooling's mask must be a bool tensor of shape (N, L) = "
                f"{tuple(x.shape[:2])} (True for a real token), got a {mask.dtype} tensor of shape "
                f"{tuple(mask.shape)}; pass e.g. mask=(ids != 0)"
            )
        # a finite fill (not -inf) keeps a fully masked row from giving NaN; zeroing the masked
        # weights afterwards makes that row's weights (and output) exactly 0
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        return torch.softmax(scores, dim=1) * mask

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        a = self.weights(x, mask)
        self.last_weights = a.detach()
        return torch.einsum("nl,nld->nd", a, x)


class FeatureTokenAttention(nn.Module):
    """Self-attention across the features of a table: every column becomes a token.

    The rule (the feature tokenizer of FT-Transformer, Gorishniy et al. 2021): feature j of a row
    becomes the token ``t_j = x_j w_j + b_j`` (a per-feature linear embedding ``w_j`` plus a
    feature embedding ``b_j``, both of width ``dim``); one multi-head self-attention layer with a
    residual connection and layer norm gives ``h = LayerNorm(t + MHA(t, t, t))``; and
    :class:`AttentionPooling` pools the F tokens into one vector. The attention weights of the last
    call are kept, detached, in ``last_attention`` (N, heads, F, F) and the pooling weights in
    ``last_pooling`` (N, F), to see which features attend to which.

    Parameters
    ----------
    in_features : int
        F, the number of columns.
    dim : int, default=16
        Width of each token and of the output.
    heads : int, default=2
        Attention heads; must divide ``dim``.
    dropout : float, default=0.0
        Dropout on the attention weights.

    Shape
    -----
    (N, F) -> (N, dim)

    References
    ----------
    Y. Gorishniy, I. Rubachev, V. Khrulkov and A. Babenko, "Revisiting Deep Learning Models for
    Tabular Data", NeurIPS 2021; A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017.

    Examples
    --------
    >>> attn = FeatureTokenAttention(5, dim=8, heads=2)
    >>> out = attn(torch.randn(3, 5))
    >>> tuple(out.shape), tuple(attn.last_attention.shape)
    ((3, 8), (3, 2, 5, 5))
    """

    last_attention: torch.Tensor | None
    last_pooling: torch.Tensor | None

    def __init__(
        self, in_features: int, dim: int = 16, heads: int = 2, dropout: float = 0.0
    ) -> None:
        super().__init__()
        _check_positive("in_features", in_features, "FeatureTokenAttention")
        _check_positive("dim", dim, "FeatureTokenAttention")
        _check_positive("heads", heads, "FeatureTokenAttention")
        if dim % heads:
            raise InputError(
                f"FeatureTokenAttention needs heads to divide dim, got dim={dim} and heads={heads}; "
                f"use e.g. dim={heads * max(1, round(dim / heads))}"
            )
        if not 0.0 <= dropout < 1.0:
            raise InputError(f"FeatureTokenAttention needs 0 <= dropout < 1, got {dropout}")
        self.in_features = in_features
        self.dim = dim
        self.weight = nn.Parameter(torch.empty(in_features, dim))
        self.bias = nn.Parameter(torch.empty(in_features, dim))
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.pool = AttentionPooling(dim)
        self.last_attention = None
        self.last_pooling = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ``[-1/sqrt(dim), 1/sqrt(dim)]``, as FT-Transformer initialises its tokenizer."""
        bound = 1.0 / math.sqrt(self.dim)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """The feature tokens ``t`` (N, F, dim)."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise InputError(
                f"FeatureTokenAttention takes a table (N, F={self.in_features}), got shape "
                f"{tuple(x.shape)}"
            )
        return x.unsqueeze(-1) * self.weight + self.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.tokens(x)
        mixed, weights = self.attn(t, t, t, need_weights=True, average_attn_weights=False)
        self.last_attention = weights.detach()
        out = self.pool(self.norm(t + mixed))
        self.last_pooling = self.pool.last_weights
        return out
