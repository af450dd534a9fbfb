"""Class-aware torch samplers: class-balanced, progressively balanced, balanced batches, under-sampling."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import Sampler

from unskew.exceptions import InputError
from unskew.sampling._base import ClassIndex, derive_seed, make_generator

__all__ = [
    "BalancedBatchSampler",
    "ClassBalancedSampler",
    "ProgressivelyBalancedSampler",
    "UnderSamplingSampler",
]


class ClassBalancedSampler(Sampler[int]):
    """Draw rows so that class c comes up with probability ``p_c ∝ n_c ** power``.

    ``power=0`` makes every class equally likely (class-balanced sampling), ``0.5`` is square-root
    sampling (Mahajan et al., ECCV 2018), ``1`` the natural frequencies (instance-balanced). Kang et al.
    (ICLR 2020, "Decoupling Representation and Classifier") compare the three. A draw picks a class,
    then a row of that class uniformly, so sampling is O(num_samples) and works for any number of rows
    (``WeightedRandomSampler`` stops at 2^24).

    Parameters
    ----------
    labels : array, tensor or Dataset
        Class labels, or a Dataset whose labels :func:`unskew.data.get_labels` can read.
    power : float, default=0.0
    num_samples : int, optional
        Indices per epoch (default: the number of rows).
    replacement : bool, default=True
        With False, each class's rows are drawn in a shuffled order without repeats until all of them
        have been drawn, then reshuffled (the class sequence is still random with ``p_c``).
    generator : torch.Generator, optional

    Examples
    --------
    >>> import torch
    >>> labels = [0] * 90 + [1] * 10
    >>> sampler = ClassBalancedSampler(labels, generator=torch.Generator().manual_seed(0))
    >>> drawn = torch.tensor(labels)[list(sampler)]
    >>> 35 < int((drawn == 1).sum()) < 65
    True
    """

    def __init__(
        self,
        labels: Any,
        power: float = 0.0,
        num_samples: int | None = None,
        replacement: bool = True,
        generator: torch.Generator | None = None,
    ) -> None:
        self.index = ClassIndex(labels)
        self.power = float(power)
        self.num_samples = self.index.num_rows if num_samples is None else int(num_samples)
        if self.num_samples <= 0:
            raise InputError(f"num_samples must be positive, got {num_samples}")
        self.replacement = replacement
        self.generator = generator

    def _probs(self) -> torch.Tensor:
        return self.index.class_probabilities(self.power)

    def distributed(self, num_replicas: int, rank: int, random_state: int | None) -> Any:
        """The same class probabilities for one rank of a DDP run
        (:class:`~unskew.sampling.DistributedClassBalancedSampler`)."""
        from unskew.sampling._distributed import DistributedClassBalancedSampler

        return DistributedClassBalancedSampler(
            self.index.labels(),
            num_replicas=num_replicas,
            rank=rank,
            power=self.power,
            random_state=random_state,
        )

    def indices(self) -> torch.Tensor:
        """This epoch's indices as a tensor (``__iter__`` yields them as ints)."""
        g = make_generator(self.generator)
        if self.replacement:
            return self.index.draw(self.num_samples, self._probs(), g)
        return _without_replacement(self.index, self.num_samples, self._probs(), g)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


def _without_replacement(
    index: ClassIndex, n: int, probs: torch.Tensor, g: torch.Generator
) -> torch.Tensor:
    """Classes drawn with ``probs``; inside each class, rows in a fresh permutation per pass."""
    cls = torch.multinomial(probs, n, replacement=True, generator=g)
    out = torch.empty(n, dtype=torch.int64)
    for c in torch.unique(cls).tolist():
        where = torch.nonzero(cls == c).squeeze(1)
        count = int(index.counts[c])
        passes = math.ceil(where.numel() / count)
        order = torch.cat([torch.randperm(count, generator=g) for _ in range(passes)])
        start = int(index.starts[c])
        out[where] = index.rows[start + order[: where.numel()]]
    return out


