"""Thin ``nn.Module`` wrappers around :mod:`unskew.losses.functional`.

Each module only stores hyper-parameters; per-class tensors (weights, counts, margins, priors, cost
matrices) are registered as buffers, so they follow ``.to(device)`` and ``state_dict``. Losses that
accept class weights implement ``set_class_weight(weight)``, which is how
:class:`~unskew.losses.DeferredReweighting` switches weights on during training.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.losses import functional as L
from unskew.losses._checks import check_reduction

__all__ = [
    "AsymmetricLoss",
    "BalancedSoftmaxLoss",
    "ClassBalancedLoss",
    "CostSensitiveLoss",
    "CrossEntropyLoss",
    "DiceLoss",
    "FocalLoss",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "SigmoidFocalLoss",
    "TverskyLoss",
]


def _buffer(value: Any) -> torch.Tensor | None:
    if value is None:
        return None
    return torch.as_tensor(value, dtype=torch.float32).clone()


class _Loss(nn.Module):
    """Shared arguments: reduction, ignore_index, validate_args."""

    def __init__(self, reduction: str = "mean", validate_args: bool = True) -> None:
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction
        self.validate_args = validate_args

    def extra_repr(self) -> str:
        skip = {"training", "validate_args"}
        items = [
            f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and k not in skip
        ]
        return ", ".join(items)


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights held in the ``weight`` buffer; its ``"mean"`` is
    PyTorch's weighted mean, over the rows' class weights (``weighted_mean``)."""

    #: "mean" divides by the sum of the rows' class weights, not by the number of rows: a caller
    #: that weights rows too divides by ``sum(row_weight * weight[y])`` to keep that mean
    weighted_mean = True

    def __init__(
        self, weight: Any = None, reduction: str = "mean", validate_args: bool = True
    ) -> None:
        super().__init__(reduction, validate_args)
        self.register_buffer("weight", _buffer(weight))

    def set_class_weight(self, weight: torch.Tensor | None) -> None:
        """Set (or with None, clear) the per-class weights."""
        device = next((b.device for b in self.buffers()), None)
        self.weight = None if weight is None else _buffer(weight).to(device)


