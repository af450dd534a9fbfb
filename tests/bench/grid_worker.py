"""Runs a small comparison into a folder; run as a subprocess by test_bench_resume.py.

usage: python grid_worker.py OUT [--slow] [--resume]

``--slow`` sleeps after each run so that the test can kill the process between runs.
"""

from __future__ import annotations

import sys
import time

RECIPES = ["cross_entropy+weights:inverse", "dice"]  # dice: skipped on a table


def main() -> None:
    import torch

    torch.set_num_threads(1)
    from unskew.bench import _runner, run_grid

    if "--slow" in sys.argv:
        run_one = _runner.run_one

        def slow(*args, **kwargs):
            record = run_one(*args, **kwargs)
            time.sleep(0.6)
            return record

        _runner.run_one = slow
    result = run_grid(
        "keel:glass4",
        RECIPES,
        cv=3,
        epochs=3,
        out=sys.argv[1],
        resume="--resume" in sys.argv,
        progress=False,
    )
    print(len(result.runs), flush=True)


if __name__ == "__main__":
    main()
