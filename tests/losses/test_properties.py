"""Properties of every loss over random inputs: equivalences with cross-entropy, gradcheck,
finiteness at extreme logits and under bfloat16 autocast, agreement of the fused kernels with the
formulas written out with autograd primitives."""

from __future__ import annotations

from functools import partial

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from unskew.losses import _kernels as K
from unskew.losses import functional as L

SHAPES = st.sampled_from([(5, 3), (17, 2), (4, 7, 3), (2, 4, 3, 5)])


def _inputs(shape, seed, dtype=torch.float64, scale=3.0, ignore=False):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(shape, generator=g, dtype=dtype) * scale).requires_grad_()
    target = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=g)
    if ignore:
        target.view(-1)[0] = -100
    return logits, target


def _focal_factor(one_minus_p, gamma):
    """``(1 - p)^gamma`` with finite gradients where ``1 - p`` underflows to 0."""
    if gamma == 0:
        return torch.ones_like(one_minus_p)
    return one_minus_p.clamp_min(torch.finfo(one_minus_p.dtype).tiny).pow(gamma)


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _sigmoid_focal_reference(logits, targets, gamma, alpha, reduction):
    """The sigmoid focal loss as Lin et al. (2017) write it (torchvision's form, soft targets
    included), the oracle for the fused kernel."""
    targets = targets.to(logits.dtype)
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * _focal_factor(1 - p_t, gamma)
    if alpha is not None:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return _reduce(loss, reduction)


def _asymmetric_reference(logits, targets, gamma_pos, gamma_neg, clip, reduction):
    """The asymmetric loss written out with autograd primitives (Ridnik et al. 2021), the oracle
    for the fused kernel."""
    targets = targets.to(logits.dtype)
    if clip > 0:
        one_minus_pm = (torch.sigmoid(-logits) + clip).clamp_max(1.0)
        log_one_minus_pm = torch.log(one_minus_pm)
    else:
        one_minus_pm = torch.sigmoid(-logits)
        log_one_minus_pm = F.logsigmoid(-logits)
    pos = _focal_factor(torch.sigmoid(-logits), gamma_pos) * F.logsigmoid(logits)
    neg = _focal_factor(1.0 - one_minus_pm, gamma_neg) * log_one_minus_pm
    return _reduce(-(targets * pos + (1 - targets) * neg), reduction)


def _assert_asymmetric_matches(logits, targets, gamma_pos, gamma_neg, clip, reduction):
    """The asymmetric kernel against :func:`_asymmetric_reference`, value and gradient."""
    kwargs = {"gamma_pos": gamma_pos, "gamma_neg": gamma_neg, "clip": clip, "reduction": reduction}
    _assert_same(
        partial(L.asymmetric_loss, **kwargs),
        partial(_asymmetric_reference, **kwargs),
        logits,
        targets,
    )


def _value_and_grad(fn, logits, target):
    value = fn(logits, target)
    (grad,) = torch.autograd.grad(value.sum(), logits)
    return value.detach(), grad


def _assert_same(fn_a, fn_b, logits, target, atol=1e-10):
    # float32 rounds at 1.2e-7 relative: a sum of a few hundred terms taken in another order (a
    # uniform class bias, a fused kernel) differs by a few units in the last place
    rtol = 1e-7 if logits.dtype == torch.float64 else 1e-6
    va, ga = _value_and_grad(fn_a, logits, target)
    vb, gb = _value_and_grad(fn_b, logits, target)
    torch.testing.assert_close(va, vb, atol=atol, rtol=rtol)
    torch.testing.assert_close(ga, gb, atol=atol, rtol=rtol)


