"""Checkpoint and resume: a training process killed with SIGKILL mid-run resumes and ends with the
same weights as an uninterrupted run with the same seed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("ckpt_worker.py")


def run(checkpoint: Path, out: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(checkpoint), str(out), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def saved_epoch(path: Path) -> int:
    try:
        return int(torch.load(path, weights_only=True)["epoch"])
    except (FileNotFoundError, RuntimeError, EOFError, KeyError):
        return -1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    killed_ckpt, killed_out = tmp_path / "a" / "state.pt", tmp_path / "a.pt"
    proc = run(killed_ckpt, killed_out, "--slow")
    deadline = time.monotonic() + 120
    while saved_epoch(killed_ckpt) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no checkpoint after 120 s"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not killed_out.exists()
    interrupted_at = saved_epoch(killed_ckpt)
    assert 3 <= interrupted_at < 11  # killed mid-run, not after the last epoch

    resumed = run(killed_ckpt, killed_out)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    assert out.decode().split() == ["start", str(interrupted_at + 1)]  # it continued, not restarted
    assert saved_epoch(killed_ckpt) == 11

    fresh_ckpt, fresh_out = tmp_path / "b" / "state.pt", tmp_path / "b.pt"
    straight = run(fresh_ckpt, fresh_out)
    out, err = straight.communicate(timeout=300)
    assert straight.returncode == 0, err.decode()
    assert out.decode().split() == ["start", "0"]

    a = torch.load(killed_out, weights_only=True)
    b = torch.load(fresh_out, weights_only=True)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_resuming_restores_the_best_epoch_from_the_history(tmp_path):
    """The best epoch and its balanced log-loss follow from the saved history; a checkpoint from
    before the tie-break (records without ``validation_loss``) resumes with its first best epoch."""
    import numpy as np
    from sklearn.datasets import make_classification

    from unskew.models import MLP
    from unskew.training import Trainer

    X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    X = X.astype(np.float32)
    path = tmp_path / "state.pt"

    def trainer() -> Trainer:
        torch.manual_seed(0)
        return Trainer(MLP(6, 2, hidden=(8,)), "cross_entropy", epochs=6, checkpoint=path)

    done = trainer().fit(X, y)
    resumed = trainer().fit(X, y, resume=True)  # nothing left to train: the state comes back
    assert resumed.best_epoch_ == done.best_epoch_ is not None
    assert resumed.early_stopping_.best_loss == done.history_[done.best_epoch_]["validation_loss"]
    state = torch.load(path, weights_only=True)
    for record in state["history"]:
        del record["validation_loss"]
    torch.save(state, path)
    old = trainer().fit(X, y, resume=True)
    scores = [r["validation"] for r in state["history"]]
    assert old.best_epoch_ == scores.index(max(scores))