class CrossEntropyLoss(_WeightedLoss):
    """Weighted cross-entropy; see :func:`unskew.losses.functional.cross_entropy`.

    Examples
    --------
    >>> from unskew.weights import class_weights
    >>> loss = CrossEntropyLoss(weight=class_weights([900, 100], counts=True))
    >>> float(loss(torch.tensor([[0.0, 1.0]]), torch.tensor([1]))) > 0
    True
    """

    def __init__(
        self,
        weight: Any = None,
        *,
        ignore_index: int = -100,
        label_smoothing: float = 0.0,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(weight, reduction, validate_args)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.cross_entropy(
            logits,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class FocalLoss(_Loss):
    """Softmax focal loss; see :func:`unskew.losses.functional.focal_loss`.

    ``alpha`` (per class, or a scalar for two classes) is the class weight, so
    ``set_class_weight`` sets it.

    Examples
    --------
    >>> loss = FocalLoss(gamma=2.0, alpha=[0.25, 0.75])
    >>> loss(torch.tensor([[2.0, 0.0]]), torch.tensor([0]))
    tensor(0.0005)
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: Any = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(reduction, validate_args)
        self.gamma = gamma
        self.ignore_index = ignore_index
        self.scalar_alpha = float(alpha) if isinstance(alpha, (int, float)) else None
        self.register_buffer("alpha", None if self.scalar_alpha is not None else _buffer(alpha))

    def set_class_weight(self, weight: torch.Tensor | None) -> None:
        """Use ``weight`` as the per-class alpha (None removes it)."""
        self.scalar_alpha = None
        device = next((b.device for b in self.buffers()), None)
        self.alpha = None if weight is None else _buffer(weight).to(device)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        alpha = self.scalar_alpha if self.scalar_alpha is not None else self.alpha
        return L.focal_loss(
            logits,
            target,
            gamma=self.gamma,
            alpha=alpha,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class SigmoidFocalLoss(_Loss):
    """Sigmoid focal loss for binary / multi-label targets; see
    :func:`unskew.losses.functional.sigmoid_focal_loss`.

    Examples
    --------
    >>> SigmoidFocalLoss()(torch.tensor([[2.0, -1.0]]), torch.tensor([[1.0, 0.0]]))
    tensor(0.0087)
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: Any = 0.25,
        *,
        reduction: str = "mean",
        compile: bool = False,
    ) -> None:
        super().__init__(reduction)
        self.gamma = gamma
        self.compile = bool(compile)
        self.scalar_alpha = float(alpha) if isinstance(alpha, (int, float)) else None
        self.register_buffer(
            "alpha", None if alpha is None or self.scalar_alpha is not None else _buffer(alpha)
        )

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        alpha = self.scalar_alpha if self.scalar_alpha is not None else self.alpha
        return L.sigmoid_focal_loss(
            logits,
            targets,
            gamma=self.gamma,
            alpha=alpha,
            reduction=self.reduction,
            compile=self.compile,
        )


class ClassBalancedLoss(_Loss):
    """Class-balanced loss (Cui et al. 2019); see
    :func:`unskew.losses.functional.class_balanced_loss`.

    Examples
    --------
    >>> loss = ClassBalancedLoss([900, 100], beta=0.99)
    >>> loss.class_weight
    tensor([0.7760, 1.2240])
    """

    def __init__(
        self,
        class_counts: Any,
        beta: float = 0.999,
        base: str = "cross_entropy",
        *,
        gamma: float = 2.0,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(reduction, validate_args)
        self.beta = beta
        self.base = base
        self.gamma = gamma
        self.ignore_index = ignore_index
        self.register_buffer("class_counts", _buffer(class_counts))
        L.class_balanced_loss(
            torch.zeros(1, len(self.class_counts)),
            torch.zeros(1, dtype=torch.long),
            self.class_counts,
            beta=beta,
            base=base,
        )  # validate once, early

    @property
    def class_weight(self) -> torch.Tensor:
        """The effective-number weights, normalised to sum to C."""
        return L.effective_number_weights(self.class_counts, self.beta)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.class_balanced_loss(
            logits,
            target,
            self.class_counts,
            beta=self.beta,
            base=self.base,
            gamma=self.gamma,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class LDAMLoss(_WeightedLoss):
    """LDAM loss (Cao et al. 2019); see :func:`unskew.losses.functional.ldam_loss`.

    Pair it with :class:`unskew.models.heads.CosineClassifier` (logits in [-1, 1]) and, as in the
    paper, with :class:`~unskew.losses.DeferredReweighting`.

    Examples
    --------
    >>> loss = LDAMLoss([1000, 10], max_margin=0.5)
    >>> loss.margins
    tensor([0.1581, 0.5000])
    """

    #: the objective-stage declaration: the Trainer gives the model a cosine head of scale 1 (the
    #: loss applies ``scale``), as Cao et al. publish it
    expects_cosine_logits = True

    def __init__(
        self,
        class_counts: Any,
        max_margin: float = 0.5,
        scale: float = 10.0,
        *,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(weight, reduction, validate_args)
        self.max_margin = max_margin
        self.scale = scale
        self.ignore_index = ignore_index
        self.register_buffer("class_counts", _buffer(class_counts))

    @property
    def margins(self) -> torch.Tensor:
        """Per-class margins ``m_c ∝ n_c^(-1/4)``, the largest equal to ``max_margin``."""
        return L.ldam_margins(self.class_counts, self.max_margin)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.ldam_loss(
            logits,
            target,
            self.class_counts,
            max_margin=self.max_margin,
            scale=self.scale,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class LogitAdjustedLoss(_WeightedLoss):
    """Logit-adjusted loss (Menon et al. 2021); see
    :func:`unskew.losses.functional.logit_adjusted_loss`.

    Examples
    --------
    >>> LogitAdjustedLoss([900, 100], tau=1.0)(torch.tensor([[2.0, 0.0]]), torch.tensor([0]))
    tensor(0.0149)
    """

    def __init__(
        self,
        class_counts: Any,
        tau: float = 1.0,
        *,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(weight, reduction, validate_args)
        self.tau = tau
        self.ignore_index = ignore_index
        self.register_buffer("class_counts", _buffer(class_counts))

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.logit_adjusted_loss(
            logits,
            target,
            self.class_counts,
            tau=self.tau,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced softmax (Ren et al. 2020): :class:`LogitAdjustedLoss` with ``tau=1``.

    Examples
    --------
    >>> BalancedSoftmaxLoss([900, 100])(torch.tensor([[2.0, 0.0]]), torch.tensor([0]))
    tensor(0.0149)
    """

    def __init__(
        self,
        class_counts: Any,
        *,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(
            class_counts,
            1.0,
            weight=weight,
            ignore_index=ignore_index,
            reduction=reduction,
            validate_args=validate_args,
        )


class CostSensitiveLoss(_Loss):
    """Expected misclassification cost; see :func:`unskew.losses.functional.cost_sensitive_loss`.

    Give the full ``cost_matrix`` ``C[true, predicted]``, or for two classes ``fn_cost`` (a missed
    class-1 row) and ``fp_cost`` (a false alarm), i.e. ``[[0, fp_cost], [fn_cost, 0]]``.

    Examples
    --------
    >>> loss = CostSensitiveLoss(fn_cost=10.0, fp_cost=1.0)
    >>> loss.cost_matrix
    tensor([[ 0.,  1.],
            [10.,  0.]])
    >>> loss(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    tensor(5.)
    """

    def __init__(
        self,
        cost_matrix: Any = None,
        *,
        fn_cost: float | None = None,
        fp_cost: float = 1.0,
        ignore_index: int = -100,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(reduction, validate_args)
        if cost_matrix is None:
            if fn_cost is None:
                raise InputError(
                    "cost_sensitive needs a cost matrix C[true, predicted], or fn_cost (and "
                    "fp_cost) for two classes, e.g. CostSensitiveLoss(fn_cost=10)"
                )
            cost_matrix = [[0.0, float(fp_cost)], [float(fn_cost), 0.0]]
        elif fn_cost is not None:
            raise InputError("pass either cost_matrix or fn_cost/fp_cost, not both")
        self.ignore_index = ignore_index
        self.register_buffer("cost_matrix", _buffer(cost_matrix))
        if self.cost_matrix.ndim != 2 or self.cost_matrix.shape[0] != self.cost_matrix.shape[1]:
            raise InputError(
                f"cost_matrix must be square (C, C), got shape {tuple(self.cost_matrix.shape)}"
            )

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.cost_sensitive_loss(
            logits,
            target,
            self.cost_matrix,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class AsymmetricLoss(_Loss):
    """Asymmetric loss for multi-label targets (Ridnik et al. 2021); see
    :func:`unskew.losses.functional.asymmetric_loss`.

    Examples
    --------
    >>> AsymmetricLoss()(torch.tensor([[2.0, -1.0]]), torch.tensor([[1.0, 0.0]]))
    tensor(0.0637)
    """

    def __init__(
        self,
        gamma_pos: float = 0.0,
        gamma_neg: float = 4.0,
        clip: float = 0.05,
        *,
        reduction: str = "mean",
        compile: bool = False,
    ) -> None:
        super().__init__(reduction)
        self.gamma_pos = gamma_pos
        self.gamma_neg = gamma_neg
        self.clip = clip
        self.compile = bool(compile)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return L.asymmetric_loss(
            logits,
            targets,
            gamma_pos=self.gamma_pos,
            gamma_neg=self.gamma_neg,
            clip=self.clip,
            reduction=self.reduction,
            compile=self.compile,
        )


class TverskyLoss(_Loss):
    """Tversky / focal Tversky loss for segmentation; see
    :func:`unskew.losses.functional.tversky_loss`.

    Examples
    --------
    >>> loss = TverskyLoss(alpha=0.3, beta=0.7)
    >>> good = torch.tensor([5.0, -5.0]).view(1, 2, 1, 1).expand(1, 2, 4, 4)
    >>> float(loss(good, torch.zeros(1, 4, 4, dtype=torch.long))) < 0.01
    True
    """

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float = 0.7,
        gamma: float = 1.0,
        *,
        smooth: float = 1.0,
        include_background: bool = True,
        ignore_index: int | None = None,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(reduction, validate_args)
        self.alpha, self.beta, self.gamma = alpha, beta, gamma
        self.smooth = smooth
        self.include_background = include_background
        self.ignore_index = ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.tversky_loss(
            logits,
            target,
            alpha=self.alpha,
            beta=self.beta,
            gamma=self.gamma,
            smooth=self.smooth,
            include_background=self.include_background,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )


class DiceLoss(_Loss):
    """Soft Dice loss for segmentation; see :func:`unskew.losses.functional.dice_loss`.

    Examples
    --------
    >>> good = torch.tensor([5.0, -5.0]).view(1, 2, 1, 1).expand(1, 2, 4, 4)
    >>> float(DiceLoss()(good, torch.zeros(1, 4, 4, dtype=torch.long))) < 0.01
    True
    """

    def __init__(
        self,
        *,
        smooth: float = 1.0,
        include_background: bool = True,
        ignore_index: int | None = None,
        reduction: str = "mean",
        validate_args: bool = True,
    ) -> None:
        super().__init__(reduction, validate_args)
        self.smooth = smooth
        self.include_background = include_background
        self.ignore_index = ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return L.dice_loss(
            logits,
            target,
            smooth=self.smooth,
            include_background=self.include_background,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            validate_args=self.validate_args,
        )
