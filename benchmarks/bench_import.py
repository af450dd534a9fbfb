"""How long `import unskew` and `unskew --help` take, next to the 0.3 s target and to `import torch`.

Run: .venv/bin/python benchmarks/bench_import.py [--repeats 15]
Each figure is the median wall time of a fresh interpreter (process start included), so the
`python -c pass` row is the floor every command pays.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 0.3


def wall(cmd: list[str], repeats: int) -> float:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    rows = [
        ("python -c pass (floor)", [py, "-c", "pass"]),
        ("import unskew", [py, "-c", "import unskew"]),
        ("unskew --help", [py, "-m", "unskew", "--help"]),
        ("import torch (what we avoid)", [py, "-c", "import torch"]),
    ]
    print(f"{'command':32} {'median s':>9} {'vs 0.3 s target':>16}")
    for label, cmd in rows:
        t = wall(cmd, args.repeats)
        print(f"{label:32} {t:9.3f} {t / TARGET_S:15.2f}x")


if __name__ == "__main__":
    main()
