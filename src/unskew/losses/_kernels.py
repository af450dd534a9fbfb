"""Fused losses on whole tensors (``torch.autograd.Function``\\ s), for the formulas whose autograd
composition costs several logits-sized temporaries.

Each forward pass computes the value and what the gradient needs with a handful of whole-tensor
operations (in place where it can), and backward builds the gradient in place: no per-block loops,
so the number of operations per step does not grow with the input, and the same code runs on any
device. The functions are once-differentiable (double backward raises); a second backward through a
retained graph recomputes what the first one consumed.

* :func:`softmax_target` -- ``loss_i = w_y f(l_i)``, ``l_i = log softmax(a_i)_y`` over
  ``a = s z - s m_y e_y + b`` (scale, target margin, class bias) and ``f(l) = -(1 - e^l)^gamma l``:
  the focal, LDAM, logit-adjusted and balanced-softmax losses. One ``log_softmax`` and O(N) work on the target column forward; backward turns the
  kept log-probabilities into ``dz = s w f'(l) (e_y - softmax(a))`` in place (one or two
  logits-sized tensors in all, where autograd keeps three to five, and no O(N) autograd graph).
* :func:`expected_cost` -- ``loss_i = sum_j softmax(z_i)_j C[y_i, j]``,
  ``dz_ij = p_ij (C[y_i, j] - loss_i)``, built in place from ``p`` and ``p * C[y]``.
* :func:`sigmoid_focal` and :func:`asymmetric` -- element-wise, value and derivative in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable


def _tiny(x: torch.Tensor) -> float:
    return torch.finfo(x.dtype).tiny


_LOG2E = 1.4426950408889634  # log2(e)


def _exp_(t: torch.Tensor) -> torch.Tensor:
    """``e^t`` in place. On the CPU as ``2^(t log2 e)``: torch's ``exp`` kernel there is about
    twice as slow as ``exp2`` and the product together (8.2M log-probabilities, one thread, each
    allocating its output: 5.2 ms against 2.7 ms), and the product's rounding costs ``|t|`` ulps of
    relative error, nothing at the log-probabilities' scale."""
    return t.mul_(_LOG2E).exp2_() if t.device.type == "cpu" else t.exp_()


def _reduce(value: torch.Tensor, reduction: str, norm: torch.Tensor | None) -> torch.Tensor:
    if reduction == "none":
        return value
    total = value.sum()
    return total if reduction == "sum" else total / norm


def compute_dtype(z: torch.Tensor) -> torch.dtype:
    """The dtype the element-wise losses compute in: float32 for half-precision logits."""
    return torch.float32 if z.dtype in (torch.float16, torch.bfloat16) else z.dtype


def _upstream(grad_out: torch.Tensor, reduction: str, norm: torch.Tensor | None) -> torch.Tensor:
    """The upstream gradient per element (reduction "none") or as a scalar, over the mean's norm."""
    return grad_out / norm if reduction == "mean" else grad_out


