"""Training batches: index batches from the recipe's sampler, rows gathered directly from tensors
(no collation) or loaded from a Dataset, and an optional second stream of rows from a part's
``paired_sampler``, all handed to the step as one :class:`~unskew.stages.Batch`."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from unskew.exceptions import InputError
from unskew.stages import Batch
from unskew.training.inputs import as_tensor, is_dataset

__all__ = ["Shuffle", "iterate_batches", "iterate_loader", "steps_per_epoch"]


class Shuffle(Sampler[int]):
    """Every row once per epoch in a random order (the default when a recipe has no sampler).

    Examples
    --------
    >>> sorted(Shuffle(4, torch.Generator().manual_seed(0)))
    [0, 1, 2, 3]
    """

    def __init__(self, n: int, generator: torch.Generator) -> None:
        self.n = n
        self.generator = generator

    def indices(self) -> torch.Tensor:
        return torch.randperm(self.n, generator=self.generator)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.n


def _is_batch_sampler(sampler: Any) -> bool:
    return hasattr(sampler, "num_batches")


def steps_per_epoch(sampler: Any, batch_size: int) -> int:
    """Optimiser steps in one epoch (a last batch of one row is dropped: it breaks batch norm)."""
    if _is_batch_sampler(sampler) or not hasattr(sampler, "__len__"):
        return len(sampler)
    n = len(sampler)
    steps = math.ceil(n / batch_size)
    return steps - 1 if steps > 1 and n % batch_size == 1 else steps


def _index_batches(sampler: Any, batch_size: int) -> list[torch.Tensor]:
    if _is_batch_sampler(sampler):
        return [torch.as_tensor(b) for b in sampler]
    idx = sampler.indices() if hasattr(sampler, "indices") else torch.tensor(list(sampler))
    batches = list(idx.split(batch_size))
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches.pop()  # a batch of one row breaks batch norm
    return batches


def _paired_batches(paired: Any, sizes: list[int]) -> Iterator[torch.Tensor]:
    order = paired.indices()
    while len(order) < sum(sizes):
        order = torch.cat([order, paired.indices()])
    return iter(order[: sum(sizes)].split(sizes))


def iterate_batches(
    X: Any,
    y: torch.Tensor,
    w: torch.Tensor | None,
    sampler: Any,
    *,
    batch_size: int,
    device: torch.device,
    paired: Any = None,
    num_workers: int = 0,
    training: bool = True,
) -> Iterator[Batch]:
    """One epoch of batches on ``device``. Tensors are indexed directly; a Dataset goes through a
    ``DataLoader`` with ``num_workers`` (batches of one row are skipped while training)."""
    if is_dataset(X):
        if paired is not None:
            raise InputError(
                "a part that draws a second stream of rows (bbn) needs in-memory tensors "
                "(arrays), not a Dataset"
            )
        yield from _dataset_batches(X, y, w, sampler, batch_size, device, num_workers, training)
        return
    batches = _index_batches(sampler, batch_size)
    pairs = None if paired is None else _paired_batches(paired, [len(b) for b in batches])
    for b in batches:
        pair = None
        if pairs is not None:
            r = next(pairs)
            pair = (X[r].to(device, non_blocking=True), y[r].to(device, non_blocking=True))
        yield Batch(
            x=X[b].to(device, non_blocking=True),
            y=y[b].to(device, non_blocking=True),
            weight=None if w is None else w[b].to(device),
            pair=pair,
        )


def _dataset_batches(
    X: Any,
    y: torch.Tensor,
    w: torch.Tensor | None,
    sampler: Any,
    batch_size: int,
    device: torch.device,
    num_workers: int,
    training: bool,
) -> Iterator[Batch]:
    batch_kwargs = (
        {"batch_sampler": sampler}
        if _is_batch_sampler(sampler)
        else {"sampler": sampler, "batch_size": batch_size, "drop_last": False}
    )
    loader = DataLoader(_Indexed(X), num_workers=num_workers, **batch_kwargs)
    for xb, idx in iterate_loader(loader):
        if len(idx) < 2 and training:
            continue
        yield Batch(
            x=xb.to(device, non_blocking=True),
            y=y[idx].to(device),
            weight=None if w is None else w[idx].to(device),
        )


def iterate_loader(loader: DataLoader) -> Iterator[Any]:
    """Iterate ``loader`` without advancing torch's global random stream: a DataLoader draws its
    workers' base seed from it at every pass, which would change the dropout of the training
    that follows, so a Dataset would not train like the same rows held as tensors.

    Examples
    --------
    >>> loader = DataLoader(torch.arange(4), batch_size=2)
    >>> state = torch.get_rng_state()
    >>> [b.tolist() for b in iterate_loader(loader)], torch.equal(state, torch.get_rng_state())
    ([[0, 1], [2, 3]], True)
    """
    with torch.random.fork_rng(devices=[]):
        batches = iter(loader)
    yield from batches


class _Indexed(Dataset):
    """Wraps a dataset so each item is ``(x, index)``: labels come from the label array."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        item = self.dataset[i]
        return (item[0] if isinstance(item, list | tuple) else item), i


def eval_batches(X: Any, size: int) -> Iterator[torch.Tensor]:
    """Batches of ``size`` rows of ``X``, in order, for inference: a tensor (or array) split along
    its rows, a Dataset (an image folder on disk) read through a DataLoader, its labels dropped
    and torch's random stream left as it was (:func:`iterate_loader`). The one way the Trainer,
    the estimator, hybrid models and the deep anomaly detectors batch what they score.

    Examples
    --------
    >>> [tuple(b.shape) for b in eval_batches(torch.zeros(5, 3), 2)]
    [(2, 3), (2, 3), (1, 3)]
    >>> from torch.utils.data import TensorDataset
    >>> data = TensorDataset(torch.zeros(3, 1, 4, 4), torch.tensor([0, 1, 0]))
    >>> [tuple(b.shape) for b in eval_batches(data, 2)]
    [(2, 1, 4, 4), (1, 1, 4, 4)]
    """
    size = max(1, int(size))
    if not is_dataset(X):
        yield from as_tensor(X).split(size)
        return
    for batch in iterate_loader(DataLoader(X, batch_size=size, shuffle=False)):
        yield batch[0] if isinstance(batch, list | tuple) else batch