@settings(max_examples=25, deadline=None)
@given(
    shape=SHAPES,
    seed=st.integers(0, 10_000),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    ignore=st.booleans(),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_equivalences_with_cross_entropy(shape, seed, reduction, ignore, dtype):
    logits, target = _inputs(shape, seed, dtype, ignore=ignore)
    atol = 1e-10 if dtype == torch.float64 else 1e-5
    C = shape[1]

    def ce(z, t):
        return F.cross_entropy(z, t, reduction=reduction)

    _assert_same(
        lambda z, t: L.focal_loss(z, t, gamma=0.0, reduction=reduction), ce, logits, target, atol
    )
    _assert_same(
        lambda z, t: L.class_balanced_loss(z, t, [5] * C, beta=0.0, reduction=reduction),
        ce,
        logits,
        target,
        atol,
    )
    _assert_same(
        lambda z, t: L.balanced_softmax_loss(z, t, [7] * C, reduction=reduction),
        ce,
        logits,
        target,
        atol,
    )
    _assert_same(
        lambda z, t: L.logit_adjusted_loss(
            z, t, list(range(1, C + 1)), tau=0.0, reduction=reduction
        ),
        ce,
        logits,
        target,
        atol,
    )
    unit = logits.detach().tanh().requires_grad_()  # LDAM expects cosine logits
    _assert_same(
        lambda z, t: L.ldam_loss(
            z, t, list(range(1, C + 1)), max_margin=0.0, scale=1.0, reduction=reduction
        ),
        ce,
        unit,
        target,
        atol,
    )
    weight = torch.rand(C, dtype=dtype) + 0.1
    _assert_same(
        lambda z, t: L.ldam_loss(
            z, t, [3] * C, max_margin=0.0, scale=1.0, weight=weight, reduction=reduction
        ),
        lambda z, t: F.cross_entropy(z, t, weight, reduction=reduction),
        unit,
        target,
        atol,
    )


@settings(max_examples=25, deadline=None)
@given(
    shape=SHAPES,
    seed=st.integers(0, 10_000),
    gamma=st.floats(0.0, 5.0),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_focal_is_at_most_cross_entropy(shape, seed, gamma, dtype):
    logits, target = _inputs(shape, seed, dtype)
    fl = L.focal_loss(logits, target, gamma=gamma, reduction="none")
    ce = F.cross_entropy(logits, target, reduction="none")
    assert torch.all(fl <= ce + 1e-6)
    assert torch.all(fl >= 0)


def test_focal_gradient_equals_cross_entropy_at_gamma_zero_float32():
    logits, target = _inputs((64, 10), 0, torch.float32)
    _assert_same(
        lambda z, t: L.focal_loss(z, t, gamma=0.0),
        lambda z, t: F.cross_entropy(z, t),
        logits,
        target,
        1e-6,
    )


def test_focal_matches_its_formula():
    logits, target = _inputs((6, 4, 5), 3)
    alpha = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)

    def reference(z, t):
        logpt = F.log_softmax(z, 1).gather(1, t.unsqueeze(1)).squeeze(1)
        return (-alpha[t] * (1 - logpt.exp()) ** 2 * logpt).mean()

    _assert_same(lambda z, t: L.focal_loss(z, t, gamma=2.0, alpha=alpha), reference, logits, target)
    binary, btarget = _inputs((8, 2), 4)  # scalar alpha: Lin et al.'s [1 - alpha, alpha]
    _assert_same(
        lambda z, t: L.focal_loss(z, t, alpha=0.25),
        lambda z, t: L.focal_loss(z, t, alpha=torch.tensor([0.75, 0.25], dtype=torch.float64)),
        binary,
        btarget,
    )


def test_ldam_matches_its_formula():
    logits, target = _inputs((9, 3), 1)
    unit = logits.detach().tanh().requires_grad_()
    counts = torch.tensor([100.0, 10.0, 1.0], dtype=torch.float64)
    margins = counts**-0.25
    margins = margins * (0.5 / margins.max())

    def reference(z, t):
        shifted = z - F.one_hot(t, 3) * margins[t].unsqueeze(1)
        return F.cross_entropy(10.0 * shifted, t)  # the default scale

    _assert_same(lambda z, t: L.ldam_loss(z, t, counts), reference, unit, target)


def test_class_balanced_matches_its_formula():
    logits, target = _inputs((12, 3), 2)
    counts = torch.tensor([500.0, 50.0, 5.0], dtype=torch.float64)
    raw = (1 - 0.99) / (1 - 0.99**counts)
    w = raw / raw.sum() * 3
    _assert_same(
        lambda z, t: L.class_balanced_loss(z, t, counts, beta=0.99),
        lambda z, t: (F.cross_entropy(z, t, reduction="none") * w[t]).mean(),
        logits,
        target,
    )


def test_cost_sensitive_matches_its_formula():
    logits, target = _inputs((3, 4, 2, 2), 4, ignore=True)
    cost = torch.rand(4, 4, dtype=torch.float64)

    def reference(z, t):
        valid = t != -100
        safe = torch.where(valid, t, 0)
        rows = cost[safe].movedim(-1, 1)
        per = (torch.softmax(z, 1) * rows).sum(1) * valid
        return per.sum() / valid.sum()

    _assert_same(lambda z, t: L.cost_sensitive_loss(z, t, cost), reference, logits, target)
    big_logits, big_target = _inputs((5, 40), 5)  # the many-class code path
    big_cost = torch.rand(40, 40, dtype=torch.float64)
    _assert_same(
        lambda z, t: L.cost_sensitive_loss(z, t, big_cost),
        lambda z, t: (torch.softmax(z, 1) * big_cost[t]).sum(1).mean(),
        big_logits,
        big_target,
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gamma=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]),
    alpha=st.sampled_from([None, 0.25, 0.9, 1.0]),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    shape=st.sampled_from([(7,), (6, 4), (2, 3, 4, 4)]),
)
def test_sigmoid_focal_kernel_matches_reference(seed, gamma, alpha, reduction, shape):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(shape, generator=g, dtype=torch.float64) * 3).requires_grad_()
    targets = (torch.rand(shape, generator=g) < 0.3).double()
    _assert_same(
        lambda z, y: L.sigmoid_focal_loss(z, y, gamma=gamma, alpha=alpha, reduction=reduction),
        lambda z, y: _sigmoid_focal_reference(z, y, gamma, alpha, reduction),
        logits,
        targets,
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gamma_pos=st.sampled_from([0.0, 1.0, 2.0]),
    gamma_neg=st.sampled_from([0.0, 1.0, 2.0, 4.0]),
    clip=st.sampled_from([0.0, 0.05, 0.3]),
    reduction=st.sampled_from(["mean", "sum", "none"]),
)
def test_asymmetric_kernel_matches_reference(seed, gamma_pos, gamma_neg, clip, reduction):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(8, 5, generator=g, dtype=torch.float64) * 3).requires_grad_()
    targets = (torch.rand(8, 5, generator=g) < 0.2).double()
    _assert_asymmetric_matches(logits, targets, gamma_pos, gamma_neg, clip, reduction)


