"""`unskew profile` on a 1,000,000 x 20 CSV: wall time and peak memory next to the targets
(< 10 s, < 2 GiB) and to the floor, pandas reading the same file (profile reads with pandas' C engine).

Run: .venv/bin/python benchmarks/bench_profile.py [--rows 1000000]
The CSV (20 float features, a 0/1 label with a 1 % minority, a few missing values, duplicate and
conflicting rows) is written once to benchmarks/_work/ and reused. Each step runs in its own
process; peak memory is that process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_S, TARGET_GIB = 10.0, 2.0
WORK = Path(__file__).resolve().parent / "_work"


def make_csv(rows: int) -> Path:
    path = WORK / f"profile_{rows}x20.csv"
    if path.exists():
        return path
    WORK.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 20)).round(6)
    X[rng.integers(0, rows, 500), 3] = np.nan
    y = (rng.random(rows) < 0.01).astype(int)
    X[1000:1100] = X[0:100]  # 100 duplicate / conflicting feature rows
    y[1000:1100] = y[0:100]
    y[1050:1100] = 1 - y[1050:1100]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])
    frame["label"] = y
    tmp = path.with_suffix(".partial")
    frame.to_csv(tmp, index=False)
    tmp.rename(path)
    return path


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in GiB and stdout of a child process."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        f"p = subprocess.run({cmd!r}, capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "assert p.returncode == 0, p.stderr\n"
        "print(json.dumps([dt, rss, p.stdout]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dt, rss_kib, stdout = json.loads(out.stdout)
    return dt, rss_kib / 2**20, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = make_csv(args.rows)
    size_mb = path.stat().st_size / 1e6
    py = sys.executable
    floor = [py, "-c", f"import pandas as pd; pd.read_csv({str(path)!r})"]
    arrow = [py, "-c", f"import pandas as pd; pd.read_csv({str(path)!r}, engine='pyarrow')"]
    ours = [py, "-m", "unskew", "profile", str(path), "--json"]
    print(f"file: {path.name} ({args.rows:,} rows x 20 features, {size_mb:.0f} MB)")
    print(f"{'step':44} {'wall s':>7} {'peak GiB':>9} {'time vs 10 s':>13} {'mem vs 2 GiB':>13}")
    results = {}
    for label, cmd in (
        ("pandas.read_csv, pyarrow engine", arrow),
        ("pandas.read_csv, C engine (floor)", floor),
        ("unskew profile --json", ours),
    ):
        dt, gib, stdout = run(cmd)
        results[label] = (dt, stdout)
        print(f"{label:44} {dt:7.2f} {gib:9.2f} {dt / TARGET_S:12.2f}x {gib / TARGET_GIB:12.2f}x")
    report = json.loads(results["unskew profile --json"][1])
    kinds = [w["kind"] for w in report["warnings"]]
    print(f"profile found: ratio {report['imbalance_ratio']:.1f}, warnings {kinds}")
    base = results["pandas.read_csv, C engine (floor)"][0]
    print(
        f"unskew profile / reading the file alone: {results['unskew profile --json'][0] / base:.2f}x"
    )


if __name__ == "__main__":
    main()
