"""DistributedClassBalancedSampler in real processes joined by a gloo process group."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("ddp_worker.py")
LABELS = np.array([0] * 9000 + [1] * 900 + [2] * 100)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(world: int, out: Path) -> dict:
    port = _free_port()
    procs = []
    for rank in range(world):
        env = {
            **os.environ,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "RANK": str(rank),
            "WORLD_SIZE": str(world),
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), str(out)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    return json.loads(out.read_text())


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_draw_equal_balanced_shares(tmp_path, world):
    result = _run(world, tmp_path / "a.json")
    assert result["world"] == world
    per_rank = -(-len(LABELS) // world)
    epoch0 = result["epochs"]["0"]
    assert [len(r) for r in epoch0] == [per_rank] * world == [result["len"]] * world
    union = np.concatenate(epoch0)
    shares = np.bincount(LABELS[union], minlength=3) / len(union)
    np.testing.assert_allclose(shares, [1 / 3] * 3, atol=0.02)  # together: class-balanced
    assert epoch0[0] != epoch0[1]  # independent streams per rank
    assert result["epochs"]["1"][0] != epoch0[0]  # set_epoch reshuffles
    again = _run(world, tmp_path / "b.json")
    assert again["epochs"] == result["epochs"]  # same seed, same indices