@pytest.mark.parametrize(
    ("gamma_pos", "gamma_neg", "clip"),
    [
        (0.0, 4.0, 0.05),
        (0.0, 0.0, 0.05),
        (0.0, 1.0, 0.1),
        (0.0, 3.0, 0.1),
        (1.0, 2.0, 0.3),
        (2.0, 0.5, 0.3),
        (1.5, 4.0, 0.0),
        (0.0, 4.0, 0.0),
        (0.0, 0.0, 0.0),
    ],
)
def test_asymmetric_kernel_on_soft_targets_extreme_logits_and_a_transposed_layout(
    gamma_pos, gamma_neg, clip
):
    """The kernel lerps the positives' terms into the negatives' (the loss is linear in y): soft
    targets, logits far past float32's sigmoid range and a non-contiguous layout all match."""
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(9, 40, generator=g, dtype=torch.float64) * 6
    logits[:3, 0] = torch.tensor([60.0, -60.0, 800.0])
    logits[:3, 1] = torch.tensor([-800.0, 0.0, 1e4])
    targets = (torch.rand(9, 40, generator=g) < 0.1).double()
    targets[:3, :2] = 1.0
    targets[5:] = torch.rand(4, 40, generator=g, dtype=torch.float64)
    transposed = logits.t().contiguous().t()
    for reduction in ("mean", "sum", "none"):
        for layout in (logits, transposed):
            _assert_asymmetric_matches(
                layout.clone().requires_grad_(), targets, gamma_pos, gamma_neg, clip, reduction
            )


