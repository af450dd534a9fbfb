"""nn.Module wrappers, make_loss, deferred re-weighting, the cosine head, and bad input."""

from __future__ import annotations

import io
import warnings

import pytest
import torch
import torch.nn.functional as F

from unskew.exceptions import InputError
from unskew.losses import (
    ClassBalancedLoss,
    CostSensitiveLoss,
    CrossEntropyLoss,
    DeferredReweighting,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    loss_names,
    make_loss,
)
from unskew.losses import (
    functional as L,
)
from unskew.models.heads import CosineClassifier
from unskew.registry import get_registry

COUNTS = [300, 60, 12]


def test_loss_names_match_the_issue_and_registry():
    assert set(loss_names()) == {
        "cross_entropy",
        "focal",
        "sigmoid_focal",
        "class_balanced",
        "ldam",
        "balanced_softmax",
        "logit_adjusted",
        "cost_sensitive",
        "asymmetric",
        "dice",
        "tversky",
    }
    for name in ("weights", "drw"):
        assert get_registry().get(name).stage == "objective"


@pytest.mark.parametrize(
    "name",
    ["cross_entropy", "focal", "class_balanced", "ldam", "balanced_softmax", "logit_adjusted"],
)
def test_make_loss_modules_agree_with_functions(name):
    torch.manual_seed(0)
    logits, target = torch.randn(10, 3).tanh(), torch.randint(0, 3, (10,))
    loss = make_loss(name, class_counts=COUNTS)
    expected = {
        "cross_entropy": lambda: F.cross_entropy(logits, target),
        "focal": lambda: L.focal_loss(logits, target),
        "class_balanced": lambda: L.class_balanced_loss(logits, target, COUNTS),
        "ldam": lambda: L.ldam_loss(logits, target, COUNTS),
        "balanced_softmax": lambda: L.balanced_softmax_loss(logits, target, COUNTS),
        "logit_adjusted": lambda: L.logit_adjusted_loss(logits, target, COUNTS),
    }[name]()
    torch.testing.assert_close(loss(logits, target), expected)


def test_per_class_tensors_are_buffers_that_follow_state_dict():
    loss = LDAMLoss(COUNTS, weight=[1.0, 2.0, 3.0])
    assert set(dict(loss.named_buffers())) == {"weight", "class_counts"}
    buffer = io.BytesIO()
    torch.save(loss.state_dict(), buffer)
    buffer.seek(0)
    fresh = LDAMLoss([1, 1, 1], weight=[0.0, 0.0, 0.0])
    fresh.load_state_dict(torch.load(buffer))
    assert fresh.class_counts.tolist() == COUNTS and fresh.weight.tolist() == [1.0, 2.0, 3.0]
    assert loss.double().class_counts.dtype == torch.float64
    assert ClassBalancedLoss(COUNTS).class_weight.sum().item() == pytest.approx(3.0)
    assert "cost_matrix" in dict(CostSensitiveLoss(fn_cost=5.0).named_buffers())


def test_make_loss_with_weights_and_params():
    ce = make_loss("cross_entropy", COUNTS, weights="inverse")
    n = sum(COUNTS)
    expected = torch.tensor([n / (3 * c) for c in COUNTS])
    torch.testing.assert_close(ce.weight, expected)
    focal = make_loss("focal", COUNTS, weights="sqrt_inverse", gamma=1.0)
    assert focal.gamma == 1.0 and focal.alpha is not None
    assert make_loss("logit_adjusted", COUNTS, tau=0.5).tau == 0.5


def test_drw_switches_weights_on_at_the_chosen_epoch():
    loss = make_loss("ldam", COUNTS)
    drw = DeferredReweighting(COUNTS, start_epoch=5, beta=0.9999)
    logits, target = torch.randn(20, 3).tanh(), torch.randint(0, 3, (20,))
    drw.step(loss, epoch=4)
    before = loss(logits, target)
    torch.testing.assert_close(before, L.ldam_loss(logits, target, COUNTS))
    drw.step(loss, epoch=5)
    weights = loss.weight
    assert weights is not None and weights[2] > weights[1] > weights[0]
    assert weights.sum().item() == pytest.approx(3.0)
    torch.testing.assert_close(
        loss(logits, target), L.ldam_loss(logits, target, COUNTS, weight=weights)
    )
    built = get_registry().get("drw").build(class_counts=COUNTS, start_epoch=2)
    assert built.weight_at(1) is None and built.weight_at(2) is not None
    with pytest.raises(InputError, match="takes no class weights"):
        drw.step(make_loss("dice"), epoch=9)


def test_focal_set_class_weight_and_scalar_alpha():
    loss = FocalLoss(alpha=0.25)
    logits, target = torch.randn(6, 2), torch.randint(0, 2, (6,))
    torch.testing.assert_close(
        loss(logits, target), L.focal_loss(logits, target, alpha=[0.75, 0.25])
    )
    loss.set_class_weight(torch.tensor([1.0, 4.0]))
    torch.testing.assert_close(loss(logits, target), L.focal_loss(logits, target, alpha=[1.0, 4.0]))


