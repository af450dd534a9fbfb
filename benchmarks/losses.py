"""Forward + backward time (and peak memory) of every unskew loss next to its PyTorch anchor.

Run: .venv/bin/python benchmarks/losses.py [--repeats 7] [--no-memory]

Anchors (the issue's targets):
* softmax losses vs torch.nn.functional.cross_entropy on the same logits: <= 1.25x on (8192, 1000),
  <= 1.5x on (65536, 10) and on dense (8, 5, 256, 256);
* sigmoid focal and asymmetric vs binary_cross_entropy_with_logits: <= 1.5x;
* Dice and Tversky vs cross_entropy, dense shape only: <= 1.5x;
* softmax focal vs SoftmaxFocalLoss of the PyPI package imbalanced-losses (benchmark-only).
Memory: peak RSS growth of a fresh subprocess during one forward + backward (VmHWM after the step
minus VmRSS before it, the peak reset through /proc/self/clear_refs), divided by the bytes of the
logits (target <= 3x; the gradient itself is 1x, and cross_entropy is listed for reference).
Each loss runs in a fresh process, timed in alternation with its anchor (anchor, loss, anchor, ...)
as in a training loop: medians over --repeats rounds after two warm-up rounds, float32 on CPU,
default threads. The minima are printed beside them: a step over tens of MB either page-faults on
its fresh buffers or does not, so the anchors' times are bimodal, and the ratio of minima compares
both sides in their fast mode. Sigmoid losses get float 0/1 targets, as the anchor needs; the
sigmoid focal kernel checks each block for hard (0/1) targets, and that check is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from bench_common import reset_peak, rss_kib
from unskew.losses import functional as L

SHAPES = {
    "(8192, 1000)": (8192, 1000),
    "(65536, 10)": (65536, 10),
    "dense (8, 5, 256, 256)": (8, 5, 256, 256),
}
TARGETS = {"(8192, 1000)": 1.25, "(65536, 10)": 1.5, "dense (8, 5, 256, 256)": 1.5}


def softmax_losses(num_classes: int) -> dict:
    counts = torch.linspace(1000, 10, num_classes).round()
    cost = torch.ones(num_classes, num_classes) - torch.eye(num_classes)
    cost[1:, 0] = 5.0
    weight = torch.rand(num_classes) + 0.5
    return {
        "weighted cross_entropy": lambda z, t: L.cross_entropy(z, t, weight),
        "focal (gamma=2)": lambda z, t: L.focal_loss(z, t, gamma=2.0),
        "focal (gamma=2, alpha)": lambda z, t: L.focal_loss(z, t, gamma=2.0, alpha=weight),
        "class_balanced (CE)": lambda z, t: L.class_balanced_loss(z, t, counts, beta=0.999),
        "ldam": lambda z, t: L.ldam_loss(z, t, counts),
        "balanced_softmax": lambda z, t: L.balanced_softmax_loss(z, t, counts),
        "logit_adjusted": lambda z, t: L.logit_adjusted_loss(z, t, counts, tau=1.0),
        "cost_sensitive": lambda z, t: L.cost_sensitive_loss(z, t, cost),
    }


def make_inputs(shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Logits in the cosine-head range (for LDAM), class targets and their one-hot float form."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(shape, generator=g).div_(3).clamp_(-1, 1)
    target = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=g)
    onehot = torch.zeros(shape).scatter_(1, target.unsqueeze(1), 1.0)
    return logits.requires_grad_(), target, onehot


def fwd_bwd(fn, logits: torch.Tensor, target: torch.Tensor) -> float:
    logits.grad = None
    start = time.perf_counter()
    fn(logits, target).backward()
    return time.perf_counter() - start


CHILD_CODE = """
import json, sys, torch
sys.path.insert(0, 'benchmarks')
from losses import measure_in_child
print(json.dumps(measure_in_child({shape!r}, {name!r}, {repeats!r}, {memory!r})))
"""


def measure_in_child(shape: tuple[int, ...], name: str, repeats: int, memory: bool) -> dict:
    """In a fresh process: peak memory of one step of ``name``, then the medians of ``name`` and of
    its anchor timed in alternation (anchor, loss, anchor, loss, ...), as in a training loop."""
    logits, target, onehot = make_inputs(shape)
    losses = all_losses(shape)
    fn, anchor, sigmoid = losses[name]
    arg = onehot if sigmoid else target
    small, small_t, small_h = make_inputs((max(1, shape[0] // 64), *shape[1:]))
    fn(small, small_h if sigmoid else small_t).backward()  # warm up kernels and thread pools
    del small, small_t, small_h
    out: dict = {}
    if memory:
        before = reset_peak()
        fn(logits, arg).backward()
        out["memory"] = (
            (rss_kib("VmHWM") - before) * 1024 / (logits.numel() * logits.element_size())
        )
    pair = {"loss": fn} if anchor is None else {"anchor": losses[anchor][0], "loss": fn}
    samples: dict = {k: [] for k in pair}
    for round_ in range(repeats + 2):
        for key, f in pair.items():
            t = fwd_bwd(f, logits, arg)
            if round_ >= 2:
                samples[key].append(t)
    out.update({k: statistics.median(v) for k, v in samples.items()})
    out.update({f"{k}_min": min(v) for k, v in samples.items()})
    return out


def all_losses(shape: tuple[int, ...]) -> dict:
    """name -> (fn, anchor name, takes one-hot float targets)."""
    ce = "cross_entropy (anchor)"
    bce = "bce_with_logits (anchor)"
    out = {ce: (lambda z, t: F.cross_entropy(z, t), None, False)}
    for name, fn in softmax_losses(shape[1]).items():
        out[name] = (fn, ce, False)
    if len(shape) > 2:
        out["dice"] = (lambda z, t: L.dice_loss(z, t), ce, False)
        out["tversky"] = (lambda z, t: L.tversky_loss(z, t), ce, False)
    try:
        from imbalanced_losses import SoftmaxFocalLoss

        ref = SoftmaxFocalLoss(gamma=2.0)
        out["imbalanced-losses SoftmaxFocalLoss"] = (lambda z, t: ref(z, t), ce, False)
    except ImportError:
        pass
    out[bce] = (lambda z, y: F.binary_cross_entropy_with_logits(z, y), None, True)
    out["sigmoid_focal"] = (lambda z, y: L.sigmoid_focal_loss(z, y), bce, True)
    out["asymmetric"] = (lambda z, y: L.asymmetric_loss(z, y), bce, True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, CPU")
    for label, shape in SHAPES.items():
        print(f"\n{label}: target <= {TARGETS[label]}x for softmax losses, 1.5x for sigmoid ones")
        print(
            f"{'loss':38} {'fwd+bwd ms':>10} {'anchor ms':>10} {'ratio':>7} "
            f"{'min ms':>8} {'anchor min':>10} {'ratio':>7} {'peak mem / logits':>18}"
        )
        for name in all_losses(shape):
            code = CHILD_CODE.format(
                shape=shape, name=name, repeats=args.repeats, memory=not args.no_memory
            )
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name:38} error: {proc.stderr.strip().splitlines()[-1]}")
                continue
            r = json.loads(proc.stdout)
            base = r.get("anchor", r["loss"])
            base_min = r.get("anchor_min", r["loss_min"])
            mem = f"{r['memory']:17.2f}x" if "memory" in r else f"{'-':>18}"
            print(
                f"{name:38} {r['loss'] * 1e3:10.2f} {base * 1e3:10.2f} {r['loss'] / base:6.2f}x "
                f"{r['loss_min'] * 1e3:8.2f} {base_min * 1e3:10.2f} "
                f"{r['loss_min'] / base_min:6.2f}x {mem}"
            )


if __name__ == "__main__":
    main()
