"""Forward + backward time (and peak memory) of every unskew loss next to its PyTorch anchor.

Run: .venv/bin/python benchmarks/losses.py [--pairs 21] [--conditions "quiet 2T,loaded 2T"]
     [--shapes dense] [--losses asymmetric,focal] [--no-memory] [--quick] [--steady]

The protocol is bench_common's: each figure is the median (minimum) of --pairs paired ratios
``t_loss / t_anchor``, the loss and its anchor alternating in one process, in four conditions
(quiet 2 threads, quiet 1 thread, 2 threads with every core kept busy by a background process,
CUDA when a device is present). Anchors: ``F.cross_entropy`` for the softmax losses and Dice /
Tversky, ``F.binary_cross_entropy_with_logits`` (float 0/1 targets) for the sigmoid ones. Inputs:
float32 logits in [-1, 1] (LDAM expects a cosine head's), shapes (8192, 1000), (65536, 10) and
dense (8, 5, 256, 256).

Targets (issue 22): plain ``cross_entropy`` <= 1.1x; every other softmax loss <= 1.5x;
sigmoid focal and asymmetric <= 2x; memory <= 3x the logits (the gradient alone is 1x). The two
sigmoid losses are also measured with ``compile=True`` (opt-in torch.compile; compiled during the
warm-up pairs, and in the memory child before its peak is reset).
A ``!`` marks a median or minimum above its target.

Memory: CPU peak RSS growth of a fresh subprocess during one forward + backward (VmHWM after minus
VmRSS before, the peak reset through /proc/self/clear_refs) over the logits' bytes; on CUDA
``torch.cuda.max_memory_allocated`` growth over the logits' bytes.

--quick: a smoke run (5 pairs, logits a quarter of the size, memory on the dense shape only).

--steady: bench_common.steady instead of paired, no memory: blocks of 5 consecutive steps of one
side (the first not counted), the sides alternating, the ratio of each block pair's median step
times. Paired single calls are what the targets are judged on; a steady loop shows what a training
loop of one loss costs once glibc's heap has settled (run it with MALLOC_TRIM_THRESHOLD_=2000000000
MALLOC_MMAP_THRESHOLD_=1000000000 to take the heap's trimming, and its page faults, out of both
sides).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable

# compile=True rows compile in this process: torch's pool of compile workers would otherwise start
# (importing torch, seconds of CPU) while the next rows are timed
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")

import torch
import torch.nn.functional as F

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
    steady,
)
from unskew.losses import functional as L

SHAPES = {
    "(8192, 1000)": (8192, 1000),
    "(65536, 10)": (65536, 10),
    "dense (8, 5, 256, 256)": (8, 5, 256, 256),
}
QUICK_SHAPES = {
    "(2048, 1000)": (2048, 1000),
    "(16384, 10)": (16384, 10),
    "dense (2, 5, 256, 256)": (2, 5, 256, 256),
}
CE, BCE = "cross_entropy (F)", "bce_with_logits (F)"
FOCAL_C, ASL_C = "sigmoid_focal (compile=True)", "asymmetric (compile=True)"
COMPILED = (FOCAL_C, ASL_C)


def softmax_losses(n_classes: int, device: str) -> dict[str, Callable]:
    counts = torch.linspace(1000, 10, n_classes).round().to(device)
    cost = torch.ones(n_classes, n_classes, device=device) - torch.eye(n_classes, device=device)
    cost[1:, 0] = 5.0
    weight = torch.rand(n_classes, generator=torch.Generator().manual_seed(1)).to(device) + 0.5
    return {
        "cross_entropy": lambda z, t: L.cross_entropy(z, t),
        "weighted cross_entropy": lambda z, t: L.cross_entropy(z, t, weight),
        "focal (gamma=2)": lambda z, t: L.focal_loss(z, t, gamma=2.0),
        "focal (gamma=2, alpha)": lambda z, t: L.focal_loss(z, t, gamma=2.0, alpha=weight),
        "class_balanced (CE)": lambda z, t: L.class_balanced_loss(z, t, counts, beta=0.999),
        "class_balanced (focal)": lambda z, t: L.class_balanced_loss(z, t, counts, base="focal"),
        "ldam": lambda z, t: L.ldam_loss(z, t, counts),
        "balanced_softmax": lambda z, t: L.balanced_softmax_loss(z, t, counts),
        "logit_adjusted": lambda z, t: L.logit_adjusted_loss(z, t, counts, tau=1.0),
        "cost_sensitive": lambda z, t: L.cost_sensitive_loss(z, t, cost),
    }


def all_losses(shape: tuple[int, ...], device: str = "cpu") -> dict[str, tuple]:
    """name -> (fn, anchor name or None, takes one-hot float targets)."""
    out: dict[str, tuple] = {CE: (lambda z, t: F.cross_entropy(z, t), None, False)}
    for name, fn in softmax_losses(shape[1], device).items():
        out[name] = (fn, CE, False)
    if len(shape) > 2:
        out["dice"] = (lambda z, t: L.dice_loss(z, t), CE, False)
        out["tversky"] = (lambda z, t: L.tversky_loss(z, t), CE, False)
    try:
        from imbalanced_losses import SoftmaxFocalLoss

        ref = SoftmaxFocalLoss(gamma=2.0)
        out["imbalanced-losses SoftmaxFocalLoss"] = (lambda z, t: ref(z, t), CE, False)
    except ImportError:
        pass
    out[BCE] = (lambda z, y: F.binary_cross_entropy_with_logits(z, y), None, True)
    out["sigmoid_focal"] = (lambda z, y: L.sigmoid_focal_loss(z, y), BCE, True)
    out["asymmetric"] = (lambda z, y: L.asymmetric_loss(z, y), BCE, True)
    # the opt-in torch.compile paths (compiled in the warm-up pairs)
    out[FOCAL_C] = (lambda z, y: L.sigmoid_focal_loss(z, y, compile=True), BCE, True)
    out[ASL_C] = (lambda z, y: L.asymmetric_loss(z, y, compile=True), BCE, True)
    return out


def target(name: str, condition: str = "") -> float | None:
    if name in (CE, BCE) or name.startswith("imbalanced-losses"):
        return None
    if name == "cross_entropy":
        return 1.1
    return 2.0 if name.startswith(("sigmoid_focal", "asymmetric")) else 1.5


def make_inputs(shape: tuple[int, ...], device: str = "cpu"):
    """Logits in the cosine-head range (for LDAM), class targets and their one-hot float form."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(shape, generator=g).div_(3).clamp_(-1, 1)
    target = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=g)
    onehot = torch.zeros(shape).scatter_(1, target.unsqueeze(1), 1.0)
    return logits.to(device).requires_grad_(), target.to(device), onehot.to(device)