def test_ldam_warns_about_linear_head_logits_and_cosine_head_fixes_it():
    loss = LDAMLoss(COUNTS)
    with pytest.warns(RuntimeWarning, match="CosineClassifier"):
        loss(torch.randn(4, 3) * 10, torch.tensor([0, 1, 2, 0]))
    head = CosineClassifier(8, 3)
    logits = head(torch.randn(50, 8) * 1000)
    assert logits.abs().max() <= 1.0 + 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss(logits, torch.randint(0, 3, (50,)))
    assert CosineClassifier(8, 3, scale=16.0)(torch.randn(5, 8)).abs().max() <= 16.0 + 1e-4


# --- bad input --------------------------------------------------------------------------------


def test_target_out_of_range_is_caught_in_python():
    logits = torch.randn(4, 3)
    with pytest.raises(
        InputError, match=r"target holds label 7 \(largest 7\) but the logits have n_classes=3"
    ):
        L.focal_loss(logits, torch.tensor([0, 7, 1, 2]))
    with pytest.raises(InputError, match="target holds label -2"):
        L.cross_entropy(logits, torch.tensor([0, -2, 1, 2]))
    with pytest.raises(InputError, match="n_classes=3"):
        make_loss("ldam", COUNTS)(logits.tanh(), torch.tensor([0, 3, 1, 2]))
    # ignore_index is not out of range, whether below 0 or above C - 1
    assert torch.isfinite(L.focal_loss(logits, torch.tensor([0, -100, 1, 2])))
    assert torch.isfinite(L.cross_entropy(logits[:3], torch.tensor([0, 255, 1]), ignore_index=255))
    with pytest.raises(InputError, match="target holds label 255"):
        L.cross_entropy(logits[:3], torch.tensor([0, 255, -100]))
    with pytest.raises(InputError, match="integer class indices"):
        L.focal_loss(logits, torch.tensor([0.0, 1.0, 1.0, 2.0]))
    with pytest.raises(InputError, match="does not match logits"):
        L.focal_loss(logits, torch.tensor([0, 1]))


def test_wrong_length_vectors_and_zero_counts():
    logits, target = torch.randn(4, 3), torch.tensor([0, 1, 2, 0])
    with pytest.raises(InputError, match="weight has 2 values but the logits have 3 classes"):
        L.cross_entropy(logits, target, torch.ones(2))
    with pytest.raises(InputError, match="class_counts has 4 values"):
        L.balanced_softmax_loss(logits, target, [1, 2, 3, 4])
    with pytest.raises(InputError, match="class 1 has class_counts 0"):
        L.logit_adjusted_loss(logits, target, [5, 0, 3])
    with pytest.raises(InputError, match="alpha has 2 values"):
        L.focal_loss(logits, target, alpha=[0.5, 0.5])
    with pytest.raises(InputError, match="binary convention"):
        L.focal_loss(logits, target, alpha=0.25)
    with pytest.raises(InputError, match=r"cost_matrix has shape \(2, 2\)"):
        L.cost_sensitive_loss(logits, target, torch.zeros(2, 2))
    with pytest.raises(InputError, match="needs a cost matrix"):
        CostSensitiveLoss()


def test_unknown_reduction_and_loss_name():
    with pytest.raises(InputError, match="unknown reduction 'meen'; did you mean 'mean'"):
        L.focal_loss(torch.randn(2, 2), torch.tensor([0, 1]), reduction="meen")
    with pytest.raises(InputError, match="unknown reduction"):
        CrossEntropyLoss(reduction="avg")
    with pytest.raises(
        InputError, match="unknown loss 'focall'; did you mean 'focal'.*Losses:.*'ldam'"
    ):
        make_loss("focall")
    with pytest.raises(InputError, match="'weights' is not|unknown loss 'weights'"):
        make_loss("weights")
    with pytest.raises(InputError, match="ldam needs 'class_counts'"):
        make_loss("ldam")
    with pytest.raises(InputError, match="unknown base loss"):
        L.class_balanced_loss(torch.randn(2, 2), torch.tensor([0, 1]), [1, 1], base="hinge")


def test_validate_args_false_skips_the_range_check():
    logits = torch.randn(3, 2)
    with pytest.raises((IndexError, RuntimeError)):
        L.focal_loss(logits, torch.tensor([0, 5, 1]), validate_args=False)


def test_balanced_softmax_is_logit_adjusted_with_tau_one():
    bs = make_loss("balanced_softmax", COUNTS)
    assert isinstance(bs, LogitAdjustedLoss) and bs.tau == 1.0


@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3, 3)])
def test_cross_entropy_is_torchs_with_weights_smoothing_and_ignore_index(shape):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 4, (shape[0], *shape[2:]), generator=g)
    target.view(-1)[1] = 255
    weight = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
    for reduction in ("mean", "sum", "none"):
        kwargs = {"ignore_index": 255, "label_smoothing": 0.1, "reduction": reduction}
        ours = L.cross_entropy(logits, target, weight, **kwargs)
        theirs = F.cross_entropy(logits, target, weight, **kwargs)
        torch.testing.assert_close(ours, theirs)
        torch.testing.assert_close(
            torch.autograd.grad(ours.sum(), logits)[0], torch.autograd.grad(theirs.sum(), logits)[0]
        )


