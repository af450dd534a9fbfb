"""Long-tail strategies on MNIST-LT (imbalance ratio 100) with the small CNN (or ResNet-32), next
to reference figures.

Run: .venv/bin/python benchmarks/mnist_lt.py [--seeds 5] [--strategies ce,ldam_drw] [--out x.md]
     [--threads 1] [--model cnn|resnet32|resnet18] [--epochs N]

``--model resnet32`` trains ``resnet32(1, 10)`` (He et al.'s CIFAR network, the one of the LDAM,
balanced-softmax and logit-adjustment papers) on the digits zero-padded from 28x28 to 32x32, under
the same protocol; ``--model resnet18`` trains ``resnet18(1, 10)`` on them resized to 64x64 (its
smallest input). The issue-20 rows are ``--model resnet32 --strategies
ce,balanced_softmax,ldam_drw,logit_adjusted_loss,crt``. ``--epochs N`` overrides the epoch count
(a smoke check, not the protocol). With ``--cache``, runs of another model than ``cnn`` are
stored under ``MODEL:strategy``.

Protocol: ``unskew.datasets.mnist_lt()`` (988 training images, 400 ... 4 per class; balanced test
set of 1,000), ``SmallCNN(1, 10)``, every training image (``validation=None``), SGD (momentum 0.9,
weight decay 5e-4, lr 0.05 with per-step cosine decay), batches of 64, 320 optimiser steps (20
epochs of 16 batches; random oversampling makes 4,000 rows, so it gets 5 epochs of 63 batches to
keep the budget). ``torch.manual_seed(seed)`` before the model is built, so for one seed every
strategy starts from the same weights (differences to CE are paired); ``random_state=seed``.

Reported per strategy: balanced test accuracy, macro-F1 and the mean recall of the three rarest
classes (7, 8, 9), each as mean +/- std over seeds; the paired difference to CE in balanced
accuracy; the reference figure and whether we are within 1.5 points of it or above.
Targets: every strategy within 1.5 points of its reference or above; the best strategy beats CE
by >= 6.5 points (mean paired difference); LDAM-DRW at least as good as inverse-frequency CE.

LDAM-DRW runs with max_margin=0.5, scale s=10 and DRW (effective-number weights, beta=0.9999)
from epoch 12 of 20, passed explicitly in its recipe: with the library's s=30 and DRW at 80% of
the epochs it reaches only about 80 (see the comment at ``LDAM_RECIPE``).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

from unskew.datasets import mnist_lt
from unskew.metrics import balanced_accuracy_score, f1_score, recall_score
from unskew.models import build_backbone
from unskew.training import Trainer

#: Optimiser steps per run: 20 epochs of ceil(988 / 64) = 16 batches.
STEPS = 320
BATCH = 64
RARE = (7, 8, 9)
TOLERANCE = 1.5

# LDAM-DRW tuned for this protocol (5 seeds: 90.7 +/- 0.8 against 79.9 +/- 3.3 for plain
# ``ldam+drw``). At s=30 the logit gradients, s (e_y - p), are three times those at s=10; without an
# LR warm-up the first steps at lr 0.05 inflate the norms of the scale-invariant cosine-head weights
# (about 0.6 -> 1-9 after the first epoch, most for frequent classes), dividing their effective
# LR by |w|^2: training stalls (loss 0.93 after 15 epochs, 0.07 at s=10) and the tail is hardly
# ever predicted before DRW. DRW starts at 60% rather than 80% of the epochs: under per-step
# cosine decay little learning rate is left after 80% (lr 0.0048, a tenth of the peak, at epoch
# 16; 1.3% of the summed rate) for the re-weighting to act.
LDAM_RECIPE = "ldam+drw"  # the library defaults now: scale 10, DRW from 60 % (epoch 12 of 20)

#: key -> (label, recipe, reference balanced accuracy)
STRATEGIES: dict[str, tuple[str, str, float | None]] = {
    "ce": ("CE", "cross_entropy", 81.2),
    "focal": ("focal (gamma=2, alpha=None)", "focal:gamma=2", 81.1),
    "balanced_sampler": ("class-balanced sampling", "balanced_sampler+cross_entropy", 83.2),
    "oversampling": ("random oversampling", "random_oversampling+cross_entropy", 83.3),
    "crt": ("cRT (10 passes, 160 steps)", "cross_entropy+crt", 84.3),
    "class_balanced": ("class-balanced CE (beta=0.999)", "class_balanced:beta=0.999", 85.2),
    "inverse": ("inverse-frequency CE", "cross_entropy+weights:inverse", 85.9),
    "balanced_softmax": ("balanced softmax", "balanced_softmax", 87.7),
    "logit_adjust": ("post-hoc logit adjustment (tau=1)", "cross_entropy+logit_adjust:tau=1", 88.2),
    "logit_adjusted_loss": ("logit-adjusted loss (tau=1)", "logit_adjusted", None),
    "ldam_drw": ("LDAM-DRW", LDAM_RECIPE, 73.8),
    # issue 8's parts (no reference figure)
    "tau_norm": ("tau-normalisation (tau=1)", "cross_entropy+tau_norm:tau=1", None),
    "lws": ("LWS (10 passes)", "cross_entropy+lws", None),
    "ncm": ("nearest class mean", "cross_entropy+ncm", None),
    "bbn": ("bilateral-branch network", "cross_entropy+bbn", None),
    "experts": ("head/tail experts", "cross_entropy+experts", None),
    "aux_head": ("auxiliary head (conv1, 0.3)", "cross_entropy+aux_head", None),
    "se": ("squeeze-and-excitation", "cross_entropy+attention:kind=se", None),
    "cbam": ("CBAM", "cross_entropy+attention:kind=cbam", None),
    "aug_oversampling": (
        "over-sampling by augmentation",
        "augment_oversampling+cross_entropy",
        None,
    ),
    "augment": ("minority-focused augmentation", "cross_entropy+augment:crop_padding=2", None),
    "mixup": ("mixup", "cross_entropy+mixup", None),
    "remix": ("Remix", "cross_entropy+remix", None),
    "bs_crt": ("balanced softmax + cRT", "balanced_softmax+crt", None),
    "bs_la": (
        "balanced softmax + logit adj. (tau=0.25)",
        "balanced_softmax+logit_adjust:tau=0.25",
        None,
    ),
}
PENDING: dict[str, str] = {}

#: backbone -> image side it trains on (28: as is, 32: zero-padded, 64: resized)
MODEL_SIDES = {"cnn": 28, "resnet32": 32, "resnet18": 64}


def sized(images: np.ndarray, side: int) -> np.ndarray:
    """28x28 digits at ``side``: as they are, zero-padded (32), or resized bilinearly (64)."""
    if side == 28:
        return images
    x = torch.as_tensor(images)
    if side == 32:
        return F.pad(x, (2, 2, 2, 2)).numpy()
    return F.interpolate(x, size=side, mode="bilinear", align_corners=False).numpy()


def data_for(model: str):
    """MNIST-LT with its images at the side ``model`` trains on."""
    data = mnist_lt()
    side = MODEL_SIDES[model]
    test = SimpleNamespace(X=sized(data.test.X, side), y=data.test.y)
    return SimpleNamespace(X=sized(data.X, side), y=data.y, test=test)


def epochs_for(recipe: str, n_rows: int, counts: np.ndarray) -> int:
    """Epochs that make about STEPS optimiser steps (oversampling multiplies the rows)."""
    oversampled = "random_oversampling" in recipe or "augment_oversampling" in recipe
    rows = len(counts) * int(counts.max()) if oversampled else n_rows
    return max(1, round(STEPS / math.ceil(rows / BATCH)))


def run_one(
    data, recipe: str, seed: int, model_name: str = "cnn", **trainer_kwargs
) -> dict[str, float]:
    """Train one model from the seed's initial weights; test metrics in percent and wall time."""
    torch.manual_seed(seed)
    kind = next(
        (p.split("kind=")[1] for p in recipe.split("+") if p.startswith("attention:kind=")), None
    )
    model = build_backbone(  # attention is built into the backbone
        model_name,
        in_channels=1,
        n_classes=10,
        image_size=tuple(data.X.shape[-2:]),
        attention=kind,
    )
    counts = np.bincount(data.y, minlength=10)
    kwargs = {
        "optimizer": "sgd",
        "lr": 0.05,
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "batch_size": BATCH,
        "epochs": epochs_for(recipe, len(data.y), counts),
        "validation": None,
        "random_state": seed,
        "verbose": 0,
        **trainer_kwargs,
    }
    start = time.perf_counter()
    trainer = Trainer(model, recipe, **kwargs).fit(data.X, data.y)
    seconds = time.perf_counter() - start
    pred = trainer.predict(data.test.X)
    y = np.asarray(data.test.y)
    recall = np.asarray(
        recall_score(y, pred, average=None, labels=list(range(10)), zero_division=0)
    )
    return {
        "bacc": 100 * float(balanced_accuracy_score(y, pred)),
        "f1": 100 * float(f1_score(y, pred, average="macro", zero_division=0)),
        "rare": 100 * float(recall[list(RARE)].mean()),
        "seconds": seconds,
        "epochs": len(trainer.history_),
    }


