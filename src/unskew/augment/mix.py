"""Mixup and Remix (rebalanced mixup) for a mini-batch, and the mixed loss they train with.

Both mix every sample with a partner drawn by a random permutation of the batch, with its own
mixing factor ``lam ~ Beta(alpha, alpha)``. They work on any tensor whose first axis is the batch:
images, table rows, or the output of ``model.features`` ("feature" space, as in Manifold Mixup).
Beta draws come from a NumPy generator seeded from the torch ``generator``, so the same seed gives
the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from unskew._validation import to_numpy
from unskew.augment._checks import check_generator, check_number, randperm, seed_from
from unskew.exceptions import InputError

__all__ = ["Mixup", "Remix", "mixed_loss", "mixup", "remix"]

_SPACES = ("input", "feature")


def _check_batch(x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim < 1:
        raise InputError(
            f"x must be a floating-point tensor whose first axis is the batch, got "
            f"{getattr(x, 'dtype', type(x).__name__)}; convert with torch.as_tensor(x).float()"
        )
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(np.asarray(y), device=x.device)
    if y.ndim != 1 or len(y) != len(x):
        raise InputError(
            f"y must hold one class code per sample of x, shape ({len(x)},), got "
            f"{tuple(y.shape)}; pass integer labels, not one-hot targets"
        )
    if y.is_floating_point() or y.is_complex():
        raise InputError(f"y must hold integer class codes, got {y.dtype}; use y.long()")
    return x, y


def _pair(
    x: torch.Tensor, alpha: float, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Partner permutation, per-sample ``lam`` (float64, on x.device) and the mixed batch."""
    n = len(x)
    perm = randperm(n, generator, x.device)
    draws = np.random.default_rng(seed_from(generator)).beta(alpha, alpha, size=n)
    lam = torch.as_tensor(draws, dtype=torch.float64, device=x.device)
    w = lam.to(x.dtype).reshape(n, *([1] * (x.ndim - 1)))
    return perm, lam, w * x + (1 - w) * x[perm]