def test_the_sigmoid_losses_compile_only_when_asked():
    """``compile`` is opt-in, from the module, make_loss and a recipe alike; nothing here compiles
    (the slow test ``test_compiled_sigmoid_losses_match_the_eager_kernels`` does)."""
    from unskew.losses import AsymmetricLoss, SigmoidFocalLoss, make_loss
    from unskew.recipes import parse_recipe

    assert not AsymmetricLoss().compile and not SigmoidFocalLoss().compile
    assert make_loss("asymmetric", compile=True).compile
    part = parse_recipe("sigmoid_focal:gamma=1,compile=true").loss
    assert part.params == {"gamma": 1.0, "compile": True}
    assert make_loss(part.name, **part.params).compile


@pytest.mark.slow
def test_compiled_sigmoid_losses_match_the_eager_kernels():
    """torch.compile of the plain formulas against the fused eager kernels: value and gradient,
    0/1 and soft targets, per-class alpha, clip 0, every reduction (about a minute of compiling)."""
    from unskew.losses import functional as L

    g = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 6, generator=g, dtype=torch.float64) * 4
    logits[0, :2] = torch.tensor([-60.0, 60.0])
    hard = (torch.rand(64, 6, generator=g) < 0.2).double()
    soft = torch.rand(64, 6, generator=g, dtype=torch.float64)
    alpha = torch.linspace(0.1, 0.9, 6, dtype=torch.float64)
    cases = [
        (L.asymmetric_loss, {}, hard),
        (
            L.asymmetric_loss,
            {"gamma_pos": 1.0, "gamma_neg": 2.0, "clip": 0.0, "reduction": "none"},
            soft,
        ),
        (L.sigmoid_focal_loss, {}, hard),
        (L.sigmoid_focal_loss, {"alpha": alpha, "reduction": "sum"}, soft),
    ]
    for fn, kwargs, targets in cases:
        results = []
        for compile in (False, True):
            z = logits.clone().requires_grad_()
            value = fn(z, targets, compile=compile, **kwargs)
            (grad,) = torch.autograd.grad(value.sum(), z)
            results.append((value.detach(), grad))
        (value, grad), (compiled_value, compiled_grad) = results
        torch.testing.assert_close(compiled_value, value, rtol=1e-7, atol=1e-10)
        torch.testing.assert_close(compiled_grad, grad, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", ["sigmoid_focal_loss", "asymmetric_loss"])
def test_the_sigmoid_losses_take_class_indices_as_one_vs_rest_targets(name):
    """Class indices (N, d1, ...) equal their one-hot on dim 1, value and gradient; one logit per
    row takes labels 0/1; a label out of range or a float target of another shape is refused."""
    from unskew.losses import functional as L

    fn = getattr(L, name)
    g = torch.Generator().manual_seed(0)
    shapes = [(16, 4), (2, 4, 3, 3)] if name == "sigmoid_focal_loss" else [(16, 4)]
    for shape in shapes:
        logits = torch.randn(shape, generator=g, dtype=torch.float64) * 3
        labels = torch.randint(0, 4, (shape[0], *shape[2:]), generator=g)
        onehot = F.one_hot(labels, 4).movedim(-1, 1).double()
        results = []
        for targets in (labels, onehot):
            z = logits.clone().requires_grad_()
            value = fn(z, targets)
            results.append((value.detach(), torch.autograd.grad(value, z)[0]))
        torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)
    one = torch.randn(8, 1, generator=g, dtype=torch.float64)
    bits = torch.tensor([0, 1, 1, 0, 0, 0, 1, 0])
    assert fn(one, bits).item() == fn(one, bits.double().unsqueeze(1)).item()
    with pytest.raises(InputError, match="label 4"):
        fn(logits[:, :4] if logits.ndim == 2 else torch.randn(16, 4), torch.full((16,), 4))
    with pytest.raises(InputError, match="labels 0 and 1"):
        fn(one, torch.full((8,), 2))
    with pytest.raises(InputError, match="integer class indices of shape"):
        fn(torch.randn(16, 4), torch.rand(16))


def test_the_sigmoid_focal_0_1_test_takes_exact_zeros_and_ones_only():
    """The 0/1 kernel runs only where every target is exactly 0 or 1 (-0.0 included); a target a
    rounding away from 1, outside [0, 1], NaN or infinite takes the general formula."""
    from unskew.losses._kernels import _hard

    assert _hard(torch.tensor([0.0, 1.0, -0.0, 1.0]))
    for odd in (1.0 - 2**-24, 2.0, -1.0, 1e-30, float("nan"), float("inf")):
        assert not _hard(torch.tensor([0.0, 1.0, odd])), odd