@dataclass(frozen=True, eq=False)
class SoftmaxTarget:
    """Parameters of :func:`softmax_target` (validated by the caller)."""

    gamma: float = 0.0
    weight: torch.Tensor | None = None
    ignore_index: int | None = None  # None: no target is ignored
    reduction: str = "mean"
    scale: float = 1.0
    margin: torch.Tensor | None = None
    weighted_mean: bool = False  # "mean" over the weights (PyTorch's), else over the elements
    bias: torch.Tensor | None = None  # (C,), added to every row's logits (logit adjustment)

    def terms(self, z: torch.Tensor, target: torch.Tensor):
        """``(logp, index, value, coef, norm)``: the log-probabilities of the transformed logits,
        the target column (ignored positions point at class 0), the per-element loss ``w f(l)``,
        ``w f'(l)`` (both 0 where ignored) and the normaliser of a mean (None otherwise)."""
        valid = None if self.ignore_index is None else target != self.ignore_index
        index = (target if valid is None else torch.where(valid, target, 0)).unsqueeze(1)
        a = self._transformed(z, index)
        # over a transformed copy in place (the copy is ours): one logits-sized allocation, not two;
        # on the CPU only, where it is measured and tested (no GPU was at hand to check the kernels)
        in_place = a is not z and a.device.type == "cpu"
        logp = torch.log_softmax(a, 1, out=a) if in_place else torch.log_softmax(a, 1)
        logpt = logp.gather(1, index).squeeze(1)
        w = None if valid is None else valid.to(logp.dtype)
        if self.weight is not None:
            weight = self.weight.index_select(0, index.reshape(-1)).view(logpt.shape)
            w = weight if w is None else w.mul_(weight)
        if self.gamma == 0.0:  # f(l) = -l, f'(l) = -1
            coef = torch.full_like(logpt, -1.0) if w is None else w.neg()
            value = logpt.mul_(coef)
        else:  # f(l) = -q^gamma l with q = 1 - e^l; f'(l) = q^gamma (gamma e^l l / q - 1)
            p = torch.exp(logpt)
            q = torch.rsub(p, 1.0).clamp_min_(_tiny(p))
            factor = q.pow(self.gamma) if w is None else q.pow(self.gamma).mul_(w)
            coef = torch.addcdiv(p.new_full((), -1.0), p.mul_(logpt), q, value=self.gamma)
            coef.mul_(factor)
            value = factor.mul_(logpt).neg_()
        norm = None
        if self.reduction == "mean":  # every element ignored (or of weight 0): loss 0
            if self.weighted_mean and w is not None:
                norm = w.sum()
            else:
                norm = target.numel() if valid is None else torch.count_nonzero(valid)
                norm = torch.as_tensor(norm, dtype=logp.dtype, device=logp.device)
            norm = norm.clamp_min(_tiny(logp))
        return logp, index, value, coef, norm

    def _transformed(self, z: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """``s z - s m_y e_y + b``: the scale over the logits, the margin on the target column
        only, the class bias on every row (one logits-sized tensor, none when all are absent)."""
        if self.scale == 1.0 and self.margin is None and self.bias is None:
            return z
        bias = None if self.bias is None else self.bias.view(1, -1, *([1] * (z.ndim - 2)))
        if self.scale == 1.0 and bias is not None:
            a = z + bias
        else:
            a = z * self.scale
            if bias is not None:
                a.add_(bias)
        if self.margin is not None:
            shift = (-self.scale * self.margin).index_select(0, index.reshape(-1))
            a.scatter_add_(1, index, shift.view(index.shape))
        return a


class _SoftmaxTargetFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: torch.Tensor, target: torch.Tensor, spec: SoftmaxTarget):  # type: ignore[override]
        logp, index, value, coef, norm = spec.terms(z, target)
        ctx.save_for_backward(z, target)
        ctx.spec, ctx.kept = spec, (logp, index, coef, norm)
        return _reduce(value, spec.reduction, norm)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        spec, kept, ctx.kept = ctx.spec, ctx.kept, None
        if kept is None:  # a second backward through a retained graph
            logp, index, _, coef, norm = spec.terms(*ctx.saved_tensors)
        else:
            logp, index, coef, norm = kept
        # dz = s (d loss / d l)(e_y - p) = k p - k e_y with k = -s w f'(l) g
        k = coef.mul_(grad_out * -spec.scale)
        if norm is not None:  # after the product: an all-zero coef over a tiny norm stays 0
            k.div_(norm)
        k = k.unsqueeze(1)
        grad = _exp_(logp).mul_(k).scatter_add_(1, index, k.neg())
        return grad, None, None


def softmax_target(z: torch.Tensor, target: torch.Tensor, spec: SoftmaxTarget) -> torch.Tensor:
    """``loss_i = w_{y_i} f(log softmax(a_i)_{y_i})`` over ``a = s z - s m_y e_y`` with
    ``f(l) = -(1 - e^l)^gamma l``, reduced as ``spec.reduction`` says."""
    return _SoftmaxTargetFn.apply(z, target, spec)


