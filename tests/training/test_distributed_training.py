"""Distributed data-parallel training: two real gloo processes started with torchrun on a KEEL
dataset end with identical weights and score like the single-process run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from unskew.exceptions import InputError
from unskew.models import MLP
from unskew.training import load_model
from unskew.training.distributed import DistributedTrainer

ARGS = ["keel:page-blocks0", "--recipe", "balanced_sampler+cross_entropy", "--epochs", "10"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def launch(*args: str, nproc: int | None = None) -> subprocess.CompletedProcess:
    if nproc is None:
        cmd = [sys.executable, "-m", "unskew.training.distributed", *args]
    else:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={nproc}",
            "-m",
            "unskew.training.distributed",
            *args,
        ]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=300)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed missing")
def test_two_gloo_processes_match_each_other_and_the_single_process_run(tmp_path):
    ddp = launch(*ARGS, "--out", str(tmp_path / "ddp"), "--save-rank-weights", nproc=2)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    single = launch(*ARGS, "--out", str(tmp_path / "one"))
    assert single.returncode == 0, single.stderr[-3000:]

    rank0 = torch.load(tmp_path / "ddp" / "rank0.pt", weights_only=True)
    rank1 = torch.load(tmp_path / "ddp" / "rank1.pt", weights_only=True)
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name

    many = json.loads((tmp_path / "ddp" / "metrics.json").read_text())
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())
    assert many["world_size"] == 2 and one["world_size"] == 1
    assert one["balanced_accuracy"] > 0.85  # it learned (measured: about 0.95)
    assert abs(many["balanced_accuracy"] - one["balanced_accuracy"]) <= 0.02
    model = load_model(tmp_path / "ddp" / "model")  # rank 0 saved a loadable model
    for name, value in model.model_.state_dict().items():
        assert torch.equal(value, rank0[name])


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = launch("keel:page-blocks0", "--recipe", "focall", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2
    assert (
        bad.stderr.startswith("error: ") and "focal" in bad.stderr and "Traceback" not in bad.stderr
    )
    assert not (tmp_path / "x").exists()
    uneven = launch("keel:yeast4", "--batch-size", "3", "--out", str(tmp_path / "y"), nproc=2)
    assert uneven.returncode != 0 and "does not split evenly over 2 processes" in uneven.stderr
    with pytest.raises(InputError, match="start it with `torchrun"):
        DistributedTrainer(MLP(4, 2), epochs=1, device="cpu").fit(torch.randn(20, 4), [0, 1] * 10)
