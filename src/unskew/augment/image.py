"""Image augmentation on batched tensors, minority-focused augmentation and an augmenting
over-sampler.

Every function takes a float batch ``x`` of shape (N, C, H, W) on any device and returns a new batch
of the same shape, dtype and device; each sample gets its own random parameters. Randomness comes
from an optional :class:`torch.Generator`: its numbers are drawn on the generator's device and moved
to ``x.device``, so the same seed gives the same output. Nothing is clipped: the operations work
on normalised images as well as on pixels in [0, 1]. Only plain tensor operations are used
(:func:`torch.nn.functional.affine_grid` / :func:`~torch.nn.functional.grid_sample` for the
geometric ones), so neither torchvision nor kornia is needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from unskew._validation import to_numpy
from unskew.augment._base import AugmentingOverSampler, call_with_generator
from unskew.augment._checks import (
    check_flag,
    check_generator,
    check_images,
    check_interval,
    check_number,
    rand,
    randint,
    randn,
)
from unskew.exceptions import InputError

__all__ = [
    "AugmentOverSampler",
    "ImageAugment",
    "MinorityAugment",
    "color_jitter",
    "cutout",
    "gaussian_noise",
    "minority_probabilities",
    "random_crop",
    "random_flip",
    "random_rotation",
    "random_scale",
]

#: Rows augmented at once by :class:`AugmentOverSampler`.
_CHUNK = 4096


# -- geometric ------------------------------------------------------------------------------------
def _affine(x: torch.Tensor, angles: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
    """Rotate each image by ``angles`` degrees and zoom it by ``scales`` about its centre (bilinear,
    zeros outside). The rotation is done in pixel units, so non-square images are not sheared."""
    n, _, h, w = x.shape
    # the (N, 2, 3) matrices are built in float64 on the CPU (exact for 90-degree turns, and
    # portable to devices without float64), then moved
    rad = angles.detach().to("cpu", torch.float64) * (math.pi / 180.0)
    zoom = scales.detach().to("cpu", torch.float64)
    cos, sin = torch.cos(rad) / zoom, torch.sin(rad) / zoom
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * (h / w)
    theta[:, 1, 0], theta[:, 1, 1] = sin * (w / h), cos
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    theta = theta.to(device=x.device, dtype=work.dtype)
    grid = F.affine_grid(theta, list(work.shape), align_corners=False)
    out = F.grid_sample(work, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.to(x.dtype)


def random_rotation(
    x: torch.Tensor, degrees: float = 15.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Rotate each image by an angle drawn uniformly from ``[-degrees, degrees]``.

    The image turns about its centre with bilinear interpolation; pixels that come from outside
    the image are 0. ``degrees=0`` returns an unchanged copy.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.rand(4, 1, 8, 8)
    >>> random_rotation(x, 30, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 8, 8])
    >>> torch.equal(random_rotation(x, 0), x)
    True
    """
    x = check_images(x)
    degrees = check_number("degrees", degrees, low=0, high=180)
    check_generator(generator)
    if degrees == 0 or len(x) == 0:
        return x.clone()
    angles = (rand((len(x),), generator, x.device) * 2 - 1) * degrees
    return _affine(x, angles, torch.ones_like(angles))


