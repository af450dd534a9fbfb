"""The one protocol behind every speed claim of unskew's benchmarks (shared by the scripts).

A figure is a **paired ratio**: ours and its anchor run alternately in one process (anchor first in
even pairs, ours first in odd ones), each pair gives ``t_ours / t_anchor``, and the figure is the
median and the minimum of at least 21 such ratios, after warm-up pairs that are not counted. Load
from other processes then hits both sides of a pair alike.

Each figure is measured in every :data:`CONDITIONS` entry and printed side by side:

* ``quiet 2T``: 2 threads (torch and the OpenMP/BLAS pools, through threadpoolctl);
* ``quiet 1T``: 1 thread;
* ``loaded 2T``: 2 threads while :class:`BackgroundLoad` keeps every core busy with a NumPy
  matrix-product loop per core (as DataLoader workers or a neighbour's job would), started before
  the condition's first figure and stopped after its last;
* ``cuda``: the default CUDA device, timed with ``torch.cuda.synchronize()`` around each call;
  skipped with a line saying so when no device is present.

Memory is measured apart from time: CPU peak RSS growth of a fresh subprocess (:func:`reset_peak`
before, VmHWM after), CUDA ``torch.cuda.max_memory_allocated`` (:func:`cuda_peak_bytes`).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Paired ratios per figure (the protocol's minimum) and warm-up pairs before them.
PAIRS = 21
WARMUP = 2


@dataclass(frozen=True)
class Condition:
    """Where a figure is measured: ``threads`` for torch and the thread pools, background load or
    not, and the device."""

    name: str
    threads: int
    loaded: bool = False
    device: str = "cpu"


CONDITIONS = (
    Condition("quiet 2T", 2),
    Condition("quiet 1T", 1),
    Condition("loaded 2T", 2, loaded=True),
    Condition("cuda", 2, device="cuda"),
)


@dataclass(frozen=True)
class Figure:
    """The paired ratios ``ours / anchor`` of one measurement, with both sides' median seconds."""

    ratios: tuple[float, ...]
    anchor_s: float
    ours_s: float

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def minimum(self) -> float:
        return min(self.ratios)

    def cell(self) -> str:
        """``median (min)``, e.g. ``1.04x (0.97x)``."""
        return f"{self.median:.2f}x ({self.minimum:.2f}x)"


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def conditions(names: str | None = None) -> list[Condition]:
    """The protocol's conditions (``names``: a comma-separated subset, e.g. ``"quiet 2T,cuda"``)."""
    chosen = CONDITIONS if not names else [c for c in CONDITIONS if c.name in names.split(",")]
    return list(chosen)


def _sync(device: str) -> Callable[[], None]:
    if device == "cuda":
        import torch

        return torch.cuda.synchronize
    return lambda: None


def paired(
    anchor: Callable[[], object],
    ours: Callable[[], object],
    *,
    pairs: int = PAIRS,
    warmup: int = WARMUP,
    device: str = "cpu",
) -> Figure:
    """Time ``anchor`` and ``ours`` alternately (``warmup`` + ``pairs`` pairs, the order swapped
    every pair) and return the paired ratios ``t_ours / t_anchor`` of the counted pairs."""
    sync = _sync(device)
    times: dict[str, list[float]] = {"anchor": [], "ours": []}
    for i in range(warmup + pairs):
        order = (("anchor", anchor), ("ours", ours))
        for key, fn in order if i % 2 == 0 else order[::-1]:
            seconds = _seconds(fn, sync)
            if i >= warmup:
                times[key].append(seconds)
    ratios = tuple(o / a for o, a in zip(times["ours"], times["anchor"], strict=True))
    return Figure(ratios, statistics.median(times["anchor"]), statistics.median(times["ours"]))


def _seconds(fn: Callable[[], object], sync: Callable[[], None]) -> float:
    """Wall seconds of one call of ``fn``, the device synchronised before and after."""
    sync()
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def steady(
    anchor: Callable[[], object],
    ours: Callable[[], object],
    *,
    pairs: int = PAIRS,
    steps: int = 5,
    device: str = "cpu",
) -> Figure:
    """Training-loop timing: ``pairs`` pairs of blocks, each ``steps`` consecutive calls of one
    side (the sides alternate, the order swapped every pair, the first call of a block not
    counted); a pair gives the ratio of the two blocks' median call times. Beside :func:`paired`
    it shows what a loop of one loss costs once the allocator has settled into that loss's
    pattern (one call after another, as in training), and one warm-up pair is run first."""
    sync = _sync(device)
    ratios, medians = [], {"anchor": [], "ours": []}
    for i in range(pairs + 1):
        order = (("anchor", anchor), ("ours", ours))
        block = {}
        for key, fn in order if i % 2 == 0 else order[::-1]:
            times = [_seconds(fn, sync) for _ in range(steps)]
            block[key] = statistics.median(times[1:])
        if i:
            ratios.append(block["ours"] / block["anchor"])
            for key in medians:
                medians[key].append(block[key])
    return Figure(
        tuple(ratios), statistics.median(medians["anchor"]), statistics.median(medians["ours"])
    )


