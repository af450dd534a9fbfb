"""Feature-space SMOTE inside a mini-batch (the batch stage)."""

from __future__ import annotations

from typing import Any

import torch

from unskew.resampling._neighbors import kneighbors

__all__ = ["SmoteBatch", "smote_batch"]


def smote_batch(
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    k_neighbors: int = 5,
    target: int | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Add synthetic rows for the batch's smaller classes by SMOTE in feature space.

    For each class present in the batch with at least two rows and fewer than ``target`` rows
    (default: the largest class's count in the batch), new rows ``f_i + lambda (f_j - f_i)`` are
    appended, ``f_j`` one of the ``min(k_neighbors, n_c - 1)`` nearest same-class rows of ``f_i``
    and ``lambda ~ U[0, 1)``. A class with a single row in the batch cannot be interpolated and is
    left as it is. The new rows are differentiable functions of ``features``, so a network can be
    trained end to end on them (feature-space augmentation in the spirit of Chawla et al. 2002 and
    of the embedding-space SMOTE of Ando & Huang, 2017).

    Shape
    -----
    features (B, ...) with labels (B,) -> (B + new, ...) and (B + new,).

    Examples
    --------
    >>> f = torch.randn(10, 4); y = torch.tensor([0] * 7 + [1] * 3)
    >>> f2, y2 = smote_batch(f, y, generator=torch.Generator().manual_seed(0))
    >>> torch.bincount(y2).tolist(), bool(torch.equal(f2[:10], f))
    ([7, 7], True)
    """
    if features.shape[0] != labels.shape[0]:
        raise ValueError(
            f"features have {features.shape[0]} rows but labels {labels.shape[0]}; they must match"
        )
    flat = features.reshape(len(features), -1)
    classes, counts = torch.unique(labels, return_counts=True)
    goal = int(counts.max()) if target is None else int(target)
    new_features, new_labels = [flat], [labels]
    for c, n_c in zip(classes.tolist(), counts.tolist(), strict=True):
        n_new = goal - n_c
        if n_new <= 0 or n_c < 2:
            continue
        rows = torch.nonzero(labels == c).squeeze(1)
        fc = flat[rows]
        k = min(k_neighbors, n_c - 1)
        with torch.no_grad():
            nn = kneighbors(fc.detach(), fc.detach(), k + 1)[:, 1:]
        pick = torch.randint(n_c * k, (n_new,), generator=generator, device=flat.device)
        origin, neighbour = pick // k, nn[pick // k, pick % k]
        steps = torch.rand(n_new, 1, generator=generator, device=flat.device, dtype=flat.dtype)
        new_features.append(torch.lerp(fc[origin], fc[neighbour], steps))
        new_labels.append(torch.full((n_new,), c, dtype=labels.dtype, device=labels.device))
    out = torch.cat(new_features)
    return out.reshape(len(out), *features.shape[1:]), torch.cat(new_labels)


class SmoteBatch:
    """:func:`smote_batch` with its parameters bound, as the ``smote_batch`` recipe part.

    Examples
    --------
    >>> augment = SmoteBatch(k_neighbors=3)
    >>> f, y = augment(torch.randn(6, 2), torch.tensor([0, 0, 0, 0, 1, 1]))
    >>> torch.bincount(y).tolist()
    [4, 4]
    """

    def __init__(
        self,
        k_neighbors: int = 5,
        target: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        self.k_neighbors = k_neighbors
        self.target = target
        self.generator = generator

    def __call__(
        self, features: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return smote_batch(
            features,
            labels,
            k_neighbors=self.k_neighbors,
            target=self.target,
            generator=self.generator,
        )

    #: the synthetic rows have no weights
    takes_sample_weight = False

    def training_loss(self, model: Any, batch: Any, loss_fn: Any) -> torch.Tensor:
        """The batch-stage hook: SMOTE on ``model.features`` of the batch, read by ``model.head``
        (the model must have both)."""
        feats, y = self(model.features(batch.x), batch.y)
        return loss_fn(model.head(feats), y, batch.weight)

    def __repr__(self) -> str:
        return f"SmoteBatch(k_neighbors={self.k_neighbors}, target={self.target})"
