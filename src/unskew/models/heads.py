"""Classifier heads."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CosineClassifier"]


class CosineClassifier(nn.Module):
    """Cosine (normalised) classifier: ``logit_c = scale * cos(x, w_c) = scale * x.w_c / (|x| |w_c|)``.

    Both the features and each class's weight vector are L2-normalised, so with ``scale=1`` the logits
    lie in [-1, 1] and no class can win by having a larger weight norm, which frequent classes
    otherwise acquire (Gidaris & Komodakis, CVPR 2018; Kang et al., ICLR 2020). It is the head LDAM
    was published with ("NormedLinear", Cao et al., NeurIPS 2019): :class:`unskew.losses.LDAMLoss`
    multiplies these logits by its own ``scale`` (30), so keep ``scale=1`` here when training with
    LDAM. Recipes that use ``ldam`` switch the model's head to this one.

    Parameters
    ----------
    in_features : int
    num_classes : int
    scale : float, default=1.0
        Multiplies the cosines (use e.g. 16 with plain cross-entropy, 1 with LDAM).
    eps : float, default=1e-8
        Guards the normalisation of an all-zero feature vector.

    Shape
    -----
    input (N, in_features) -> output (N, num_classes).

    Examples
    --------
    >>> head = CosineClassifier(8, 3)
    >>> logits = head(torch.randn(5, 8) * 100)
    >>> bool(logits.abs().max() <= 1.0 + 1e-6), tuple(logits.shape)
    (True, (5, 3))
    """

    def __init__(
        self, in_features: int, num_classes: int, scale: float = 1.0, eps: float = 1e-8
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.num_classes = num_classes
        self.scale = scale
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(num_classes, in_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform initialisation as for ``nn.Linear``."""
        bound = 1.0 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cos = F.linear(
            F.normalize(x, dim=-1, eps=self.eps), F.normalize(self.weight, dim=-1, eps=self.eps)
        )
        return cos * self.scale if self.scale != 1.0 else cos

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, num_classes={self.num_classes}, scale={self.scale}"
