"""Run by test_distributed_metrics.py: one rank accumulates its share, then syncs."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch.distributed as dist

from unskew.metrics import MetricAccumulator


def main(out_path: str) -> None:
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)  # every rank builds the same data and takes its share
    y = rng.integers(0, 2, 900)
    scores = np.clip(y * 0.3 + rng.random(900) * 0.7, 0, 1)
    acc = MetricAccumulator(2)
    mine = slice(rank * 900 // world, (rank + 1) * 900 // world)
    acc.update(y[mine], y_score=np.c_[1 - scores[mine], scores[mine]])
    report = acc.sync().compute()
    with open(f"{out_path}.{rank}", "w") as f:
        json.dump(report, f)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
    os._exit(0)
