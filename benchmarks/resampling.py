"""unskew's torch SMOTE next to imbalanced-learn's SMOTE: time (paired ratios) and peak memory.

Run: .venv/bin/python benchmarks/resampling.py [--pairs 21] [--conditions "quiet 1T,loaded 2T"]
     [--skip-large] [--no-memory] [--quick]

Cases (float32, 32 features from a standard normal, labels drawn with the minority share,
k_neighbors=5, sampling_strategy="auto", random_state=0): 1,000,000 rows with a 5 % minority,
200,000 rows with 5 % and with 30 % minority. Both implementations produce the same number of rows
(checked).

Time follows bench_common's protocol: in each condition (quiet 2 threads, quiet 1 thread, 2 threads
with every core kept busy by a background process, CUDA when present: there unskew's SMOTE gets the
tensor on the device, imbalanced-learn the NumPy array) the two ``fit_resample`` calls alternate in
one process, after a warm-up pair, and each figure is the median (minimum) of --pairs ratios
``t_unskew / t_imblearn``; the threads of torch and of scikit-learn's OpenMP/BLAS pools are set
together. Target (issue 22): <= 1.0x in every CPU condition.

Memory: peak RSS growth of a fresh process during one ``fit_resample`` (VmHWM after minus VmRSS
before, the peak reset through /proc/self/clear_refs) over the bytes of the resampled X, after a
warm-up on 2,000 rows; target <= 2x. CUDA: ``torch.cuda.max_memory_allocated`` growth over the
bytes of the output.

--quick: a smoke run (100,000 rows with 5 % and 50,000 with 30 % minority, 3 pairs; a few
minutes, most of it imbalanced-learn under load).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np

from bench_common import (
    Condition,
    Figure,
    conditions,
    cuda_peak_bytes,
    measure,
    paired,
    print_header,
    print_table,
    reset_peak,
    rss_kib,
)

CASES = {
    "1,000,000 x 32, 5 % minority": (1_000_000, 0.05),
    "200,000 x 32, 5 % minority": (200_000, 0.05),
    "200,000 x 32, 30 % minority": (200_000, 0.30),
}
QUICK_CASES = {
    "100,000 x 32, 5 % minority": (100_000, 0.05),
    "50,000 x 32, 30 % minority": (50_000, 0.30),
}
TARGET = 1.0
WARMUP = 1


def make_data(rows: int, minority: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 32)).astype(np.float32)
    y = (rng.random(rows) < minority).astype(np.int64)
    return X, y


def samplers():
    from imblearn.over_sampling import SMOTE as ImbSMOTE

    from unskew.resampling import SMOTE

    return ImbSMOTE(k_neighbors=5, random_state=0), SMOTE(k_neighbors=5, random_state=0)


def time_case(rows: int, minority: float, c: Condition, pairs: int) -> Figure:
    import torch

    X, y = make_data(rows, minority)
    theirs, ours = samplers()
    X_ours = torch.from_numpy(X).to(c.device) if c.device == "cuda" else X
    n_theirs = len(theirs.fit_resample(X, y)[1])
    n_ours = len(ours.fit_resample(X_ours, y)[1])
    if n_theirs != n_ours:
        raise RuntimeError(f"row counts differ: imbalanced-learn {n_theirs}, unskew {n_ours}")
    return paired(
        lambda: theirs.fit_resample(X, y),
        lambda: ours.fit_resample(X_ours, y),
        pairs=pairs,
        warmup=WARMUP,
        device=c.device,
    )


CHILD = """
import json, sys
sys.path.insert(0, "benchmarks")
from resampling import memory_in_child
print(json.dumps(memory_in_child({rows}, {minority}, {impl!r})))
"""


def memory_in_child(rows: int, minority: float, impl: str) -> float:
    """In a fresh process: peak RSS growth of one ``fit_resample`` over the output's bytes."""
    X, y = make_data(rows, minority)
    sampler = samplers()[0 if impl == "imblearn" else 1]
    small_y = np.r_[np.zeros(1900, dtype=np.int64), np.ones(100, dtype=np.int64)]
    sampler.fit_resample(X[:2000], small_y)  # thread pools and library buffers, once per process
    before = reset_peak()
    X_res, _ = sampler.fit_resample(X, y)
    return (rss_kib("VmHWM") - before) * 1024 / X_res.nbytes


def cpu_memory(rows: int, minority: float) -> dict[str, str]:
    out = {}
    for impl in ("imblearn", "unskew"):
        code = CHILD.format(rows=rows, minority=minority, impl=impl)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            out[impl] = "error"
            print(proc.stderr.strip().splitlines()[-1])
            continue
        ratio = json.loads(proc.stdout)
        out[impl] = f"{ratio:.2f}x" + ("!" if impl == "unskew" and ratio > 2.0 else "")
    return out


def cuda_memory(rows: int, minority: float) -> str:
    import torch

    X, y = make_data(rows, minority)
    X_dev = torch.from_numpy(X).cuda()
    ours = samplers()[1]
    ours.fit_resample(X_dev, y)
    peak = cuda_peak_bytes(lambda: ours.fit_resample(X_dev, y))
    out_bytes = len(ours.fit_resample(X_dev, y)[1]) * X.shape[1] * X.itemsize
    return f"{peak / out_bytes:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=21, help="paired ratios per figure")
    parser.add_argument("--conditions", default=None, help='e.g. "quiet 1T,loaded 2T"')
    parser.add_argument("--skip-large", action="store_true", help="skip the 1,000,000-row case")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run, about 2 minutes")
    args = parser.parse_args()
    cases = dict(QUICK_CASES if args.quick else CASES)
    if args.skip_large:
        cases.pop("1,000,000 x 32, 5 % minority", None)
    pairs = 3 if args.quick else args.pairs
    chosen = conditions(args.conditions)
    print_header("unskew SMOTE / imbalanced-learn SMOTE: fit_resample", chosen, pairs, WARMUP)

    def run(c: Condition) -> dict[str, Figure]:
        return {label: time_case(*case, c, pairs) for label, case in cases.items()}

    results = measure(run, chosen)
    extra: dict[str, dict[str, str]] = {}
    if not args.no_memory:
        mem = {label: cpu_memory(*case) for label, case in cases.items()}
        extra["imblearn mem"] = {label: m["imblearn"] for label, m in mem.items()}
        extra["unskew mem"] = {label: m["unskew"] for label, m in mem.items()}
    if "cuda" in results:
        extra["CUDA mem"] = {label: cuda_memory(*case) for label, case in cases.items()}
    print()
    print_table(results, label="case", target=lambda _f, _c: TARGET, extra=extra, width=30)
    print(
        "\ncells: median (minimum) of the paired ratios t_unskew / t_imblearn; 'anchor ms': "
        "imbalanced-learn's median time; mem: peak RSS growth / bytes of the resampled X "
        "(target for unskew: <= 2x)"
    )


if __name__ == "__main__":
    main()
