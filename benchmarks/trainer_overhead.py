"""The Trainer's per-epoch cost next to hand-written PyTorch loops doing the same work.

Run: .venv/bin/python benchmarks/trainer_overhead.py [--repeats 5] [--workloads mlp,cnn]
     [--quick] [--profile]

Target (the issue's): an epoch through the Trainer costs at most 1.05x a hand-written PyTorch loop
with the same model, data, sampler and loss, measured side by side in one run, on two workloads:

* ``mlp``: ``MLP(32, 2)`` on a 100,000 x 32 float32 table (sklearn ``make_classification``, two
  classes, 5 % minority), batch 256, 5 epochs per run;
* ``cnn``: ``SmallCNN(1, 10)`` on MNIST-LT (988 images of 1 x 28 x 28), batch 64, 20 epochs per run.

Each workload runs two recipes: ``cross_entropy`` (a plain shuffle) and
``balanced_sampler+cross_entropy`` (``ClassBalancedSampler``), each three ways:

* Trainer: ``Trainer(model, recipe, epochs=E, batch_size=B, validation=None, verbose=0,
  random_state=0).fit(X, y)``;
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

Timing is in lockstep, so that load from other processes hits the three alike: a callback runs one
epoch of each hand-written loop right after every Trainer epoch (the two in alternating order). A
Trainer epoch is timed from the callback's ``on_epoch_start`` to its ``on_epoch_end``, plus what
the Trainer does after that (its per-epoch weight snapshot, epoch schedules, ...) until the next
``on_epoch_start`` or ``on_fit_end``. The first epoch of every run is a warm-up and left out. The
table gives the median seconds per epoch of each loop and, as the verdict, the median over epochs
of the Trainer's epoch time divided by the hand-written loop's epoch run right after it, with
its interquartile range. Float32 on the device ``select_device`` picks (the CPU here), torch's
default thread count. ``--profile`` adds a cProfile of one Trainer fit and one direct-loop run
(plain recipe), the functions with the largest own time.
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

from unskew.datasets import mnist_lt
from unskew.models import MLP, SmallCNN
from unskew.sampling import ClassBalancedSampler
from unskew.training import Callback, Trainer
from unskew.training.trainer import select_device

TARGET = 1.05
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


def make_trainer(w: Workload, model: nn.Module, recipe: str, callbacks=()) -> Trainer:
    return Trainer(
        model,
        recipe,
        epochs=w.epochs,
        batch_size=w.batch_size,
        validation=None,
        verbose=0,
        random_state=0,
        callbacks=list(callbacks),
    )


class HandLoop:
    """A hand-written training loop: ``epoch()`` runs zero_grad / forward / loss / backward / step
    over ``batches()`` and returns its seconds."""

    def __init__(self, model: nn.Module, batches: Callable[[], Iterable]) -> None:
        self.device = select_device("auto")
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


def dataloader_loop(w: Workload, model: nn.Module, recipe: str) -> HandLoop:
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
    return HandLoop(model, lambda: loader)


def direct_loop(w: Workload, model: nn.Module, recipe: str) -> HandLoop:
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

    return HandLoop(model, batches)


HAND_LOOPS = {"dataloader": dataloader_loop, "direct": direct_loop}


class Lockstep(Callback):
    """Times the Trainer's epochs and, right after each, runs one epoch of every hand-written loop
    (their order alternating), so the three are timed within seconds of each other.

    A Trainer epoch runs from this callback's ``on_epoch_start`` to its ``on_epoch_end``, plus what
    the Trainer does after that until the next ``on_epoch_start`` (or ``on_fit_end``) once the hand
    loops are done: its per-epoch weight snapshot, epoch schedules and the like are charged to it.
    """

    def __init__(self, loops: dict[str, HandLoop]) -> None:
        self.loops = loops
        self.times: dict[str, list[float]] = {"trainer": [], **{name: [] for name in loops}}
        self._start = 0.0
        self._resume: float | None = None

    def on_epoch_start(self, trainer, epoch):
        now = time.perf_counter()
        if self._resume is not None:
            self.times["trainer"][-1] += now - self._resume
        self._start = now

    def on_epoch_end(self, trainer, epoch, record):
        self.times["trainer"].append(time.perf_counter() - self._start)
        names = list(self.loops)[:: -1 if epoch % 2 else 1]
        for name in names:
            self.times[name].append(self.loops[name].epoch())
        self._resume = time.perf_counter()

    def on_fit_end(self, trainer):
        self.times["trainer"][-1] += time.perf_counter() - self._resume


def check_same_work(w: Workload, recipe: str) -> float:
    """Largest |difference| between the final weights of the Trainer and the two hand loops after
    one epoch each, run one after the other: 0 when the three draw the same batches and take the
    same steps. (One epoch, because ``RandomSampler`` draws one more ``randperm`` per epoch than it
    uses, so its second epoch's order is another one.)"""
    torch.manual_seed(0)
    base = w.make_model()
    short = Workload(w.name, w.X, w.y, w.make_model, w.batch_size, 1)
    trained = make_trainer(short, copy.deepcopy(base), recipe).fit(w.X, w.y).model_
    finals = [trained.state_dict()]
    for make in HAND_LOOPS.values():
        loop = make(w, copy.deepcopy(base), recipe)
        torch.manual_seed(0)  # dropout, as the Trainer seeds it
        loop.epoch()
        finals.append(loop.model.state_dict())
    flat = [torch.cat([v.detach().float().flatten().cpu() for v in f.values()]) for f in finals]
    return max(float((flat[0] - f).abs().max()) for f in flat[1:])


def measure(w: Workload, repeats: int) -> dict[tuple[str, str], list[float]]:
    """Per-epoch seconds of every (recipe, variant) over ``repeats`` lockstep runs, the warm-up
    epoch 0 of each run left out."""
    torch.manual_seed(0)
    base = w.make_model()
    out: dict[tuple[str, str], list[float]] = {(r, v): [] for r in RECIPES for v in VARIANTS}
    for _ in range(repeats):
        for recipe in RECIPES:
            loops = {
                name: make(w, copy.deepcopy(base), recipe) for name, make in HAND_LOOPS.items()
            }
            clock = Lockstep(loops)
            make_trainer(w, copy.deepcopy(base), recipe, [clock]).fit(w.X, w.y)
            for name in VARIANTS:
                out[recipe, name] += clock.times[name][1:]
    return out


def profile(w: Workload, top: int = 14) -> None:
    """cProfile of a Trainer fit and of the direct loop for as many epochs (plain recipe)."""
    torch.manual_seed(0)
    base = w.make_model()

    def direct():
        loop = direct_loop(w, copy.deepcopy(base), "cross_entropy")
        for _ in range(w.epochs):
            loop.epoch()

    def trainer():
        make_trainer(w, copy.deepcopy(base), "cross_entropy").fit(w.X, w.y)

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


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = (
        statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    )
    return q1, q2, q3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="lockstep runs per recipe")
    parser.add_argument("--workloads", default="mlp,cnn", help="mlp, cnn or mlp,cnn")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 20,000 rows, 3 epochs, 1 repeat"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the Trainer and the loop")
    args = parser.parse_args()
    rows, mlp_epochs, cnn_epochs = (20_000, 3, 3) if args.quick else (100_000, 5, 20)
    repeats = 1 if args.quick else args.repeats
    chosen = args.workloads.split(",")
    workloads = [mlp_workload(rows, mlp_epochs)] if "mlp" in chosen else []
    workloads += [cnn_workload(cnn_epochs)] if "cnn" in chosen else []

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, device "
        f"{select_device('auto')}; {repeats} lockstep run(s) per recipe; target: Trainer <= "
        f"{TARGET}x"
    )
    results = []
    for w in workloads:
        for recipe in RECIPES:
            diff = check_same_work(w, recipe)
            print(f"   {w.name}, {recipe}: weights after one epoch differ by at most {diff:.1e}")
        t0 = time.perf_counter()
        results.append((w, measure(w, repeats)))
        print(f"   {w.name}: {time.perf_counter() - t0:.0f} s of runs")
        if args.profile:
            profile(w)

    header = (
        f"{'workload':<26} {'recipe':<31} {'Trainer':>7} {'DataLdr':>7} {'direct':>7}"
        f"  {'T/DL':>5} {'ok':>3}  {'T/direct':>8} {'ok':>3}  {'T/direct IQR':>13}  {'epochs':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for w, times in results:
        for recipe in RECIPES:
            t, dl, d = (statistics.median(times[recipe, v]) for v in VARIANTS)
            trainer = times[recipe, "trainer"]
            vs_dl = statistics.median(
                a / b for a, b in zip(trainer, times[recipe, "dataloader"], strict=True)
            )
            q1, vs_d, q3 = quartiles(
                [a / b for a, b in zip(trainer, times[recipe, "direct"], strict=True)]
            )
            print(
                f"{w.name:<26} {recipe:<31} {t:7.4f} {dl:7.4f} {d:7.4f}"
                f"  {vs_dl:5.2f} {'yes' if vs_dl <= TARGET else 'NO':>3}"
                f"  {vs_d:8.3f} {'yes' if vs_d <= TARGET else 'NO':>3}"
                f"  {q1:6.3f}..{q3:5.3f}  {len(trainer):6d}"
            )
    print(
        "\nSeconds per epoch: medians over the timed epochs (every epoch but the first of each run)."
        "\nT/DL and T/direct: the median over epochs of the Trainer's epoch time divided by the "
        "hand-written\nloop's epoch run right after it (DataLoader loop, direct-indexing loop); IQR: "
        "their interquartile range."
    )


if __name__ == "__main__":
    main()
