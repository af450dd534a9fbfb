"""Shared fixtures: fixed seeds, a CLI runner in a real subprocess, and small real data files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fixed_seeds() -> None:
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - pins code that still uses the legacy global state


@pytest.fixture
def one_thread():
    """Run torch on one thread: on shared, busy cores this is faster and steadier for tiny nets."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 180,
    env: dict[str, str | None] | None = None,
) -> CliResult:
    """Run ``python -m unskew ARGS`` in a fresh interpreter, as a user would run ``unskew``
    (``env``: variables set on top of this process's environment; None removes one, e.g.
    ``{"COLUMNS": None}`` for what ``unskew ... | grep`` gets)."""
    merged = {
        **os.environ,
        "COLUMNS": "120",
        "NO_COLOR": "1",
        "PYTHONWARNINGS": "ignore",
        **(env or {}),
    }
    environ = {k: v for k, v in merged.items() if v is not None}
    proc = subprocess.run(
        [sys.executable, "-m", "unskew", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def frame() -> pd.DataFrame:
    """A small mixed-type table: numbers with a gap, a category, a boolean, a string label."""
    rng = np.random.default_rng(0)
    n = 60
    amount = rng.normal(100, 20, n)
    amount[[3, 17]] = np.nan
    return pd.DataFrame(
        {
            "amount": amount,
            "count": rng.integers(0, 10, n),
            "city": rng.choice(["paris", "lyon", "nice"], n),
            "online": rng.random(n) > 0.5,
            "label": np.where(np.arange(n) % 6 == 0, "fraud", "ok"),
        }
    )
