"""The Trainer's per-epoch cost next to hand-written PyTorch loops doing the same work.

Run: .venv/bin/python benchmarks/trainer_overhead.py [--pairs 21] [--workloads mlp,cnn]
     [--conditions "quiet 2T,loaded 2T"] [--quick] [--profile]

Targets (issues 7 and 22): an epoch through the Trainer costs at most 1.05x a hand-written PyTorch
loop with the same model, data, sampler and loss on a quiet machine, at most 1.10x while another
process keeps every core busy, on two workloads:

* ``mlp``: ``MLP(32, 2)`` on a 100,000 x 32 float32 table (sklearn ``make_classification``, two
  classes, 5 % minority), batch 256;
* ``cnn``: ``SmallCNN(1, 10)`` on MNIST-LT (988 images of 1 x 28 x 28), batch 64.

Each workload runs two recipes: ``cross_entropy`` (a plain shuffle) and
``balanced_sampler+cross_entropy`` (``ClassBalancedSampler``), each three ways:

* Trainer: ``Trainer(model, recipe, epochs=E, batch_size=B, validation=None, verbose=0,
  random_state=0, device=...).fit(X, y)``;
* DataLoader loop: the idiomatic ``DataLoader(TensorDataset(X, y), batch_size=B, sampler=...)``
  with ``RandomSampler`` or ``ClassBalancedSampler``;
* direct loop: the fastest honest hand-written loop, gathering each batch from the tensors with
  the sampler's indices (``torch.randperm(n)`` or ``ClassBalancedSampler.indices()``,
  ``for b in idx.split(B): xb, yb = X[b], y[b]``).

All three use a copy of one model (identical initial weights), a ``torch.Generator`` seeded 0 for
the sampler, AdamW (lr 1e-3, weight decay 1e-4, the Trainer's defaults) and cross-entropy
(``nn.CrossEntropyLoss`` in the hand-written loops, the recipe's ``make_loss`` module in the
Trainer), and keep the epoch's mean loss. Run one after the other from ``torch.manual_seed(0)``,
they draw the same batches and end an epoch with the same weights: the script checks it first,
which shows that the three do the same work.

Timing follows bench_common's protocol: in each condition (quiet 2 threads, quiet 1 thread, 2
threads with every core kept busy by a background process, CUDA when present) one Trainer fit of
``--pairs`` + 1 epochs runs with a callback that runs one epoch of each hand-written loop next to
every Trainer epoch: after it in even epochs, before it in odd ones, so the Trainer and its anchor
alternate. A Trainer epoch is timed from its start to its end, plus what the Trainer does after
that (its per-epoch weight snapshot, epoch schedules, ...) until the next epoch starts or the fit
ends. Epoch 0 is a warm-up. Each figure is the median (minimum) of the paired ratios
``Trainer epoch / hand-written epoch`` (the direct loop; the DataLoader loop as a second figure).
``--profile`` adds a cProfile of one Trainer fit and one direct-loop run (plain recipe, quiet 2T).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from bench_common import (
    Condition,
    Figure,
    conditions,
    measure,
    print_header,
    print_table,
)
from unskew.datasets import mnist_lt
from unskew.models import MLP, SmallCNN
from unskew.sampling import ClassBalancedSampler
from unskew.training import Callback, Trainer
from unskew.training.trainer import select_device

TARGETS = {"quiet": 1.05, "loaded": 1.10}
RECIPES = ("cross_entropy", "balanced_sampler+cross_entropy")
VARIANTS = ("trainer", "dataloader", "direct")


@dataclass
class Workload:
    name: str
    X: torch.Tensor
    y: torch.Tensor
    make_model: Callable[[], nn.Module]
    batch_size: int
    epochs: int


def mlp_workload(rows: int, epochs: int) -> Workload:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows, n_features=32, n_informative=16, weights=[0.95], random_state=0
    )
    return Workload(
        f"MLP {rows:,} x 32",
        torch.from_numpy(X.astype(np.float32)),
        torch.from_numpy(y.astype(np.int64)),
        lambda: MLP(32, 2),
        256,
        epochs,
    )


def cnn_workload(epochs: int) -> Workload:
    data = mnist_lt()
    return Workload(
        f"SmallCNN MNIST-LT ({len(data.y)})",
        torch.as_tensor(np.asarray(data.X, dtype=np.float32)),
        torch.as_tensor(np.asarray(data.y, dtype=np.int64)),
        lambda: SmallCNN(1, 10),
        64,
        epochs,
    )


def make_trainer(w: Workload, model: nn.Module, recipe: str, device: str, callbacks=()) -> Trainer:
    return Trainer(
        model,
        recipe,
        epochs=w.epochs,
        batch_size=w.batch_size,
        validation=None,
        verbose=0,
        random_state=0,
        callbacks=list(callbacks),
        device=device,
    )


class HandLoop:
    """A hand-written training loop: ``epoch()`` runs zero_grad / forward / loss / backward / step
    over ``batches()`` and returns its seconds."""

    def __init__(self, model: nn.Module, batches: Callable[[], Iterable], device: str) -> None:
        self.device = select_device(device)
        self.model = model.to(self.device)
        self.model.train()
        self.batches = batches
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
        self.loss_fn = nn.CrossEntropyLoss()

    def epoch(self) -> float:
        start = time.perf_counter()
        model, optimizer, loss_fn, device = self.model, self.optimizer, self.loss_fn, self.device
        total = torch.zeros((), device=device)
        steps = 0
        for xb, yb in self.batches():
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach()
            steps += 1
        self.mean_loss = float(total) / steps  # the epoch's mean loss, as the Trainer reports it
        return time.perf_counter() - start


def dataloader_loop(w: Workload, model: nn.Module, recipe: str, device: str) -> HandLoop:
    g = torch.Generator().manual_seed(0)
    if recipe.startswith("balanced_sampler"):
        sampler = ClassBalancedSampler(w.y, generator=g)
    else:
        sampler = RandomSampler(range(len(w.y)), generator=g)
    # the loader's own generator draws its per-epoch base seed, which would otherwise come from
    # torch's global RNG and change the dropout masks (the work is the same either way)
    loader = DataLoader(
        TensorDataset(w.X, w.y),
        batch_size=w.batch_size,
        sampler=sampler,
        generator=torch.Generator().manual_seed(1),
    )
    return HandLoop(model, lambda: loader, device)


def direct_loop(w: Workload, model: nn.Module, recipe: str, device: str) -> HandLoop:
    g = torch.Generator().manual_seed(0)
    X, y, n, B = w.X, w.y, len(w.y), w.batch_size
    if recipe.startswith("balanced_sampler"):
        order = ClassBalancedSampler(y, generator=g).indices
    else:

        def order():
            return torch.randperm(n, generator=g)

    def batches():
        for b in order().split(B):
            yield X[b], y[b]

    return HandLoop(model, batches, device)


HAND_LOOPS = {"dataloader": dataloader_loop, "direct": direct_loop}


class Lockstep(Callback):
    """Times the Trainer's epochs and runs one epoch of every hand-written loop next to each: after
    the Trainer's epoch in even epochs, before it in odd ones (the loops' order alternating too).

    A Trainer epoch runs from the end of ``on_epoch_start`` to ``on_epoch_end``, plus what the
    Trainer does after that until the next ``on_epoch_start`` (or ``on_fit_end``): its per-epoch
    weight snapshot, epoch schedules and the like are charged to it.
    """

    def __init__(self, loops: dict[str, HandLoop]) -> None:
        self.loops = loops
        self.times: dict[str, list[float]] = {"trainer": [], **{name: [] for name in loops}}
        self._start = 0.0
        self._resume: float | None = None

    def _run_loops(self, epoch: int) -> None:
        for name in list(self.loops)[:: -1 if epoch % 4 >= 2 else 1]:
            self.times[name].append(self.loops[name].epoch())

    def on_epoch_start(self, trainer, epoch):
        if self._resume is not None:
            self.times["trainer"][-1] += time.perf_counter() - self._resume
        if epoch % 2:
            self._run_loops(epoch)
        self._start = time.perf_counter()

    def on_epoch_end(self, trainer, epoch, record):
        self.times["trainer"].append(time.perf_counter() - self._start)
        if epoch % 2 == 0:
            self._run_loops(epoch)
        self._resume = time.perf_counter()

    def on_fit_end(self, trainer):
        self.times["trainer"][-1] += time.perf_counter() - self._resume


def check_same_work(w: Workload, recipe: str, device: str) -> float:
    """Largest |difference| between the final weights of the Trainer and the two hand loops after
    one epoch each, run one after the other: 0 when the three draw the same batches and take the
    same steps. (One epoch, because ``RandomSampler`` draws one more ``randperm`` per epoch than it
    uses, so its second epoch's order is another one.)"""
    torch.manual_seed(0)
    base = w.make_model()
    short = Workload(w.name, w.X, w.y, w.make_model, w.batch_size, 1)
    trained = make_trainer(short, copy.deepcopy(base), recipe, device).fit(w.X, w.y).model_
    finals = [trained.state_dict()]
    for make in HAND_LOOPS.values():
        loop = make(w, copy.deepcopy(base), recipe, device)
        torch.manual_seed(0)  # dropout, as the Trainer seeds it
        loop.epoch()
        finals.append(loop.model.state_dict())
    flat = [torch.cat([v.detach().float().flatten().cpu() for v in f.values()]) for f in finals]
    return max(float((flat[0] - f).abs().max()) for f in flat[1:])


def lockstep_figures(w: Workload, recipe: str, device: str) -> dict[str, Figure]:
    """One Trainer fit in lockstep with the hand-written loops: the paired ratios of its epochs
    (the warm-up epoch 0 left out) over the direct loop's and the DataLoader loop's."""
    torch.manual_seed(0)
    base = w.make_model()
    loops = {
        name: make(w, copy.deepcopy(base), recipe, device) for name, make in HAND_LOOPS.items()
    }
    clock = Lockstep(loops)
    make_trainer(w, copy.deepcopy(base), recipe, device, [clock]).fit(w.X, w.y)
    trainer = clock.times["trainer"][1:]
    out = {}
    for name, label in (("direct", "direct loop"), ("dataloader", "DataLoader loop")):
        anchor = clock.times[name][1:]
        ratios = tuple(a / b for a, b in zip(trainer, anchor, strict=True))
        out[f"{w.name} | {recipe} | vs {label}"] = Figure(
            ratios, statistics.median(anchor), statistics.median(trainer)
        )
    return out


def target(figure: str, condition: str) -> float | None:
    if "direct" not in figure or condition == "cuda":
        return None
    return TARGETS["loaded" if condition.startswith("loaded") else "quiet"]


def profile(w: Workload, top: int = 14) -> None:
    """cProfile of a Trainer fit and of the direct loop for as many epochs (plain recipe)."""
    torch.manual_seed(0)
    base = w.make_model()

    def direct():
        loop = direct_loop(w, copy.deepcopy(base), "cross_entropy", "cpu")
        for _ in range(w.epochs):
            loop.epoch()

    def trainer():
        make_trainer(w, copy.deepcopy(base), "cross_entropy", "cpu").fit(w.X, w.y)

    for name, run in (("Trainer", trainer), ("direct loop", direct)):
        prof = cProfile.Profile()
        prof.enable()
        run()
        prof.disable()
        stats = pstats.Stats(prof)
        print(f"\n   cProfile of {name}, {w.name}, cross_entropy, {w.epochs} epochs: own time")
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
        for (file, line, func), (_cc, calls, own, _cum, _callers) in rows:
            print(f"     {own:7.3f} s {calls:>8} calls  {file.rsplit('/', 1)[-1]}:{line}({func})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=21, help="paired epochs per figure")
    parser.add_argument("--workloads", default="mlp,cnn", help="mlp, cnn or mlp,cnn")
    parser.add_argument("--conditions", default=None, help='e.g. "quiet 1T,loaded 2T"')
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 10,000 rows, 3 pairs, a few minutes"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the Trainer and the loop")
    args = parser.parse_args()
    pairs = 3 if args.quick else args.pairs
    rows = 10_000 if args.quick else 100_000
    chosen = args.workloads.split(",")
    workloads = [mlp_workload(rows, pairs + 1)] if "mlp" in chosen else []
    workloads += [cnn_workload(pairs + 1)] if "cnn" in chosen else []
    picked = conditions(args.conditions)
    print_header("unskew Trainer epoch / hand-written loop epoch", picked, pairs, warmup=1)
    print("targets: Trainer / direct loop <= 1.05x quiet, <= 1.10x loaded")
    for w in workloads:
        for recipe in RECIPES:
            diff = check_same_work(w, recipe, "cpu")
            print(f"   {w.name}, {recipe}: weights after one epoch differ by at most {diff:.1e}")
        if args.profile:
            profile(w)

    def run(c: Condition) -> dict[str, Figure]:
        return {
            name: fig
            for w in workloads
            for recipe in RECIPES
            for name, fig in lockstep_figures(w, recipe, c.device).items()
        }

    results = measure(run, picked)
    print()
    print_table(results, label="workload | recipe | anchor", target=target, width=62)
    print(
        "\ncells: median (minimum) of the paired ratios Trainer epoch / hand-written epoch; "
        "'anchor ms': the hand-written loop's median epoch"
    )


if __name__ == "__main__":
    main()
