"""The opt-in ``compile=True`` path of the two sigmoid losses: their formulas in plain torch,
compiled by :func:`torch.compile` into fused kernels on first use.

The eager kernels (:mod:`unskew.losses._kernels`) stay the default: they need no compiler and no
warm-up. A compiled loss costs seconds the first time it meets a shape, dtype or parameter value
(and needs what ``torch.compile`` needs: a C++ compiler on CPU, Triton on a GPU), then runs as a
few fused loops; docs/benchmarks.md measures both.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F

from unskew.exceptions import TrainingError
from unskew.losses._checks import reduce
from unskew.losses._kernels import compute_dtype


def _factor(q: torch.Tensor, gamma: float) -> torch.Tensor:
    """``q^gamma`` with ``q`` floored at the dtype's tiny (0 to a power below 1 has no slope)."""
    if gamma == 0.0:
        return torch.ones_like(q)
    return q.clamp_min(torch.finfo(q.dtype).tiny).pow(gamma)


def _sigmoid_focal(
    z: torch.Tensor,
    y: torch.Tensor,
    alpha: float | torch.Tensor | None,
    gamma: float,
    reduction: str,
) -> torch.Tensor:
    """``alpha_t (1 - p_t)^gamma BCE(z, y)`` (Lin et al. 2017), ``alpha`` a scalar, a tensor
    broadcast on the logits (one value per class) or None."""
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    p = torch.sigmoid(z)
    loss = ce * _factor(p + y - 2.0 * p * y, gamma)
    if alpha is not None:
        loss = loss * (alpha * y + (1.0 - alpha) * (1.0 - y))
    return reduce(loss, reduction)


def _asymmetric(
    z: torch.Tensor,
    y: torch.Tensor,
    gamma_pos: float,
    gamma_neg: float,
    clip: float,
    reduction: str,
) -> torch.Tensor:
    """``-y (1 - p)^g+ log p - (1 - y) p_m^g- log(1 - p_m)``, ``p_m = max(p - clip, 0)``
    (Ridnik et al. 2021), with ``log p = logsigmoid(z)`` and ``1 - p_m = min(sigmoid(-z) + clip,
    1)`` so that neither logarithm loses its argument at large logits."""
    one_minus_p = torch.sigmoid(-z)
    if clip > 0:
        one_minus_pm = (one_minus_p + clip).clamp_max(1.0)
        log_neg = torch.log(one_minus_pm)
    else:
        one_minus_pm = one_minus_p
        log_neg = F.logsigmoid(-z)
    pos = _factor(one_minus_p, gamma_pos) * F.logsigmoid(z)
    neg = _factor(1.0 - one_minus_pm, gamma_neg) * log_neg
    return reduce(-(y * pos + (1.0 - y) * neg), reduction)


@functools.cache
def _compiled(name: str) -> Callable[..., torch.Tensor]:
    formula = {"sigmoid_focal": _sigmoid_focal, "asymmetric": _asymmetric}[name]
    return torch.compile(formula)


def run(name: str, z: torch.Tensor, y: torch.Tensor, *params: object) -> torch.Tensor:
    """The compiled formula ``name`` (``"sigmoid_focal"`` or ``"asymmetric"``, the parameters
    in its order, checked by the caller) on logits ``z`` and targets ``y``; half precision is
    computed in float32, as the eager kernels do. A failure to compile becomes an error that says
    how to go on."""
    from torch._dynamo.exc import TorchDynamoException

    compute = compute_dtype(z)
    params = tuple(p.to(compute) if isinstance(p, torch.Tensor) else p for p in params)
    try:
        with warnings.catch_warnings():  # torch's own modules, imported while compiling
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch")
            out = _compiled(name)(z.to(compute), y.to(compute), *params)
    except TorchDynamoException as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise TrainingError(
            f"compile=True: torch.compile could not build the {name} loss here "
            f"({type(error).__name__}: {first[:200]}); pass compile=False for the eager kernel"
        ) from error
    return out.to(z.dtype)