def mixup(
    x: torch.Tensor,
    y: torch.Tensor,
    alpha: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mixup (Zhang et al., ICLR 2018): convex combinations of pairs of samples.

    ``x_mixed[i] = lam_i * x[i] + (1 - lam_i) * x[j_i]``, ``lam_i ~ Beta(alpha, alpha)`` drawn per
    sample and ``j`` a random permutation of the batch; train with
    ``lam_i * loss(y_a[i]) + (1 - lam_i) * loss(y_b[i])`` (:func:`mixed_loss`), ``y_a = y`` and
    ``y_b = y[j]``.

    Parameters
    ----------
    x : torch.Tensor, shape (N, ...)
        Inputs or features.
    y : torch.Tensor of int, shape (N,)
    alpha : float, default=1.0
        Beta concentration (> 0); small values keep ``lam`` near 0 or 1.
    generator : torch.Generator, optional

    Returns
    -------
    x_mixed : same shape, dtype and device as ``x``
    y_a, y_b : torch.Tensor, shape (N,)
    lam : torch.Tensor of x's dtype, shape (N,), in [0, 1]

    References
    ----------
    H. Zhang, M. Cisse, Y. N. Dauphin and D. Lopez-Paz, "mixup: Beyond Empirical Risk
    Minimization", ICLR 2018.

    Examples
    --------
    >>> x, y = torch.randn(6, 3), torch.tensor([0, 0, 0, 1, 1, 2])
    >>> xm, ya, yb, lam = mixup(x, y, generator=torch.Generator().manual_seed(0))
    >>> xm.shape, bool(((lam >= 0) & (lam <= 1)).all()), torch.equal(ya, y)
    (torch.Size([6, 3]), True, True)
    """
    x, y = _check_batch(x, y)
    alpha = check_number("alpha", alpha, low=0, low_open=True)
    check_generator(generator)
    perm, lam, mixed = _pair(x, alpha, generator)
    return mixed, y, y[perm.to(y.device)], lam.to(x.dtype)


def _check_counts(class_counts: Any, y: torch.Tensor) -> torch.Tensor:
    if class_counts is None:
        raise InputError(
            "remix needs class_counts, the number of training rows of each class; pass e.g. "
            "class_counts=np.bincount(y_train)"
        )
    try:
        counts = torch.as_tensor(to_numpy(class_counts).astype(np.float64))
    except (TypeError, ValueError):
        raise InputError(
            f"class_counts must be numbers, one per class, got {class_counts!r:.60}"
        ) from None
    if counts.ndim != 1 or bool((counts < 0).any()) or not bool(torch.isfinite(counts).all()):
        raise InputError(
            f"class_counts must be a 1-D sequence of counts >= 0, got {counts.tolist()!r:.80}"
        )
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= len(counts)):
        raise InputError(
            f"y holds labels outside 0..{len(counts) - 1} but class_counts has {len(counts)} "
            "classes; pass one count per class"
        )
    present = torch.unique(y.cpu())
    empty = present[counts[present] == 0]
    if len(empty):
        raise InputError(
            f"class_counts is 0 for class(es) {empty.tolist()} that are in the batch; pass the "
            "training counts of every class"
        )
    return counts


def remix(
    x: torch.Tensor,
    y: torch.Tensor,
    class_counts: Sequence[float] | np.ndarray | torch.Tensor,
    alpha: float = 1.0,
    kappa: float = 3.0,
    tau: float = 0.5,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Remix (Chou et al., 2020): mixup whose label weight favours the minority class.

    Inputs are mixed as in :func:`mixup`, ``x_mixed[i] = lam_i x[i] + (1 - lam_i) x[j_i]``, but
    the weight of ``y_a[i] = y[i]`` in the loss is, with ``n_a``, ``n_b`` the training counts of
    ``y_a[i]`` and ``y_b[i] = y[j_i]`` (equation 5 of the paper, where sample ``i`` carries
    ``lam`` and sample ``j`` carries ``1 - lam``):

    * ``lam_y = 0`` if ``n_a / n_b >= kappa`` and ``lam < tau`` (``y_a`` is the much larger
      class and contributes little of the input: the label is entirely ``y_b``, the minority);
    * ``lam_y = 1`` if ``n_a / n_b <= 1 / kappa`` and ``1 - lam < tau`` (the mirror case: the
      label is entirely ``y_a``, the minority);
    * ``lam_y = lam`` otherwise (plain mixup).

    The paper recommends ``kappa = 3`` and ``tau = 0.5``. Train with
    ``mixed_loss(loss_fn, logits, y_a, y_b, lam_y)``.

    Parameters
    ----------
    x : torch.Tensor, shape (N, ...)
    y : torch.Tensor of int, shape (N,)
    class_counts : sequence, shape (C,)
        Training rows of each class.
    alpha : float, default=1.0
        Beta concentration (> 0).
    kappa : float, default=3.0
        Imbalance ratio between the two classes from which the label goes to the minority (>= 1).
    tau : float, default=0.5
        Largest share of the input the minority may hold while still getting the whole label,
        in [0, 1].
    generator : torch.Generator, optional

    Returns
    -------
    x_mixed : same shape, dtype and device as ``x``
    y_a, y_b : torch.Tensor, shape (N,)
    lam_y : torch.Tensor of x's dtype, shape (N,): the weight of ``y_a``

    References
    ----------
    H.-P. Chou, S.-C. Chang, J.-Y. Pan, W. Wei and D.-C. Juan, "Remix: Rebalanced Mixup",
    ECCV 2020 Workshops (arXiv:2007.03943).

    Examples
    --------
    >>> x, y = torch.randn(8, 4), torch.tensor([0] * 6 + [1] * 2)
    >>> xm, ya, yb, lam_y = remix(x, y, [90, 10], generator=torch.Generator().manual_seed(0))
    >>> bool(((lam_y >= 0) & (lam_y <= 1)).all())
    True
    """
    x, y = _check_batch(x, y)
    alpha = check_number("alpha", alpha, low=0, low_open=True)
    kappa = check_number("kappa", kappa, low=1)
    tau = check_number("tau", tau, low=0, high=1)
    check_generator(generator)
    counts = _check_counts(class_counts, y).to(x.device)
    perm, lam, mixed = _pair(x, alpha, generator)
    y_b = y[perm.to(y.device)]
    ratio = counts[y.to(x.device)] / counts[y_b.to(x.device)]
    lam_y = torch.where(
        (ratio >= kappa) & (lam < tau),
        torch.zeros_like(lam),
        torch.where((ratio <= 1 / kappa) & (1 - lam < tau), torch.ones_like(lam), lam),
    )
    return mixed, y, y_b, lam_y.to(x.dtype)


def mixed_loss(
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    logits: torch.Tensor,
    y_a: torch.Tensor,
    y_b: torch.Tensor,
    lam: torch.Tensor | float,
) -> torch.Tensor:
    """Loss of a mixed batch: ``mean_i [lam_i * l(logits_i, y_a_i) + (1 - lam_i) * l(logits_i, y_b_i)]``.

    ``loss_fn(logits, targets)`` must return one loss per sample (``reduction="none"``), e.g.
    ``lambda z, t: F.cross_entropy(z, t, reduction="none")`` or an unskew loss with
    ``reduction="none"``. ``lam`` is a float or a tensor (N,) (mixup's ``lam``, Remix's ``lam_y``).

    Examples
    --------
    >>> import torch.nn.functional as F
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    >>> ce = lambda z, t: F.cross_entropy(z, t, reduction="none")
    >>> loss = mixed_loss(ce, logits, torch.tensor([0, 1]), torch.tensor([1, 1]), torch.tensor([1.0, 0.5]))
    >>> round(loss.item(), 4)
    0.2201
    """
    loss_a, loss_b = loss_fn(logits, y_a), loss_fn(logits, y_b)
    n = len(logits)
    for loss in (loss_a, loss_b):
        if not isinstance(loss, torch.Tensor) or loss.shape != (n,):
            raise InputError(
                f"loss_fn must return one loss per sample, shape ({n},), got "
                f"{tuple(getattr(loss, 'shape', ()))}; build it with reduction='none'"
            )
    lam = torch.as_tensor(lam, dtype=loss_a.dtype, device=loss_a.device)
    if lam.ndim not in (0, 1) or (lam.ndim == 1 and lam.shape != (n,)):
        raise InputError(f"lam must be a float or a tensor of shape ({n},), got {tuple(lam.shape)}")
    return (lam * loss_a + (1 - lam) * loss_b).mean()


class _Mixer:
    """Stores the hyper-parameters; ``space`` tells where to mix. As a batch-stage recipe part it
    owns the training step's forward (:meth:`training_loss`): the Trainer hands it the model, the
    batch and the per-row loss."""

    def __init__(
        self, alpha: float, space: str, class_counts: Any = None, generator: Any = None
    ) -> None:
        self.alpha = check_number("alpha", alpha, low=0, low_open=True)
        if space not in _SPACES:
            raise InputError(
                f"space must be 'input' (mix the model's inputs) or 'feature' (mix the output of "
                f"model.features, as in Manifold Mixup), got {space!r}"
            )
        self.space = space
        self.class_counts = class_counts
        self.generator = generator

    #: rows are mixed, so per-row sample weights have no meaning
    takes_sample_weight = False

    @property
    def ddp_safe(self) -> bool:
        """Input-space mixing calls the model's forward (DistributedDataParallel sees it)."""
        return self.space == "input"

    def training_loss(self, model: Any, batch: Any, loss_fn: Any) -> torch.Tensor:
        """``mean(lam * l(y_a) + (1 - lam) * l(y_b))`` on the mixed inputs (``space="input"``) or
        on mixed ``model.features`` read by ``model.head`` (``space="feature"``)."""
        counts, generator = self.class_counts, self.generator
        if self.space == "feature":
            feats, y_a, y_b, lam = self(
                model.features(batch.x), batch.y, class_counts=counts, generator=generator
            )
            logits = model.head(feats)
        else:
            mixed, y_a, y_b, lam = self(batch.x, batch.y, class_counts=counts, generator=generator)
            logits = model(mixed)
        la, lb = loss_fn(logits, y_a, per_row=True), loss_fn(logits, y_b, per_row=True)
        lam = lam.to(la.dtype).reshape(-1)
        return (lam * la + (1.0 - lam) * lb).mean()


class Mixup(_Mixer):
    """:func:`mixup` with its parameters bound; ``space`` is ``"input"`` or ``"feature"`` (mix the
    output of ``model.features`` before the head, as Manifold Mixup does; the caller does that).

    Examples
    --------
    >>> mix = Mixup(alpha=0.4)
    >>> xm, ya, yb, lam = mix(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))
    >>> lam.shape
    torch.Size([4])
    """

    def __init__(
        self,
        alpha: float = 1.0,
        space: str = "input",
        class_counts: Any = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(alpha, space, class_counts, generator)

    def __repr__(self) -> str:
        return f"Mixup(alpha={self.alpha}, space={self.space!r})"

    def __call__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        class_counts: Any = None,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mix a batch; ``class_counts`` is ignored (it is there so Mixup and Remix are
        interchangeable)."""
        return mixup(x, y, self.alpha, generator)


class Remix(_Mixer):
    """:func:`remix` with its parameters bound; called with the training ``class_counts``.

    Examples
    --------
    >>> mix = Remix(kappa=3.0, tau=0.5)
    >>> xm, ya, yb, lam_y = mix(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]), class_counts=[30, 3])
    >>> lam_y.shape
    torch.Size([4])
    """

    def __init__(
        self,
        alpha: float = 1.0,
        kappa: float = 3.0,
        tau: float = 0.5,
        space: str = "input",
        class_counts: Any = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(alpha, space, class_counts, generator)
        self.kappa = check_number("kappa", kappa, low=1)
        self.tau = check_number("tau", tau, low=0, high=1)

    def __repr__(self) -> str:
        return (
            f"Remix(alpha={self.alpha}, kappa={self.kappa}, tau={self.tau}, space={self.space!r})"
        )

    def __call__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        class_counts: Any = None,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return remix(x, y, class_counts, self.alpha, self.kappa, self.tau, generator)
