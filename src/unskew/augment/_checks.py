"""Parameter checks and random draws shared by the augmentation modules.

Every check raises :class:`~unskew.exceptions.InputError` naming the parameter, what was received
and the valid range. Random numbers are drawn on the generator's own device (a
:class:`torch.Generator` is bound to one device) and then moved to the data's device, so the same
seed gives the same augmentation wherever the data lives.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import torch

from unskew.exceptions import InputError


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> float:
    """Return ``value`` as a float (or int) after checking its type and range.

    Examples
    --------
    >>> check_number("std", 0.5, low=0)
    0.5
    >>> check_number("p", 2, low=0, high=1)
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: p must be a number in [0, 1], got 2
    """
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        allowed = f"{kind} in {'(' if low_open else '['}{low:g}, {high:g}]"
    elif low is not None:
        allowed = f"{kind} {'>' if low_open else '>='} {low:g}"
    else:
        allowed = kind
    wanted = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, wanted) or value != value:  # NaN
        raise InputError(f"{name} must be {allowed}, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        raise InputError(f"{name} must be {allowed}, got {value!r}")
    return int(value) if integer else float(value)


def check_interval(name: str, value: Any, *, low: float = 0.0) -> tuple[float, float]:
    """A ``(lo, hi)`` pair with ``low < lo <= hi``; a single number ``s`` means ``(s, s)``.

    Examples
    --------
    >>> check_interval("scale", (0.9, 1.1))
    (0.9, 1.1)
    >>> check_interval("scale", (1.2, 0.8))
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: scale must be a pair (lo, hi) with 0 < lo <= hi, got (1.2, 0.8); ...
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value, value)
    ok = (
        isinstance(value, Sequence)
        and len(value) == 2
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
        and low < value[0] <= value[1] < float("inf")
    )
    if not ok:
        raise InputError(
            f"{name} must be a pair (lo, hi) with {low:g} < lo <= hi, got {value!r}; "
            f"for example {name}=(0.9, 1.1)"
        )
    return float(value[0]), float(value[1])


def check_flag(name: str, value: Any) -> bool:
    """``value`` must be True or False."""
    if not isinstance(value, bool):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return value


def check_images(x: Any, name: str = "x") -> torch.Tensor:
    """A floating-point image batch (N, C, H, W).

    Examples
    --------
    >>> check_images(torch.zeros(2, 8, 8))
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: x must be a batch of images of shape (N, C, H, W), got shape (2, 8, 8); ...
    """
    if not isinstance(x, torch.Tensor):
        raise InputError(
            f"{name} must be a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}; "
            "convert with torch.as_tensor(x)"
        )
    if x.ndim != 4:
        raise InputError(
            f"{name} must be a batch of images of shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "add the missing axes, e.g. x.unsqueeze(1) for (N, H, W) grey images"
        )
    if not x.is_floating_point():
        raise InputError(
            f"{name} must hold floating-point pixels, got {x.dtype}; convert with x.float() "
            "(and divide by 255 for 8-bit images)"
        )
    return x


def check_generator(generator: Any) -> torch.Generator | None:
    """``generator`` must be None or a :class:`torch.Generator`."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise InputError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}; "
            "create one with torch.Generator().manual_seed(0)"
        )
    return generator


def _where(generator: torch.Generator | None, device: torch.device) -> torch.device:
    return generator.device if generator is not None else device


def rand(
    shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """Uniform [0, 1) float32 numbers drawn with ``generator`` on its device, moved to ``device``."""
    return torch.rand(shape, generator=generator, device=_where(generator, device)).to(device)


def randn(
    shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """Standard normal float32 numbers drawn with ``generator`` on its device, moved to ``device``."""
    return torch.randn(shape, generator=generator, device=_where(generator, device)).to(device)


def randint(
    high: torch.Tensor | int,
    shape: tuple[int, ...],
    generator: torch.Generator | None,
    device: torch.device,
) -> torch.Tensor:
    """Integers uniform in ``[0, high)`` (``high`` may be a tensor broadcast against ``shape``)."""
    u = torch.rand(shape, generator=generator, device=_where(generator, device))
    high = torch.as_tensor(high, device=u.device)  # small bounds (pixels): float32 is exact
    return torch.minimum((u * high).long(), high - 1).clamp_min(0).to(device)


def randperm(n: int, generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    """A random permutation of ``0..n-1`` drawn with ``generator``, moved to ``device``."""
    return torch.randperm(n, generator=generator, device=_where(generator, device)).to(device)


def seed_from(generator: torch.Generator | None) -> int:
    """A 62-bit seed drawn from ``generator`` (for samplers torch lacks, such as Beta)."""
    where = generator.device if generator is not None else torch.device("cpu")
    return int(torch.randint(0, 2**62, (1,), generator=generator, device=where).item())
