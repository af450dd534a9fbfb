"""Shared machinery of the class-aware samplers: labels grouped by class, and draws that pick a class
first and then a uniform row inside it, so no multinomial over all rows is ever needed (which is what
limits ``WeightedRandomSampler`` to 2^24 rows, pytorch/pytorch#2576)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from unskew.exceptions import InputError


def labels_of(source: Any) -> np.ndarray:
    """Labels from an array, a tensor or any Dataset (via :func:`unskew.data.get_labels`)."""
    from unskew.data import get_labels

    try:
        return get_labels(source)
    except InputError as err:
        raise InputError(
            f"cannot find the labels of {type(source).__name__}: {err}. Pass the labels themselves "
            "(sampler(labels=dataset.targets)) or give the dataset a `targets` attribute"
        ) from None


class ClassIndex:
    """Row indices grouped by class: ``rows[starts[c]:starts[c] + counts[c]]`` are class c's rows.

    Built once (a stable argsort of the label codes); every draw is then O(number of draws).
    """

    def __init__(self, labels: Any, *, min_classes: int = 2) -> None:
        raw = labels_of(labels)
        if raw.size == 0:
            raise InputError("labels are empty: a sampler needs at least one row")
        classes, codes = np.unique(raw, return_inverse=True)
        if len(classes) < min_classes:
            raise InputError(
                f"labels have a single class ({classes[0]!r}); balancing needs at least "
                f"{min_classes} classes"
            )
        codes_t = torch.from_numpy(codes.astype(np.int64, copy=False))
        self.classes = classes
        self.codes = codes_t
        self.counts = torch.bincount(codes_t, minlength=len(classes))
        self.rows = torch.argsort(codes_t, stable=True)
        self.starts = torch.cumsum(self.counts, 0) - self.counts
        self.num_rows = int(codes_t.numel())

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def labels(self) -> np.ndarray:
        """The labels the index was built from (their original values)."""
        return self.classes[self.codes.numpy()]

    def class_probabilities(self, power: float) -> torch.Tensor:
        """``p_c ∝ n_c ** power`` (0: uniform over classes, 1: natural frequencies)."""
        weights = self.counts.to(torch.float64).pow(power)
        return weights / weights.sum()

    def draw(self, n: int, probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """``n`` row indices, with replacement: a class from ``probs``, then a uniform row in it."""
        cls = torch.multinomial(probs, n, replacement=True, generator=generator)
        offset = (torch.rand(n, generator=generator, dtype=torch.float64) * self.counts[cls]).long()
        offset = torch.minimum(offset, self.counts[cls] - 1)  # guard the rare rounding to n_c
        return self.rows[self.starts[cls] + offset]


def make_generator(generator: torch.Generator | None, seed: int | None = None) -> torch.Generator:
    """The given generator, or a new one seeded from ``seed`` or from torch's global RNG."""
    if generator is not None:
        return generator
    g = torch.Generator()
    g.manual_seed(
        int(torch.empty((), dtype=torch.int64).random_().item()) if seed is None else seed
    )
    return g


def derive_seed(*parts: int) -> int:
    """A 63-bit seed mixed from integers, the same in every process (NumPy's SeedSequence).

    Examples
    --------
    >>> derive_seed(0, 1) == derive_seed(0, 1) != derive_seed(0, 2)
    True
    """
    state = np.random.SeedSequence([int(p) for p in parts]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & 0x7FFF_FFFF_FFFF_FFFF