@pytest.mark.parametrize("shape", [(1024, 256), (4, 3, 128, 256), (2048, 129)])
def test_asymmetric_kernel_on_sparse_targets_takes_the_nonzero_path_and_matches(shape):
    """Multi-label targets with a few positives per row (2 and 4 in 1,000 here, some soft) take
    the path that computes the positives' terms at the nonzero targets only; value and gradient
    match the oracle, extreme logits included. Targets with more positives, or too few elements,
    stay on the dense path."""
    g = torch.Generator().manual_seed(4)
    logits = torch.randn(shape, generator=g, dtype=torch.float64) * 4
    targets = (torch.rand(shape, generator=g) < 0.003).double()
    targets.view(-1)[:5] = torch.tensor([0.3, 1.0, 0.5, 0.9, 1.0], dtype=torch.float64)
    logits.view(-1)[:5] = torch.tensor([-800.0, 60.0, -60.0, 1e4, -1e4], dtype=torch.float64)
    where = K._nonzero_if_sparse(targets)
    assert where is not None
    assert torch.equal(where, targets.view(-1).nonzero().squeeze(1))
    for gamma_pos, gamma_neg, clip in [(0.0, 4.0, 0.05), (1.0, 2.0, 0.0), (2.0, 0.5, 0.3)]:
        for reduction in ("mean", "none"):
            _assert_asymmetric_matches(
                logits.clone().requires_grad_(), targets, gamma_pos, gamma_neg, clip, reduction
            )
    assert K._nonzero_if_sparse((torch.rand(shape, generator=g) < 0.05).double()) is None
    assert K._nonzero_if_sparse(targets.view(-1)[:1000]) is None


def test_sigmoid_losses_reduce_to_binary_cross_entropy():
    logits = torch.randn(10, 3, dtype=torch.float64, requires_grad=True)
    targets = (torch.rand(10, 3) < 0.4).double()
    bce = F.binary_cross_entropy_with_logits
    _assert_same(
        lambda z, y: L.sigmoid_focal_loss(z, y, gamma=0.0, alpha=None), bce, logits, targets
    )
    _assert_same(
        lambda z, y: L.asymmetric_loss(z, y, gamma_pos=0.0, gamma_neg=0.0, clip=0.0),
        bce,
        logits,
        targets,
    )
    soft = torch.rand(10, 3, dtype=torch.float64)
    _assert_same(lambda z, y: L.sigmoid_focal_loss(z, y, gamma=0.0, alpha=None), bce, logits, soft)
    _assert_same(
        lambda z, y: L.asymmetric_loss(z, y, gamma_pos=0.0, gamma_neg=0.0, clip=0.0),
        bce,
        logits,
        soft,
    )


def test_dice_is_tversky_with_equal_weights_and_perfect_masks_score_zero():
    logits, target = _inputs((2, 3, 5, 5), 7)
    _assert_same(
        lambda z, t: L.dice_loss(z, t, smooth=1.0),
        lambda z, t: L.tversky_loss(z, t, alpha=0.5, beta=0.5, smooth=0.5),
        logits,
        target,
    )
    perfect = F.one_hot(target, 3).movedim(-1, 1).double() * 40 - 20
    assert float(L.dice_loss(perfect, target, smooth=0.0)) < 1e-12
    wrong = -perfect
    assert float(L.dice_loss(wrong, target, smooth=0.0)) > 0.99
    per_class = L.tversky_loss(logits, target, reduction="none")
    assert per_class.shape == (3,)
    torch.testing.assert_close(
        L.tversky_loss(logits, target, include_background=False), per_class[1:].mean()
    )


def _tversky_composed(logits, target, alpha, beta, gamma, smooth, ignore_index):
    """The Tversky loss written out with autograd primitives, the oracle of the region kernel."""
    n_classes = logits.shape[1]
    valid = (
        torch.ones_like(target, dtype=torch.bool)
        if ignore_index is None
        else target != ignore_index
    )
    onehot = F.one_hot(target.clamp(0, n_classes - 1), n_classes).movedim(-1, 1)
    onehot = onehot * valid.unsqueeze(1)
    p = torch.softmax(logits, 1) * valid.unsqueeze(1)
    dims = [0, *range(2, logits.ndim)]
    tp, mass, truth = (p * onehot).sum(dims), p.sum(dims), onehot.sum(dims).to(p.dtype)
    index = (tp + smooth) / (tp + alpha * (mass - tp) + beta * (truth - tp) + smooth)
    return (1.0 - index).clamp_min(0.0).pow(gamma).mean()


