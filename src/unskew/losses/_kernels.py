"""Fused forward/backward for the softmax-based losses (one ``torch.autograd.Function``).

Composing a loss from autograd primitives re-reads the (N, C) logits several times per step. Every
softmax loss here has the form ``loss_i = w_i f(log p_t)`` with ``p = softmax(a)`` over transformed
logits ``a = s z + b - s m_y e_y`` (scale s, class bias b, target margin m), so its gradient is
``da = f'(log p_t) w_i (e_y - p)`` and ``dz = s da``: one softmax and one scatter, as for
cross-entropy. The function is once-differentiable (double backward raises).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable


def _transform(
    z: torch.Tensor,
    safe: torch.Tensor,
    scale: float,
    bias: torch.Tensor | None,
    margin: torch.Tensor | None,
) -> torch.Tensor:
    if scale == 1.0 and bias is None and margin is None:
        return z
    a = z * scale if scale != 1.0 else z.clone()
    if bias is not None:
        a += bias.view(1, -1, *([1] * (z.ndim - 2)))
    if margin is not None:
        idx = safe.unsqueeze(1)
        a.scatter_add_(1, idx, (-scale * margin)[idx])
    return a


#: Rows of an in-place log-softmax are reduced in chunks of about this many elements, so the one
#: temporary that ``logsumexp`` needs stays small (and in cache) instead of matching the logits.
LSE_CHUNK = 1 << 18


def _log_softmax_(a: torch.Tensor) -> torch.Tensor:
    """``a = log_softmax(a, dim=1)`` in place (``a`` must be a fresh tensor we own, outside autograd)."""
    rows = a.shape[0]
    per = max(1, LSE_CHUNK // max(1, a[0].numel()))
    lse = torch.empty((rows, *a.shape[2:]), dtype=a.dtype, device=a.device)
    for start in range(0, rows, per):
        torch.logsumexp(a[start : start + per], dim=1, out=lse[start : start + per])
    return a.sub_(lse.unsqueeze(1))


def _safe_target(
    target: torch.Tensor, ignore_index: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The target with ignored positions set to class 0 (a copy only when something is ignored),
    and the mask of valid positions (None when all are valid)."""
    valid = target != ignore_index
    if bool(valid.all()):
        return target, None
    return torch.where(valid, target, 0), valid


def _focal_terms(logpt: torch.Tensor, gamma: float) -> tuple[torch.Tensor, torch.Tensor | None]:
    """f(l) = -(1 - e^l)^gamma l and f'(l) (None for gamma = 0, where f' = -1), finite for l <= 0."""
    if gamma == 0.0:
        return logpt.neg(), None
    one_minus = torch.expm1(logpt).neg_().clamp_min_(torch.finfo(logpt.dtype).tiny)
    factor = one_minus.pow(gamma)
    # d/dl [-(1-e^l)^g l] = g (1-e^l)^(g-1) e^l l - (1-e^l)^g
    deriv = torch.exp(logpt).mul_(logpt).mul_(factor).div_(one_minus).mul_(gamma).sub_(factor)
    del one_minus
    return factor.mul_(logpt).neg_(), deriv