class _SoftmaxRegionFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: torch.Tensor, index: torch.Tensor, valid: torch.Tensor | None):  # type: ignore[override]
        p = torch.softmax(z, 1)
        tp, mass = _region_terms(p, index, valid)
        ctx.save_for_backward(z, index, valid)
        ctx.kept = p
        return tp, mass

    @staticmethod
    @once_differentiable
    def backward(ctx, g_tp: torch.Tensor, g_mass: torch.Tensor):  # type: ignore[override]
        z, index, valid = ctx.saved_tensors
        p, ctx.kept = ctx.kept, None
        if p is None:  # a second backward through a retained graph
            p = torch.softmax(z, 1)
        n, c = p.shape[:2]
        # dL/dp = (g_tp[y] e_y + g_mass) v; dz = p (dL/dp - r) with r = sum_c p_c dL/dp_c.
        # p_y is gathered again rather than kept from the forward: 1/C of the logits' memory
        # held between the passes (measured 2.61x against 2.53x the logits with C = 5)
        p_true = p.gather(1, index)
        g_true = g_tp.index_select(0, index.reshape(-1)).view(p_true.shape).mul_(p_true)
        r = torch.bmm(g_mass.view(1, 1, c).expand(n, 1, c), p.reshape(n, c, -1))
        r = r.view(p_true.shape).add_(g_true)
        g_class = g_mass.view(1, c, *([1] * (p.ndim - 2)))
        if valid is None:
            shift = torch.sub(g_class, r)
        else:
            v = valid.unsqueeze(1)
            shift = torch.mul(g_class, v).sub_(r.mul_(v))
            g_true.mul_(v)
        return p.mul_(shift).scatter_add_(1, index, g_true), None, None