@pytest.mark.parametrize("shape", [(7, 3), (2, 4, 3, 5)])
@pytest.mark.parametrize("ignore_index", [None, -1])
def test_tversky_region_kernel_matches_the_autograd_composition(shape, ignore_index):
    """Dice and Tversky's per-class soft counts come from a kernel whose gradient is built in place
    on the softmax: value and gradient against the composition, with and without ignored pixels,
    and gradcheck through the ignored ones."""
    logits, target = _inputs(shape, 5, scale=2.0)
    if ignore_index is not None:
        target.view(-1)[::4] = ignore_index
    kwargs = {"alpha": 0.3, "beta": 0.7, "gamma": 1.5, "smooth": 0.5}
    ours = L.tversky_loss(logits, target, ignore_index=ignore_index, **kwargs)
    (grad,) = torch.autograd.grad(ours, logits)
    ref = _tversky_composed(logits, target, ignore_index=ignore_index, **kwargs)
    (ref_grad,) = torch.autograd.grad(ref, logits)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-14)
    assert torch.autograd.gradcheck(
        lambda z: L.dice_loss(z, target, ignore_index=ignore_index), (logits,)
    )


def test_binary_dice_with_one_channel():
    target = torch.zeros(2, 6, 6, dtype=torch.long)
    target[:, 2:4, 2:4] = 1
    logits = (target.double() * 2 - 1).unsqueeze(1) * 30
    assert float(L.dice_loss(logits, target, smooth=0.0)) < 1e-9
    ignore = target.clone()
    ignore[0] = -1
    assert float(L.dice_loss(logits, ignore, ignore_index=-1, smooth=0.0)) < 1e-9


def _all_losses(C):
    g = torch.Generator().manual_seed(C)
    counts = torch.arange(1, C + 1, dtype=torch.float64) * 10
    cost = torch.rand(C, C, dtype=torch.float64, generator=g)
    weight = torch.rand(C, dtype=torch.float64, generator=g) + 0.1
    return {
        "cross_entropy": lambda z, t: L.cross_entropy(z, t, weight),
        "focal": lambda z, t: L.focal_loss(z, t, gamma=2.0, alpha=weight),
        "focal_gamma_half": lambda z, t: L.focal_loss(z, t, gamma=0.5),
        "class_balanced": lambda z, t: L.class_balanced_loss(z, t, counts),
        "class_balanced_focal": lambda z, t: L.class_balanced_loss(z, t, counts, base="focal"),
        "class_balanced_sigmoid": lambda z, t: L.class_balanced_loss(z, t, counts, base="sigmoid"),
        "class_balanced_sigmoid_focal": lambda z, t: L.class_balanced_loss(
            z, t, counts, base="sigmoid_focal"
        ),
        "ldam": lambda z, t: L.ldam_loss(z.tanh(), t, counts),
        "balanced_softmax": lambda z, t: L.balanced_softmax_loss(z, t, counts),
        "logit_adjusted": lambda z, t: L.logit_adjusted_loss(z, t, counts, tau=0.7),
        "cost_sensitive": lambda z, t: L.cost_sensitive_loss(z, t, cost),
        "dice": lambda z, t: L.dice_loss(z, t),
        "tversky": lambda z, t: L.tversky_loss(z, t, gamma=1.5),
        "sigmoid_focal": lambda z, t: L.sigmoid_focal_loss(
            z, F.one_hot(t, C).movedim(-1, 1).to(z.dtype)
        ),
        "asymmetric": lambda z, t: L.asymmetric_loss(z, F.one_hot(t, C).movedim(-1, 1).to(z.dtype)),
    }


