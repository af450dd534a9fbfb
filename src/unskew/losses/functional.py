"""Imbalance-aware losses as pure functions on logits.

Every softmax loss takes ``logits`` of shape (N, C) or (N, C, d1, d2, ...) and integer ``target`` of
shape (N,) or (N, d1, d2, ...), so the same function serves classification, segmentation and dense
detection. Every loss takes ``reduction`` in {"none", "mean", "sum"}; "mean" averages over the
elements that are not ``ignore_index`` (the per-class weights of :func:`cross_entropy` follow
PyTorch's weighted mean instead, see there). Targets are checked in Python before any kernel runs
(``validate_args=False`` skips the check on hot paths).

Each loss is a few whole-tensor torch operations, never a loop over blocks. Cross-entropy and its
relatives are composed around :func:`torch.nn.functional.cross_entropy` (class weights, the class
biases of logit adjustment as one broadcast add). Focal, LDAM, the expected cost and the sigmoid
losses run as fused whole-tensor kernels (:mod:`unskew.losses._kernels`): one ``log_softmax`` (or
sigmoid) and O(N) work on the target column, the gradient built in place, a third to a half of the
memory of their autograd composition.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from unskew.exceptions import InputError
from unskew.losses import _compiled as C
from unskew.losses import _kernels as K
from unskew.losses._checks import (
    check_class_target,
    check_reduction,
    class_view,
    multilabel_target,
    per_class,
    reduce,
)

__all__ = [
    "asymmetric_loss",
    "balanced_softmax_loss",
    "class_balanced_loss",
    "cost_sensitive_loss",
    "cross_entropy",
    "dice_loss",
    "effective_number_weights",
    "focal_loss",
    "ldam_loss",
    "ldam_margins",
    "logit_adjusted_loss",
    "sigmoid_focal_loss",
    "tversky_loss",
]

#: LDAM warns when its logits exceed this in absolute value: it expects a cosine head, in [-1, 1].
LDAM_LOGIT_LIMIT = 1.5


def _start(
    logits: torch.Tensor,
    target: torch.Tensor,
    ignore_index: int | None,
    reduction: str,
    validate_args: bool,
) -> int | None:
    """Check the reduction and the target; return the ``ignore_index`` the loss must honour (None
    when the check found no ignored target)."""
    check_reduction(reduction)
    return check_class_target(logits, target, ignore_index, validate_args)


#: The ``ignore_index`` given to ``F.cross_entropy`` when no target is ignored (none can equal it).
_NONE_IGNORED = -100


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Weighted softmax cross-entropy: ``-w_y log softmax(z)_y``.

    :func:`torch.nn.functional.cross_entropy` itself (so the ``"mean"`` of a weighted loss divides by
    the sum of the targets' weights, and a mean over only ignored elements is NaN, as in PyTorch),
    with the target checked first. Pass class weights from :func:`unskew.weights.class_weights`,
    e.g. ``"inverse"`` (King & Zeng 2001; scikit-learn's "balanced").

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); weight (C,).

    Examples
    --------
    >>> logits, target = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    >>> cross_entropy(logits, target, torch.tensor([1.0, 3.0]))
    tensor(0.2667)
    """
    _start(logits, target, ignore_index, reduction, validate_args)
    if weight is not None:
        weight = per_class(weight, logits.shape[1], "weight", logits)
    return F.cross_entropy(
        logits,
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def _class_index(target: torch.Tensor, n_classes: int, ignore: int | None) -> torch.Tensor:
    """The target as a class index everywhere (ignored positions get some class), for indexing
    per-class vectors where the ignored positions' values do not matter."""
    return target if ignore is None else target.clamp(0, n_classes - 1)


def _valid_count(target: torch.Tensor, ignore: int | None) -> torch.Tensor | int:
    """The number of elements that are not ignored (at least 1: a mean over none is 0)."""
    if ignore is None:
        return max(target.numel(), 1)
    return torch.count_nonzero(target != ignore).clamp_min(1)


def _reduce_elements(
    loss: torch.Tensor, target: torch.Tensor, ignore: int | None, reduction: str
) -> torch.Tensor:
    """``reduction`` of per-element losses that are 0 at ignored positions; ``"mean"`` divides by
    the number of valid elements (0 when every element is ignored)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / _valid_count(target, ignore)


def _weighted_ce_per_element(
    logits: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None,
    ignore: int | None,
    reduction: str,
) -> torch.Tensor:
    """``w_y CE(z, y)`` per element, its sum, or its mean over the valid elements (not over the
    weights): the convention of focal and class-balanced losses."""
    ignore_index = _NONE_IGNORED if ignore is None else ignore
    if reduction == "none":
        return F.cross_entropy(logits, target, weight, ignore_index=ignore_index, reduction="none")
    total = F.cross_entropy(logits, target, weight, ignore_index=ignore_index, reduction="sum")
    return total if reduction == "sum" else total / _valid_count(target, ignore)


def _focal(
    logits: torch.Tensor,
    target: torch.Tensor,
    gamma: float,
    alpha: torch.Tensor | None,
    ignore: int | None,
    reduction: str,
) -> torch.Tensor:
    """``-alpha_y (1 - p_y)^gamma log p_y``, the mean over valid elements: cross-entropy itself
    for ``gamma = 0``, else the fused kernel (:func:`unskew.losses._kernels.softmax_target`)."""
    if gamma == 0:
        return _weighted_ce_per_element(logits, target, alpha, ignore, reduction)
    spec = K.SoftmaxTarget(float(gamma), alpha, ignore, reduction)
    return K.softmax_target(logits, target, spec)


def _alpha_vector(alpha: Any, n_classes: int, like: torch.Tensor) -> torch.Tensor | None:
    if alpha is None:
        return None
    if isinstance(alpha, (int, float)):
        if n_classes != 2:
            raise InputError(
                f"a scalar alpha={alpha} is the binary convention of Lin et al. (weight alpha for "
                f"class 1, 1 - alpha for class 0), but the logits have {n_classes} classes; pass "
                "one alpha per class"
            )
        if not 0.0 <= alpha <= 1.0:
            raise InputError(f"a scalar alpha must be in [0, 1], got {alpha}")
        return torch.tensor([1.0 - alpha, alpha], dtype=like.dtype, device=like.device)
    return per_class(alpha, n_classes, "alpha", like)


def focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    gamma: float = 2.0,
    alpha: float | torch.Tensor | Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Softmax focal loss: ``FL = -alpha_y (1 - p_y)^gamma log p_y`` with ``p = softmax(z)``.

    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017, in its multi-class softmax form.
    ``gamma`` down-weights well-classified examples (``gamma=0`` is cross-entropy); ``alpha`` weights
    classes: one value per class, or, for two classes only, a scalar meaning ``[1 - alpha, alpha]``
    (the paper's convention, class 1 positive). ``"mean"`` averages over non-ignored elements.

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); alpha (C,) or scalar.

    Examples
    --------
    >>> logits, target = torch.tensor([[3.0, 0.0], [0.0, 0.5]]), torch.tensor([0, 1])
    >>> focal_loss(logits, target, gamma=2.0)
    tensor(0.0338)
    >>> bool(focal_loss(logits, target, gamma=0.0) == F.cross_entropy(logits, target))
    True
    """
    ignore = _start(logits, target, ignore_index, reduction, validate_args)
    if gamma < 0:
        raise InputError(f"gamma must be >= 0, got {gamma}")
    alpha_vec = _alpha_vector(alpha, logits.shape[1], logits)
    return _focal(logits, target, gamma, alpha_vec, ignore, reduction)


def sigmoid_focal_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    gamma: float = 2.0,
    alpha: float | torch.Tensor | None = 0.25,
    reduction: str = "mean",
    compile: bool = False,
) -> torch.Tensor:
    """Sigmoid focal loss for binary and multi-label targets (Lin et al., ICCV 2017).

    ``FL = -alpha_t (1 - p_t)^gamma log p_t`` element-wise, with ``p = sigmoid(z)``,
    ``p_t = p y + (1 - p)(1 - y)`` and ``alpha_t = alpha y + (1 - alpha)(1 - y)``. ``alpha`` is a scalar
    or one value per class (dim 1); ``None`` disables it. ``"mean"`` averages over all elements.
    ``compile=True`` runs the formula through :func:`torch.compile` (opt-in: seconds to compile
    the first time a shape or parameter is seen, and a C++ compiler on CPU; then faster, see
    docs/benchmarks.md); the default is an eager fused kernel.

    Shape
    -----
    logits and targets of the same shape, e.g. (N,), (N, C) or (N, C, d1, ...); targets in [0, 1].
    Integer class indices (N, d1, ...) are taken as one-vs-rest targets (their one-hot on dim 1).

    Examples
    --------
    >>> sigmoid_focal_loss(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0]))
    tensor(0.0087)
    """
    check_reduction(reduction)
    targets = multilabel_target(logits, targets)
    if gamma < 0:
        raise InputError(f"gamma must be >= 0, got {gamma}")
    if isinstance(alpha, (int, float)):
        alpha = float(alpha)
    elif alpha is not None:  # one value per class, broadcast on dim 1
        alpha = class_view(per_class(alpha, logits.shape[1], "alpha", logits), logits.ndim)
    if compile:
        return C.run("sigmoid_focal", logits, targets, alpha, float(gamma), reduction)
    if not isinstance(alpha, torch.Tensor):
        return K.sigmoid_focal(
            logits, targets, gamma=float(gamma), alpha=alpha, reduction=reduction
        )
    # per-class alpha: the scalar-alpha-free loss times alpha_t, composed (the targets go to the
    # kernel as they are: bool ones skip its 0/1 test)
    loss = K.sigmoid_focal(logits, targets, gamma=float(gamma), alpha=None, reduction="none")
    targets = targets.to(logits.dtype)
    return reduce(loss * (targets * (2 * alpha - 1) + (1 - alpha)), reduction)