def step(fn: Callable, logits: torch.Tensor, target: torch.Tensor) -> Callable[[], None]:
    def run() -> None:
        logits.grad = None
        fn(logits, target).backward()

    return run


def chosen(name: str, wanted: list[str] | None) -> bool:
    """Whether ``name`` is measured: every loss without a filter, the anchors always."""
    return wanted is None or name in (CE, BCE) or any(w in name for w in wanted)


def time_shape(
    shape: tuple[int, ...],
    c: Condition,
    pairs: int,
    wanted: list[str] | None = None,
    compiled: bool = False,
    timer: Callable[..., Figure] = paired,
) -> dict[str, Figure]:
    """Paired ratios (or ``timer``'s) of every (wanted) loss of ``shape`` against its anchor, in
    condition ``c``: the eager ones, or (``compiled``) the ``compile=True`` rows."""
    logits, target, onehot = make_inputs(shape, c.device)
    losses = all_losses(shape, c.device)
    out = {}
    for name, (fn, anchor, sigmoid) in losses.items():
        if not chosen(name, wanted) or (name in COMPILED) != compiled:
            continue
        arg = onehot if sigmoid else target
        base = losses[anchor or name][0]
        anchor_step, our_step = step(base, logits, arg), step(fn, logits, arg)
        out[name] = timer(anchor_step, our_step, pairs=pairs, device=c.device)
    return out


CHILD_CODE = """
import json, sys
sys.path.insert(0, 'benchmarks')
from losses import memory_in_child
print(json.dumps(memory_in_child({shape!r}, {name!r})))
"""


