"""Class-balanced sampling next to torch's WeightedRandomSampler, and a DataLoader's throughput with
ClassBalancedSampler next to a plain RandomSampler.

Run: .venv/bin/python benchmarks/samplers.py [--repeats 5]

1. Drawing 10,000,000 indices over 250,000 rows (5 % minority): ``WeightedRandomSampler`` with
   per-row weights ``1 / n_class`` (the same class distribution) vs ``ClassBalancedSampler``
   (target: at least 2x as fast), both iterated to the end as a DataLoader does. Then 2^25 rows, where
   ``WeightedRandomSampler`` raises.
2. A DataLoader (batch 256, in-memory TensorDataset of 250,000 x 32 float32) iterated for one epoch
   with each sampler (target: >= 0.95x the RandomSampler's speed). Median of --repeats runs,
   alternating.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset, WeightedRandomSampler

from unskew.sampling import ClassBalancedSampler

ROWS, DRAWS = 250_000, 10_000_000


def labels_for(rows: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return (torch.rand(rows, generator=g) < 0.05).long()


def time_iteration(sampler) -> float:
    start = time.perf_counter()
    for _ in sampler:
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    labels = labels_for(ROWS)
    counts = torch.bincount(labels)
    weights = (1.0 / counts.double())[labels]
    print(f"1. {DRAWS:,} indices over {ROWS:,} rows, median of {args.repeats}")
    wrs, ours = [], []
    for _ in range(args.repeats):
        wrs.append(time_iteration(WeightedRandomSampler(weights, DRAWS, replacement=True)))
        ours.append(time_iteration(ClassBalancedSampler(labels, num_samples=DRAWS)))
    w, o = statistics.median(wrs), statistics.median(ours)
    print(f"   WeightedRandomSampler  {w:6.2f} s")
    print(f"   ClassBalancedSampler   {o:6.2f} s   speed-up {w / o:.1f}x (target >= 2x)")
    big = labels_for(2**25)
    try:
        list(WeightedRandomSampler(torch.ones(2**25), 10))
        print("   2^25 rows: WeightedRandomSampler ran")
    except RuntimeError as err:
        print(f"   2^25 rows: WeightedRandomSampler raises ({str(err).splitlines()[0][:60]})")
    start = time.perf_counter()
    n = sum(1 for _ in ClassBalancedSampler(big, num_samples=1_000_000))
    print(
        f"   2^25 rows: ClassBalancedSampler drew {n:,} indices in {time.perf_counter() - start:.2f} s"
        " (including the label index)"
    )

    print(f"\n2. DataLoader epoch over {ROWS:,} x 32 rows, batch 256, median of {args.repeats}")
    data = TensorDataset(torch.randn(ROWS, 32), labels)
    plain, balanced = [], []
    for _ in range(args.repeats):
        for sampler, out in (
            (RandomSampler(data), plain),
            (ClassBalancedSampler(labels), balanced),
        ):
            start = time.perf_counter()
            for _ in DataLoader(data, batch_size=256, sampler=sampler):
                pass
            out.append(time.perf_counter() - start)
    p, b = statistics.median(plain), statistics.median(balanced)
    print(f"   RandomSampler          {p:6.2f} s")
    print(f"   ClassBalancedSampler   {b:6.2f} s   relative speed {p / b:.2f}x (target >= 0.95x)")


if __name__ == "__main__":
    main()
