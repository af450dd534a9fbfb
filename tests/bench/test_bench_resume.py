"""A comparison killed with SIGKILL mid-grid resumes and ends with the same store as an
uninterrupted one: the same runs, each exactly once, with identical metrics and predictions."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from unskew.bench import Store

WORKER = Path(__file__).with_name("grid_worker.py")


def start(out: Path, *flags: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(out), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def stored_ok(folder: Path) -> int:
    path = folder / "results.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is being created
        return 0


def rows(folder: Path) -> dict:
    with sqlite3.connect(folder / "results.sqlite") as con:
        found = con.execute(
            "SELECT recipe, repeat, fold, COUNT(*), MIN(rowid) FROM runs "
            "GROUP BY fingerprint, recipe, repeat, fold"
        ).fetchall()
    assert all(count == 1 for *_, count, _ in found), "a run was stored twice"
    return {(r, k, f): rowid for r, k, f, _, rowid in found}


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=400)
    assert proc.returncode == 0, err.decode()[-3000:]
    return out.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_grid_then_resume_equals_an_uninterrupted_grid(tmp_path):
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    reference = start(straight)  # runs meanwhile on the other core
    proc = start(killed, "--slow")
    deadline = time.monotonic() + 240
    while stored_ok(killed) < 2:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "no run stored after 240 s"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = rows(killed)
    assert 2 <= sum(1 for key in before if key[0] != "dice") < 6  # killed mid-grid

    assert finish(start(killed, "--resume")).split() == ["9"]  # 6 trained + 3 skipped
    assert finish(reference).split() == ["9"]

    after, expected = rows(killed), rows(straight)
    assert set(after) == set(expected)
    assert len(after) == 9
    assert {k: v for k, v in after.items() if k in before} == before  # stored runs not redone
    with Store.open_existing(killed) as a, Store.open_existing(straight) as b:
        assert a.fingerprints() == b.fingerprints()
        (fingerprint,) = a.fingerprints()
        resumed = {r.key: r for r in a.runs(fingerprint)}
        uninterrupted = {r.key: r for r in b.runs(fingerprint)}
    for key, run in uninterrupted.items():
        other = resumed[key]
        assert (other.status, other.error, other.seed) == (run.status, run.error, run.seed)
        assert other.metrics == run.metrics, key
        assert other.per_class == run.per_class, key
        if run.predictions is not None:
            for name, values in run.predictions.items():
                assert np.array_equal(other.predictions[name], values), (key, name)
