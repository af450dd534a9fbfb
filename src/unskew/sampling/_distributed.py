"""A class-balanced sampler for DistributedDataParallel training."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import Sampler

from unskew.exceptions import InputError
from unskew.sampling._base import ClassIndex, derive_seed

__all__ = ["DistributedClassBalancedSampler"]


class DistributedClassBalancedSampler(Sampler[int]):
    """Class-balanced sampling for DDP: every rank draws the same number of indices per epoch, and
    together they follow ``p_c ∝ n_c ** power``, with no communication.

    Draws are with replacement, so each rank's share is an independent random stream (seeded from
    ``random_state``, the epoch and the rank), not a disjoint slice of one permutation: the union over ranks
    has the target class distribution, as one stream of ``num_replicas * num_samples`` draws would.
    The same ``random_state`` and epoch give the same indices; :meth:`set_epoch` reshuffles, as with
    ``DistributedSampler`` (pytorch/pytorch#77154, Lightning #10946 asked for this sampler).

    Parameters
    ----------
    labels : array, tensor or Dataset
    num_replicas, rank : int, optional
        Default: the world size and rank of the initialised process group.
    power : float, default=0.0
        0: every class equally likely; 0.5: square-root; 1: natural frequencies.
    num_samples : int, optional
        Indices per rank per epoch. Default: ``ceil(N / num_replicas)`` (``floor`` with ``drop_last``),
        as ``DistributedSampler`` gives.
    random_state : int, default=0
    drop_last : bool, default=False

    Examples
    --------
    >>> labels = [0] * 900 + [1] * 100
    >>> ranks = [DistributedClassBalancedSampler(labels, num_replicas=2, rank=r, random_state=7) for r in (0, 1)]
    >>> [len(s) for s in ranks]
    [500, 500]
    >>> list(ranks[0]) == list(DistributedClassBalancedSampler(labels, num_replicas=2, rank=0, random_state=7))
    True
    """

    def __init__(
        self,
        labels: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        power: float = 0.0,
        num_samples: int | None = None,
        random_state: int | None = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            import torch.distributed as dist

            if not (dist.is_available() and dist.is_initialized()):
                raise InputError(
                    "num_replicas and rank are needed when no torch.distributed process group is "
                    "initialised; pass them, or call torch.distributed.init_process_group first"
                )
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise InputError(f"rank must be in [0, {num_replicas}), got rank={rank}")
        self.index = ClassIndex(labels)
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.power = float(power)
        self.random_state = 0 if random_state is None else int(random_state)
        self.drop_last = drop_last
        rows = self.index.num_rows
        if num_samples is None:
            num_samples = (
                rows // self.num_replicas if drop_last else math.ceil(rows / self.num_replicas)
            )
        if num_samples < 1:
            raise InputError(
                f"{rows} rows over {self.num_replicas} replicas leave no sample per rank"
            )
        self.num_samples = int(num_samples)
        self.epoch = 0

    def distributed(self, num_replicas: int, rank: int, random_state: int | None) -> Any:
        """Already one rank's sampler (the distributed trainer's hook)."""
        return self

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch; all ranks must call it with the same value."""
        self.epoch = int(epoch)

    def indices(self) -> torch.Tensor:
        """This rank's indices for the current epoch."""
        g = torch.Generator().manual_seed(derive_seed(self.random_state, self.epoch, self.rank))
        return self.index.draw(self.num_samples, self.index.class_probabilities(self.power), g)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples
