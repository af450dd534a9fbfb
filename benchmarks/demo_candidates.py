"""Which built-in dataset ``make demo`` compares on: one where remedies differ.

Run: .venv/bin/python benchmarks/demo_candidates.py [--datasets keel:abalone9-18,...]
     [--strategies SPEC;SPEC...] [--cv 5] [--epochs N] [--jobs 2]

For each candidate it runs ``unskew.bench.run_grid`` as ``unskew compare`` would (same folds, the
default ranking metric) and prints the wall time, the baseline's score, the best recipe with its
corrected resampled t-test against the baseline, and the spread of the ranking metric across the
leaderboard. The demo needs: the best recipe ``better`` than the baseline (p < 0.05), a spread of at
least 0.05, and the whole ``make demo`` under 2 minutes on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time

CANDIDATES = (
    "keel:abalone9-18",
    "keel:yeast4",
    "keel:yeast-1_vs_7",
    "keel:ecoli4",
    "keel:vowel0",
    "keel:winequality-red-4",
    "keel:page-blocks-1-3_vs_4",
    "keel:car-good",
)


def measure(data: str, strategies: str, cv: int, epochs: int | None, jobs: int) -> dict:
    """One comparison of ``strategies`` on ``data``: time, baseline, best, p, spread."""
    from unskew.bench import run_grid

    start = time.perf_counter()
    result = run_grid(data, strategies, cv=cv, epochs=epochs, jobs=jobs, progress=False)
    seconds = time.perf_counter() - start
    board = [r for r in result.leaderboard() if r["score"] is not None]
    base = next(r for r in board if r["baseline"])
    best = board[0]
    test = best["vs_baseline"] or {"p": float("nan"), "verdict": "baseline"}
    return {
        "data": data,
        "metric": result.metric,
        "seconds": seconds,
        "baseline": base["score"],
        "best": best["spec"],
        "best_score": best["score"],
        "p": test["p"],
        "verdict": test["verdict"],
        "spread": board[0]["score"] - board[-1]["score"],
        "better": sum((r["vs_baseline"] or {}).get("verdict") == "better" for r in board),
        "recipes": len(board),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(CANDIDATES))
    parser.add_argument("--strategies", default="quick", help="quick, or recipes joined by ';'")
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    print(
        "| data | metric | s | baseline | best | best score | p | verdict | spread "
        "| better / recipes |\n|---|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    for data in args.datasets.split(","):
        r = measure(data, args.strategies, args.cv, args.epochs, args.jobs)
        print(
            f"| {r['data']} | {r['metric']} | {r['seconds']:.0f} | {r['baseline']:.3f} "
            f"| `{r['best']}` | {r['best_score']:.3f} | {r['p']:.3g} | {r['verdict']} "
            f"| {r['spread']:.3f} | {r['better']} / {r['recipes']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
