"""`unskew compare --strategies quick --cv 3` on the MNIST-LT PNG folder: wall time and peak memory,
with `--jobs 1` and `--jobs 2` (issue 19).

The folder is `unskew.datasets.mnist_lt()`'s 988 training digits (400 ... 4 per class, ratio 100)
written once as PNG files under benchmarks/_work/mnist_lt_png/<digit>/. Each comparison runs as a
user runs it, `python -m unskew compare FOLDER --strategies quick --cv 3 --jobs J --out ...`, in its
own process; peak memory is the largest sum of the resident sets of that process and all its
descendants (the loky workers of --jobs 2), sampled every 0.1 s from /proc.

Run: .venv/bin/python benchmarks/compare_images.py [--epochs N] [--jobs 1 2] [--threads T]
     .venv/bin/python benchmarks/compare_images.py --check   # 2 recipes, 1 epoch: the script works
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WORK = Path(__file__).resolve().parent / "_work"


def write_folder() -> Path:
    """The MNIST-LT training split as PNG files (written once, then reused)."""
    from PIL import Image

    from unskew.datasets import mnist_lt

    root = WORK / "mnist_lt_png"
    done = root / ".complete"
    if done.exists():
        return root
    data = mnist_lt()
    pixels = np.rint(data.X[:, 0] * 255).astype(np.uint8)
    for i, (image, label) in enumerate(zip(pixels, data.y, strict=True)):
        folder = root / str(data.classes[label])
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:04d}.png")
    done.write_text("")
    return root


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    """Resident set of ``root`` and every descendant, in KiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, []))
    return total


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident set of the process tree in MiB, and the last stdout line."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    command = next((x for x in out.splitlines() if x.startswith("unskew train")), "")
    return wall, peak / 1024, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="default: the classifier's")
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS of the runs")
    parser.add_argument("--check", action="store_true", help="2 recipes, 1 epoch")
    args = parser.parse_args()
    folder = write_folder()
    env = dict(os.environ)
    if args.threads is not None:
        env["OMP_NUM_THREADS"] = str(args.threads)
    strategies = "balanced_softmax" if args.check else "quick"
    epochs = 1 if args.check else args.epochs
    import torch

    print(
        f"folder: {folder} (988 PNG, 28x28 grey); compare --strategies {strategies} --cv 3"
        f"{'' if epochs is None else f' --epochs {epochs}'}; {os.cpu_count()} cores, torch "
        f"{torch.__version__}, OMP_NUM_THREADS={env.get('OMP_NUM_THREADS', 'unset')}"
    )
    print(f"{'--jobs':>6} {'wall s':>8} {'peak MiB':>9} {'time vs --jobs 1':>17}")
    first = None
    for jobs in args.jobs:
        out = WORK / f"compare_images_jobs{jobs}"
        cmd = [sys.executable, "-m", "unskew", "compare", str(folder), "--strategies", strategies]
        cmd += ["--cv", "3", "--jobs", str(jobs), "--out", str(out), "--force"]
        if epochs is not None:
            cmd += ["--epochs", str(epochs)]
        wall, mib, command = run(cmd, env)
        first = first or wall
        print(f"{jobs:>6} {wall:>8.1f} {mib:>9.0f} {wall / first:>16.2f}x")
    print(f"recommended: {command}")


if __name__ == "__main__":
    main()