class ProgressivelyBalancedSampler(ClassBalancedSampler):
    """Move from instance-balanced to class-balanced sampling over training (Kang et al., ICLR 2020).

    At epoch t of T: ``p_c(t) = (1 - t/T) n_c / n + (t/T) / C``. Call :meth:`set_epoch` before each
    epoch (``DataLoader`` does not do it for you).

    Examples
    --------
    >>> s = ProgressivelyBalancedSampler([0] * 90 + [1] * 10, total_epochs=10)
    >>> s.class_probabilities().tolist()
    [0.9, 0.1]
    >>> s.set_epoch(10); s.class_probabilities().tolist()
    [0.5, 0.5]
    """

    def __init__(
        self,
        labels: Any,
        total_epochs: int,
        num_samples: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(labels, 1.0, num_samples, True, generator)
        if total_epochs <= 0:
            raise InputError(f"total_epochs must be positive, got {total_epochs}")
        self.total_epochs = int(total_epochs)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch that the next iteration samples for."""
        self.epoch = int(epoch)

    def class_probabilities(self) -> torch.Tensor:
        """The class distribution of the current epoch."""
        t = min(max(self.epoch / self.total_epochs, 0.0), 1.0)
        natural = self.index.class_probabilities(1.0)
        uniform = torch.full_like(natural, 1.0 / self.index.n_classes)
        return (1.0 - t) * natural + t * uniform

    def _probs(self) -> torch.Tensor:
        return self.class_probabilities()


class BalancedBatchSampler(Sampler[list[int]]):
    """Batches of ``classes_per_batch`` classes with ``samples_per_class`` rows each ("P x K" batches,
    as used for metric learning: Hermans et al., "In Defense of the Triplet Loss", 2017).

    The classes of a batch are drawn uniformly without replacement; rows of a class without
    replacement while it has enough, with replacement for classes smaller than ``samples_per_class``.
    Use it as ``DataLoader(dataset, batch_sampler=...)``.

    Examples
    --------
    >>> s = BalancedBatchSampler([0] * 50 + [1] * 5 + [2] * 20, classes_per_batch=2,
    ...                          samples_per_class=4, num_batches=3)
    >>> [len(b) for b in s]
    [8, 8, 8]
    """

    def __init__(
        self,
        labels: Any,
        classes_per_batch: int,
        samples_per_class: int,
        num_batches: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        self.index = ClassIndex(labels)
        if not 1 <= classes_per_batch <= self.index.n_classes:
            raise InputError(
                f"classes_per_batch must be between 1 and the {self.index.n_classes} classes, "
                f"got {classes_per_batch}"
            )
        if samples_per_class < 1:
            raise InputError(f"samples_per_class must be >= 1, got {samples_per_class}")
        self.classes_per_batch = int(classes_per_batch)
        self.samples_per_class = int(samples_per_class)
        batch = self.classes_per_batch * self.samples_per_class
        self.num_batches = (
            max(1, self.index.num_rows // batch) if num_batches is None else int(num_batches)
        )
        self.generator = generator

    def __iter__(self) -> Iterator[list[int]]:
        g = make_generator(self.generator)
        k = self.samples_per_class
        uniform = torch.ones(self.index.n_classes, dtype=torch.float64)
        for _ in range(self.num_batches):
            chosen = torch.multinomial(
                uniform, self.classes_per_batch, replacement=False, generator=g
            )
            batch = []
            for c in chosen.tolist():
                count, start = int(self.index.counts[c]), int(self.index.starts[c])
                if count >= k:
                    offset = torch.randperm(count, generator=g)[:k]
                else:
                    offset = torch.randint(count, (k,), generator=g)
                batch.append(self.index.rows[start + offset])
            yield torch.cat(batch).tolist()

    def __len__(self) -> int:
        return self.num_batches


class UnderSamplingSampler(Sampler[int]):
    """Each epoch: every row of the smallest class plus, from each larger class, a subset of
    ``min(n_c, ratio * n_min)`` rows taken in turn from a shuffled cycle over that class.

    Random under-sampling throws majority rows away; cycling instead means that within
    ``ceil(n_c / kept)`` epochs every row of class c has been used once, and no row twice before all
    have been used. Call :meth:`set_epoch` before each epoch; the same ``random_state`` gives the same epochs.

    Parameters
    ----------
    labels : array, tensor or Dataset
    ratio : float, default=1.0
        Rows kept per larger class, as a multiple of the smallest class's count (1 = balanced).
    random_state : int, default=0
    shuffle : bool, default=True
        Shuffle the epoch's rows (otherwise grouped by class).

    Examples
    --------
    >>> s = UnderSamplingSampler([0] * 30 + [1] * 10)
    >>> seen = set()
    >>> for epoch in range(3):
    ...     s.set_epoch(epoch)
    ...     seen |= {i for i in s if i < 30}
    >>> len(s), len(seen)
    (20, 30)
    """

    def __init__(
        self,
        labels: Any,
        ratio: float = 1.0,
        random_state: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        self.index = ClassIndex(labels)
        if ratio <= 0:
            raise InputError(f"ratio must be positive, got {ratio}")
        self.ratio = float(ratio)
        self.random_state = 0 if random_state is None else int(random_state)
        self.shuffle = shuffle
        self.epoch = 0
        n_min = int(self.index.counts.min())
        self.kept = torch.clamp(self.index.counts, max=max(1, round(self.ratio * n_min)))

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch that the next iteration samples for."""
        self.epoch = int(epoch)

    def _cycle_permutation(self, c: int, cycle: int, count: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(derive_seed(self.random_state, 1, c, cycle))
        return torch.randperm(count, generator=g)

    def indices(self) -> torch.Tensor:
        """This epoch's indices as a tensor."""
        parts = []
        for c in range(self.index.n_classes):
            count, kept = int(self.index.counts[c]), int(self.kept[c])
            start = int(self.index.starts[c])
            if kept >= count:
                parts.append(self.index.rows[start : start + count])
                continue
            # positions [epoch * kept, (epoch + 1) * kept) of the endless sequence of cycles
            first = self.epoch * kept
            pieces, pos = [], first
            while pos < first + kept:
                cycle, offset = divmod(pos, count)
                take = min(count - offset, first + kept - pos)
                perm = self._cycle_permutation(c, cycle, count)
                pieces.append(perm[offset : offset + take])
                pos += take
            parts.append(self.index.rows[start + torch.cat(pieces)])
        out = torch.cat(parts)
        if self.shuffle:
            g = torch.Generator().manual_seed(derive_seed(self.random_state, 2, self.epoch))
            out = out[torch.randperm(out.numel(), generator=g)]
        return out

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return int(self.kept.sum())
