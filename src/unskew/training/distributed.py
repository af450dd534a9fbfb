"""Distributed data-parallel training, and a ``torchrun``-compatible entry point.

Run on one machine with two processes::

    torchrun --nproc_per_node=2 -m unskew.training.distributed keel:page-blocks0 \\
        --recipe "balanced_sampler+cross_entropy" --epochs 20 --out runs/ddp

or with ``python -m unskew.training.distributed ...`` for the same job in one process. Each process
trains a replica under ``DistributedDataParallel`` (gloo on CPU, NCCL on CUDA) on its own stream of
rows from :class:`~unskew.sampling.DistributedClassBalancedSampler`; gradients are averaged, so every
replica ends with the same weights. Rank 0 saves the model (:func:`~unskew.training.load_model`
reads it) and ``metrics.json`` with the test scores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data.distributed import DistributedSampler

from unskew.exceptions import InputError, UnskewError
from unskew.recipes import Recipe
from unskew.stages import RunContext
from unskew.training.estimator import ImbalancedClassifier
from unskew.training.trainer import Trainer

__all__ = ["DistributedTrainer", "main"]


def _init_process_group(device: torch.device) -> None:
    if dist.is_initialized():
        return
    missing = [
        k for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if k not in os.environ
    ]
    if missing:
        raise InputError(
            f"distributed training needs the environment torchrun sets ({', '.join(missing)} "
            "missing); start it with `torchrun --nproc_per_node=N -m unskew.training.distributed`"
        )
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


class DistributedTrainer(Trainer):
    """The :class:`~unskew.training.Trainer` under ``DistributedDataParallel``.

    Every process runs the same ``fit`` (same seed, so the same initial weights, validation split
    and decisions); its batches come from :class:`~unskew.sampling.DistributedClassBalancedSampler`
    (a recipe sampler's ``distributed`` form: ``balanced_sampler:power=P``) or torch's
    ``DistributedSampler`` (recipes without a sampler), ``batch_size`` rows per process and step. DDP
    averages the gradients, so the replicas stay identical; the epoch loss is averaged over
    processes, so a NaN stops all of them; only rank 0 writes checkpoints. The process group is
    initialised from torchrun's environment when it is not yet. Samplers without a distributed form,
    and parts that compute the step outside the model's forward (feature-space mixing, feature
    SMOTE, bilateral branches), are refused.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> trainer = DistributedTrainer(MLP(8, 2), "balanced_sampler+focal")  # run under torchrun
    >>> trainer.is_main_process()  # no process group yet: this process counts as rank 0
    True
    """

    def fit(self, X: Any, y: Any = None, **kwargs: Any) -> DistributedTrainer:
        from unskew.training.trainer import select_device

        device = select_device(self.device)
        if device.type == "cuda":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
            self.device = f"cuda:{torch.cuda.current_device()}"
        _init_process_group(device)
        self.rank_, self.world_size_ = dist.get_rank(), dist.get_world_size()
        return super().fit(X, y, **kwargs)

    def is_main_process(self) -> bool:
        return not dist.is_initialized() or dist.get_rank() == 0

    def run_context(self, class_counts: np.ndarray, labels: np.ndarray) -> RunContext:
        context = super().run_context(class_counts, labels)
        context.world_size, context.rank = self.world_size_, self.rank_
        return context

    def build_sampler(self, recipe: Recipe, context: RunContext) -> Any:
        part = recipe.slot("batch")
        if part is None:
            return DistributedSampler(
                range(len(context.labels)),
                num_replicas=self.world_size_,
                rank=self.rank_,
                shuffle=True,
                seed=self.random_state,
            )
        sampler = part.strategy.build(context, **part.params)
        if not hasattr(sampler, "distributed"):
            raise InputError(
                f"{part.name} has no distributed form; use balanced_sampler:power=P (P=0 balanced, "
                "0.5 square-root, 1 natural)"
            )
        return sampler.distributed(self.world_size_, self.rank_, self.random_state)

    def wrap_model(self, model: nn.Module) -> nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        step = self.batch_parts_.step
        if step is not None and not getattr(step, "ddp_safe", False):
            raise InputError(
                f"{type(step).__name__} computes the training step outside the model's forward, "
                "which DistributedDataParallel does not see; train it in one process"
            )
        ids = [self.device_.index] if self.device_.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def synchronize(self) -> None:
        # DDP broadcasts buffers before each forward, so after the last step every replica holds
        # its own batch-norm statistics; copy rank 0's so validation and the result agree.
        for buffer in self.network_.buffers():
            dist.broadcast(buffer.data, src=0)

    def reduce_epoch_loss(self, total: torch.Tensor, n_steps: int) -> float:
        both = torch.stack(
            [total.detach().float(), torch.tensor(float(n_steps), device=total.device)]
        )
        dist.all_reduce(both)
        return float(both[0]) / max(1.0, float(both[1]))


class _DistributedClassifier(ImbalancedClassifier):
    """ImbalancedClassifier whose fit runs the DistributedTrainer (used by :func:`main`)."""

    _trainer_class = DistributedTrainer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m unskew.training.distributed",
        description="Train a built-in model with a recipe, data-parallel over torchrun processes.",
    )
    p.add_argument(
        "data", help="a table file, an image folder, or a built-in name (keel:NAME, ...)"
    )
    p.add_argument("--target", default="auto", help="target column of a table (default: auto)")
    p.add_argument("--recipe", default="balanced_sampler+cross_entropy")
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128, help="rows per step over all processes")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--optimizer", default="adamw", choices=["adamw", "sgd"])
    p.add_argument("--validation", type=float, default=None, help="share held out (default none)")
    p.add_argument("--test-size", type=float, default=0.3, help="share held out for test scores")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", required=True, help="folder for the model and metrics.json")
    p.add_argument(
        "--save-rank-weights", action="store_true", help="every rank writes rank{R}.pt (checks)"
    )
    return p


def _split(data: Any, test_size: float, seed: int) -> tuple[Any, Any, Any, Any]:
    test = getattr(data, "test", None)
    if test is not None:
        return data.X, np.asarray(data.y), test.X, np.asarray(test.y)
    from sklearn.model_selection import train_test_split

    y = np.asarray(data.y)
    tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed)
    X = data.X
    take = (lambda rows: X.iloc[rows]) if hasattr(X, "iloc") else (lambda rows: X[rows])
    return take(tr), y[tr], take(te), y[te]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train, evaluate on the test split and save; returns the metrics (rank 0 writes them)."""
    from unskew.datasets import load
    from unskew.metrics import balanced_accuracy_score, f1_score

    torch.set_num_threads(max(1, torch.get_num_threads() // int(os.environ.get("WORLD_SIZE", 1))))
    data = load(args.data, target=args.target)
    X_tr, y_tr, X_te, y_te = _split(data, args.test_size, args.seed)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = "RANK" in os.environ
    if args.batch_size % world:
        raise InputError(
            f"--batch-size {args.batch_size} does not split evenly over {world} processes"
        )
    cls = _DistributedClassifier if distributed else ImbalancedClassifier
    clf = cls(
        model=args.model,
        recipe=args.recipe,
        epochs=args.epochs,
        batch_size=args.batch_size // world,
        optimizer=args.optimizer,
        lr=args.lr,
        validation=args.validation,
        device=args.device,
        random_state=args.seed,
    )
    clf.fit(X_tr, y_tr)
    pred = clf.predict(X_te)
    metrics = {
        "balanced_accuracy": float(balanced_accuracy_score(y_te, pred)),
        "macro_f1": float(f1_score(y_te, pred, average="macro")),
        "world_size": world,
        "recipe": clf.recipe_,
        "epochs": args.epochs,
    }
    out = Path(args.out)
    rank = dist.get_rank() if dist.is_initialized() else 0
    if args.save_rank_weights:
        out.mkdir(parents=True, exist_ok=True)
        torch.save(clf.model_.state_dict(), out / f"rank{rank}.pt")
    if rank == 0:
        clf.save(out / "model", overwrite=True)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``torchrun ... -m unskew.training.distributed`` (or plain ``python -m``)."""
    args = _parser().parse_args(argv)
    try:
        metrics = run(args)
    except UnskewError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
