"""Fused, chunked forward/backward for the imbalance-aware losses (``torch.autograd.Function``\\ s).

Composing a loss from autograd primitives re-reads the logits several times per step, and every
logits-sized temporary is a fresh allocation that page-faults on first touch. Every softmax loss here
has the form ``loss_i = w_i f(log p_t)`` with ``p = softmax(a)`` over transformed logits
``a = s z + b - s m_y e_y`` (scale s, class bias b, target margin m), so its gradient is
``da = f'(log p_t) w_i (e_y - p)`` and ``dz = s da``: one softmax and one scatter, as for
cross-entropy. The forward pass runs block by block over the rows (or, for dense
(N, C, d1, ...) logits, over each sample's positions), computes the value and the gradient together
in block-sized buffers that stay in cache, and writes the gradient straight into the one
logits-sized tensor it allocates; backward scales that tensor in place by the upstream gradient
(and 1 / normaliser). The functions are once-differentiable (double backward raises); a second
backward through a retained graph recomputes the gradient.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

#: Elements per block of the softmax losses (2 MiB of float32 per block buffer).
SOFTMAX_CHUNK = 1 << 19


def _block_length(z: torch.Tensor) -> int:
    """Classes x rows (or positions) per block: SOFTMAX_CHUNK, or a quarter of a small input, so
    block buffers stay within half the logits' size."""
    return min(SOFTMAX_CHUNK, max(1 << 14, z.numel() // 4))


def _block_buffer(z: torch.Tensor) -> torch.Tensor:
    """A flat buffer that holds any block of ``z`` (view its first ``block.numel()`` elements)."""
    size = min(z.numel(), max(_block_length(z), z.shape[1]))
    return torch.empty(size, dtype=z.dtype, device=z.device)


def _like(buffer: torch.Tensor, block: torch.Tensor) -> torch.Tensor:
    return buffer[: block.numel()].view(block.shape)


def _blocks(z: torch.Tensor, target: torch.Tensor, grad: torch.Tensor | None, elements):
    """Yield ``(z_block, target_block, grad_block, elements_block, class_dim)``.

    2-D (N, C) logits give row blocks (r, C) with the class on dim 1; dense (N, C, d1, ...) logits
    give blocks (C, s) of one sample's flattened positions, with the class on dim 0.
    """
    num_classes = z.shape[1]
    chunk = _block_length(z)
    if z.ndim == 2:
        rows = max(1, chunk // max(1, num_classes))
        for a in range(0, z.shape[0], rows):
            b = a + rows
            yield (
                z[a:b],
                target[a:b],
                None if grad is None else grad[a:b],
                None if elements is None else elements[a:b],
                1,
            )
        return
    n = z.shape[0]
    z3 = z.reshape(n, num_classes, -1)
    t2 = target.reshape(n, -1)
    g3 = None if grad is None else grad.view(n, num_classes, -1)
    e2 = None if elements is None else elements.view(n, -1)
    cols = max(1, chunk // max(1, num_classes))
    for i in range(n):
        for a in range(0, z3.shape[2], cols):
            b = a + cols
            yield (
                z3[i, :, a:b],
                t2[i, a:b],
                None if g3 is None else g3[i, :, a:b],
                None if e2 is None else e2[i, a:b],
                0,
            )


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


def _class_view(v: torch.Tensor, class_dim: int) -> torch.Tensor:
    return v.view(1, -1) if class_dim == 1 else v.view(-1, 1)


class FusedLoss(torch.autograd.Function):
    """A loss whose forward pass also computes its gradient.

    ``compute(z, target, *args)`` returns ``(loss, grad, norm)``: ``grad`` is d(sum of the
    per-element losses)/dz, or already d loss/dz when ``norm`` is None; backward scales it in place
    by the upstream gradient (over ``norm`` for a mean) and hands it over, so no second logits-sized
    tensor is allocated. A second backward through a retained graph recomputes it.
    """

    @staticmethod
    def forward(ctx, z: torch.Tensor, target: torch.Tensor, compute, *args):  # type: ignore[override]
        out, grad, norm = compute(z, target, *args)
        ctx.save_for_backward(z, target)
        ctx.grad, ctx.norm, ctx.compute, ctx.args = grad, norm, compute, args
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        grad, ctx.grad = ctx.grad, None
        if grad is None:  # a second backward through a retained graph
            z, target = ctx.saved_tensors
            _, grad, _ = ctx.compute(z, target, *ctx.args)
        if 0 < grad_out.ndim < grad.ndim:  # per-element upstream gradient: broadcast over classes
            grad_out = grad_out.unsqueeze(1)
        grad.mul_(grad_out if ctx.norm is None else grad_out / ctx.norm)
        return (grad, None, None, *(None for _ in ctx.args))


def _softmax_family_pass(
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
):
    """:class:`FusedLoss` ``compute`` of the softmax family: the loss, the gradient of the
    per-element losses' sum, and the normaliser of a mean."""
    grad, elements, total, count = _outputs(z, target, reduction)
    transform = scale != 1.0 or bias is not None or margin is not None
    a_buf = _block_buffer(z) if transform else None
    lp_buf = _block_buffer(z)
    for zb, tb, gb, eb, cd in _blocks(z, target, grad, elements):
        safe, valid = _safe_target(tb, ignore_index)
        idx = safe.unsqueeze(cd)
        a = zb
        if transform:  # a = s z + b - s m_y e_y, in the reused block buffer
            a = torch.mul(zb, scale, out=_like(a_buf, zb))
            if bias is not None:
                a += _class_view(bias, cd)
            if margin is not None:
                a.scatter_add_(cd, idx, (-scale * margin)[idx])
        logp = torch.log_softmax(a, cd, out=_like(lp_buf, zb))
        logpt = logp.gather(cd, idx).squeeze(cd)
        value, coef = _focal_terms(logpt, gamma)  # per element, and d value / d logpt
        w = weight[safe] if weight is not None else None
        if valid is not None:
            w = valid.to(z.dtype) if w is None else w.mul_(valid)
        if w is not None:
            value.mul_(w)
            coef = w.neg() if coef is None else coef.mul_(w)
        # da = coef (e_y - p); dz = scale da
        k = coef.mul_(scale) if coef is not None else torch.full_like(value, -scale)
        torch.exp(logp, out=gb).mul_(k.neg().unsqueeze(cd))
        gb.scatter_add_(cd, idx, k.unsqueeze(cd))
        if eb is not None:
            eb.copy_(value)
        else:
            total += value.sum()
            if weighted_mean and w is not None:
                count += w.sum()
            else:
                count += valid.sum() if valid is not None else safe.numel()
    return _finish(z, grad, elements, total, count, reduction)


def _outputs(z: torch.Tensor, target: torch.Tensor, reduction: str):
    """The gradient tensor, the per-element loss tensor (reduction "none", else None), and zero
    scalars for the loss sum and the normaliser (float64 for float64 logits, else float32)."""
    grad = torch.empty(z.shape, dtype=z.dtype, device=z.device)
    elements = None
    if reduction == "none":
        elements = torch.empty(target.shape, dtype=z.dtype, device=z.device)
    acc = torch.float64 if z.dtype == torch.float64 else torch.float32
    total = torch.zeros((), dtype=acc, device=z.device)
    return grad, elements, total, torch.zeros_like(total)


def _finish(z, grad, elements, total, count, reduction: str):
    """``(loss, grad, norm)`` of a pass from its accumulated outputs (``norm`` only for a mean)."""
    if reduction == "none":
        return elements, grad, None
    if reduction == "sum":
        return total.to(z.dtype), grad, None
    norm = count.clamp_min(torch.finfo(z.dtype).tiny).to(z.dtype)
    return total.to(z.dtype) / norm, grad, norm


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
    """The softmax family through :class:`FusedLoss` (arguments already validated by the caller):
    ``loss_i = w_{y_i} f_gamma(log softmax(a)_{y_i})``, see the module docstring."""
    return FusedLoss.apply(
        z,
        target,
        _softmax_family_pass,
        ignore_index,
        float(scale),
        bias,
        margin,
        weight,
        float(gamma),
        reduction,
        weighted_mean,
    )


def _expected_cost_pass(
    z: torch.Tensor, target: torch.Tensor, cost: torch.Tensor, ignore_index: int, reduction: str
):
    """:class:`FusedLoss` ``compute`` of the expected misclassification cost
    ``loss_i = sum_j softmax(z_i)_j C[y_i, j]``, ``dz_ij = p_ij (C[y_i, j] - loss_i)``."""
    grad, elements, total, count = _outputs(z, target, reduction)
    p_buf, rows_buf = _block_buffer(z), _block_buffer(z)
    for zb, tb, gb, eb, cd in _blocks(z, target, grad, elements):
        safe, valid = _safe_target(tb, ignore_index)
        p = torch.softmax(zb, cd, out=_like(p_buf, zb))
        # C[y_i, j] laid out like the block: (r, C) rows, or (C, s) for a dense block
        rows = _like(rows_buf, zb)
        if cd == 1:
            torch.index_select(cost, 0, safe, out=rows)
        else:
            torch.index_select(cost.T, 1, safe, out=rows)
        expected = torch.linalg.vecdot(rows, p, dim=cd)
        torch.sub(rows, expected.unsqueeze(cd), out=gb).mul_(p)
        if valid is not None:
            mask = valid.to(z.dtype)
            expected.mul_(mask)
            gb.mul_(mask.unsqueeze(cd))
        if eb is not None:
            eb.copy_(expected)
        else:
            total += expected.sum()
            count += valid.sum() if valid is not None else safe.numel()
    return _finish(z, grad, elements, total, count.clamp_min_(1.0), reduction)


def expected_cost(
    z: torch.Tensor,
    target: torch.Tensor,
    cost: torch.Tensor,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    """The expected cost through :class:`FusedLoss` (arguments already validated by the caller)."""
    return FusedLoss.apply(z, target, _expected_cost_pass, cost, ignore_index, reduction)


class RegionStats(torch.autograd.Function):
    """Per class over all positions: soft true positives ``TP_c = sum p_c [y=c]``, predicted mass
    ``M_c = sum p_c`` and true count ``T_c = sum [y=c]`` (not differentiable), ``p = softmax(z)``.

    Backward: with ``dp_c = g_M[c] + g_TP[c] [y=c]``, ``dz_j = p_j (dp_j - sum_c p_c dp_c)``, block
    by block with the softmax recomputed, so no logits-sized buffer outlives the forward pass.
    """

    @staticmethod
    def forward(ctx, z: torch.Tensor, target: torch.Tensor, ignore_index: int | None):  # type: ignore[override]
        num_classes = z.shape[1]
        tp, mass, truth = (z.new_zeros(num_classes) for _ in range(3))
        for zb, tb, _, _, cd in _blocks(z, target, None, None):
            safe, valid = (tb, None) if ignore_index is None else _safe_target(tb, ignore_index)
            p = torch.softmax(zb, cd)
            p_true = p.gather(cd, safe.unsqueeze(cd)).squeeze(cd)
            if valid is None:
                tp.index_add_(0, safe, p_true)
                truth += torch.bincount(safe, minlength=num_classes)
                mass += p.sum(1 - cd)
            else:
                mask = valid.to(z.dtype)
                tp.index_add_(0, safe, p_true.mul_(mask))
                truth.index_add_(0, safe, mask)
                mass += p.mul_(mask.unsqueeze(cd)).sum(1 - cd)
        ctx.save_for_backward(z, target)
        ctx.ignore_index = ignore_index
        ctx.mark_non_differentiable(truth)
        return tp, mass, truth

    @staticmethod
    @once_differentiable
    def backward(ctx, g_tp: torch.Tensor, g_mass: torch.Tensor, _g_truth):  # type: ignore[override]
        z, target = ctx.saved_tensors
        grad = torch.empty(z.shape, dtype=z.dtype, device=z.device)
        ignore_index = ctx.ignore_index
        for zb, tb, gb, _, cd in _blocks(z, target, grad, None):
            safe, valid = (tb, None) if ignore_index is None else _safe_target(tb, ignore_index)
            idx = safe.unsqueeze(cd)
            p = torch.softmax(zb, cd)
            # sum_c p_c dp_c = p . g_M + p_y g_TP[y]
            t = torch.matmul(g_mass, p) if cd == 0 else torch.matmul(p, g_mass)
            p_y = p.gather(cd, idx).squeeze(cd).mul_(g_tp[safe])
            t += p_y
            torch.sub(_class_view(g_mass, cd), t.unsqueeze(cd), out=gb).mul_(p)
            gb.scatter_add_(cd, idx, p_y.unsqueeze(cd))
            if valid is not None:
                gb.mul_(valid.to(z.dtype).unsqueeze(cd))
        return grad, None, None


def region_stats(
    z: torch.Tensor, target: torch.Tensor, ignore_index: int | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Apply :class:`RegionStats` (multi-class logits; validated by the caller)."""
    return RegionStats.apply(z, target, ignore_index)


# --------------------------------------------------------------------------------------------
# Element-wise sigmoid losses (sigmoid focal, asymmetric), chunked.
#
# Each element-wise PyTorch op is a pass over memory, and each logits-sized temporary is a fresh
# allocation that page-faults on first touch; binary_cross_entropy_with_logits pays about eight
# such passes. These losses need two or three times as many ops, so they run over the flattened
# logits in chunks of CHUNK elements: every temporary is a chunk-sized buffer, reused from chunk to
# chunk and still in cache when the next op reads it. The forward pass computes the value and the
# derivative together (the exponentials and logarithms once) and writes the derivative straight
# into the gradient tensor, the one logits-sized allocation; backward only scales it in place.

#: Elements per chunk: 2^18 float32 = 1 MiB per buffer (measured best of 2^16..2^20 on 2 cores).
CHUNK = 1 << 18


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Half-precision inputs are computed chunk by chunk in float32."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _softplus(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    return torch._C._nn.softplus(x, 1.0, 20.0, out=out)


def _pow(x: torch.Tensor, exponent: float, out: torch.Tensor) -> torch.Tensor:
    """``out = x ** exponent`` with the common whole exponents as products."""
    if exponent == 0.0:
        return out.fill_(1.0)
    if exponent == 1.0:
        return out.copy_(x)
    if exponent == 2.0:
        return torch.mul(x, x, out=out)
    if exponent == 4.0:
        return torch.mul(x, x, out=out).square_()
    return torch.pow(x, exponent, out=out)


def _run_chunks(
    z: torch.Tensor, y: torch.Tensor, kernel, num_buffers: int, reduction: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``kernel`` over the flattened ``z`` and ``y`` chunk by chunk.

    ``kernel(zc, yc, dc, lc, total, bufs, scale)`` writes ``scale * dloss/dz`` into ``dc``, the
    per-element loss into ``lc`` when it is not None (reduction "none"), otherwise the chunk's loss
    sum into the 0-dim ``total``; ``bufs`` are scratch buffers of the chunk's length. The
    :class:`FusedLoss` ``compute`` of the element-wise losses: returns the reduced (or per-element)
    loss, its gradient (the mean's 1 / n included) and no normaliser.
    """
    cdtype = _compute_dtype(z.dtype)
    flat_z, flat_y = z.reshape(-1), y.reshape(-1)
    n = flat_z.numel()
    scale = 1.0 / n if reduction == "mean" and n else 1.0
    grad, elements, _, _ = _outputs(z, y, reduction)
    flat_grad = grad.view(-1)
    # scratch memory stays within 1.5x the logits on small inputs (the grad adds 1x)
    size = max(1, min(CHUNK, n, max(4096, -(-3 * n // (2 * num_buffers)))))
    starts = range(0, n, size)
    sums = torch.zeros(max(1, len(starts)), dtype=cdtype, device=z.device)
    bufs = [torch.empty(size, dtype=cdtype, device=z.device) for _ in range(num_buffers)]
    direct = cdtype == z.dtype  # write straight into the gradient and loss tensors
    d_buf = None if direct else torch.empty(size, dtype=cdtype, device=z.device)
    l_buf = None if direct or elements is None else torch.empty(size, dtype=cdtype, device=z.device)
    for i, start in enumerate(starts):
        stop = min(start + size, n)
        k = stop - start
        zc = flat_z[start:stop].to(cdtype)
        yc = flat_y[start:stop].to(cdtype)
        dc = flat_grad[start:stop] if direct else d_buf[:k]
        lc = None
        if elements is not None:
            lc = elements.view(-1)[start:stop] if direct else l_buf[:k]
        kernel(zc, yc, dc, lc, sums[i], [b[:k] for b in bufs], scale)
        if not direct:
            flat_grad[start:stop].copy_(dc)
            if lc is not None:
                elements.view(-1)[start:stop].copy_(lc)
    if elements is not None:
        return elements, grad, None
    total = sums.sum()
    if reduction == "mean":
        total = total / max(n, 1)
    return total.to(z.dtype), grad, None


def _is_hard(yc: torch.Tensor, buf: torch.Tensor) -> bool:
    """Whether every target of the chunk is exactly 0 or 1 (y (1 - y) is zero only there; NaN
    targets count as soft)."""
    return not bool(torch.addcmul(yc, yc, yc, value=-1.0, out=buf).abs_().sum())


def _sigmoid_focal_kernel(gamma: float, alpha: float | None):
    """Chunk kernel of the sigmoid focal loss; see :func:`sigmoid_focal`."""
    # alpha_t = a0 + a1 y; (1 - 2y) alpha_t = c0 + c1 y (alpha_t = alpha at y = 1, 1 - alpha at 0)
    a0, a1 = (1.0, 0.0) if alpha is None else (1.0 - alpha, 2.0 * alpha - 1.0)
    c0, c1 = (1.0, -2.0) if alpha is None else (1.0 - alpha, -1.0)

    def kernel(zc, yc, dc, lc, total, bufs, scale):
        u, m, sp, t = bufs
        if not _is_hard(yc, u):
            _sigmoid_focal_soft(zc, yc, dc, lc, total, scale, gamma, a0, a1)
            return
        # u = z (1 - 2y), the logit of the wrong side: 1 - p_t = sigmoid(u), -log p_t = softplus(u)
        torch.addcmul(zc, zc, yc, value=-2.0, out=u)
        torch.sigmoid(u, out=m)
        _softplus(u, out=sp)
        mg = _pow(m, gamma, out=u)  # sigmoid(u)^gamma
        if lc is not None:  # loss = alpha_t m^gamma softplus(u)
            torch.mul(mg, sp, out=lc)
            if alpha is not None:
                lc.mul_(torch.mul(yc, a1, out=t).add_(a0))
        elif alpha is None:
            torch.dot(mg, sp, out=total)
        else:
            torch.mul(mg, sp, out=t)
            total.copy_(t.sum().mul_(a0).add_(torch.dot(t, yc), alpha=a1))
        # dloss/dz = (1 - 2y) alpha_t m^gamma (gamma (1 - m) softplus(u) + m)
        sp.mul_(gamma)
        sp.addcmul_(m, sp, value=-1.0).add_(m).mul_(mg)
        torch.mul(yc, c1 * scale, out=dc).add_(c0 * scale).mul_(sp)

    return kernel


def _sigmoid_focal_soft(zc, yc, dc, lc, total, scale, gamma, a0, a1) -> None:
    """The sigmoid focal loss for a chunk holding soft targets (the general formula):
    ``loss = a ce w^g`` with ``ce = softplus(z) - y z``, ``w = p + y - 2 p y`` and
    ``a = a0 + a1 y``; ``dloss/dz = a ((p - y) w^g + ce g w^(g-1) p (1 - p) (1 - 2y))``."""
    p = torch.sigmoid(zc)
    ce = torch.nn.functional.softplus(zc) - yc * zc
    w = (p + yc - 2 * p * yc).clamp_min_(torch.finfo(p.dtype).tiny)
    a = a1 * yc + a0
    wg = w.pow(gamma)
    value = a * ce * wg
    if lc is not None:
        lc.copy_(value)
    else:
        total.copy_(value.sum())
    dw = p * (1 - p) * (1 - 2 * yc)  # dw/dz
    deriv = (p - yc) * wg + ce * gamma * w.pow(gamma - 1.0) * dw if gamma else p - yc
    dc.copy_(deriv.mul_(a).mul_(scale))


def sigmoid_focal(
    z: torch.Tensor, y: torch.Tensor, *, gamma: float, alpha: float | None, reduction: str
) -> torch.Tensor:
    """Sigmoid focal loss (scalar alpha; validated by the caller), chunked.

    Hard 0/1 targets (checked per chunk) take the short form: with ``u = z (1 - 2y)``,
    ``1 - p_t = sigmoid(u)`` and ``-log p_t = softplus(u)``, so
    ``loss = alpha_t sigmoid(u)^gamma softplus(u)`` and
    ``dloss/dz = (1 - 2y) alpha_t sigmoid(u)^gamma (gamma (1 - sigmoid(u)) softplus(u) + sigmoid(u))``.
    A chunk with soft targets takes the general formula.
    """
    kernel = _sigmoid_focal_kernel(float(gamma), None if alpha is None else float(alpha))
    return FusedLoss.apply(z, y, _run_chunks, kernel, 4, reduction)


def _asymmetric_kernel(gamma_pos: float, gamma_neg: float, clip: float):
    """Chunk kernel of the asymmetric loss; see :func:`asymmetric`."""

    def kernel(zc, yc, dc, lc, total, bufs, scale):
        p, s, pm, lg, g, lp = bufs
        torch.sigmoid(zc, out=p)
        torch.addcmul(p, p, p, value=-1.0, out=s)  # p (1 - p)
        if clip > 0:
            torch.sub(p, clip, out=pm).clamp_min_(0.0)
            torch.neg(pm, out=lg).add_(1.0)  # 1 - p_m >= clip
            torch.div(pm, lg, out=g).mul_(s)  # p (1 - p) p_m / (1 - p_m)
            lg.log_()
        else:  # p_m = p; log(1 - p) = log sigmoid(z) - z, exact at extreme logits
            pm = p
            torch.mul(p, p, out=g)  # p (1 - p) p / (1 - p)
            torch._C._nn.log_sigmoid(zc, out=lg).sub_(zc)
        # dL-/dz = p_m^(g- - 1) p (1 - p) (p_m / (1 - p_m) - g- log(1 - p_m))  (0 where p_m = 0)
        g.addcmul_(s, lg, value=-gamma_neg)
        _times_power(g, pm, gamma_neg - 1.0, lp)
        # L- = -p_m^g- log(1 - p_m), kept in lg
        lg.mul_(_pow(pm, gamma_neg, out=lp)).neg_()
        # L+ = (1 - p)^g+ softplus(-z); dL+/dz = -(1 - p)^g+ (g+ p softplus(-z) + 1 - p)
        torch._C._nn.log_sigmoid(zc, out=lp).neg_()  # softplus(-z)
        if gamma_pos == 0.0:
            torch.sub(p, 1.0, out=s)
        else:  # p_m and p (1 - p) are spent: q = 1 - p goes to bufs[2], q^g+ to p
            q = torch.neg(p, out=bufs[2]).add_(1.0)
            torch.mul(p, lp, out=s).mul_(gamma_pos).add_(q)
            qg = _pow(q, gamma_pos, out=p)
            lp.mul_(qg)
            s.mul_(qg).neg_()
        # combine: value = L- + y (L+ - L-), derivative = D- + y (D+ - D-)  (linear in y)
        lp.sub_(lg)
        s.sub_(g)
        if lc is not None:
            torch.addcmul(lg, yc, lp, out=lc)
        else:
            total.copy_(lg.sum().add_(torch.dot(yc, lp)))
        torch.addcmul(g, yc, s, out=dc).mul_(scale)

    return kernel


def _times_power(out: torch.Tensor, x: torch.Tensor, exponent: float, buf: torch.Tensor) -> None:
    """In place: ``out * x ** exponent``; whole exponents need no buffer. Where ``x`` is 0 and
    the exponent negative, ``x`` is raised to tiny instead (``out`` is 0 there in our use)."""
    if exponent == int(exponent) and exponent >= 0:
        for _ in range(int(exponent)):
            out.mul_(x)
        return
    out.mul_(torch.clamp_min(x, torch.finfo(x.dtype).tiny, out=buf).pow_(exponent))


def asymmetric(
    z: torch.Tensor,
    y: torch.Tensor,
    *,
    gamma_pos: float,
    gamma_neg: float,
    clip: float,
    reduction: str,
) -> torch.Tensor:
    """Asymmetric loss (Ridnik et al. 2021; validated by the caller), chunked.

    ``L = L- + y (L+ - L-)`` with negatives ``L- = -p_m^g- log(1 - p_m)``, ``p_m = max(p - clip, 0)``,
    ``dL-/dz = p (1 - p) p_m^(g- - 1) (p_m / (1 - p_m) - g- log(1 - p_m))`` where ``p_m > 0``, and
    positives ``L+ = -(1 - p)^g+ log p``, ``dL+/dz = -(1 - p)^g+ (g+ p softplus(-z) + 1 - p)``.
    The loss is linear in ``y``, so soft targets take the same kernel.
    """
    kernel = _asymmetric_kernel(float(gamma_pos), float(gamma_neg), float(clip))
    return FusedLoss.apply(z, y, _run_chunks, kernel, 6, reduction)