class SoftmaxFamily(torch.autograd.Function):
    """loss_i = w_{y_i} f_gamma(log softmax(a)_{y_i}), reduced; see the module docstring."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        z: torch.Tensor,
        target: torch.Tensor,
        ignore_index: int,
        scale: float,
        bias: torch.Tensor | None,
        margin: torch.Tensor | None,
        weight: torch.Tensor | None,
        gamma: float,
        reduction: str,
        weighted_mean: bool,
    ) -> torch.Tensor:
        safe, valid = _safe_target(target, ignore_index)
        a = _transform(z, safe, scale, bias, margin)
        # a transformed (N, C) copy is ours to overwrite: normalising it in place saves a buffer.
        # Dense (N, C, d1, ...) logits keep torch's log_softmax, whose dim=1 kernel is much faster
        # there than a row-chunked logsumexp.
        logp = _log_softmax_(a) if a is not z and a.ndim == 2 else torch.log_softmax(a, dim=1)
        logpt = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
        loss, coef = _focal_terms(logpt, gamma)  # per-element value and d value / d logpt
        # per-element weight: the class weight of the target, 0 where ignored (None: all 1)
        w = weight[safe] if weight is not None else None
        if valid is not None:
            w = valid.to(z.dtype) if w is None else w.mul_(valid)
        if w is not None:
            loss.mul_(w)
            coef = w.neg() if coef is None else coef.mul_(w)
        if reduction == "none":
            out, norm = loss, None
        elif reduction == "sum":
            out, norm = loss.sum(), None
        else:
            if weighted_mean and w is not None:
                count = w.sum()
            elif valid is not None:
                count = valid.sum().to(z.dtype)
            else:
                count = torch.tensor(float(safe.numel()), dtype=z.dtype)
            norm = count.clamp_min(torch.finfo(z.dtype).tiny)
            out = loss.sum() / norm
        ctx.save_for_backward(logp, safe, coef, norm)
        ctx.scale = scale
        ctx.reduction = reduction
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        logp, safe, coef, norm = ctx.saved_tensors
        # k = d loss / d logpt per element, times the upstream gradient and the scale (dz = s da)
        g = grad_out / norm if ctx.reduction == "mean" else grad_out
        k = (coef * g if coef is not None else (-g).expand(safe.shape)) * ctx.scale
        grad = torch.exp(logp).mul_(-k.unsqueeze(1))
        grad.scatter_add_(1, safe.unsqueeze(1), k.unsqueeze(1))
        return grad, None, None, None, None, None, None, None, None, None


def softmax_family(
    z: torch.Tensor,
    target: torch.Tensor,
    *,
    ignore_index: int = -100,
    scale: float = 1.0,
    bias: torch.Tensor | None = None,
    margin: torch.Tensor | None = None,
    weight: torch.Tensor | None = None,
    gamma: float = 0.0,
    reduction: str = "mean",
    weighted_mean: bool = True,
) -> torch.Tensor:
    """Apply :class:`SoftmaxFamily` (arguments already validated by the caller)."""
    return SoftmaxFamily.apply(
        z,
        target,
        ignore_index,
        float(scale),
        bias,
        margin,
        weight,
        float(gamma),
        reduction,
        weighted_mean,
    )


def _cost_rows(cost: torch.Tensor, safe: torch.Tensor) -> torch.Tensor:
    """``cost[y]`` laid out like the logits: (N, C) or (N, C, d1, ...)."""
    rows = cost[safe]
    return rows if rows.ndim == 2 else rows.movedim(-1, 1)


#: Up to this many classes the expected cost is accumulated class by class (no (N, C) gather).
SMALL_C = 32


class ExpectedCost(torch.autograd.Function):
    """loss_i = sum_j softmax(z_i)_j C[y_i, j]; dz_ij = p_ij (C[y_i, j] - loss_i)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        z: torch.Tensor,
        target: torch.Tensor,
        cost: torch.Tensor,
        ignore_index: int,
        reduction: str,
    ) -> torch.Tensor:
        safe, valid = _safe_target(target, ignore_index)
        p = torch.softmax(z, dim=1)
        num_classes = z.shape[1]
        if num_classes <= SMALL_C:
            expected = torch.zeros_like(safe, dtype=z.dtype)
            for j in range(num_classes):
                expected.addcmul_(p.select(1, j), cost[:, j][safe])
        else:
            expected = _cost_rows(cost, safe).mul_(p).sum(1)
        w = valid.to(z.dtype) if valid is not None else None
        loss = expected * w if w is not None else expected
        norm = z.new_ones(())
        if reduction == "none":
            out = loss
        elif reduction == "sum":
            out = loss.sum()
        else:
            count = valid.sum() if valid is not None else safe.numel()
            norm = torch.as_tensor(count, dtype=z.dtype).clamp_min(1)
            out = loss.sum() / norm
        ctx.save_for_backward(p, safe, cost, expected, w, norm)
        ctx.reduction = reduction
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        p, safe, cost, expected, w, norm = ctx.saved_tensors
        g = grad_out / norm if ctx.reduction == "mean" else grad_out
        k = w * g if w is not None else g.expand(safe.shape)
        num_classes = p.shape[1]
        if num_classes <= SMALL_C:
            grad = torch.empty_like(p)
            for j in range(num_classes):
                torch.mul(p.select(1, j), (cost[:, j][safe] - expected) * k, out=grad.select(1, j))
            return grad, None, None, None, None
        k = k.unsqueeze(1)
        grad = _cost_rows(cost, safe).sub_(expected.unsqueeze(1)).mul_(k).mul_(p)
        return grad, None, None, None, None