def _region_terms(
    p: torch.Tensor, index: torch.Tensor, valid: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``tp_c = sum p_c [y=c] v`` and ``mass_c = sum p_c v`` (``v`` the valid mask, or 1)."""
    n, c = p.shape[:2]
    p_true = p.gather(1, index)
    if valid is None:
        mass = p.sum([0, *range(2, p.ndim)])
    else:
        p_true = p_true.mul_(valid.unsqueeze(1))
        mass = torch.bmm(p.reshape(n, c, -1), valid.reshape(n, -1, 1)).sum(0).view(c)
    tp = p.new_zeros(c).index_add_(0, index.reshape(-1), p_true.reshape(-1))
    return tp, mass


def softmax_region_stats(
    z: torch.Tensor, index: torch.Tensor, valid: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per class, with ``p = softmax(z, 1)``: the soft true positives ``tp_c = sum p_c [y=c]`` and
    the predicted mass ``mass_c = sum p_c``, over the batch and all positions where ``valid``
    (a 0/1 mask like the targets, or None for all). ``index``: the class index laid out as
    (N, 1, d1, ...), ignored positions pointing at any class. The gradient is built in place on
    the softmax (``dz = p (dL/dp - sum_c p_c dL/dp_c)``), so one logits-sized tensor is kept
    where the autograd composition keeps three."""
    return _SoftmaxRegionFn.apply(z, index, valid)


def _cost_rows(cost: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``C[y]`` laid out like the logits: (N, C), or a (N, C, d1, ...) view for dense targets."""
    if index.ndim == 1:
        return cost.index_select(0, index)
    rows = cost.T.index_select(1, index.reshape(-1))  # (C, N * d1 * ...)
    return rows.view(cost.shape[1], *index.shape).transpose(0, 1)


class _ExpectedCostFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, target, cost, ignore_index: int | None, reduction: str):  # type: ignore[override]
        ctx.save_for_backward(z, target, cost)
        ctx.ignore_index, ctx.reduction = ignore_index, reduction
        value, ctx.kept, ctx.norm = _expected_cost_terms(z, target, cost, ignore_index, reduction)
        return _reduce(value, reduction, ctx.norm)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        kept, ctx.kept = ctx.kept, None
        if kept is None:  # a second backward through a retained graph
            z, target, cost = ctx.saved_tensors
            kept = _expected_cost_terms(z, target, cost, ctx.ignore_index, ctx.reduction)[1]
        p, weighted, value = kept
        k = _upstream(grad_out, ctx.reduction, ctx.norm)
        # dz_ij = k p_ij (C[y_i, j] - loss_i) = k weighted_ij - k loss_i p_ij
        grad = p.mul_(value.mul_(k).neg_().unsqueeze(1))
        return grad.addcmul_(weighted, k.unsqueeze(1) if k.ndim else k), None, None, None, None


def _expected_cost_terms(z, target, cost, ignore_index: int | None, reduction: str):
    """The per-element expected cost, what backward needs (``p``, ``p * C[y]``, the loss) and the
    normaliser of a mean (the number of valid elements; ``ignore_index`` None: nothing ignored)."""
    n_classes = z.shape[1]
    count: torch.Tensor | int = target.numel()
    if ignore_index is None:
        weighted = _cost_rows(cost, target)
    else:  # ignored positions take an all-zero cost row: their loss and gradient are 0
        ignored = target == ignore_index
        padded = torch.cat([cost, cost.new_zeros(1, n_classes)])
        weighted = _cost_rows(padded, torch.where(ignored, n_classes, target))
        count = count - torch.count_nonzero(ignored)
    p = torch.softmax(z, 1)
    value = weighted.mul_(p).sum(1)
    norm = None
    if reduction == "mean":
        norm = torch.as_tensor(count, dtype=value.dtype, device=value.device).clamp_min(1)
    return value, (p, weighted, value.clone() if reduction == "none" else value), norm


def expected_cost(
    z: torch.Tensor,
    target: torch.Tensor,
    cost: torch.Tensor,
    ignore_index: int | None,
    reduction: str,
) -> torch.Tensor:
    """``sum_j softmax(z)_j C[y, j]`` per element, reduced ("mean": over the valid elements)."""
    return _ExpectedCostFn.apply(z, target, cost, ignore_index, reduction)


# --------------------------------------------------------------------------------------------
# Element-wise sigmoid losses: value and derivative in closed form, whole tensor.

Terms = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


class _ElementwiseFn(torch.autograd.Function):
    """``terms(z, y) -> (value, dvalue/dz)`` per element (both negated when ``negated``, which
    saves a pass where a formula yields ``-loss`` first); backward scales the kept derivative."""

    @staticmethod
    def forward(ctx, z, y, terms: Terms, reduction: str, negated: bool = False):  # type: ignore[override]
        compute = compute_dtype(z)
        value, deriv = terms(z.to(compute), y.to(compute))
        norm = torch.tensor(float(max(z.numel(), 1)), dtype=compute, device=z.device)
        ctx.save_for_backward(z, y)
        ctx.terms, ctx.reduction, ctx.norm, ctx.deriv = terms, reduction, norm, deriv
        ctx.negated = negated
        if negated and reduction == "none":
            value.neg_()
        value = _reduce(value, reduction, norm)
        return (value.neg() if negated and reduction != "none" else value).to(z.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        deriv, ctx.deriv = ctx.deriv, None
        z, y = ctx.saved_tensors
        if deriv is None:  # a second backward through a retained graph
            deriv = ctx.terms(z.to(ctx.norm.dtype), y.to(ctx.norm.dtype))[1]
        upstream = _upstream(grad_out, ctx.reduction, ctx.norm)
        if not ctx.negated:
            grad = deriv.mul_(upstream)
        elif upstream.ndim == 0:
            grad = deriv.mul_(upstream.neg())
        else:
            grad = deriv.mul_(upstream).neg_()
        return grad.to(z.dtype), None, None, None, None


def sigmoid_focal(
    z: torch.Tensor, y: torch.Tensor, *, gamma: float, alpha: float | None, reduction: str
) -> torch.Tensor:
    """Sigmoid focal loss with a scalar (or no) alpha, any targets in [0, 1].

    With ``p = sigmoid(z)``, ``q = 1 - p_t = p + y - 2 p y``, ``ce = softplus(z) - y z`` and
    ``alpha_t = alpha y + (1 - alpha)(1 - y)``: ``loss = alpha_t q^gamma ce`` and
    ``dloss/dz = alpha_t q^(gamma - 1) (q (p - y) + gamma ce p (1 - p)(1 - 2 y))``.
    """

    known_hard = y.dtype == torch.bool  # 0/1 by type (class labels come one-hot as bool)

    def terms(z: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if known_hard or _hard(y):
            return _hard_focal(z, y, gamma, alpha)
        value = F.softplus(z).addcmul_(y, z, value=-1.0)  # ce
        p = torch.sigmoid(z)
        deriv = torch.sub(p, y)  # d ce / dz
        if gamma != 0.0:
            q = torch.addcmul(p, p, y, value=-2.0).add_(y).clamp_min_(_tiny(p))
            dq = p.addcmul_(p, p, value=-1.0).addcmul_(p, y, value=-2.0)  # p (1 - p)(1 - 2 y)
            deriv.mul_(q).addcmul_(dq, value, value=gamma)
            del p, dq
            value.mul_(q)
            if gamma != 1.0:  # times q^(gamma - 1)
                power = q if gamma == 2.0 else q.pow_(gamma - 1.0)
                deriv.mul_(power)
                value.mul_(power)
        if alpha is not None:  # times alpha_t = (1 - alpha) + (2 alpha - 1) y, in place
            for t in (value, deriv):
                if alpha == 1.0:
                    t.mul_(y)
                else:
                    t.addcmul_(t, y, value=(2.0 * alpha - 1.0) / (1.0 - alpha)).mul_(1.0 - alpha)
        return value, deriv

    return _ElementwiseFn.apply(z, y, terms, reduction)


def _hard(y: torch.Tensor) -> bool:
    """Whether every target is exactly 0 or 1 (anything else takes the general formula):
    ``y - y^2`` is 0 there and nowhere else (NaN for NaN and infinities), one pass and a test."""
    return not bool(torch.addcmul(y, y, y, value=-1.0).any())


def _times_alpha_t(t: torch.Tensor, y: torch.Tensor, c0: float, c1: float) -> torch.Tensor:
    """``t * (c0 + c1 y)`` in place."""
    if c0 == 0.0:
        return t.mul_(y).mul_(c1)
    return t.addcmul_(t, y, value=c1 / c0).mul_(c0)


def _hard_focal(
    z: torch.Tensor, y: torch.Tensor, gamma: float, alpha: float | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sigmoid focal loss for 0/1 targets on ``u = (2 y - 1) z``, three logits-sized buffers.

    ``q = 1 - p_t = sigmoid(-u)``, ``ce = softplus(-u)``: ``loss = alpha_t q^gamma ce`` and
    ``dloss/dz = (1 - 2 y) alpha_t q^gamma (gamma (1 - q) ce + q)`` (``dq/du = -q (1 - q)``,
    ``dce/du = -q``); ``(1 - 2 y) alpha_t = (1 - alpha) - y`` for a scalar alpha.
    """
    q = torch.addcmul(z, z, y, value=-2.0)  # -u = (1 - 2 y) z
    value = F.softplus(q)  # ce
    q.sigmoid_()
    if gamma == 0.0:
        deriv = q
    else:
        deriv = torch.rsub(q, 1.0).mul_(value).mul_(gamma).add_(q)  # gamma (1 - q) ce + q
        q = q.square_() if gamma == 2.0 else q.pow_(gamma)
        value.mul_(q)
        deriv.mul_(q)
    del q
    if alpha is None:
        return value, _times_alpha_t(deriv, y, 1.0, -2.0)
    _times_alpha_t(value, y, 1.0 - alpha, 2.0 * alpha - 1.0)
    return value, _times_alpha_t(deriv, y, 1.0 - alpha, -1.0)


def asymmetric(
    z: torch.Tensor,
    y: torch.Tensor,
    *,
    gamma_pos: float,
    gamma_neg: float,
    clip: float,
    reduction: str,
) -> torch.Tensor:
    """Asymmetric loss (Ridnik et al. 2021), linear in ``y`` (so soft targets work).

    ``L = L- + y (L+ - L-)`` (one ``lerp``) with the negatives' term ``L- = -p_m^g- log(1 - p_m)``,
    ``p_m = max(p - clip, 0)``, and the positives' ``L+ = -(1 - p)^g+ log p``; the derivative
    likewise from ``dL-/dz`` (:func:`_asymmetric_negatives`) and
    ``dL+/dz = -(1 - p)^g+ (g+ p softplus(-z) + 1 - p)``. Built negated (``-L``, ``-dL/dz``).
    Where few targets are nonzero (multi-label targets on a CPU, :func:`_nonzero_if_sparse`),
    ``L+`` is computed and lerped in at those entries only: ``y = 0`` leaves ``L-`` as it is.
    """

    def terms(z: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        where = _nonzero_if_sparse(y) if z.is_contiguous() else None  # before the 3 buffers
        value, deriv, spare = _asymmetric_negatives(z, gamma_neg, clip)
        if where is not None:  # lerp only where y != 0: O(nnz) work for the positives
            del spare
            z_at, y_at = z.reshape(-1)[where], y.reshape(-1)[where]
            minus_lp, minus_dlp = _asymmetric_positives(z_at, gamma_pos)
            for t, pos in ((value, minus_lp), (deriv, minus_dlp)):
                flat = t.view(-1)
                flat.index_copy_(0, where, flat[where].lerp_(pos, y_at))
            return value, deriv
        if gamma_pos == 0.0:  # -L+ = log p, -dL+/dz = 1 - p = sigmoid(-z), through the spare
            deriv.lerp_(torch.neg(z, out=spare).sigmoid_(), y)
            return value.lerp_(_log_sigmoid(z, out=spare), y), deriv
        minus_lp, minus_dlp = _asymmetric_positives(z, gamma_pos, out=spare)
        deriv.lerp_(minus_dlp, y)
        del minus_dlp
        return value.lerp_(minus_lp, y), deriv

    return _ElementwiseFn.apply(z, y, terms, reduction, True)


def _asymmetric_negatives(
    z: torch.Tensor, gamma: float, clip: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``-L-`` and ``-dL-/dz`` (the asymmetric loss of a negative target) on every element, and a
    third logits-sized buffer free for reuse (three in all).

    With ``p_m = max(p - clip, 0)`` and ``L0 = -log(1 - p_m)``: ``L- = p_m^g L0`` and
    ``dL-/dz = p (1 - p) p_m^(g - 1) (p_m / (1 - p_m) + g L0)`` (``p_m^g`` or the bracket is 0
    where ``p_m = 0``; ``p = p_m + clip`` wherever ``p_m > 0``).
    """
    if clip == 0.0:  # p_m = p, L0 = softplus(z) (exact where 1 - p rounds to 0), and
        # dL-/dz = p^g (p + g (1 - p) L0)
        p = torch.sigmoid(z)
        value = F.softplus(z)
        deriv = torch.rsub(p, 1.0).mul_(value).mul_(-gamma).sub_(p)
        value.neg_()
        if gamma != 0.0:
            p.pow_(gamma)
            value.mul_(p)
            deriv.mul_(p)
        return value, deriv, p
    pm = torch.sigmoid(z).sub_(clip).clamp_min_(0.0)
    deriv = torch.rsub(pm, 1.0)  # 1 - p_m >= clip
    value = torch.neg(pm).log1p_()  # -L0 (log1p: cheaper than log on CPU, and as exact)
    if gamma == 0.0:  # the bracket p_m / (1 - p_m), negated with p below
        torch.div(pm, deriv, out=deriv)
    else:  # minus the bracket over g, -L0 - p_m / (g (1 - p_m)), times g again with p below
        torch.addcdiv(value, pm, deriv, value=-1.0 / gamma, out=deriv)
    # times p (1 - p) = (p_m + clip)(1 - clip - p_m) = k (1 + p_m / clip)(1 - p_m / (1 - clip)),
    # with the constant k = clip (1 - clip) g (or -1) folded into the next product
    deriv.addcmul_(deriv, pm, value=1.0 / clip).addcmul_(deriv, pm, value=-1.0 / (1.0 - clip))
    k = clip * (1.0 - clip) * (gamma if gamma else -1.0)
    if gamma != 0.0:
        value.mul_(pm)
    if gamma == 1.0:
        return value, deriv.mul_(k), pm
    # times p_m^(g - 1), tiny rather than 0 to a negative power (times a 0 bracket); k * deriv *
    # power as one addcmul onto a 0-dim zero
    power = pm.clamp_min_(_tiny(pm)) if gamma < 1.0 else pm
    power = power.square_() if gamma == 3.0 else power.pow_(gamma - 1.0)
    torch.addcmul(deriv.new_zeros(()), deriv, power, value=k, out=deriv)
    if gamma != 0.0:
        value.mul_(power)
    return value, deriv, pm


def _asymmetric_positives(
    z: torch.Tensor, gamma: float, *, out: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``-L+ = (1 - p)^g+ log p`` (into ``out`` when given) and
    ``-dL+/dz = (1 - p)^g+ (1 - p - g+ p log p)``."""
    one_minus = torch.sigmoid(-z)
    log_p = _log_sigmoid(z, out=torch.empty_like(z) if out is None else out)
    if gamma == 0.0:
        return log_p, one_minus
    deriv = torch.rsub(one_minus, 1.0).mul_(log_p).mul_(-gamma).add_(one_minus)
    weight = one_minus.pow_(gamma)
    return log_p.mul_(weight), deriv.mul_(weight)


#: The sparse path of :func:`asymmetric`: from this many targets, where at most 1 in
#: ``_SPARSE_DENSITY`` is nonzero. Below either, one dense ``lerp`` costs less than ``nonzero``.
_SPARSE_MIN, _SPARSE_DENSITY, _SAMPLE = 1 << 18, 128, 4096


def _nonzero_if_sparse(y: torch.Tensor) -> torch.Tensor | None:
    """The flat indices of ``y``'s nonzero entries when they are few (a CPU tensor of at least
    ``_SPARSE_MIN`` elements, at most one in ``_SPARSE_DENSITY`` nonzero), else None.

    A strided sample of about ``_SAMPLE`` entries decides before any pass over ``y`` (its step
    coprime with the last dimension, so a one-hot layout's every column is sampled); a wrong guess
    costs time, never the result. The nonzero count of multi-label targets is usually a few per
    row (most entries 0), and ``lerp`` on every element then spends a ``softplus`` and a
    ``sigmoid`` on each to change a few; on a GPU ``nonzero`` would synchronise, so the dense path
    stays there.
    """
    n = y.numel()
    if n < _SPARSE_MIN or y.device.type != "cpu" or not y.is_contiguous():
        return None
    step = max(n // _SAMPLE, 1) | 1
    while math.gcd(step, y.shape[-1]) != 1:
        step += 2
    sample = y.view(-1)[::step]
    if int(torch.count_nonzero(sample)) * _SPARSE_DENSITY > sample.numel():
        return None
    return y.view(-1).nonzero().squeeze(1)


def _log_sigmoid(z: torch.Tensor, *, out: torch.Tensor) -> torch.Tensor:
    """``log p = -softplus(-z)`` into ``out``: softplus with ``beta = -1`` (one pass, and
    ``F.logsigmoid`` would allocate a second logits-sized buffer); ``z`` itself below -20."""
    return torch.ops.aten.softplus.out(z, -1.0, 20.0, out=out)