def effective_number_weights(class_counts: torch.Tensor, beta: float) -> torch.Tensor:
    """Cui et al. (2019) weights ``(1 - beta) / (1 - beta^n_c)``, normalised to sum to C.

    Examples
    --------
    >>> effective_number_weights(torch.tensor([900.0, 100.0]), 0.99)
    tensor([0.7760, 1.2240])
    """
    if not 0.0 <= beta < 1.0:
        raise InputError(f"beta must be in [0, 1), got {beta}")
    counts = class_counts.to(torch.float64)
    raw = (1.0 - beta) / (1.0 - torch.pow(torch.tensor(beta, dtype=torch.float64), counts))
    return (raw * (len(raw) / raw.sum())).to(class_counts.dtype)


CB_BASES = ("cross_entropy", "focal", "sigmoid", "sigmoid_focal")


def class_balanced_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    class_counts: Any,
    *,
    beta: float = 0.999,
    base: str = "cross_entropy",
    gamma: float = 2.0,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Class-balanced loss: ``CB(z, y) = w_y L(z, y)`` with ``w_c ∝ (1 - beta) / (1 - beta^n_c)``.

    Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019. The weight of a
    class is the inverse of its effective number of samples ``(1 - beta^n) / (1 - beta)``, normalised
    so the weights sum to C; ``beta=0`` gives weight 1 everywhere, ``beta -> 1`` inverse frequency.
    ``base`` is the loss weighted: softmax ``"cross_entropy"``, softmax ``"focal"``, ``"sigmoid"`` (C
    one-vs-all binary cross-entropies summed per sample) or ``"sigmoid_focal"``. ``"mean"``
    averages over non-ignored samples (as in the paper), not over the weights.

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); class_counts (C,).

    Examples
    --------
    >>> logits, target = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    >>> class_balanced_loss(logits, target, [900, 100], beta=0.99)
    tensor(0.2410)
    """
    ignore = _start(logits, target, ignore_index, reduction, validate_args)
    if base not in CB_BASES:
        raise InputError(f"unknown base loss '{base}'; choose one of {', '.join(CB_BASES)}")
    counts = per_class(class_counts, logits.shape[1], "class_counts", logits, positive=True)
    weights = effective_number_weights(counts, beta)
    if base in ("cross_entropy", "focal"):
        focus = gamma if base == "focal" else 0.0
        return _focal(logits, target, focus, weights, ignore, reduction)
    index = _class_index(target, logits.shape[1], ignore)
    one_hot = torch.zeros_like(logits).scatter_(1, index.unsqueeze(1), 1.0)
    if base == "sigmoid":
        elem = F.binary_cross_entropy_with_logits(logits, one_hot, reduction="none")
    else:
        elem = sigmoid_focal_loss(logits, one_hot, gamma=gamma, alpha=None, reduction="none")
    loss = elem.sum(1) * weights[index]
    if ignore is not None:
        loss = loss * (target != ignore)
    return _reduce_elements(loss, target, ignore, reduction)


def ldam_margins(class_counts: torch.Tensor, max_margin: float) -> torch.Tensor:
    """LDAM margins ``m_c = K / n_c^(1/4)`` with K chosen so the largest margin is ``max_margin``.

    Examples
    --------
    >>> ldam_margins(torch.tensor([10000.0, 100.0]), 0.5)
    tensor([0.1581, 0.5000])
    """
    m = class_counts.to(torch.float64).pow(-0.25)
    return (m * (max_margin / m.max())).to(class_counts.dtype)


def ldam_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    class_counts: Any,
    *,
    max_margin: float = 0.5,
    scale: float = 10.0,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Label-distribution-aware margin loss: ``CE(s (z - m_y e_y), y)``, ``m_c ∝ n_c^(-1/4)``.

    Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss", NeurIPS
    2019. The true class's logit is lowered by a margin that is larger for rarer classes (the largest
    is ``max_margin``), then all logits are multiplied by ``scale``. ``weight`` takes per-class
    weights, which is how deferred re-weighting (:class:`~unskew.losses.DeferredReweighting`) acts;
    a weighted ``"mean"`` divides by the sum of the targets' weights, as PyTorch's cross-entropy.

    As published, LDAM expects the logits of a cosine classifier, in [-1, 1]
    (:class:`unskew.models.heads.CosineClassifier`): with an ordinary linear head, ``scale=30`` makes
    training diverge. A warning is raised when the logits exceed ``LDAM_LOGIT_LIMIT`` = 1.5 in
    absolute value.

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); class_counts and weight (C,).

    Examples
    --------
    >>> logits, target = torch.tensor([[0.9, -0.2], [0.1, 0.4]]), torch.tensor([0, 1])
    >>> ldam_loss(logits, target, [1000, 10], max_margin=0.5, scale=30.0)
    tensor(3.0012)
    """
    ignore = _start(logits, target, ignore_index, reduction, validate_args)
    counts = per_class(class_counts, logits.shape[1], "class_counts", logits, positive=True)
    if validate_args and logits.numel():
        low, high = torch.aminmax(logits.detach())  # one pass, no logits-sized temporary
        largest = max(-float(low), float(high))
        if largest > LDAM_LOGIT_LIMIT:
            warnings.warn(
                f"LDAM got logits up to {largest:.3g} in absolute value; it expects a cosine "
                f"classifier's logits in [-1, 1] (scale={scale:g} is applied inside). Use "
                "unskew.models.heads.CosineClassifier as the head, or training may diverge",
                RuntimeWarning,
                stacklevel=2,
            )
    if weight is not None:
        weight = per_class(weight, logits.shape[1], "weight", logits)
    margin = ldam_margins(counts, max_margin)
    spec = K.SoftmaxTarget(0.0, weight, ignore, reduction, float(scale), margin, weighted_mean=True)
    return K.softmax_target(logits, target, spec)