def expected_cost(
    z: torch.Tensor,
    target: torch.Tensor,
    cost: torch.Tensor,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    """Apply :class:`ExpectedCost` (arguments already validated by the caller)."""
    return ExpectedCost.apply(z, target, cost, ignore_index, reduction)


def _times_affine_in_y(x: torch.Tensor, y: torch.Tensor, c0: float, c1: float) -> torch.Tensor:
    """In place: ``x * (c0 + c1 y)``, without allocating a temporary (large tensors cost page
    faults on every allocation)."""
    if c0 == 0.0:
        return x.mul_(y).mul_(c1)
    return x.addcmul_(x, y, value=c1 / c0).mul_(c0)


class SigmoidFocal(torch.autograd.Function):
    """Element-wise sigmoid focal loss with hard 0/1 targets, in few passes over memory.

    With ``u = z (1 - 2y)`` (the logit of the wrong side): ``1 - p_t = sigmoid(u)``,
    ``-log p_t = softplus(u)``, so ``loss = alpha_t sigmoid(u)^gamma softplus(u)`` and
    ``dloss/dz = (1 - 2y) alpha_t sigmoid(u)^gamma (gamma (1 - sigmoid(u)) softplus(u) + sigmoid(u))``.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx, z: torch.Tensor, y: torch.Tensor, gamma: float, alpha: float | None, reduction: str
    ) -> torch.Tensor:
        u = _times_affine_in_y(z.clone(), y, 1.0, -2.0)  # z (1 - 2y)
        m = torch.sigmoid(u)
        sp = torch.nn.functional.softplus(u)
        loss = torch.mul(m, m, out=u) if gamma == 2.0 else torch.pow(m, gamma, out=u)
        loss.mul_(sp)
        if alpha is not None:  # alpha_t = (1 - alpha) + (2 alpha - 1) y
            _times_affine_in_y(loss, y, 1.0 - alpha, 2.0 * alpha - 1.0)
        ctx.save_for_backward(y, m, sp)
        ctx.gamma, ctx.alpha, ctx.reduction, ctx.numel = gamma, alpha, reduction, z.numel()
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else loss.sum() / max(z.numel(), 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        y, m, sp = ctx.saved_tensors
        gamma, alpha = ctx.gamma, ctx.alpha
        grad = sp.mul(gamma)  # gamma (1 - m) sp + m
        grad.addcmul_(m, grad, value=-1.0).add_(m)
        if gamma == 2.0:
            grad.mul_(m).mul_(m)
        else:
            grad.mul_(m.pow(gamma))
        # (1 - 2y) alpha_t = (1 - alpha) - y  (alpha_t = alpha for y = 1, 1 - alpha for y = 0)
        if alpha is not None:
            _times_affine_in_y(grad, y, 1.0 - alpha, -1.0)
        else:
            _times_affine_in_y(grad, y, 1.0, -2.0)
        grad.mul_(grad_out / max(ctx.numel, 1) if ctx.reduction == "mean" else grad_out)
        return grad, None, None, None, None


def sigmoid_focal(
    z: torch.Tensor, y: torch.Tensor, *, gamma: float, alpha: float | None, reduction: str
) -> torch.Tensor:
    """Apply :class:`SigmoidFocal` (hard targets, scalar alpha; validated by the caller)."""
    return SigmoidFocal.apply(
        z, y, float(gamma), None if alpha is None else float(alpha), reduction
    )


class Asymmetric(torch.autograd.Function):
    """Asymmetric loss (Ridnik et al. 2021) with hard 0/1 targets.

    Negatives (all elements, then masked): ``L- = -p_m^g- log(1 - p_m)`` with
    ``p_m = max(p - clip, 0)`` and ``dL-/dz = p (1 - p) p_m^(g- - 1) (p_m / (1 - p_m) - g- log(1 - p_m))``
    where ``p_m > 0``. Positives, usually rare, are gathered and computed apart:
    ``L+ = -(1 - p)^g+ log p`` (see :func:`_positive`).
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        z: torch.Tensor,
        y: torch.Tensor,
        gamma_pos: float,
        gamma_neg: float,
        clip: float,
        reduction: str,
    ) -> torch.Tensor:
        flat_z = z.reshape(-1)
        # negatives, over every element
        pm = torch.sigmoid(z)
        if clip > 0:
            pm.sub_(clip).clamp_(min=0.0)
            log1m = torch.rsub(pm, 1.0).log_()  # log(1 - p_m) >= log(clip)
        else:  # log(1 - p) = log sigmoid(-z) = log sigmoid(z) - z, exact at extreme logits
            log1m = torch.nn.functional.logsigmoid(z).sub_(z)
        loss = _power(pm, gamma_neg).mul_(log1m).neg_()
        _times_affine_in_y(loss, y, 1.0, -1.0)  # keep negatives only
        total_pos = z.new_zeros(())
        flat_loss = loss.view(-1)
        for start, idx in _positive_blocks(y):  # positives were zeroed above: add their terms
            value_pos, _ = _positive(flat_z[start:][idx], gamma_pos)
            if reduction == "none":
                flat_loss[start:].index_copy_(0, idx, value_pos)
            else:
                total_pos += value_pos.sum()
        if reduction == "none":
            out = loss
        else:
            out = loss.sum() + total_pos
            if reduction == "mean":
                out = out / max(z.numel(), 1)
        ctx.save_for_backward(z, y, pm, log1m)
        ctx.args = (gamma_pos, gamma_neg, clip, reduction, z.numel())
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        z, y, pm, log1m = ctx.saved_tensors
        gamma_pos, gamma_neg, clip, reduction, numel = ctx.args
        # p_m / (1 - p_m) - g- log(1 - p_m), all in place on one new tensor
        grad = torch.neg(log1m).exp_().mul_(pm).add_(log1m, alpha=-gamma_neg)
        _times_power(grad, pm, gamma_neg - 1.0)
        # times p (1 - p), with p = p_m + clip where p_m > 0 (elsewhere the power above is 0)
        if clip > 0:
            _times_affine_in_y(grad, pm, clip, 1.0)
            _times_affine_in_y(grad, pm, 1.0 - clip, -1.0)
        else:
            _times_affine_in_y(grad, pm, 1.0, -1.0).mul_(pm)
        _times_affine_in_y(grad, y, 1.0, -1.0)
        flat_z, flat_grad = z.reshape(-1), grad.view(-1)
        for start, idx in _positive_blocks(y):  # positives were zeroed above
            _, deriv_pos = _positive(flat_z[start:][idx], gamma_pos)
            flat_grad[start:].index_copy_(0, idx, deriv_pos)
        if reduction == "none":
            grad.mul_(grad_out)
        else:
            grad.mul_(grad_out / max(numel, 1) if reduction == "mean" else grad_out)
        return grad, None, None, None, None, None


