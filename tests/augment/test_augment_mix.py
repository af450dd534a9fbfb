"""Mixup and Remix: lam in [0, 1] with the Beta law, the mixed batch is the stated convex
combination, Remix's label goes to the minority under the paper's conditions, the mixed loss
matches a hand computation, and errors name the parameter."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from unskew.augment import Mixup, Remix, mixed_loss, mixup, remix
from unskew.exceptions import InputError


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target, reduction="none")


@pytest.mark.parametrize("shape", [(64, 5), (64, 1, 8, 8)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_mixup_is_a_convex_combination_with_a_permuted_partner(shape, dtype):
    x = torch.randn(*shape, generator=_gen(1), dtype=dtype)
    y = torch.arange(shape[0])  # unique labels reveal the partner of every sample
    x_mixed, y_a, y_b, lam = mixup(x, y, alpha=0.4, generator=_gen())
    assert x_mixed.shape == x.shape and x_mixed.dtype == dtype and lam.dtype == dtype
    assert torch.equal(y_a, y) and sorted(y_b.tolist()) == y.tolist()
    assert lam.shape == (shape[0],) and bool(((lam >= 0) & (lam <= 1)).all())
    w = lam.reshape(-1, *[1] * (x.ndim - 1))
    torch.testing.assert_close(x_mixed, w * x + (1 - w) * x[y_b])
    again = mixup(x, y, alpha=0.4, generator=_gen())
    assert all(torch.equal(a, b) for a, b in zip(again, (x_mixed, y_a, y_b, lam), strict=True))


def test_mixup_lam_follows_beta_alpha_alpha():
    x, y = torch.zeros(20000, 1), torch.zeros(20000, dtype=torch.long)
    for alpha in (0.2, 1.0, 4.0):
        lam = mixup(x, y, alpha, generator=_gen()).__getitem__(3).double()
        assert lam.mean().item() == pytest.approx(0.5, abs=0.01)
        assert lam.var().item() == pytest.approx(1 / (4 * (2 * alpha + 1)), rel=0.05)


def test_mixup_passes_gradients_to_the_inputs():
    x = torch.randn(8, 3, requires_grad=True)
    x_mixed, _, y_b, lam = mixup(x, torch.arange(8), generator=_gen())
    x_mixed.sum().backward()
    # sample j enters its own mix with lam_j and the mix of the sample whose partner it is with
    # 1 - lam_i
    inverse = torch.argsort(y_b)
    expected = (lam + 1 - lam[inverse]).detach()[:, None].expand(8, 3)
    torch.testing.assert_close(x.grad, expected)


def test_remix_mixes_inputs_like_mixup_and_applies_the_label_rule():
    counts = torch.tensor([300.0, 100.0, 10.0])
    y = torch.tensor([0, 1, 2]).repeat(200)
    x = torch.randn(len(y), 4, generator=_gen(2))
    kappa, tau = 3.0, 0.5
    x_mixed, y_a, y_b, lam_y = remix(x, y, counts, 1.0, kappa, tau, generator=_gen())
    # same seed: the same partners and input weights as mixup
    x_mix, y_a2, y_b2, lam = mixup(x, y, 1.0, generator=_gen())
    torch.testing.assert_close(x_mixed, x_mix)
    assert torch.equal(y_a, y_a2) and torch.equal(y_b, y_b2)
    ratio = counts[y_a] / counts[y_b]
    to_b = (ratio >= kappa) & (lam < tau)  # y_a is the majority and holds < tau of the input
    to_a = (ratio <= 1 / kappa) & (1 - lam < tau)  # mirror case: y_a is the minority
    assert to_b.sum() > 20 and to_a.sum() > 20
    assert torch.equal(lam_y[to_b], torch.zeros(int(to_b.sum())))
    assert torch.equal(lam_y[to_a], torch.ones(int(to_a.sum())))
    torch.testing.assert_close(lam_y[~(to_a | to_b)], lam[~(to_a | to_b)])


def test_remix_constructed_pair_gives_the_label_to_the_minority():
    # sample 0 of a class of 100 rows, sample 1 of a class of 10 (ratio 10 >= kappa = 3); with
    # x = [1, 0] the mixed values reveal lam. Seeds where the two are partners cover both cases.
    x, y = torch.tensor([[1.0], [0.0]]), torch.tensor([0, 1])
    seen = set()
    for seed in range(100):
        x_mixed, _, y_b, lam_y = remix(x, y, [100, 10], generator=_gen(seed))
        if y_b.tolist() != [1, 0]:
            continue
        lam_0, lam_1 = x_mixed[0, 0].item(), 1 - x_mixed[1, 0].item()
        # majority sample holding less than tau of the input: the label is all minority (y_b)
        assert lam_y[0].item() == (0.0 if lam_0 < 0.5 else pytest.approx(lam_0))
        # minority sample holding more than 1 - tau of the input: the label is all minority (y_a)
        assert lam_y[1].item() == (1.0 if 1 - lam_1 < 0.5 else pytest.approx(lam_1))
        seen.add((lam_0 < 0.5, lam_1 > 0.5))
    assert len(seen) >= 3  # both rules fired and did not fire


def test_remix_with_equal_counts_is_mixup():
    x, y = torch.randn(32, 3), torch.randint(0, 4, (32,), generator=_gen(1))
    _, _, _, lam_y = remix(x, y, [5, 5, 5, 5], generator=_gen())
    _, _, _, lam = mixup(x, y, generator=_gen())
    torch.testing.assert_close(lam_y, lam)


def test_mixed_loss_matches_a_hand_computation():
    logits = torch.randn(6, 4, generator=_gen(3))
    y_a, y_b = torch.tensor([0, 1, 2, 3, 0, 1]), torch.tensor([3, 3, 1, 0, 0, 2])
    lam = torch.tensor([1.0, 0.0, 0.5, 0.25, 0.9, 0.3])
    log_p = torch.log_softmax(logits, 1)
    rows = torch.arange(6)
    expected = (-(lam * log_p[rows, y_a]) - (1 - lam) * log_p[rows, y_b]).mean()
    torch.testing.assert_close(mixed_loss(_ce, logits, y_a, y_b, lam), expected)
    scalar = mixed_loss(_ce, logits, y_a, y_b, 0.7)
    torch.testing.assert_close(scalar, (0.7 * _ce(logits, y_a) + 0.3 * _ce(logits, y_b)).mean())
    # lam = 1 is plain cross-entropy on y_a
    torch.testing.assert_close(mixed_loss(_ce, logits, y_a, y_b, 1.0), F.cross_entropy(logits, y_a))


def test_wrappers_bind_parameters():
    x, y = torch.randn(10, 2), torch.tensor([0] * 8 + [1] * 2)
    mix = Mixup(alpha=0.5, space="feature")
    assert mix.space == "feature" and "alpha=0.5" in repr(mix)
    out = mix(x, y, class_counts=[8, 2], generator=_gen())
    assert all(torch.equal(a, b) for a, b in zip(out, mixup(x, y, 0.5, _gen()), strict=True))
    rebalanced = Remix(alpha=0.5, kappa=2.0, tau=0.4)
    out = rebalanced(x, y, class_counts=np.array([80, 20]), generator=_gen())
    expected = remix(x, y, [80, 20], 0.5, 2.0, 0.4, _gen())
    assert all(torch.equal(a, b) for a, b in zip(out, expected, strict=True))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x, y: mixup(x, y, alpha=0), r"alpha must be a number > 0, got 0"),
        (lambda x, y: mixup(x, y[:3]), r"one class code per sample"),
        (lambda x, y: mixup(x, y.float()), r"integer class codes"),
        (lambda x, y: mixup(x.long(), y), r"floating-point tensor"),
        (lambda x, y: remix(x, y, None), r"remix needs class_counts"),
        (lambda x, y: remix(x, y, [4, 0]), r"class_counts is 0 for class\(es\) \[1\]"),
        (lambda x, y: remix(x, y, [4]), r"labels outside 0..0"),
        (lambda x, y: remix(x, y, [4, 4], kappa=0.5), r"kappa must be a number >= 1"),
        (lambda x, y: remix(x, y, [4, 4], tau=1.5), r"tau must be a number in \[0, 1\]"),
        (lambda x, y: Mixup(space="hidden"), r"space must be 'input'.*or 'feature'"),
        (lambda x, y: Remix()(x, y), r"remix needs class_counts"),
        (
            lambda x, y: mixed_loss(F.cross_entropy, torch.randn(4, 2), y, y, 0.5),
            r"one loss per sample.*reduction='none'",
        ),
        (
            lambda x, y: mixed_loss(_ce, torch.randn(4, 2), y, y, torch.ones(3)),
            r"lam must be a float or a tensor of shape \(4,\)",
        ),
    ],
)
def test_bad_input(call, match):
    x, y = torch.randn(4, 3), torch.tensor([0, 0, 1, 1])
    with pytest.raises(InputError, match=match):
        call(x, y)