LOSS_NAMES = list(_all_losses(3))


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 3, 2)])
def test_gradcheck_float64(name, shape):
    logits, target = _inputs(shape, 11, scale=1.5)
    fn = _all_losses(shape[1])[name]
    assert torch.autograd.gradcheck(lambda z: fn(z, target), (logits,))


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize("magnitude", [1e4, -1e4])
def test_finite_at_extreme_logits(name, magnitude):
    import warnings

    g = torch.Generator().manual_seed(0)
    logits = (torch.randn(8, 3, generator=g).sign() * magnitude).requires_grad_()
    target = torch.randint(0, 3, (8,), generator=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # LDAM warns about such logits
        fn = _all_losses(3)[name]
        value = fn(logits, target)
    value.backward()
    assert torch.isfinite(value).all()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_finite_under_bfloat16_autocast(name):
    torch.manual_seed(0)
    layer = torch.nn.Linear(5, 3)
    x = torch.randn(16, 5)
    target = torch.randint(0, 3, (16,))
    fn = _all_losses(3)[name]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = layer(x)
        assert logits.dtype == torch.bfloat16
        value = fn(logits, target)
    value.float().backward()
    assert torch.isfinite(value.float()).all()
    assert torch.isfinite(layer.weight.grad).all() and layer.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_sigmoid_kernels_match_references_on_soft_and_hard_targets(reduction):
    """Rows of hard 0/1 targets and rows of soft targets in one tensor, per-class alpha too."""
    g = torch.Generator().manual_seed(0)
    logits = (torch.randn(9, 6, generator=g, dtype=torch.float64) * 3).requires_grad_()
    targets = (torch.rand(9, 6, generator=g) < 0.3).double()
    targets[2:4] = torch.rand(2, 6, generator=g, dtype=torch.float64)
    for gamma, alpha in [(2.0, 0.25), (0.5, None), (3.5, 0.9), (1.0, None)]:
        _assert_same(
            partial(L.sigmoid_focal_loss, gamma=gamma, alpha=alpha, reduction=reduction),
            lambda z, y, g=gamma, a=alpha: _sigmoid_focal_reference(z, y, g, a, reduction),
            logits,
            targets,
        )
    per_class = torch.linspace(0.1, 0.9, 6, dtype=torch.float64)
    _assert_same(
        partial(L.sigmoid_focal_loss, gamma=2.0, alpha=per_class, reduction=reduction),
        lambda z, y: _sigmoid_focal_reference(z, y, 2.0, per_class, reduction),
        logits,
        targets,
    )
    for gamma_pos, gamma_neg, clip in [(0.0, 4.0, 0.05), (1.0, 2.0, 0.0), (2.0, 0.5, 0.3)]:
        _assert_asymmetric_matches(logits, targets, gamma_pos, gamma_neg, clip, reduction)


def test_sigmoid_kernels_keep_half_precision_inputs_in_their_dtype():
    g = torch.Generator().manual_seed(2)
    logits64 = torch.randn(6, 5, generator=g, dtype=torch.float64)
    targets = (torch.rand(6, 5, generator=g) < 0.3).double()
    for fn in (L.sigmoid_focal_loss, L.asymmetric_loss):
        half = logits64.to(torch.bfloat16).requires_grad_()
        value = fn(half, targets.to(torch.bfloat16))
        value.backward()
        assert value.dtype == half.grad.dtype == torch.bfloat16
        exact = half.detach().double().requires_grad_()
        fn(exact, targets).backward()
        torch.testing.assert_close(half.grad.double(), exact.grad, atol=2e-3, rtol=2e-2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(7, 3), (2, 3, 3, 5)])
def test_softmax_losses_with_an_ignored_target_in_every_reduction(reduction, shape):
    logits, target = _inputs(shape, 5, ignore=True)
    weight = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    _assert_same(
        lambda z, t: L.cross_entropy(z, t, weight, reduction=reduction),
        lambda z, t: F.cross_entropy(z, t, weight, reduction=reduction),
        logits,
        target,
    )
    _assert_same(
        lambda z, t: L.focal_loss(z, t, gamma=0.0, reduction=reduction),
        lambda z, t: F.cross_entropy(z, t, reduction=reduction),
        logits,
        target,
    )
    cost = torch.rand(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))

    def expected_cost(z, t):
        valid = t != -100
        rows = cost[torch.where(valid, t, 0)].movedim(-1, 1)
        per = (torch.softmax(z, 1) * rows).sum(1) * valid
        if reduction == "none":
            return per
        return per.sum() / valid.sum() if reduction == "mean" else per.sum()

    _assert_same(
        lambda z, t: L.cost_sensitive_loss(z, t, cost, reduction=reduction),
        expected_cost,
        logits,
        target,
    )