#: Positives of a multi-label target are located block by block, so their int64 indices stay small.
BLOCK = 1 << 20


def _positive_blocks(y: torch.Tensor):
    """Yield ``(start, indices)`` of the targets > 0.5, block by block over the flattened tensor;
    an index is relative to ``start``."""
    flat = y.reshape(-1)
    for start in range(0, flat.numel(), BLOCK):
        idx = torch.nonzero(flat[start : start + BLOCK] > 0.5).squeeze(1)
        if idx.numel():
            yield start, idx


def _times_power(out: torch.Tensor, x: torch.Tensor, exponent: float) -> torch.Tensor:
    """In place: ``out * x ** exponent``; whole exponents need no temporary. Where ``x`` is 0 and
    the exponent negative, ``x`` is raised to tiny instead (``out`` is 0 there in our use)."""
    if exponent == int(exponent) and exponent >= 0:
        for _ in range(int(exponent)):
            out.mul_(x)
        return out
    return out.mul_(x.clamp_min(torch.finfo(x.dtype).tiny).pow_(exponent))


def _power(x: torch.Tensor, exponent: float) -> torch.Tensor:
    if exponent == 0.0:
        return torch.ones_like(x)
    if exponent == 1.0:
        return x.clone()
    if exponent == 2.0:
        return x * x
    if exponent == 4.0:
        return (x * x).square_()
    return x.pow(exponent)


def _positive(z: torch.Tensor, gamma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """L+ = -(1 - p)^g log p = q^g softplus(-z) with q = sigmoid(-z);
    dL+/dz = -q^g (g (1 - q) softplus(-z) + q)."""
    q = torch.sigmoid(-z)
    sp = torch.nn.functional.softplus(-z)
    qg = _power(q, gamma)
    value = qg * sp
    deriv = -qg * (gamma * (1.0 - q) * sp + q)
    return value, deriv


def asymmetric(
    z: torch.Tensor,
    y: torch.Tensor,
    *,
    gamma_pos: float,
    gamma_neg: float,
    clip: float,
    reduction: str,
) -> torch.Tensor:
    """Apply :class:`Asymmetric` (hard targets; validated by the caller)."""
    return Asymmetric.apply(
        z, y.to(z.dtype), float(gamma_pos), float(gamma_neg), float(clip), reduction
    )