def mean_std(values: list[float]) -> str:
    if not values:
        return "-"
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.1f} ± {std:.1f}"


def table(results: dict[str, list[dict[str, float]]]) -> str:
    ce = results.get("ce")
    lines = [
        "| strategy | recipe | balanced acc. | macro-F1 | rare (7,8,9) acc. | Δ vs CE (paired) "
        "| reference | within 1.5 of ref. or better | s / run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, (label, recipe, ref) in STRATEGIES.items():
        if key in PENDING:
            lines.append(f"| {label} | - | {PENDING[key]} | | | | {_ref(ref)} | - | |")
            continue
        if key not in results:
            continue
        runs = results[key]
        bacc = [r["bacc"] for r in runs]
        delta = (
            "-"
            if ce is None or key == "ce"
            else mean_std([r["bacc"] - c["bacc"] for r, c in zip(runs, ce, strict=True)])
        )
        ok = "-" if ref is None else ("yes" if statistics.mean(bacc) >= ref - TOLERANCE else "no")
        lines.append(
            f"| {label} | `{recipe}` | {mean_std(bacc)} | {mean_std([r['f1'] for r in runs])} "
            f"| {mean_std([r['rare'] for r in runs])} | {delta} | {_ref(ref)} | {ok} "
            f"| {statistics.mean(r['seconds'] for r in runs):.1f} |"
        )
    return "\n".join(lines)


def _ref(ref: float | None) -> str:
    return "-" if ref is None else f"{ref:.1f}"


def checks(results: dict[str, list[dict[str, float]]]) -> list[str]:
    out = []
    ran = [k for k in STRATEGIES if k in results]
    means = {k: statistics.mean(r["bacc"] for r in results[k]) for k in ran}
    misses = [
        k for k in ran if STRATEGIES[k][2] is not None and means[k] < STRATEGIES[k][2] - TOLERANCE
    ]
    out.append(
        f"every strategy within {TOLERANCE} of its reference or above: "
        + ("yes" if not misses else "no (" + ", ".join(misses) + ")")
    )
    if "ce" in results and len(ran) > 1:
        deltas = {
            k: statistics.mean(
                r["bacc"] - c["bacc"] for r, c in zip(results[k], results["ce"], strict=True)
            )
            for k in ran
            if k != "ce"
        }
        best = max(deltas, key=deltas.get)
        verdict = "yes" if deltas[best] >= 6.5 else "no"
        out.append(
            f"best strategy run ({best}) beats CE by {deltas[best]:+.1f} (target >= 6.5): {verdict}"
        )
    if means:
        best = max(means, key=means.get)
        verdict = "yes" if means[best] >= 90.2 else "no"
        out.append(f"best recipe {best}: {means[best]:.1f} (issue 8 target >= 90.2): {verdict}")
    if "ldam_drw" in means and "inverse" in means:
        a, b = means["ldam_drw"], means["inverse"]
        out.append(
            f"LDAM-DRW {a:.1f} vs inverse-frequency CE {b:.1f}: " + ("yes" if a >= b else "no")
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--strategies",
        default=None,
        help="comma-separated subset of: " + ", ".join(k for k in STRATEGIES if k not in PENDING),
    )
    parser.add_argument("--out", default=None, help="also write the table to this markdown file")
    parser.add_argument(
        "--cache",
        default=None,
        help="JSON file of finished runs: read at start (those runs are not redone), "
        "written after each strategy",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1 keeps timings and results steady on a shared machine)",
    )
    parser.add_argument(
        "--model",
        default="cnn",
        choices=list(MODEL_SIDES),
        help="backbone: cnn (28x28), resnet32 (padded to 32x32) or resnet18 (resized to 64x64)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="override the protocol's epoch count (a smoke check; the table says so)",
    )
    args = parser.parse_args()
    keys = [k for k in STRATEGIES if k not in PENDING]
    if args.strategies:
        wanted = [s.strip() for s in args.strategies.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(keys))
        if unknown:
            parser.error(f"unknown strategies {unknown}; choose from {keys}")
        keys = [k for k in keys if k in wanted]
    torch.set_num_threads(args.threads)
    data = data_for(args.model)
    prefix = "" if args.model == "cnn" else f"{args.model}:"
    overrides = {} if args.epochs is None else {"epochs": args.epochs}
    results: dict[str, list[dict[str, float]]] = {}
    cache = Path(args.cache) if args.cache else None
    stored: dict[str, list[dict[str, float]]] = {}
    if cache is not None and cache.exists() and args.epochs is None:
        stored = json.loads(cache.read_text())
        results = {
            k: stored[prefix + k]
            for k in keys
            if prefix + k in stored and len(stored[prefix + k]) == args.seeds
        }
    total = time.perf_counter()
    for key in keys:
        if key in results:
            continue
        recipe = STRATEGIES[key][1]
        results[key] = []
        for seed in range(args.seeds):
            r = run_one(data, recipe, seed, args.model, **overrides)
            results[key].append(r)
            print(
                f"{key:18s} seed {seed}  balanced acc. {r['bacc']:5.1f}  macro-F1 {r['f1']:5.1f}  "
                f"rare {r['rare']:5.1f}  {r['seconds']:.1f} s "
                f"({r['seconds'] / r['epochs']:.1f} s / epoch)",
                flush=True,
            )
        if cache is not None and args.epochs is None:
            stored[prefix + key] = results[key]
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(stored))
    results = {k: results[k] for k in keys if k in results}
    network = {
        "cnn": "SmallCNN",
        "resnet32": "ResNet-32 (28x28 padded to 32x32)",
        "resnet18": "ResNet-18 (resized to 64x64)",
    }[args.model]
    budget = f"{STEPS} SGD steps" if args.epochs is None else f"{args.epochs} epochs (smoke check)"
    header = (
        f"MNIST-LT (r=100, 988 training images), {network}, {budget}, "
        f"{args.seeds} seeds (0..{args.seeds - 1}); mean ± std over seeds, percent; "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
        f"total {time.perf_counter() - total:.0f} s"
    )
    text = "\n".join([header, "", table(results), "", *("- " + c for c in checks(results))])
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
