"""Batch-stage samplers (``torch.utils.data.Sampler``) for imbalanced data.

Labels come from an array, a tensor or any Dataset (through :func:`unskew.data.get_labels`). Every
sampler draws a class first and then a row inside it, so none needs a multinomial over all rows: they
work past the 2^24 rows where ``WeightedRandomSampler`` stops (pytorch/pytorch#2576).
"""

from unskew.sampling._distributed import DistributedClassBalancedSampler
from unskew.sampling._samplers import (
    BalancedBatchSampler,
    ClassBalancedSampler,
    ProgressivelyBalancedSampler,
    UnderSamplingSampler,
)

__all__ = [
    "BalancedBatchSampler",
    "ClassBalancedSampler",
    "DistributedClassBalancedSampler",
    "ProgressivelyBalancedSampler",
    "UnderSamplingSampler",
]