def logit_adjusted_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    class_counts: Any,
    *,
    tau: float = 1.0,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Logit-adjusted loss: ``CE(z + tau log pi, y)`` with class priors ``pi_c = n_c / n``.

    Menon et al., "Long-Tail Learning via Logit Adjustment", ICLR 2021. Training with the prior added
    to the logits makes the plain logits estimate the balanced posterior, so predicting with them
    (no adjustment at test time) favours rare classes. ``tau=0`` is cross-entropy.

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); class_counts (C,).

    Examples
    --------
    >>> logits, target = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    >>> logit_adjusted_loss(logits, target, [900, 100], tau=1.0)
    tensor(0.7380)
    """
    ignore = _start(logits, target, ignore_index, reduction, validate_args)
    counts = per_class(class_counts, logits.shape[1], "class_counts", logits, positive=True)
    if weight is not None:
        weight = per_class(weight, logits.shape[1], "weight", logits)
    if tau == 0:
        return F.cross_entropy(
            logits, target, weight, ignore_index=ignore_index, reduction=reduction
        )
    # the prior as a bias of the fused softmax kernel: no adjusted copy of the logits for autograd
    bias = (tau * torch.log(counts / counts.sum())).to(logits.dtype)
    spec = K.SoftmaxTarget(0.0, weight, ignore, reduction, weighted_mean=True, bias=bias)
    return K.softmax_target(logits, target, spec)


def balanced_softmax_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    class_counts: Any,
    *,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Balanced softmax: ``-log( n_y e^{z_y} / sum_j n_j e^{z_j} )``.

    Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020. Equal to
    :func:`logit_adjusted_loss` with ``tau=1``; with equal counts it is cross-entropy.

    Examples
    --------
    >>> logits, target = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    >>> balanced_softmax_loss(logits, target, [900, 100])
    tensor(0.7380)
    """
    return logit_adjusted_loss(
        logits,
        target,
        class_counts,
        tau=1.0,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        validate_args=validate_args,
    )


