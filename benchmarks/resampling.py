"""unskew's torch SMOTE next to imbalanced-learn's SMOTE: time and peak memory.

Run: .venv/bin/python benchmarks/resampling.py [--skip-large] [--floor]

Cases (float32, 32 features, k_neighbors=5, sampling_strategy="auto", same output size):
1,000,000 rows with a 5 % minority (the issue's anchor: target >= 10x faster, peak memory <= 2x the
output array), 200,000 rows with 5 % and with 30 % minority. Each run is a fresh process; peak
memory is VmHWM after the run minus VmRSS before it (the peak reset through /proc/self/clear_refs),
divided by the bytes of the resampled X; both implementations first run once on 2,000 rows, so
one-time set-up (thread pools, library buffers) is not counted against either.

--floor also times the part of an exact search that no implementation can skip on the anchor case:
the squared-distance matrix products among the 50,000 minority rows (the blocks unskew's search
computes, without the top-k that follows), and the float32 rate they run at.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, sys, time
import numpy as np
sys.path.insert(0, "benchmarks")
from bench_common import rss_kib, reset_peak
rows, minority, impl = {rows}, {minority}, {impl!r}
rng = np.random.default_rng(0)
X = rng.normal(size=(rows, 32)).astype(np.float32)
y = (rng.random(rows) < minority).astype(np.int64)
if impl == "imblearn":
    from imblearn.over_sampling import SMOTE
else:
    from unskew.resampling import SMOTE
sampler = SMOTE(k_neighbors=5, random_state=0)
# warm up on a small sample: thread pools and library buffers are set up once per process
sampler.fit_resample(X[:2000], np.r_[np.zeros(1900, dtype=np.int64), np.ones(100, dtype=np.int64)])
before = reset_peak()
start = time.perf_counter()
X_res, y_res = sampler.fit_resample(X, y)
seconds = time.perf_counter() - start
peak = (rss_kib("VmHWM") - before) * 1024
print(json.dumps({{"seconds": seconds, "peak_ratio": peak / X_res.nbytes, "rows": len(X_res),
                  "new": int(len(X_res) - rows)}}))
"""


def run(rows: int, minority: float, impl: str) -> dict:
    code = CHILD.format(rows=rows, minority=minority, impl=impl)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


FLOOR = """
import json, time
import numpy as np, torch
from unskew.resampling._neighbors import DEFAULT_CHUNK
rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(50_000, 32)).astype(np.float32))
sq = (X * X).sum(1)
rows = DEFAULT_CHUNK // len(X)
torch.addmm(sq, X[:rows], X.T, beta=1.0, alpha=-2.0)  # warm-up
start = time.perf_counter()
for s in range(0, len(X), rows):
    torch.addmm(sq, X[s : s + rows], X.T, beta=1.0, alpha=-2.0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "gflops": 2 * len(X) ** 2 * 32 / seconds / 1e9}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-large", action="store_true", help="skip the 1,000,000-row case")
    parser.add_argument(
        "--floor", action="store_true", help="also time the exact search's distance products"
    )
    args = parser.parse_args()
    if args.floor:
        out = subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True)
        floor = json.loads(out.stdout)
        print(
            "distance products among 50,000 minority rows x 32 (float32, exact search): "
            f"{floor['seconds']:.2f} s at {floor['gflops']:.0f} GFLOP/s"
        )
    cases = [(200_000, 0.05), (200_000, 0.30)]
    if not args.skip_large:
        cases.insert(0, (1_000_000, 0.05))
    print(
        f"{'case':28} {'imblearn s':>10} {'unskew s':>9} {'speed-up':>9} {'new rows':>10} "
        f"{'imblearn mem':>13} {'unskew mem':>11}"
    )
    for rows, minority in cases:
        theirs, ours = run(rows, minority, "imblearn"), run(rows, minority, "unskew")
        assert theirs["rows"] == ours["rows"], (theirs, ours)
        label = f"{rows:,} x 32, {minority:.0%} minority"
        print(
            f"{label:28} {theirs['seconds']:10.2f} {ours['seconds']:9.2f} "
            f"{theirs['seconds'] / ours['seconds']:8.1f}x {ours['new']:10,} "
            f"{theirs['peak_ratio']:12.2f}x {ours['peak_ratio']:10.2f}x"
        )
    print("memory columns: peak RSS growth / bytes of the resampled X (target for unskew: <= 2x)")


if __name__ == "__main__":
    main()