@pytest.mark.parametrize(
    "name",
    ["focal", "class_balanced_focal", "ldam", "cost_sensitive", "sigmoid_focal", "asymmetric"],
)
def test_kernels_backward_twice_through_a_retained_graph(name):
    """The fused kernels build the gradient in place in the first backward; a second one
    recomputes what it consumed."""
    fn = _all_losses(3)[name]
    logits, target = _inputs((2, 3, 2, 2), 9, scale=1.0)
    value = fn(logits, target) * 2.0
    value.backward(retain_graph=True)
    first = logits.grad.clone()
    value.backward()
    torch.testing.assert_close(logits.grad, 2 * first)
    (expected,) = torch.autograd.grad(fn(logits, target) * 2.0, logits)
    torch.testing.assert_close(first, expected)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_every_element_ignored_gives_zero_loss_and_gradient(reduction):
    logits, target = _inputs((2, 3, 4), 1)
    target = torch.full_like(target, -100)
    for fn in (
        lambda z, t: L.focal_loss(z, t, alpha=[0.2, 0.3, 0.5], reduction=reduction),
        lambda z, t: L.class_balanced_loss(z, t, [5, 3, 1], reduction=reduction),
        lambda z, t: L.cost_sensitive_loss(z, t, torch.ones(3, 3), reduction=reduction),
        lambda z, t: L.ldam_loss(z.tanh(), t, [5, 3, 1], weight=[1, 2, 3], reduction=reduction),
    ):
        value, grad = _value_and_grad(fn, logits, target)
        assert float(value) == 0.0 and float(grad.abs().max()) == 0.0


def test_an_ignore_index_that_is_also_a_class_is_ignored():
    logits, target = _inputs((4, 3, 5), 2)  # every class present, class 1 ignored
    for reduction in ("mean", "sum", "none"):
        _assert_same(
            lambda z, t, r=reduction: L.focal_loss(z, t, gamma=0.0, ignore_index=1, reduction=r),
            lambda z, t, r=reduction: F.cross_entropy(z, t, ignore_index=1, reduction=r),
            logits,
            target,
        )
        _assert_same(
            lambda z, t, r=reduction: L.focal_loss(z, t, gamma=2.0, ignore_index=1, reduction=r),
            lambda z, t, r=reduction: _reduce_valid(
                -(
                    (1 - F.log_softmax(z, 1).gather(1, t.clamp(0).unsqueeze(1)).squeeze(1).exp())
                    ** 2
                )
                * F.log_softmax(z, 1).gather(1, t.unsqueeze(1)).squeeze(1),
                t != 1,
                r,
            ),
            logits,
            target,
        )


def _reduce_valid(loss, valid, reduction):
    loss = loss * valid
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / valid.sum()


@pytest.mark.parametrize("shape", [(64, 5), (4, 5, 3, 3)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_logit_adjusted_kernel_equals_cross_entropy_of_the_adjusted_logits(
    shape, reduction, weighted
):
    """The fused kernel (the prior as a bias, no adjusted copy kept for autograd) gives the value
    and gradient of F.cross_entropy(z + tau log pi), with weights and an ignored target."""
    g = torch.Generator().manual_seed(3)
    C = shape[1]
    logits = (torch.randn(shape, dtype=torch.float64, generator=g) * 2).requires_grad_()
    target = torch.randint(0, C, (shape[0], *shape[2:]), generator=g)
    target.view(-1)[::7] = -100
    counts = torch.arange(1, C + 1, dtype=torch.float64) ** 2
    weight = torch.rand(C, dtype=torch.float64, generator=g) + 0.2 if weighted else None
    ours = L.logit_adjusted_loss(
        logits, target, counts, tau=0.7, weight=weight, reduction=reduction
    )
    (g_ours,) = torch.autograd.grad(ours.sum(), logits)
    prior = (0.7 * torch.log(counts / counts.sum())).view(1, C, *([1] * (len(shape) - 2)))
    ref = F.cross_entropy(logits + prior, target, weight, reduction=reduction)
    (g_ref,) = torch.autograd.grad(ref.sum(), logits)
    assert torch.allclose(ours, ref, atol=1e-12) and torch.allclose(g_ours, g_ref, atol=1e-12)
