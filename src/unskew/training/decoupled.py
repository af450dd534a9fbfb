"""Decoupled classifier learning (Kang et al., ICLR 2020): after joint training, the classifier is
re-built on frozen features. The Trainer runs one of these as the recipe's model-stage head
(``crt``, ``tau_norm``, ``lws``, ``ncm``) once the best weights are restored and before the decision
rule is tuned.

Each is a model-stage part: ``wrap`` checks, before any training, that the network suits it;
``after_fit`` gets the frozen training features (computed once, in eval mode), their labels, and
the validation features when there are any, and sets ``model.head``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from unskew.exceptions import InputError
from unskew.models.heads import (
    LearnableWeightScaling,
    NearestClassMean,
    TauNormalizedLinear,
)
from unskew.sampling import ClassBalancedSampler

__all__ = [
    "ClassifierRetraining",
    "NearestClassMeanHead",
    "TauNormalization",
    "WeightScalingRetraining",
]


def _linear_head(model: nn.Module, name: str) -> nn.Linear:
    head = getattr(model, "head", None)
    if not isinstance(head, nn.Linear):
        raise InputError(
            f"{name} re-scales a linear classifier, but the model's head is "
            f"{type(head).__name__}; drop the cosine head/ldam, or use crt or ncm"
        )
    return head


class _DecoupledHead:
    """The model-stage hooks shared by the decoupled heads."""

    #: a linear joint classifier is re-scaled (tau-norm, LWS) rather than replaced
    needs_linear_head = False
    what = "re-builds the classifier on frozen features"

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        """Check, before training, that the network has ``features`` (and a linear head when the
        part re-scales it); the network is left as it is."""
        if not hasattr(model, "features") or not hasattr(model, "head"):
            raise InputError(
                f"{type(self).__name__} {self.what}: the model needs a `features(x)` method and a "
                "`head` (the built-in backbones have both)"
            )
        head = getattr(model, "head", None)
        if self.needs_linear_head and head is not None and not isinstance(head, nn.Linear):
            raise InputError(
                f"{type(self).__name__} re-scales a linear classifier, but the model's head is "
                f"{type(head).__name__} (a cosine-head loss such as ldam trains with one); use crt "
                "or ncm with it"
            )
        return model

    def refit_params(self) -> dict[str, Any]:
        """Parameters that fix what was tuned on validation rows, for a refit without them."""
        return {}


def _train_head(
    head: nn.Module,
    feats: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int,
    power: float,
    lr: float,
    weight_decay: float,
    batch_size: int,
    generator: torch.Generator,
) -> None:
    """SGD (momentum 0.9, per-step cosine decay) on class-balanced batches of frozen features."""
    params = [p for p in head.parameters() if p.requires_grad]
    sampler = ClassBalancedSampler(
        labels.cpu(), power=power, num_samples=len(labels), generator=generator
    )
    steps_per_pass = max(1, math.ceil(len(labels) / batch_size))
    total = max(1, epochs * steps_per_pass)
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    )
    head.train()
    for _ in range(epochs):
        order = sampler.indices().to(feats.device)
        for batch in order.split(batch_size):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(head(feats[batch]), labels[batch]).backward()
            optimizer.step()
            schedule.step()
    head.eval()


class ClassifierRetraining(_DecoupledHead):
    """cRT: a freshly initialised classifier trained on frozen features with class-balanced
    sampling (Kang et al. 2020, Sec. 4), ``epochs`` passes of as many draws as training rows.

    Joint training learns good features from instance-balanced batches but leaves the classifier
    biased towards frequent classes; re-training only the classifier on balanced batches removes
    that bias without disturbing the features. The new head is linear, whatever the joint head was.

    Parameters
    ----------
    epochs : int, default=10
    power : float, default=0.0
        Class-sampling power (0 = class-balanced, see :class:`~unskew.sampling.ClassBalancedSampler`).
    lr : float, optional
        Default: the Trainer's learning rate (SGD 0.05 when it has none).

    Examples
    --------
    >>> crt = ClassifierRetraining(epochs=5)
    >>> crt.epochs, crt.power
    (5, 0.0)
    """

    def __init__(self, epochs: int = 10, power: float = 0.0, lr: float | None = None) -> None:
        if epochs < 1:
            raise InputError(f"crt epochs must be >= 1, got {epochs}")
        self.epochs, self.power, self.lr = int(epochs), float(power), lr

    def after_fit(
        self,
        trainer: Any,
        model: nn.Module,
        feats: torch.Tensor,
        labels: torch.Tensor,
        val: tuple[torch.Tensor, np.ndarray] | None,
    ) -> None:
        head = nn.Linear(feats.shape[1], int(trainer.n_classes_)).to(feats.device)
        _train_head(
            head,
            feats,
            labels,
            epochs=self.epochs,
            power=self.power,
            lr=_stage_lr(trainer, self.lr),
            weight_decay=_stage_wd(trainer),
            batch_size=trainer.batch_size,
            generator=trainer.generator_,
        )
        model.head = head


class WeightScalingRetraining(_DecoupledHead):
    """LWS: learn one scale per class for the frozen jointly trained classifier, on class-balanced
    batches of frozen features (Kang et al. 2020). Needs a linear head.

    Examples
    --------
    >>> WeightScalingRetraining(epochs=3).epochs
    3
    """

    needs_linear_head = True

    def __init__(self, epochs: int = 10, lr: float | None = None) -> None:
        if epochs < 1:
            raise InputError(f"lws epochs must be >= 1, got {epochs}")
        self.epochs, self.lr = int(epochs), lr

    def after_fit(
        self,
        trainer: Any,
        model: nn.Module,
        feats: torch.Tensor,
        labels: torch.Tensor,
        val: tuple[torch.Tensor, np.ndarray] | None,
    ) -> None:
        head = LearnableWeightScaling(_linear_head(model, "learnable weight scaling")).to(
            feats.device
        )
        _train_head(
            head,
            feats,
            labels,
            epochs=self.epochs,
            power=0.0,
            lr=_stage_lr(trainer, self.lr),
            weight_decay=0.0,
            batch_size=trainer.batch_size,
            generator=trainer.generator_,
        )
        model.head = head


class TauNormalization(_DecoupledHead):
    """tau-normalisation of the jointly trained linear classifier (Kang et al. 2020): weights
    ``w_c / |w_c| ** tau``, no bias. With ``tau=None`` tau is tuned on the validation features over
    0, 0.1, ..., 2 for the Trainer's metric; without validation rows it is 1.

    Examples
    --------
    >>> TauNormalization(tau=0.5).tau
    0.5
    """

    grid = tuple(np.round(np.arange(0.0, 2.01, 0.1), 2))
    needs_linear_head = True

    def __init__(self, tau: float | None = None) -> None:
        if tau is not None and tau < 0:
            raise InputError(f"tau must be >= 0, got {tau}")
        self.tau = tau

    def after_fit(
        self,
        trainer: Any,
        model: nn.Module,
        feats: torch.Tensor,
        labels: torch.Tensor,
        val: tuple[torch.Tensor, np.ndarray] | None,
    ) -> None:
        weight = _linear_head(model, "tau-normalisation").weight
        tau = self.tau
        if tau is None and val is not None:
            from unskew.metrics import get_metric

            metric = get_metric(trainer.metric)
            sign = 1.0 if metric.greater_is_better else -1.0
            scores = []
            with torch.no_grad():
                for t in self.grid:
                    logits = TauNormalizedLinear(weight, float(t))(val[0]).float().cpu().numpy()
                    proba = np.exp(logits - logits.max(1, keepdims=True))
                    proba /= proba.sum(1, keepdims=True)
                    scores.append(sign * float(metric(val[1], logits.argmax(1), proba)))
            tau = float(self.grid[int(np.argmax(scores))])
        self.tau_ = 1.0 if tau is None else float(tau)
        model.head = TauNormalizedLinear(weight, self.tau_)

    def refit_params(self) -> dict[str, Any]:
        """The tau tuned on validation rows (a refit has none to tune it on)."""
        return {} if self.tau is not None else {"tau": float(self.tau_)}


class NearestClassMeanHead(_DecoupledHead):
    """NCM: class means of the L2-normalised frozen training features, cosine similarity as logits
    (Kang et al. 2020). Nothing is trained.

    Examples
    --------
    >>> NearestClassMeanHead().scale
    16.0
    """

    def __init__(self, scale: float = 16.0) -> None:
        if scale <= 0:
            raise InputError(f"ncm scale must be positive, got {scale}")
        self.scale = float(scale)

    def after_fit(
        self,
        trainer: Any,
        model: nn.Module,
        feats: torch.Tensor,
        labels: torch.Tensor,
        val: tuple[torch.Tensor, np.ndarray] | None,
    ) -> None:
        head = NearestClassMean.from_features(feats, labels, int(trainer.n_classes_), self.scale)
        model.head = head.to(feats.device)


def _stage_lr(trainer: Any, lr: float | None) -> float:
    if lr is not None:
        return float(lr)
    if trainer.lr is not None:
        return float(trainer.lr)
    return 0.05 if str(trainer.optimizer).lower() == "sgd" else 0.01


def _stage_wd(trainer: Any) -> float:
    if trainer.weight_decay is not None:
        return float(trainer.weight_decay)
    return 5e-4
