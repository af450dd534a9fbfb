"""MetricAccumulator.sync over real processes in a gloo group equals the one-process report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from unskew.metrics import classification_report

WORKER = Path(__file__).with_name("ddp_metrics_worker.py")


def test_sync_over_three_ranks(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "report"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": str(port),
                "RANK": str(r),
                "WORLD_SIZE": "3",
            },
        )
        for r in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 900)
    scores = np.clip(y * 0.3 + rng.random(900) * 0.7, 0, 1)
    expected = classification_report(y, (scores >= 0.5).astype(int), scores)
    for rank in range(3):
        got = json.loads(Path(f"{out}.{rank}").read_text())
        assert got["roc_auc"] == pytest.approx(expected["roc_auc"])
        assert got["classes"] == expected["classes"]
