"""Classifier heads."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "CosineClassifier",
    "LearnableWeightScaling",
    "NearestClassMean",
    "TauNormalizedLinear",
    "describe_head",
    "make_head",
]


class CosineClassifier(nn.Module):
    """Cosine (normalised) classifier: ``logit_c = scale * cos(x, w_c) = scale * x.w_c / (|x| |w_c|)``.

    Both the features and each class's weight vector are L2-normalised, so with ``scale=1`` the logits
    lie in [-1, 1] and no class can win by having a larger weight norm, which frequent classes
    otherwise acquire (Gidaris & Komodakis, CVPR 2018; Kang et al., ICLR 2020). It is the head LDAM
    was published with ("NormedLinear", Cao et al., NeurIPS 2019): :class:`unskew.losses.LDAMLoss`
    multiplies these logits by its own ``scale`` (10 by default; the paper's 30 needs a learning-rate
    warm-up), so keep ``scale=1`` here when training with
    LDAM. Recipes that use ``ldam`` switch the model's head to this one.

    Parameters
    ----------
    in_features : int
    n_classes : int
    scale : float, default=1.0
        Multiplies the cosines (use e.g. 16 with plain cross-entropy, 1 with LDAM).
    eps : float, default=1e-8
        Guards the normalisation of an all-zero feature vector.

    Shape
    -----
    input (N, in_features) -> output (N, n_classes).

    Examples
    --------
    >>> head = CosineClassifier(8, 3)
    >>> logits = head(torch.randn(5, 8) * 100)
    >>> bool(logits.abs().max() <= 1.0 + 1e-6), tuple(logits.shape)
    (True, (5, 3))
    """

    def __init__(
        self, in_features: int, n_classes: int, scale: float = 1.0, eps: float = 1e-8
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.n_classes = n_classes
        self.scale = scale
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(n_classes, in_features))
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
        return f"in_features={self.in_features}, n_classes={self.n_classes}, scale={self.scale}"


class TauNormalizedLinear(nn.Module):
    """tau-normalised classifier (Kang et al., Decoupling Representation and Classifier for
    Long-Tailed Recognition, ICLR 2020): ``logit_c = w_c . x / |w_c| ** tau``, no bias.

    Joint training on long-tailed data leaves frequent classes with larger weight norms |w_c|;
    dividing by ``|w_c| ** tau`` evens them out: ``tau=0`` is the original classifier (without
    bias), ``tau=1`` normalises every class to unit norm. The Trainer tunes tau on validation data
    when the recipe says ``tau_norm`` without a value.

    Parameters
    ----------
    weight : Tensor (n_classes, in_features)
        The trained classifier's weights (copied, frozen).
    tau : float, default=1.0

    Examples
    --------
    >>> w = torch.tensor([[3.0, 0.0], [0.0, 1.0]])
    >>> TauNormalizedLinear(w, tau=1.0)(torch.tensor([[1.0, 1.0]]))
    tensor([[1., 1.]])
    """

    def __init__(self, weight: torch.Tensor, tau: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("weight", weight.detach().clone())
        self.tau = float(tau)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norms = self.weight.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return F.linear(x, self.weight / norms.pow(self.tau))

    def extra_repr(self) -> str:
        return (
            f"in_features={self.weight.shape[1]}, n_classes={self.weight.shape[0]}, tau={self.tau}"
        )


class LearnableWeightScaling(nn.Module):
    """LWS (Kang et al., ICLR 2020): ``logit_c = f_c * (w_c . x + b_c)`` with the trained ``w, b``
    frozen and only the per-class scales ``f`` learned, on class-balanced batches of frozen features.

    Parameters
    ----------
    linear : nn.Linear
        The jointly trained classifier (its weights are copied and frozen).

    Examples
    --------
    >>> head = LearnableWeightScaling(nn.Linear(4, 3))
    >>> [n for n, p in head.named_parameters()]
    ['scales']
    """

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.register_buffer("weight", linear.weight.detach().clone())
        bias = linear.bias if linear.bias is not None else torch.zeros(linear.out_features)
        self.register_buffer("bias", bias.detach().clone())
        self.scales = nn.Parameter(torch.ones(linear.out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias) * self.scales


class NearestClassMean(nn.Module):
    """Nearest class mean classifier (Kang et al., ICLR 2020): ``logit_c = scale * cos(x, mu_c)``
    with ``mu_c`` the mean of the L2-normalised training features of class c. Nothing is trained,
    so rare classes are not out-voted by frequent ones.

    Parameters
    ----------
    means : Tensor (n_classes, in_features)
    scale : float, default=16.0
        Multiplies the cosines so that softmax probabilities are not flat.

    Examples
    --------
    >>> feats = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> head = NearestClassMean.from_features(feats, torch.tensor([0, 0, 1]), n_classes=2)
    >>> head(torch.tensor([[0.1, 1.0]])).argmax(1).item()
    1
    """

    def __init__(self, means: torch.Tensor, scale: float = 16.0) -> None:
        super().__init__()
        self.register_buffer("means", F.normalize(means.detach().clone(), dim=1))
        self.scale = float(scale)

    @classmethod
    def from_features(
        cls, features: torch.Tensor, labels: torch.Tensor, n_classes: int, scale: float = 16.0
    ) -> NearestClassMean:
        """Class means of the L2-normalised ``features``."""
        normed = F.normalize(features.float(), dim=1)
        sums = torch.zeros(n_classes, normed.shape[1], dtype=normed.dtype)
        sums.index_add_(0, labels.long().cpu(), normed.cpu())
        counts = torch.bincount(labels.long().cpu(), minlength=n_classes).clamp_min(1)
        return cls(sums / counts[:, None], scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.normalize(x, dim=1), self.means) * self.scale


def describe_head(head: nn.Module) -> dict | None:
    """A JSON-ready description of a replaced head, so a saved model can rebuild it before loading
    its ``state_dict`` (None for a plain ``nn.Linear``).

    Examples
    --------
    >>> describe_head(CosineClassifier(4, 2, scale=16.0))
    {'kind': 'cosine', 'scale': 16.0}
    """
    if isinstance(head, CosineClassifier):
        return {"kind": "cosine", "scale": float(head.scale)}
    if isinstance(head, TauNormalizedLinear):
        return {"kind": "tau_norm", "tau": head.tau}
    if isinstance(head, LearnableWeightScaling):
        return {"kind": "lws"}
    if isinstance(head, NearestClassMean):
        return {"kind": "ncm", "scale": head.scale}
    return None


def make_head(description: dict | None, in_features: int, n_classes: int) -> nn.Module:
    """An untrained head of the described kind and size, ready for ``load_state_dict``.

    Examples
    --------
    >>> make_head({"kind": "tau_norm", "tau": 0.5}, 4, 3)
    TauNormalizedLinear(in_features=4, n_classes=3, tau=0.5)
    """
    if description is None:
        return nn.Linear(in_features, n_classes)
    kind = description["kind"]
    if kind == "cosine":
        return CosineClassifier(in_features, n_classes, scale=description["scale"])
    if kind == "tau_norm":
        return TauNormalizedLinear(torch.zeros(n_classes, in_features), description["tau"])
    if kind == "lws":
        return LearnableWeightScaling(nn.Linear(in_features, n_classes))
    if kind == "ncm":
        return NearestClassMean(torch.ones(n_classes, in_features), description["scale"])
    raise ValueError(f"unknown head kind {kind!r}")
