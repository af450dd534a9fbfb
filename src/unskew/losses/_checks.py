"""Validation shared by every loss: reductions, targets, per-class vectors. Errors are InputErrors
raised in Python, before a kernel can fail with an opaque device-side assert."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from unskew._validation import closest_name
from unskew.exceptions import InputError

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        hint = closest_name(str(reduction), REDUCTIONS)
        raise InputError(
            f"unknown reduction '{reduction}'"
            + (f"; did you mean '{hint}'?" if hint else "")
            + " Reductions: 'none', 'mean', 'sum'"
        )


def reduce(loss: torch.Tensor, reduction: str, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Apply ``reduction`` to element-wise losses. ``mean`` divides by the number of valid (not
    ignored) elements, and gives 0 (not NaN) when every element is ignored."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if valid is None:
        return loss.mean()
    return loss.sum() / valid.sum().clamp_min(1).to(loss.dtype)


def check_class_target(
    logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None, validate: bool
) -> int | None:
    """Shapes (N, C, d1, ...) and (N, d1, ...), integer target within 0..C-1 (or ignore_index).

    Returns the ``ignore_index`` a loss must honour: None when the check found every target within
    0..C-1 and ``ignore_index`` outside that range (nothing is ignored, so the loss can skip its
    mask), else ``ignore_index`` itself."""
    if logits.ndim < 2:
        raise InputError(
            f"logits must have shape (N, C) or (N, C, d1, ...), got {tuple(logits.shape)}"
        )
    expected = (logits.shape[0], *logits.shape[2:])
    if tuple(target.shape) != expected:
        raise InputError(
            f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}; "
            f"expected {expected} (class indices, not one-hot)"
        )
    if target.dtype.is_floating_point or target.dtype == torch.bool:
        raise InputError(
            f"target must hold integer class indices (torch.long), got {target.dtype}; "
            "use target.long()"
        )
    if not validate or target.numel() == 0:
        return ignore_index
    n_classes = logits.shape[1]
    low, high = torch.aminmax(target)
    if int(low) >= 0 and int(high) < n_classes:  # the common case: one pass, one sync
        in_range = ignore_index is not None and 0 <= ignore_index < n_classes
        return ignore_index if in_range else None
    if ignore_index is not None:
        valid = target != ignore_index
        if not bool(valid.any()):
            return ignore_index
        checked = torch.where(valid, target, 0)
    else:
        checked = target
    low, high = torch.aminmax(checked)
    if int(high) >= n_classes or int(low) < 0:
        bad = int(high) if int(high) >= n_classes else int(low)
        ignore = f", or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise InputError(
            f"target holds label {bad} (largest {int(high)}) but the logits have "
            f"n_classes={n_classes}; labels must be 0..{n_classes - 1}{ignore}"
        )
    return ignore_index


def multilabel_target(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """One 0/1 (or soft) target per logit for a sigmoid loss.

    A target of the logits' shape is returned as it is. Integer class indices of shape
    (N, d1, ...) for logits (N, C, d1, ...) become one-vs-rest targets (the one-hot of the label
    on dim 1, as in RetinaNet's sigmoid focal loss), so the sigmoid losses train on ordinary
    single-label data too; with one logit per row (C = 1) the labels must be 0 or 1.
    """
    if target.shape == logits.shape:
        return target
    labels = logits.ndim >= 2 and not (target.dtype.is_floating_point or target.dtype == torch.bool)
    if labels and logits.shape[1] > 1:
        check_class_target(logits, target, None, validate=True)
        return F.one_hot(target, logits.shape[1]).movedim(-1, 1).bool()
    if labels and target.shape == (logits.shape[0], *logits.shape[2:]):  # one logit per row
        low, high = torch.aminmax(target) if target.numel() else (0, 0)
        if int(low) < 0 or int(high) > 1:
            raise InputError(
                f"one logit per row takes labels 0 and 1, got label "
                f"{int(high) if int(high) > 1 else int(low)}; give the model one logit per class"
            )
        return target.unsqueeze(1).bool()
    raise InputError(
        f"targets shape {tuple(target.shape)} must equal logits shape {tuple(logits.shape)} "
        "(one 0/1 target per logit), or be integer class indices of shape "
        f"{(logits.shape[0], *logits.shape[2:])} (one label per row)"
    )


def per_class(
    values: Any, n_classes: int, name: str, like: torch.Tensor, *, positive: bool = False
) -> torch.Tensor:
    """A length-C vector on the logits' device and dtype, checked for length and sign."""
    vec = torch.as_tensor(values, dtype=like.dtype if like.is_floating_point() else torch.float32)
    vec = vec.to(like.device)
    if vec.ndim != 1 or vec.numel() != n_classes:
        raise InputError(
            f"{name} has {vec.numel()} values but the logits have {n_classes} classes; "
            "pass one value per class"
        )
    if positive and bool((vec <= 0).any()):
        j = int(torch.nonzero(vec <= 0)[0, 0])
        raise InputError(
            f"class {j} has {name} {float(vec[j]):g}; every class needs at least one training "
            "row: drop classes that have none, or count them as 1"
        )
    return vec


def class_view(vec: torch.Tensor, ndim: int) -> torch.Tensor:
    """Reshape a (C,) vector to broadcast along dim 1 of an ``ndim``-dimensional tensor."""
    return vec.view(1, -1, *([1] * (ndim - 2)))


def check_counts(class_counts: Any, name: str) -> Any:
    """``class_counts`` for a loss built from the label distribution (LDAM's margins, the
    balanced softmax's prior...): one positive, finite count (or share) per class; returned
    unchanged. None is passed on (the registry names what is missing).

    Examples
    --------
    >>> check_counts([100, 0], "ldam")
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: ldam needs a positive count for every class, but class 1 has 0 ...
    """
    if class_counts is None:
        return None
    counts = torch.as_tensor(class_counts, dtype=torch.float64)
    if counts.ndim != 1 or counts.numel() < 2:
        raise InputError(
            f"{name} needs class_counts with one count per class (at least two), got "
            f"{class_counts!r}"
        )
    bad = torch.nonzero(~((counts > 0) & torch.isfinite(counts))).flatten()
    if bad.numel():
        j = int(bad[0])
        raise InputError(
            f"{name} needs a positive count for every class, but class {j} has "
            f"{float(counts[j]):g} ({class_counts!r}); drop classes without training rows, or "
            "count them as 1"
        )
    return class_counts
