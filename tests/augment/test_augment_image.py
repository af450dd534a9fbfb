"""Image augmentation on real digits: shapes, dtypes, devices, seeding, exact identities and
geometry, per-sample choice, minority-focused probabilities, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from unskew.augment import (
    ImageAugment,
    MinorityAugment,
    color_jitter,
    cutout,
    gaussian_noise,
    minority_probabilities,
    random_crop,
    random_flip,
    random_rotation,
    random_scale,
)
from unskew.augment.image import _affine
from unskew.exceptions import InputError

OPS = {
    "rotation": lambda x, g: random_rotation(x, 30, generator=g),
    "scale": lambda x, g: random_scale(x, (0.8, 1.2), generator=g),
    "crop": lambda x, g: random_crop(x, 2, generator=g),
    "flip": lambda x, g: random_flip(x, True, True, generator=g),
    "jitter": lambda x, g: color_jitter(x, 0.3, 0.3, 0.3, generator=g),
    "noise": lambda x, g: gaussian_noise(x, 0.1, generator=g),
    "cutout": lambda x, g: cutout(x, 3, generator=g),
    "pipeline": lambda x, g: ImageAugment(
        rotation=20, crop_padding=1, hflip=True, brightness=0.2, noise_std=0.01, cutout=2, p=0.7
    )(x, generator=g),
}


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def batch(digits) -> torch.Tensor:
    return torch.from_numpy(digits[0][:32].copy())


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_device_kept_and_seeded(batch, name, dtype):
    x = batch.to(dtype)
    out = OPS[name](x, _gen(0))
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device
    assert torch.equal(out, OPS[name](x, _gen(0)))  # same seed, same output
    assert not torch.equal(out, OPS[name](x, _gen(1)))  # another seed, another output
    assert not torch.equal(out, x)


@pytest.mark.parametrize("name", sorted(OPS))
def test_three_channel_non_square_images(name):
    x = torch.rand(6, 3, 10, 14, generator=_gen(5))
    assert OPS[name](x, _gen(0)).shape == x.shape


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
@pytest.mark.parametrize("name", sorted(OPS))
def test_gpu_tensors_stay_on_the_gpu_with_a_cpu_generator(batch, name):
    x = batch.cuda()
    out = OPS[name](x, _gen(0))
    assert out.device == x.device
    assert torch.equal(out, OPS[name](x, _gen(0)))


def test_neutral_parameters_are_exact_identities(batch):
    assert torch.equal(random_rotation(batch, 0, generator=_gen()), batch)
    assert torch.equal(random_scale(batch, 1.0, generator=_gen()), batch)
    assert torch.equal(random_scale(batch, (1, 1), generator=_gen()), batch)
    assert torch.equal(random_crop(batch, 0, generator=_gen()), batch)
    assert torch.equal(random_flip(batch, False, False, generator=_gen()), batch)
    assert torch.equal(color_jitter(batch, 0, 0, 0, generator=_gen()), batch)
    assert torch.equal(gaussian_noise(batch, 0, generator=_gen()), batch)
    assert torch.equal(cutout(batch, 0, generator=_gen()), batch)
    neutral = ImageAugment(rotation=0, scale=None)
    assert torch.equal(neutral(batch, generator=_gen()), batch)


def test_quarter_turn_matches_rot90_and_identity_warp_is_close(batch):
    turned = _affine(batch, torch.full((len(batch),), 90.0), torch.ones(len(batch)))
    matches = [torch.allclose(turned, torch.rot90(batch, k, (2, 3)), atol=1e-5) for k in (1, -1)]
    assert any(matches)
    same = _affine(batch, torch.zeros(len(batch)), torch.ones(len(batch)))
    assert torch.allclose(same, batch, atol=1e-5)


def test_rotation_keeps_a_centred_disk():
    ys, xs = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    radius = ((ys - 15.5) ** 2 + (xs - 15.5) ** 2).sqrt()
    disk = (radius < 8).float().expand(16, 1, 32, 32)
    out = random_rotation(disk, 180, generator=_gen())
    # only the rim is re-interpolated: inside stays 1, outside 0, the area is kept
    assert torch.allclose(out[..., radius < 6.5], torch.tensor(1.0))
    assert torch.equal(out[..., radius > 9.5], torch.zeros_like(out[..., radius > 9.5]))
    assert torch.allclose(out.sum((1, 2, 3)), disk.sum((1, 2, 3)), rtol=0.03)


def test_rotation_changes_real_digits_but_keeps_their_ink(mnist_images):
    out = random_rotation(mnist_images, 30, generator=_gen())
    ink_before, ink_after = mnist_images.sum((1, 2, 3)), out.sum((1, 2, 3))
    assert torch.allclose(ink_after, ink_before, rtol=0.05)  # MNIST digits sit well inside
    assert (out - mnist_images).abs().amax((1, 2, 3)).median() > 0.5  # angles differ per image


def test_scale_zooms_about_the_centre(mnist_images):
    small = random_scale(mnist_images, (0.5, 0.5), generator=_gen())
    # half size: the ink mass shrinks by about 4 and stays centred
    ratio = small.sum() / mnist_images.sum()
    assert 0.2 < ratio < 0.3
    assert small[:, :, :4].abs().sum() == 0 and small[:, :, -4:].abs().sum() == 0


def test_crop_is_a_shift_of_at_most_padding(batch):
    pad = 2
    out = random_crop(batch, pad, generator=_gen())
    padded = torch.nn.functional.pad(batch, (pad,) * 4)
    shifts = set()
    for i in range(len(batch)):
        found = [
            (dy, dx)
            for dy in range(2 * pad + 1)
            for dx in range(2 * pad + 1)
            if torch.equal(out[i], padded[i, :, dy : dy + 8, dx : dx + 8])
        ]
        assert found, f"sample {i} is not a crop of its padded image"
        shifts.add(found[0])
    assert len(shifts) > 3  # offsets are drawn per sample


def test_flips_are_exact_and_happen_half_of_the_time(batch):
    out = random_flip(batch, horizontal=True, vertical=True, generator=_gen())
    for o, x in zip(out, batch, strict=True):
        assert any(torch.equal(o, v) for v in (x, x.flip(-1), x.flip(-2), x.flip(-1).flip(-2)))
    many = torch.arange(16.0).reshape(1, 1, 4, 4).expand(4000, 1, 4, 4)
    flipped = (random_flip(many, generator=_gen()) != many).flatten(1).any(1).float().mean()
    assert abs(flipped.item() - 0.5) < 0.03


def test_cutout_erases_a_square_of_the_given_size():
    size, n = 6, 400
    x = torch.ones(n, 2, 20, 20)
    out = cutout(x, size, generator=_gen())
    erased = out[:, 0] == 0
    assert torch.equal(out[:, 0], out[:, 1])  # every channel
    full = 0
    for mask in erased:
        rows, cols = mask.any(1).nonzero().squeeze(1), mask.any(0).nonzero().squeeze(1)
        assert 1 <= len(rows) <= size and 1 <= len(cols) <= size
        block = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        assert block.all() and mask.sum() == block.numel()  # one solid rectangle
        full += int(mask.sum()) == size * size
    assert full > n / 2  # most squares lie fully inside a 20x20 image


def test_cutout_leaves_the_rest_of_a_real_digit_alone(mnist_images):
    out = cutout(mnist_images, 8, value=-1.0, generator=_gen())
    hit = out == -1.0
    assert torch.equal(out[~hit], mnist_images[~hit])
    assert (hit.sum((1, 2, 3)) <= 64).all()


def test_gaussian_noise_has_the_requested_std():
    x = torch.rand(256, 1, 16, 16, generator=_gen(3))
    noise = gaussian_noise(x, 0.2, generator=_gen()) - x
    assert abs(noise.std().item() - 0.2) < 0.005 and abs(noise.mean().item()) < 0.005


def test_color_jitter_factors():
    x = torch.rand(200, 3, 6, 6, generator=_gen(2)) + 0.1
    bright = color_jitter(x, brightness=0.3, contrast=0, generator=_gen())
    factor = (bright / x).flatten(1)
    assert torch.allclose(factor, factor[:, :1].expand_as(factor), atol=1e-5)
    assert factor.min() >= 0.7 - 1e-6 and factor.max() <= 1.3 + 1e-6
    contrast = color_jitter(x, brightness=0, contrast=0.5, generator=_gen())
    grey = lambda t: (t * torch.tensor([0.299, 0.587, 0.114])[None, :, None, None]).sum(1)  # noqa: E731
    assert torch.allclose(grey(contrast).mean((1, 2)), grey(x).mean((1, 2)), atol=1e-5)
    single = torch.rand(8, 1, 6, 6, generator=_gen(4))
    assert torch.allclose(color_jitter(single, 0, 0, 0.9, generator=_gen()), single)


def test_pipeline_leaves_unchosen_samples_bitwise_unchanged(batch):
    augment = ImageAugment(rotation=25, crop_padding=1, noise_std=0.05, cutout=3)
    p = torch.tensor([0.0, 1.0] * 16)
    out = augment(batch, generator=_gen(), p=p)
    assert torch.equal(out[0::2], batch[0::2])
    assert all(not torch.equal(o, x) for o, x in zip(out[1::2], batch[1::2], strict=True))
    assert torch.equal(augment(batch, generator=_gen(), p=0.0), batch)
    half = ImageAugment(rotation=25, p=0.5)
    changed = half(batch.repeat(20, 1, 1, 1), generator=_gen()) != batch.repeat(20, 1, 1, 1)
    rate = changed.flatten(1).any(1).float().mean().item()
    assert 0.4 < rate < 0.6


def test_pipeline_does_not_modify_its_input(batch):
    before = batch.clone()
    ImageAugment(rotation=10, cutout=2, noise_std=0.1)(batch, generator=_gen())
    assert torch.equal(batch, before)


def test_minority_probabilities_follow_the_formula():
    counts = np.array([400, 100, 20, 4])
    for p_max, p_min, power in [(1.0, 0.0, 1.0), (0.8, 0.1, 0.5), (0.9, 0.2, 2.0)]:
        p = minority_probabilities(counts, p_max, p_min, power)
        expected = p_min + (p_max - p_min) * (1 - (counts / 400) ** power)
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-6)
        assert p[0] == pytest.approx(p_min) and bool((p.diff() > 0).all())


def test_minority_augment_rates_per_class():
    counts = [100, 50, 10]
    minority = MinorityAugment(ImageAugment(rotation=30, scale=None), counts)
    y = torch.arange(3).repeat_interleave(1000)
    x = torch.rand(3000, 1, 8, 8, generator=_gen(7))
    changed = (minority(x, y, generator=_gen()) != x).flatten(1).any(1).float()
    rates = [changed[y == c].mean().item() for c in range(3)]
    assert rates[0] == 0.0
    assert rates[1] == pytest.approx(0.5, abs=0.05) and rates[2] == pytest.approx(0.9, abs=0.03)


def test_minority_augment_with_a_plain_callable():
    minority = MinorityAugment(lambda x: x + 1, [10, 1], p_min=0.0, p_max=1.0)
    x, y = torch.zeros(6, 1, 2, 2), torch.tensor([0, 0, 0, 1, 1, 1])
    out = minority(x, y, generator=_gen())
    assert torch.equal(out[:3], x[:3]) and torch.equal(out[3:], x[3:] + 1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: random_rotation(x, -5), r"degrees must be a number in \[0, 180\], got -5"),
        (lambda x: random_scale(x, (0.0, 1.0)), r"scale must be a pair \(lo, hi\) with 0 < lo"),
        (lambda x: random_scale(x, (1.2, 0.9)), r"scale must be a pair"),
        (lambda x: random_crop(x, -1), r"padding must be an integer >= 0, got -1"),
        (lambda x: random_crop(x, 1.5), r"padding must be an integer >= 0, got 1.5"),
        (lambda x: random_flip(x, horizontal=1), r"horizontal must be True or False"),
        (lambda x: color_jitter(x, brightness=-0.1), r"brightness must be a number >= 0"),
        (lambda x: gaussian_noise(x, std=-1), r"std must be a number >= 0"),
        (lambda x: gaussian_noise(x, std=float("nan")), r"std must be a number >= 0"),
        (lambda x: cutout(x, size=-2), r"size must be an integer >= 0"),
        (lambda x: ImageAugment(p=1.5), r"p must be a number in \[0, 1\], got 1.5"),
        (lambda x: ImageAugment(rotation=200), r"rotation must be a number in \[0, 180\]"),
        (lambda x: ImageAugment()(x, p=torch.ones(3)), r"per-sample p must have shape"),
        (lambda x: ImageAugment()(x, p=torch.full((4,), 2.0)), r"probability in \[0, 1\]"),
        (lambda x: random_rotation(x.long(), 10), r"floating-point pixels.*x.float\(\)"),
        (lambda x: random_rotation(x[:, 0], 10), r"shape \(N, C, H, W\), got shape \(4, 8, 8\)"),
        (lambda x: random_rotation(x.numpy(), 10), r"must be a torch.Tensor"),
        (lambda x: random_rotation(x, 10, generator=0), r"generator must be a torch.Generator"),
        (lambda x: minority_probabilities([5, 1], p_max=0.2, p_min=0.5), r"p_min must be <= p_max"),
        (lambda x: minority_probabilities([5, 1], power=0), r"power must be a number > 0"),
        (lambda x: minority_probabilities([5, -1]), r"class_counts must be finite, >= 0"),
        (
            lambda x: MinorityAugment(ImageAugment(), [3, 1])(x, torch.tensor([0, 1, 2, 0])),
            r"labels outside 0..1",
        ),
        (lambda x: MinorityAugment("rotate", [3, 1]), r"augment must be callable"),
    ],
)
def test_bad_input_names_the_parameter_and_its_range(call, match):
    x = torch.rand(4, 1, 8, 8)
    with pytest.raises(InputError, match=match):
        call(x)


def test_affine_handles_half_precision():
    x = torch.rand(2, 1, 8, 8).half()
    out = random_rotation(x, 20, generator=_gen())
    assert out.dtype == torch.float16 and math.isfinite(out.float().sum().item())
