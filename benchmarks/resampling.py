"""unskew's torch SMOTE next to imbalanced-learn's SMOTE: time and peak memory.

Run: .venv/bin/python benchmarks/resampling.py [--skip-large]

Cases (float32, 32 features, k_neighbors=5, sampling_strategy="auto", same output size):
1,000,000 rows with a 5 % minority (the issue's anchor: target >= 10x faster, peak memory <= 2x the
output array), 200,000 rows with 5 % and with 30 % minority. Each run is a fresh process; peak
memory is VmHWM after the run minus VmRSS before it (the peak reset through /proc/self/clear_refs),
divided by the bytes of the resampled X; both implementations first run once on 2,000 rows, so
one-time set-up (thread pools, library buffers) is not counted against either.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-large", action="store_true", help="skip the 1,000,000-row case")
    args = parser.parse_args()
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