def cost_sensitive_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    cost_matrix: Any,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Expected misclassification cost under the softmax: ``L = sum_j softmax(z)_j C[y, j]``.

    ``C[i, j]`` is the cost of predicting class j when the truth is i (the diagonal is usually 0).
    Minimising the expected cost is the Bayes-risk view of cost-sensitive learning (Elkan, "The
    Foundations of Cost-Sensitive Learning", IJCAI 2001; as a network loss, Kukar & Kononenko 1998).

    Shape
    -----
    logits (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...); cost_matrix (C, C), finite, >= 0.

    Examples
    --------
    >>> cost = torch.tensor([[0.0, 1.0], [10.0, 0.0]])  # a missed positive costs 10
    >>> cost_sensitive_loss(torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1]), cost)
    tensor(1.4043)
    """
    ignore = _start(logits, target, ignore_index, reduction, validate_args)
    n_classes = logits.shape[1]
    cost = torch.as_tensor(cost_matrix, dtype=logits.dtype, device=logits.device)
    if cost.shape != (n_classes, n_classes):
        raise InputError(
            f"cost_matrix has shape {tuple(cost.shape)} but the logits have {n_classes} classes; "
            f"pass a ({n_classes}, {n_classes}) matrix, C[true, predicted]"
        )
    if validate_args:  # one reduction pass (a NaN makes both ends NaN, which fails lo >= 0)
        lo, hi = torch.aminmax(cost)
        if not (bool(lo >= 0) and bool(hi < math.inf)):
            raise InputError("cost_matrix must be finite and non-negative")
    return K.expected_cost(logits, target, cost, ignore, reduction)


def asymmetric_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    gamma_pos: float = 0.0,
    gamma_neg: float = 4.0,
    clip: float = 0.05,
    reduction: str = "mean",
    compile: bool = False,
) -> torch.Tensor:
    """Asymmetric loss for multi-label classification (Ridnik et al., ICCV 2021).

    With ``p = sigmoid(z)`` and the shifted probability ``p_m = max(p - clip, 0)``:
    ``L = -y (1 - p)^gamma_pos log p - (1 - y) p_m^gamma_neg log(1 - p_m)``. Easy negatives, which
    dominate when labels are rare, are down-weighted (``gamma_neg``) and the easiest discarded
    (``clip``). ``gamma_pos = gamma_neg = clip = 0`` is binary cross-entropy. ``compile=True``
    runs the formula through :func:`torch.compile` (opt-in, as for :func:`sigmoid_focal_loss`).

    Shape
    -----
    logits and targets of the same shape, e.g. (N, C); targets in {0, 1}. Integer class
    indices (N,) are taken as one-vs-rest targets (their one-hot on dim 1).

    Examples
    --------
    >>> asymmetric_loss(torch.tensor([[2.0, -1.0]]), torch.tensor([[1.0, 0.0]]))
    tensor(0.0637)
    """
    check_reduction(reduction)
    targets = multilabel_target(logits, targets)
    if not 0.0 <= clip < 1.0:
        raise InputError(f"clip must be in [0, 1), got {clip}")
    if min(gamma_pos, gamma_neg) < 0:
        raise InputError("gamma_pos and gamma_neg must be >= 0")
    if compile:
        params = (float(gamma_pos), float(gamma_neg), float(clip), reduction)
        return C.run("asymmetric", logits, targets, *params)
    return K.asymmetric(
        logits,
        targets.to(logits.dtype),
        gamma_pos=float(gamma_pos),
        gamma_neg=float(gamma_neg),
        clip=float(clip),
        reduction=reduction,
    )


def _region_stats(
    logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per class: soft true positives ``sum p_c [y=c]``, predicted mass ``sum p_c`` and true count
    ``sum [y=c]``, over the batch and all positions that are not ``ignore_index``."""
    valid = None if ignore_index is None else target != ignore_index
    if logits.shape[1] == 1:  # binary: sigmoid probability of the foreground
        safe = target if valid is None else torch.where(valid, target, 0)
        prob = torch.sigmoid(logits.squeeze(1))
        fg = safe.to(prob.dtype)
        if valid is not None:
            prob, fg = prob * valid, fg * valid
        return (prob * fg).sum().reshape(1), prob.sum().reshape(1), fg.sum().reshape(1)
    n_classes = logits.shape[1]
    index = _class_index(target, n_classes, None if valid is None else ignore_index)
    flat = index.reshape(-1)
    mask = None if valid is None else valid.to(logits.dtype)
    tp, mass = K.softmax_region_stats(logits, index.unsqueeze(1), mask)
    if mask is None:
        truth = torch.bincount(flat, minlength=n_classes).to(tp.dtype)
    else:
        truth = tp.new_zeros(n_classes).index_add_(0, flat, mask.reshape(-1))
    return tp, mass, truth