def memory_in_child(shape: tuple[int, ...], name: str) -> float:
    """In a fresh process: peak RSS growth of one step of ``name`` over the logits' bytes."""
    logits, target, onehot = make_inputs(shape)
    fn, _, sigmoid = all_losses(shape)[name]
    if name in COMPILED:  # compile for this very shape before the peak is reset
        fn(logits, onehot).backward()
        logits.grad = None
    else:
        small, small_t, small_h = make_inputs((max(1, shape[0] // 64), *shape[1:]))
        fn(small, small_h if sigmoid else small_t).backward()  # warm up kernels and thread pools
        del small, small_t, small_h
    before = reset_peak()
    fn(logits, onehot if sigmoid else target).backward()
    return (rss_kib("VmHWM") - before) * 1024 / (logits.numel() * logits.element_size())


def cpu_memory(shape: tuple[int, ...], wanted: list[str] | None = None) -> dict[str, str]:
    out = {}
    for name in all_losses(shape):
        if not chosen(name, wanted):
            continue
        code = CHILD_CODE.format(shape=shape, name=name)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            out[name] = "error: " + proc.stderr.strip().splitlines()[-1]
            continue
        ratio = json.loads(proc.stdout)
        out[name] = f"{ratio:.2f}x" + ("!" if ratio > 3.0 and name not in (CE, BCE) else "")
    return out


def cuda_memory(shape: tuple[int, ...], wanted: list[str] | None = None) -> dict[str, str]:
    logits, target, onehot = make_inputs(shape, "cuda")
    out = {}
    for name, (fn, _, sigmoid) in all_losses(shape, "cuda").items():
        if not chosen(name, wanted):
            continue
        run = step(fn, logits, onehot if sigmoid else target)
        run()  # warm-up
        ratio = cuda_peak_bytes(run) / (logits.numel() * logits.element_size())
        out[name] = f"{ratio:.2f}x" + ("!" if ratio > 3.0 and name not in (CE, BCE) else "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=21, help="paired ratios per figure")
    parser.add_argument("--conditions", default=None, help='e.g. "quiet 1T,loaded 2T"')
    parser.add_argument("--shapes", default=None, help="substring filter, e.g. dense")
    parser.add_argument(
        "--losses", default=None, help="comma-separated substrings of the losses to measure"
    )
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run, about 2 minutes")
    parser.add_argument(
        "--steady", action="store_true", help="blocks of consecutive steps (a training loop)"
    )
    args = parser.parse_args()
    shapes = QUICK_SHAPES if args.quick else SHAPES
    if args.shapes:
        shapes = {k: v for k, v in shapes.items() if args.shapes in k}
    pairs = 5 if args.quick else args.pairs
    wanted = args.losses.split(",") if args.losses else None
    where = conditions(args.conditions)
    timer = steady if args.steady else paired
    title = "unskew losses: forward + backward, ours / anchor"
    if args.steady:
        title += "; steady: blocks of 5 steps, ratios of block medians (not paired calls)"
        trim = os.environ.get("MALLOC_TRIM_THRESHOLD_", "glibc's default")
        title += f"; MALLOC_TRIM_THRESHOLD_={trim}"
    print_header(title, where, pairs)
    print("targets: cross_entropy 1.1x, softmax losses 1.5x, sigmoid losses 2x; memory 3x")

    def run(c: Condition) -> dict[str, Figure]:
        # the compile=True rows after every eager one: the first compiled step of a shape
        # disturbs the timings that follow it for some seconds
        figures = {}
        for compiled in (False, True):
            for label, shape in shapes.items():
                figs = time_shape(shape, c, pairs, wanted, compiled, timer)
                for name, fig in figs.items():
                    figures[f"{label} | {name}"] = fig
        return figures

    results = measure(run, where)
    for label, shape in shapes.items():
        print(f"\n{label}")
        part = {
            cond: {f.split(" | ", 1)[1]: fig for f, fig in figs.items() if f.startswith(label)}
            for cond, figs in results.items()
        }
        extra = {}
        wants_memory = not (args.steady or args.no_memory)
        if wants_memory and (not args.quick or label.startswith("dense")):
            extra["CPU mem"] = cpu_memory(shape, wanted)
        if "cuda" in results:
            extra["CUDA mem"] = cuda_memory(shape, wanted)
        print_table(part, label="loss", target=target, extra=extra)
    ratios = "block ratios (median step times)" if args.steady else "paired ratios"
    print(
        f"\ncells: median (minimum) of the {ratios} t_loss / t_anchor; 'anchor ms': the "
        "anchor's median time per condition; mem: peak memory growth / bytes of the logits"
    )


if __name__ == "__main__":
    main()