BUSY_CODE = """
import numpy as np
a = np.random.default_rng(0).random((256, 256))
while True:
    a = a @ a
    a /= np.abs(a).max()
"""


class BackgroundLoad:
    """One busy process per core (a single-threaded NumPy matrix-product loop), as a context
    manager: started on entry, killed on exit."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes or os.cpu_count() or 2
        self._procs: list[subprocess.Popen] = []

    def __enter__(self) -> BackgroundLoad:
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        self._procs = [
            subprocess.Popen([sys.executable, "-c", BUSY_CODE], env=env)
            for _ in range(self.processes)
        ]
        time.sleep(1.0)  # let them start and reach the loop
        dead = [p for p in self._procs if p.poll() is not None]
        if dead:
            self.__exit__(None, None, None)
            raise RuntimeError("a background load process exited at start")
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self._procs:
            p.kill()
        for p in self._procs:
            p.wait()
        self._procs = []


@contextlib.contextmanager
def set_threads(threads: int) -> Iterator[None]:
    """torch's intra-op threads and the OpenMP/BLAS pools (threadpoolctl) set to ``threads``."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def condition(c: Condition) -> Iterator[None]:
    """Enter condition ``c``: its threads, and the background load when it is a loaded one."""
    with set_threads(c.threads), BackgroundLoad() if c.loaded else contextlib.nullcontext():
        yield


def measure(
    run: Callable[[Condition], dict[str, Figure]], chosen: list[Condition]
) -> dict[str, dict[str, Figure]]:
    """``run(condition)`` -> {figure name: Figure} in each condition; returns
    {condition name: {figure name: Figure}}. A CUDA condition without a device is skipped with a
    line saying so (and absent from the result)."""
    results: dict[str, dict[str, Figure]] = {}
    for c in chosen:
        if c.device == "cuda" and not cuda_available():
            print(f"[{c.name}] skipped: no CUDA device here")
            continue
        start = time.perf_counter()
        with condition(c):
            results[c.name] = run(c)
        print(f"[{c.name}] measured in {time.perf_counter() - start:.0f} s", flush=True)
    return results


def print_table(
    results: dict[str, dict[str, Figure]],
    *,
    label: str = "figure",
    target: Callable[[str, str], float | None] | None = None,
    extra: dict[str, dict[str, str]] | None = None,
    width: int = 34,
) -> None:
    """One row per figure, one ``median (min)`` column per condition, the ``extra`` columns
    ({column: {figure: text}}, e.g. memory), then the anchor's median ms per condition.
    ``target(figure, condition)`` gives the ceiling of the ratio (None: no target); a median or a
    minimum above it is marked ``!``, and the ceiling of the first condition is printed."""
    names = list(results)
    extra = extra or {}
    figures = list(dict.fromkeys(f for r in results.values() for f in r))
    figures += [f for col in extra.values() for f in col if f not in figures]
    head = f"{label:<{width}}" + ("" if target is None else f" {'target':>6}")
    head += "".join(f" {n:>17}" for n in names) + "".join(f" {n:>9}" for n in extra)
    head += "   anchor ms: " + " / ".join(names)
    print(head)
    print("-" * len(head))
    for f in figures:
        row = f"{f:<{width}}"
        if target is not None:
            first = target(f, names[0]) if names else None
            row += f" {first:5.2f}x" if first is not None else f" {'':6}"
        anchors = []
        for n in names:
            fig = results[n].get(f)
            if fig is None:
                row += f" {'-':>17}"
                anchors.append("-")
                continue
            limit = None if target is None else target(f, n)
            miss = limit is not None and max(fig.median, fig.minimum) > limit
            row += f" {fig.cell() + ('!' if miss else ' '):>17}"
            anchors.append(f"{fig.anchor_s * 1e3:.3g}")
        row += "".join(f" {col.get(f, '-'):>9}" for col in extra.values())
        print(row + "   " + " / ".join(anchors))


def commit() -> str:
    """The checkout's commit hash (with ``+dirty`` when files are modified), or ``unknown``."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        sha = subprocess.run(
            ["git", "-C", here, "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def print_header(title: str, chosen: list[Condition], pairs: int, warmup: int = WARMUP) -> None:
    """The run's header: title, commit, date, versions, cores, load average, the protocol."""
    import torch

    load = os.getloadavg()
    print(title)
    print(
        f"commit {commit()}, {datetime.datetime.now().isoformat(timespec='seconds')}, "
        f"Python {sys.version.split()[0]}, torch {torch.__version__}, "
        f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"protocol: median (minimum) of {pairs} paired ratios ours/anchor, alternating in one "
        f"process, {warmup} warm-up pair(s); conditions: " + ", ".join(c.name for c in chosen)
    )


def cuda_peak_bytes(fn: Callable[[], object]) -> int:
    """Peak CUDA memory allocated during ``fn()`` above what was allocated before it."""
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before


def rss_kib(field: str) -> int:
    """A VmRSS / VmHWM line of /proc/self/status, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> int:
    """Reset the peak RSS (VmHWM) to the current RSS and return the current RSS in KiB."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return rss_kib("VmRSS")