def random_scale(
    x: torch.Tensor,
    scale: tuple[float, float] | float = (0.9, 1.1),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Zoom each image about its centre by a factor drawn uniformly from ``scale = (lo, hi)``.

    A factor above 1 enlarges the content (and cuts its border), below 1 shrinks it and pads with
    0. ``scale=1`` (or ``(1, 1)``) returns an unchanged copy.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.rand(4, 3, 16, 12)
    >>> random_scale(x, (0.8, 1.2), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 3, 16, 12])
    """
    x = check_images(x)
    lo, hi = check_interval("scale", scale)
    check_generator(generator)
    if lo == hi == 1.0 or len(x) == 0:
        return x.clone()
    scales = lo + rand((len(x),), generator, x.device) * (hi - lo)
    return _affine(x, torch.zeros_like(scales), scales)


def random_crop(
    x: torch.Tensor, padding: int = 2, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Pad each image with ``padding`` zero pixels on every side, then crop it back to (H, W) at a
    random offset (the usual CIFAR "pad 4 and crop" augmentation; a shift of up to ``padding``
    pixels in each direction). ``padding=0`` returns an unchanged copy.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.rand(4, 1, 8, 8)
    >>> random_crop(x, 2, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 8, 8])
    >>> torch.equal(random_crop(x, 0), x)
    True
    """
    x = check_images(x)
    padding = check_number("padding", padding, low=0, integer=True)
    check_generator(generator)
    if padding == 0 or len(x) == 0:
        return x.clone()
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    offsets = randint(2 * padding + 1, (2, n), generator, x.device)
    rows = (offsets[0][:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (offsets[1][:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]


def random_flip(
    x: torch.Tensor,
    horizontal: bool = True,
    vertical: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Mirror each image left-right (``horizontal``) and/or top-bottom (``vertical``), each with
    probability 1/2, independently per image. Flips are exact (no interpolation).

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2).repeat(8, 1, 1, 1)
    >>> out = random_flip(x, generator=torch.Generator().manual_seed(0))
    >>> all(torch.equal(o, x[0]) or torch.equal(o, x[0].flip(-1)) for o in out)
    True
    """
    x = check_images(x)
    check_flag("horizontal", horizontal)
    check_flag("vertical", vertical)
    check_generator(generator)
    out = x.clone()
    for axis, enabled in ((-1, horizontal), (-2, vertical)):
        if enabled and len(x):
            flip = rand((len(x),), generator, x.device) < 0.5
            out = torch.where(flip[:, None, None, None], out.flip(axis), out)
    return out


# -- photometric ----------------------------------------------------------------------------------
def _grey(x: torch.Tensor) -> torch.Tensor:
    """Luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) for 3 channels, the channel mean otherwise."""
    if x.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)
        return (x * weights[None, :, None, None]).sum(1, keepdim=True)
    return x.mean(1, keepdim=True)


def _factors(
    strength: float, n: int, generator: torch.Generator | None, x: torch.Tensor
) -> torch.Tensor:
    """Per-image factors uniform in ``[max(0, 1 - strength), 1 + strength]``, shaped (N, 1, 1, 1)."""
    lo, hi = max(0.0, 1.0 - strength), 1.0 + strength
    f = lo + rand((n,), generator, x.device) * (hi - lo)
    return f.to(x.dtype)[:, None, None, None]


def color_jitter(
    x: torch.Tensor,
    brightness: float = 0.2,
    contrast: float = 0.2,
    saturation: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Randomly change brightness, contrast and saturation, in that order, with per-image factors.

    With factors ``f`` drawn uniformly from ``[max(0, 1 - s), 1 + s]`` for each strength ``s``
    (torchvision's ``ColorJitter`` convention, without its clipping to [0, 1]):

    * brightness: ``x <- f_b * x``;
    * contrast: ``x <- f_c * x + (1 - f_c) * mean(grey(x))`` (blend with the image's mean grey);
    * saturation: ``x <- f_s * x + (1 - f_s) * grey(x)`` (blend with the grey image; no effect on
      one-channel images).

    ``grey`` is the ITU-R 601 luma for 3 channels and the channel mean otherwise. A strength of 0
    leaves that property alone.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.rand(4, 3, 8, 8)
    >>> out = color_jitter(x, 0.5, 0.5, 0.5, generator=torch.Generator().manual_seed(0))
    >>> out.shape, torch.equal(color_jitter(x, 0, 0, 0), x)
    (torch.Size([4, 3, 8, 8]), True)
    """
    x = check_images(x)
    brightness = check_number("brightness", brightness, low=0)
    contrast = check_number("contrast", contrast, low=0)
    saturation = check_number("saturation", saturation, low=0)
    check_generator(generator)
    out, n = x.clone(), len(x)
    if n == 0:
        return out
    if brightness > 0:
        out = out * _factors(brightness, n, generator, x)
    if contrast > 0:
        f = _factors(contrast, n, generator, x)
        out = f * out + (1 - f) * _grey(out).mean((1, 2, 3), keepdim=True)
    if saturation > 0:
        f = _factors(saturation, n, generator, x)
        out = f * out + (1 - f) * _grey(out)
    return out


def gaussian_noise(
    x: torch.Tensor, std: float = 0.05, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Add independent Gaussian noise ``N(0, std^2)`` to every pixel: ``x + std * eps``.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> x = torch.zeros(64, 1, 16, 16)
    >>> noisy = gaussian_noise(x, 0.1, generator=torch.Generator().manual_seed(0))
    >>> round(noisy.std().item(), 2)
    0.1
    """
    x = check_images(x)
    std = check_number("std", std, low=0)
    check_generator(generator)
    if std == 0:
        return x.clone()
    return x + (std * randn(tuple(x.shape), generator, x.device)).to(x.dtype)


def cutout(
    x: torch.Tensor,
    size: int = 8,
    value: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Cutout (DeVries & Taylor, 2017): set a ``size`` x ``size`` square of each image to
    ``value`` (0 by default), its centre drawn uniformly over the image.

    As in the paper the square may hang over the border, in which case only its part inside the
    image is erased. Rows ``[cy - size // 2, cy - size // 2 + size)`` and the same columns around
    the centre ``(cy, cx)`` are erased, in every channel. ``size=0`` returns an unchanged copy.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    References
    ----------
    T. DeVries and G. W. Taylor, "Improved Regularization of Convolutional Neural Networks with
    Cutout", arXiv:1708.04552, 2017.

    Examples
    --------
    >>> x = torch.ones(4, 1, 28, 28)
    >>> out = cutout(x, 6, generator=torch.Generator().manual_seed(0))
    >>> bool(((out == 0).sum((1, 2, 3)) <= 36).all())
    True
    """
    x = check_images(x)
    size = check_number("size", size, low=0, integer=True)
    value = check_number("value", value)
    check_generator(generator)
    n, _, h, w = x.shape
    if size == 0 or n == 0:
        return x.clone()
    centre = randint(torch.tensor([[h], [w]]), (2, n), generator, x.device)
    top, left = centre[0] - size // 2, centre[1] - size // 2
    ys, xs = torch.arange(h, device=x.device), torch.arange(w, device=x.device)
    in_rows = (ys >= top[:, None]) & (ys < top[:, None] + size)
    in_cols = (xs >= left[:, None]) & (xs < left[:, None] + size)
    mask = in_rows[:, None, :, None] & in_cols[:, None, None, :]
    return x.masked_fill(mask, value)


# -- the combined pipeline ------------------------------------------------------------------------
def _choose(p: Any, n: int, generator: torch.Generator | None, device: torch.device) -> Any:
    """Which samples to augment: True/False for a scalar p of 1/0, else a bool mask (N,)."""
    if isinstance(p, (np.ndarray, list, tuple)):
        p = torch.as_tensor(np.asarray(p, dtype=np.float32))
    if isinstance(p, torch.Tensor) and p.ndim > 0:
        if p.shape != (n,):
            raise InputError(
                f"a per-sample p must have shape (N,) = ({n},), got {tuple(p.shape)}; "
                "pass one probability per image"
            )
        if not p.is_floating_point() or bool(((p < 0) | (p > 1) | p.isnan()).any()):
            raise InputError("every per-sample p must be a probability in [0, 1]")
        return rand((n,), generator, device) < p.to(device=device, dtype=torch.float32)
    if isinstance(p, torch.Tensor):
        p = p.item()
    p = check_number("p", p, low=0, high=1)
    if p in (0.0, 1.0):
        return p == 1.0
    return rand((n,), generator, device) < p


class ImageAugment:
    """A random image augmentation pipeline, applied to each sample with probability ``p``.

    For a chosen sample the enabled operations run in this order, each with its own random
    parameters: flips (:func:`random_flip`), one affine warp combining rotation and zoom
    (:func:`random_rotation` and :func:`random_scale` in a single interpolation), shift
    (:func:`random_crop`), :func:`color_jitter`, :func:`gaussian_noise`, :func:`cutout`. A sample
    that is not chosen is returned bitwise unchanged.

    Parameters
    ----------
    rotation : float, default=15.0
        Largest rotation in degrees, in [0, 180]; 0 disables it.
    scale : (float, float) or float, default=(0.9, 1.1)
        Zoom range ``(lo, hi)``, ``0 < lo <= hi``; ``(1, 1)`` or None disables it.
    crop_padding : int, default=0
        Largest shift in pixels (pad-and-crop); 0 disables it.
    hflip, vflip : bool, default=False
        Mirror left-right / top-bottom with probability 1/2.
    brightness, contrast, saturation : float, default=0.0
        :func:`color_jitter` strengths (>= 0).
    noise_std : float, default=0.0
        Standard deviation of added Gaussian noise (>= 0).
    cutout : int, default=0
        Side of the erased square (:func:`cutout`); 0 disables it.
    p : float, default=1.0
        Probability that a sample is augmented at all, in [0, 1].

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W)

    Examples
    --------
    >>> augment = ImageAugment(rotation=10, crop_padding=1, noise_std=0.01, p=0.5)
    >>> x = torch.rand(8, 1, 8, 8)
    >>> out = augment(x, generator=torch.Generator().manual_seed(0))
    >>> out.shape, out.dtype
    (torch.Size([8, 1, 8, 8]), torch.float32)
    >>> torch.equal(augment(x, p=0.0), x)
    True
    """

    def __init__(
        self,
        rotation: float = 15.0,
        scale: tuple[float, float] | float | None = (0.9, 1.1),
        crop_padding: int = 0,
        hflip: bool = False,
        vflip: bool = False,
        brightness: float = 0.0,
        contrast: float = 0.0,
        saturation: float = 0.0,
        noise_std: float = 0.0,
        cutout: int = 0,
        p: float = 1.0,
    ) -> None:
        self.rotation = check_number("rotation", rotation, low=0, high=180)
        self.scale = (1.0, 1.0) if scale is None else check_interval("scale", scale)
        self.crop_padding = check_number("crop_padding", crop_padding, low=0, integer=True)
        self.hflip = check_flag("hflip", hflip)
        self.vflip = check_flag("vflip", vflip)
        self.brightness = check_number("brightness", brightness, low=0)
        self.contrast = check_number("contrast", contrast, low=0)
        self.saturation = check_number("saturation", saturation, low=0)
        self.noise_std = check_number("noise_std", noise_std, low=0)
        self.cutout = check_number("cutout", cutout, low=0, integer=True)
        self.p = check_number("p", p, low=0, high=1)

    def __repr__(self) -> str:
        defaults = ImageAugment()
        changed = [
            f"{key}={value!r}"
            for key, value in vars(self).items()
            if value != getattr(defaults, key)
        ]
        return f"ImageAugment({', '.join(changed)})"

    def _apply(self, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Every enabled operation, on every sample of ``x``."""
        if self.hflip or self.vflip:
            x = random_flip(x, self.hflip, self.vflip, generator=generator)
        lo, hi = self.scale
        if self.rotation > 0 or (lo, hi) != (1.0, 1.0):
            n = len(x)
            angles = (rand((n,), generator, x.device) * 2 - 1) * self.rotation
            scales = lo + rand((n,), generator, x.device) * (hi - lo)
            x = _affine(x, angles, scales)
        if self.crop_padding:
            x = random_crop(x, self.crop_padding, generator=generator)
        if self.brightness or self.contrast or self.saturation:
            x = color_jitter(
                x, self.brightness, self.contrast, self.saturation, generator=generator
            )
        if self.noise_std:
            x = gaussian_noise(x, self.noise_std, generator=generator)
        if self.cutout:
            x = cutout(x, self.cutout, generator=generator)
        return x

    def __call__(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        p: float | torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Augment each sample of ``x`` with probability ``p`` (default ``self.p``; a tensor (N,)
        gives one probability per sample)."""
        x = check_images(x)
        check_generator(generator)
        chosen = _choose(self.p if p is None else p, len(x), generator, x.device)
        if chosen is False or len(x) == 0:
            return x.clone()
        if chosen is True:
            out = self._apply(x, generator)
            return out if out is not x else x.clone()  # every operation off: still a copy
        out = x.clone()
        if bool(chosen.any()):
            out[chosen] = self._apply(x[chosen], generator)
        return out


# -- minority-focused augmentation ----------------------------------------------------------------
def _as_counts(class_counts: Any) -> torch.Tensor:
    try:
        counts = torch.as_tensor(to_numpy(class_counts).astype(np.float64))
    except (TypeError, ValueError):
        raise InputError(
            f"class_counts must be numbers, one per class, got {class_counts!r:.60}"
        ) from None
    if counts.ndim != 1 or len(counts) < 1:
        raise InputError(
            f"class_counts must be a 1-D sequence with one count per class, got shape "
            f"{tuple(counts.shape)}; e.g. np.bincount(y)"
        )
    if bool((counts < 0).any()) or not bool(torch.isfinite(counts).all()) or counts.max() <= 0:
        raise InputError(
            f"class_counts must be finite, >= 0 and not all 0, got {counts.tolist()}; "
            "pass the number of training rows of each class, e.g. np.bincount(y)"
        )
    return counts


def minority_probabilities(
    class_counts: Sequence[float] | np.ndarray | torch.Tensor,
    p_max: float = 1.0,
    p_min: float = 0.0,
    power: float = 1.0,
) -> torch.Tensor:
    """Augmentation probability of each class, rising as the class gets rarer.

    ``p_c = p_min + (p_max - p_min) * (1 - (n_c / n_max) ** power)``

    so the largest class is augmented with probability ``p_min`` and a class with (almost) no rows
    with ``p_max``; ``power < 1`` raises the probability of the middle classes, ``power > 1`` keeps
    it for the rarest. Tail classes, with few and hence easily memorised images, are those that
    gain most from augmentation; class-dependent augmentation strength is the idea behind CUDA
    (Ahn et al., "CUDA: Curriculum of Data Augmentation for Long-Tailed Recognition", ICLR 2023),
    which adapts it during training. This rule is its simplest form: fixed and count-based.

    Returns
    -------
    torch.Tensor of float32, shape (C,)

    Examples
    --------
    >>> [round(p, 3) for p in minority_probabilities([100, 50, 10]).tolist()]
    [0.0, 0.5, 0.9]
    >>> [round(p, 3) for p in minority_probabilities([100, 25], p_min=0.2, power=0.5).tolist()]
    [0.2, 0.6]
    """
    p_max = check_number("p_max", p_max, low=0, high=1)
    p_min = check_number("p_min", p_min, low=0, high=1)
    power = check_number("power", power, low=0, low_open=True)
    if p_min > p_max:
        raise InputError(f"p_min must be <= p_max, got p_min={p_min} and p_max={p_max}")
    counts = _as_counts(class_counts)
    rarity = 1.0 - (counts / counts.max()) ** power
    return (p_min + (p_max - p_min) * rarity).float()


class MinorityAugment:
    """Augment rarer classes more often: sample ``i`` is augmented with probability
    ``p_{y_i}`` from :func:`minority_probabilities`.

    ``p_c = p_min + (p_max - p_min) * (1 - (n_c / n_max) ** power)``

    Parameters
    ----------
    augment : callable
        An :class:`ImageAugment` (its own ``p`` is replaced by the per-class probabilities) or any
        ``f(x)`` / ``f(x, generator=None)`` returning a batch of the same shape, which is then
        applied to the chosen samples only.
    class_counts : sequence of int, shape (C,)
        Training rows of each class.
    p_max, p_min : float, default=1.0 and 0.0
        Probabilities of the rarest and of the largest class, ``0 <= p_min <= p_max <= 1``.
    power : float, default=1.0
        Shape of the curve (> 0).

    Attributes
    ----------
    probabilities : torch.Tensor, shape (C,)
        ``p_c`` of every class.

    Shape
    -----
    x (N, C, H, W) with labels y (N,) -> (N, C, H, W)

    Examples
    --------
    >>> minority = MinorityAugment(ImageAugment(rotation=20), class_counts=[90, 10])
    >>> [round(p, 3) for p in minority.probabilities.tolist()]
    [0.0, 0.889]
    >>> x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 0, 0, 1, 1, 1])
    >>> out = minority(x, y, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(out[:3], x[:3])  # the majority class (p = 0) is never touched
    True
    """

    def __init__(
        self,
        augment: Callable[..., torch.Tensor],
        class_counts: Sequence[float] | np.ndarray | torch.Tensor,
        p_max: float = 1.0,
        p_min: float = 0.0,
        power: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        if not callable(augment):
            raise InputError(
                f"augment must be callable (e.g. ImageAugment(...)), got {type(augment).__name__}"
            )
        self.augment = augment
        self.generator = generator
        self.p_max, self.p_min, self.power = p_max, p_min, power
        self.probabilities = minority_probabilities(class_counts, p_max, p_min, power)
        self._takes_generator = call_with_generator(augment)

    def __repr__(self) -> str:
        return (
            f"MinorityAugment({self.augment!r}, p_max={self.p_max}, p_min={self.p_min}, "
            f"power={self.power})"
        )

    def sample_probabilities(self, y: torch.Tensor) -> torch.Tensor:
        """``p_{y_i}`` of every sample, on the device of ``y``."""
        y = torch.as_tensor(y)
        n_classes = len(self.probabilities)
        if y.ndim != 1 or y.is_floating_point() or y.is_complex():
            raise InputError(
                f"y must be a 1-D tensor of integer class codes, got {y.dtype} of shape "
                f"{tuple(y.shape)}"
            )
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= n_classes):
            raise InputError(
                f"y holds labels outside 0..{n_classes - 1} (min {int(y.min())}, max "
                f"{int(y.max())}) but class_counts has {n_classes} classes; pass one count per class"
            )
        return self.probabilities.to(y.device)[y]

    def transform(self, batch: Any) -> Any:
        """The batch-stage hook: the batch with its images augmented (drawing from
        ``generator``)."""
        batch.x = self(batch.x, batch.y, generator=self.generator)
        return batch

    def __call__(
        self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        x = check_images(x)
        check_generator(generator)
        if len(y) != len(x):
            raise InputError(f"x has {len(x)} images but y has {len(y)} labels; they must match")
        p = self.sample_probabilities(y).to(x.device)
        if isinstance(self.augment, ImageAugment):
            return self.augment(x, generator=generator, p=p)
        chosen = rand((len(x),), generator, x.device) < p
        out = x.clone()
        if bool(chosen.any()):
            sub = x[chosen]
            out[chosen] = (
                self.augment(sub, generator=generator)
                if self._takes_generator
                else self.augment(sub)
            )
        return out


# -- the data-stage over-sampler ------------------------------------------------------------------
class AugmentOverSampler(AugmentingOverSampler):
    """Over-sample the smaller classes with augmented copies of their images.

    For each class below its target count (``sampling_strategy``, imbalanced-learn's convention:
    ``"auto"`` brings every class to the majority's count, a float ``r`` to ``floor(r * n_max)``, a
    dict ``{class: count}`` to the given counts), rows of that class are drawn at random (a fresh
    random order per pass, so every row is used evenly) and an augmented copy of each is appended,
    until the target is reached. This is random over-sampling (imbalanced-learn's
    ``RandomOverSampler``) with augmentation instead of exact duplicates, the data-stage
    counterpart of the on-the-fly minority augmentation used against long-tailed image data.

    ``X`` may be (N, C, H, W), (N, H, W), or flattened (N, D) with ``image_shape=(C, H, W)``; a
    flattened ``X`` whose D is a perfect square ``S * S`` is read as 1 x S x S images. NumPy in
    gives NumPy out, torch in gives torch out (on its device), always in the shape and dtype of
    ``X``. The original rows come first, unchanged; then the new rows, class by class.

    Parameters
    ----------
    augment : callable, optional
        ``f(x, generator=None)`` on a float batch (N, C, H, W); default ``ImageAugment()``
        (rotation up to 15 degrees and zoom 0.9-1.1).
    sampling_strategy : str, float, dict or callable, default="auto"
    random_state : int, RandomState or None
    image_shape : tuple of int, optional
        ``(C, H, W)`` or ``(H, W)`` of a flattened ``X``.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows added per class.
    sample_indices_ : ndarray of int, shape (N_res,)
        Source row of every output row (``arange(N)`` for the originals), as in imbalanced-learn.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((12, 1, 8, 8))
    >>> y = np.array([0] * 9 + [1] * 3)
    >>> X_res, y_res = AugmentOverSampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist(), bool((X_res[:12] == X).all())
    ((18, 1, 8, 8), [9, 9], True)
    """

    accepts_nd: ClassVar[bool] = True

    def __init__(
        self,
        augment: Callable[..., torch.Tensor] | None = None,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        image_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.augment = augment
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.image_shape = image_shape

    def _check_params(self) -> None:
        if self.augment is not None and not callable(self.augment):
            raise InputError(
                f"augment must be callable (e.g. ImageAugment(...)) or None, got "
                f"{type(self.augment).__name__}"
            )
        shape = self.image_shape
        if shape is not None and not (
            isinstance(shape, (tuple, list))
            and len(shape) in (2, 3)
            and all(isinstance(s, (int, np.integer)) and s > 0 for s in shape)
        ):
            raise InputError(
                f"image_shape must be (C, H, W) or (H, W) with positive integers, got {shape!r}"
            )

    def _image_shape(self, X: Any) -> tuple[int, int, int]:
        """(C, H, W) of one row of ``X``."""
        if X.ndim == 4:
            return tuple(X.shape[1:])
        if X.ndim == 3:
            return (1, *X.shape[1:])
        if X.ndim != 2:
            raise InputError(
                f"X must be (N, C, H, W), (N, H, W) or flattened (N, D) images, got shape "
                f"{tuple(X.shape)}"
            )
        d = int(X.shape[1])
        if self.image_shape is not None:
            shape = tuple(int(s) for s in self.image_shape)
            shape = (1, *shape) if len(shape) == 2 else shape
            if math.prod(shape) != d:
                raise InputError(
                    f"image_shape={tuple(self.image_shape)} holds {math.prod(shape)} values but X "
                    f"has {d} columns; pass the (C, H, W) of the flattened images"
                )
            return shape
        side = math.isqrt(d)
        if side * side != d:
            raise InputError(
                f"X has {d} columns, which is not a perfect square, so the image size cannot be "
                f"guessed; pass image_shape=(C, H, W) with C * H * W = {d}"
            )
        return (1, side, side)

    def _check_X(self, X: Any) -> None:
        if not isinstance(X, (np.ndarray, torch.Tensor)):
            raise InputError(
                f"X must be a NumPy array or a torch tensor of images, got {type(X).__name__}; "
                "convert with np.asarray(X)"
            )
        floating = X.is_floating_point() if isinstance(X, torch.Tensor) else X.dtype.kind == "f"
        if not floating:
            raise InputError(
                f"X must hold floating-point pixels, got {X.dtype}; convert with "
                "X.astype(np.float32) (or X.float() for a tensor), dividing 8-bit images by 255"
            )
        self._image_shape(X)

    def resample_index(self, y: Any) -> np.ndarray:
        """The index-level form of :meth:`fit_resample`, for images not held in memory (an image
        folder's Dataset): the source row of every output row, the originals first (``arange(N)``)
        and then the rows to copy, chosen exactly as ``fit_resample`` chooses them. The data stage
        gives the copies to :meth:`item_transform` as they are loaded.

        Examples
        --------
        >>> AugmentOverSampler(random_state=0).resample_index([0, 0, 0, 1]).tolist()
        [0, 1, 2, 3, 3, 3]
        """
        self._check_params()
        y_np = to_numpy(y)
        if y_np.ndim != 1 or len(y_np) == 0:
            raise InputError(
                f"y must be one class label per row (1-D, non-empty), got shape {y_np.shape}"
            )
        codes = self._prepare_labels(y_np)
        self._plan_rows(codes)
        self.augment_ = self.augment if self.augment is not None else ImageAugment()
        self._takes_generator = call_with_generator(self.augment_)
        return self.sample_indices_

    def item_transform(self, x: torch.Tensor, generator: torch.Generator | None = None) -> Any:
        """One augmented copy of one image ``x`` (C, H, W): the ``augment`` of :meth:`fit_resample`
        applied to a batch of one (the data stage calls it on each repeated row it loads).

        Examples
        --------
        >>> x = torch.rand(1, 8, 8)
        >>> out = AugmentOverSampler().item_transform(x, torch.Generator().manual_seed(0))
        >>> out.shape, torch.equal(out, x)
        (torch.Size([1, 8, 8]), False)
        """
        if not hasattr(self, "augment_"):  # called before resample_index
            self.augment_ = self.augment if self.augment is not None else ImageAugment()
            self._takes_generator = call_with_generator(self.augment_)
        batch = torch.as_tensor(x).unsqueeze(0)
        augment = self.augment_
        new = augment(batch, generator=generator) if self._takes_generator else augment(batch)
        return new[0]

    def _generate(self, X: Any, rows: np.ndarray, codes: np.ndarray, seed: int) -> Any:
        is_numpy = isinstance(X, np.ndarray)
        Xt = torch.from_numpy(np.ascontiguousarray(X)) if is_numpy else X
        images = Xt.reshape(len(Xt), *self._image_shape(X))
        augment = self.augment if self.augment is not None else ImageAugment()
        takes_generator = call_with_generator(augment)
        generator = torch.Generator().manual_seed(seed)
        out = torch.empty((len(Xt) + len(rows), *Xt.shape[1:]), dtype=Xt.dtype, device=Xt.device)
        out[: len(Xt)] = Xt
        index = torch.as_tensor(rows, device=Xt.device)
        for start in range(0, len(rows), _CHUNK):
            batch = images[index[start : start + _CHUNK]]
            new = augment(batch, generator=generator) if takes_generator else augment(batch)
            if not isinstance(new, torch.Tensor) or new.shape != batch.shape:
                raise InputError(
                    f"augment must return a tensor of the shape it was given {tuple(batch.shape)}, "
                    f"got {getattr(new, 'shape', type(new).__name__)}"
                )
            stop = len(Xt) + start + len(batch)
            out[len(Xt) + start : stop] = new.reshape(len(batch), *Xt.shape[1:]).to(out.dtype)
        return out.numpy() if is_numpy else out
