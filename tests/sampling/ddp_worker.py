"""Run by test_distributed.py in separate processes: one rank of a gloo process group."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

from unskew.sampling import DistributedClassBalancedSampler


def main(out_path: str) -> None:
    dist.init_process_group("gloo")  # MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE from the env
    rank, world = dist.get_rank(), dist.get_world_size()
    labels = np.array([0] * 9000 + [1] * 900 + [2] * 100)
    sampler = DistributedClassBalancedSampler(
        labels, power=0.0, random_state=11
    )  # ranks from the group
    result = {}
    for epoch in (0, 1):
        sampler.set_epoch(epoch)
        mine = torch.tensor(list(sampler), dtype=torch.int64)
        gathered = [torch.empty_like(mine) for _ in range(world)]
        dist.all_gather(gathered, mine)  # equal lengths on every rank, or all_gather fails
        result[str(epoch)] = [g.tolist() for g in gathered]
    if rank == 0:
        with open(out_path, "w") as f:
            json.dump({"world": world, "epochs": result, "len": len(sampler)}, f)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
    os._exit(0)
