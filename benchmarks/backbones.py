"""CPU seconds per training epoch of the image backbones, on MNIST-LT-sized data.

Run: .venv/bin/python benchmarks/backbones.py [--epochs 3] [--threads 1,2]
     [--models cnn,resnet32,resnet18] [--out table.md]

Workloads: the 988 training images of ``unskew.datasets.mnist_lt()`` (one channel), as each
backbone takes them:

* ``cnn``: ``SmallCNN(1, 10)`` on the 28x28 digits (the MNIST-LT table's network);
* ``resnet32``: ``resnet32(1, 10)`` on the digits zero-padded to 32x32 (what
  ``benchmarks/mnist_lt.py --model resnet32`` trains);
* ``resnet18``: ``resnet18(1, 10)`` on the digits resized (bilinear) to 64x64, its smallest input.

An epoch is a pass over the 988 images in batches of 128 (the last one 92) in a fresh random order,
each batch a forward pass, cross-entropy, a backward pass and an AdamW step (lr 1e-3, weight decay
1e-4, the Trainer's defaults), float32 on the CPU, in a hand-written loop (the Trainer adds about
5 %, see ``benchmarks/trainer_overhead.py``). Each (model, thread count) runs one warm-up epoch and
then ``--epochs`` timed ones; the table gives the median wall seconds per epoch, the images per
second that gives, and the ratio to the small CNN at the same thread count. ``torch.set_num_threads``
sets the threads; the machine's other load is not controlled, so medians over few epochs on a shared
machine are provisional.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from unskew.datasets import mnist_lt
from unskew.models import build_backbone

BATCH = 128
#: model -> image side it trains on
SIDES = {"cnn": 28, "resnet32": 32, "resnet18": 64}


def images_for(name: str, x28: torch.Tensor) -> torch.Tensor:
    """The MNIST-LT digits at the side ``name`` trains on: as is, zero-padded, or resized."""
    side = SIDES[name]
    if side == 28:
        return x28
    if side == 32:
        return F.pad(x28, (2, 2, 2, 2))
    return F.interpolate(x28, size=side, mode="bilinear", align_corners=False)


def epoch_seconds(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int) -> list[float]:
    """Wall seconds of each of ``epochs`` timed epochs, after one warm-up epoch."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(0)
    model.train()
    times = []
    for epoch in range(epochs + 1):
        start = time.perf_counter()
        for batch in torch.randperm(len(y), generator=generator).split(BATCH):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
        if epoch > 0:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per configuration")
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    parser.add_argument("--models", default=",".join(SIDES), help="comma-separated subset")
    parser.add_argument("--out", default=None, help="also write the table to this markdown file")
    args = parser.parse_args()
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(names) - set(SIDES))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {list(SIDES)}")
    threads = [int(t) for t in args.threads.split(",")]
    data = mnist_lt()
    x28 = torch.as_tensor(data.X)
    y = torch.as_tensor(data.y).long()
    medians: dict[tuple[str, int], float] = {}
    params: dict[str, int] = {}
    for name in names:
        x = images_for(name, x28).contiguous()
        for n in threads:
            torch.set_num_threads(n)
            torch.manual_seed(0)
            model = build_backbone(name, in_channels=1, n_classes=10, image_size=x.shape[-1])
            params[name] = sum(p.numel() for p in model.parameters())
            times = epoch_seconds(model, x, y, args.epochs)
            medians[name, n] = statistics.median(times)
            print(
                f"{name:9s} {x.shape[-1]}x{x.shape[-1]}  {n} thread(s)  epochs "
                + " ".join(f"{t:.2f}" for t in times)
                + f"  median {medians[name, n]:.2f} s",
                flush=True,
            )
    lines = [
        f"Seconds per epoch (median of {args.epochs} after a warm-up), 988 MNIST-LT images, "
        f"batch {BATCH}, AdamW, float32 CPU, torch {torch.__version__}",
        "",
        "| backbone | input | parameters | threads | s / epoch | images / s | vs cnn |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        for n in threads:
            seconds = medians[name, n]
            ratio = f"{seconds / medians['cnn', n]:.1f}x" if ("cnn", n) in medians else "-"
            lines.append(
                f"| {name} | {SIDES[name]}x{SIDES[name]} | {params[name]:,} | {n} "
                f"| {seconds:.2f} | {len(y) / seconds:.0f} | {ratio} |"
            )
    text = "\n".join(lines)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