def tversky_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    alpha: float = 0.3,
    beta: float = 0.7,
    gamma: float = 1.0,
    smooth: float = 1.0,
    include_background: bool = True,
    ignore_index: int | None = None,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Tversky loss for segmentation: ``(1 - TI_c)^gamma`` with
    ``TI_c = (TP_c + s) / (TP_c + alpha FP_c + beta FN_c + s)`` per class.

    Salehi et al., "Tversky loss function for image segmentation using 3D fully convolutional deep
    networks", MLMI 2017; the exponent ``gamma`` is the focal Tversky loss of Abraham & Khan (ISBI
    2019). Soft counts are summed over the batch and all spatial positions: ``TP_c = sum p_c [y=c]``,
    ``FP_c = sum p_c [y!=c]``, ``FN_c = sum (1 - p_c) [y=c]``. ``beta > alpha`` penalises missed
    foreground more than false alarms, which suits small structures. With one channel (C = 1) the
    probability is ``sigmoid(z)`` of the foreground and ``target`` is 0/1.

    ``reduction``: ``"none"`` returns the per-class losses (C,), ``"mean"`` / ``"sum"`` reduce them
    (over foreground classes only when ``include_background=False``).

    Shape
    -----
    logits (N, C, d1, ...); target (N, d1, ...).

    Examples
    --------
    >>> logits = torch.tensor([[[3.0, -3.0, -3.0, -3.0]], [[2.0, 2.0, -2.0, -2.0]]]).permute(1, 0, 2)
    >>> target = torch.tensor([[1, 0, 0, 0]])
    >>> tversky_loss(logits, target)
    tensor(0.5262)
    """
    check_reduction(reduction)
    binary = logits.shape[1] == 1
    if binary:
        if tuple(target.shape) != (logits.shape[0], *logits.shape[2:]):
            raise InputError(
                f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}"
            )
        if validate_args and target.numel():
            checked = target if ignore_index is None else target[target != ignore_index]
            if checked.numel() and (int(checked.max()) > 1 or int(checked.min()) < 0):
                raise InputError(
                    f"with one logit channel the target must be 0/1, got labels up to {int(checked.max())}"
                )
    else:
        check_class_target(logits, target, ignore_index, validate_args)
    if min(alpha, beta) < 0 or smooth < 0 or gamma <= 0:
        raise InputError("tversky_loss needs alpha, beta, smooth >= 0 and gamma > 0")
    tp, mass, truth = _region_stats(logits, target, ignore_index)
    fp, fn = mass - tp, truth - tp
    index = (tp + smooth) / (tp + alpha * fp + beta * fn + smooth).clamp_min(
        torch.finfo(tp.dtype).tiny
    )
    per_class_loss = (1.0 - index).clamp_min(0.0)
    if gamma != 1.0:
        per_class_loss = per_class_loss.pow(gamma)
    if not include_background and not binary:
        per_class_loss = per_class_loss[1:]
    return reduce(per_class_loss, reduction)


def dice_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    smooth: float = 1.0,
    include_background: bool = True,
    ignore_index: int | None = None,
    reduction: str = "mean",
    validate_args: bool = True,
) -> torch.Tensor:
    """Soft Dice loss: ``1 - (2 TP_c + s) / (2 TP_c + FP_c + FN_c + s)`` per class.

    Milletari et al., "V-Net", 3DV 2016. It is :func:`tversky_loss` with ``alpha = beta = 0.5`` and
    smoothing ``smooth / 2`` (which is the Dice ratio above with ``smooth``). Being a ratio of
    overlaps, it does not grow with the number of background pixels.

    Examples
    --------
    >>> logits = torch.tensor([[[4.0, -4.0, -4.0, -4.0]]])
    >>> dice_loss(logits, torch.tensor([[1, 0, 0, 0]]), smooth=0.0)  # doctest: +ELLIPSIS
    tensor(0.0...)
    """
    return tversky_loss(
        logits,
        target,
        alpha=0.5,
        beta=0.5,
        smooth=smooth / 2.0,
        include_background=include_background,
        ignore_index=ignore_index,
        reduction=reduction,
        validate_args=validate_args,
    )
