"""The Trainer: composes a recipe's parts around any ``nn.Module`` classifier.

The loop is split into small hooks a subclass can override (``build_loss``, ``build_sampler``,
``build_optimizer``, ``build_lr_schedule``, ``on_epoch_start``, ``train_step``, ``compute_loss``,
``validation_scores``, ``tune_decision``), in the spirit of skorch and Lightning;
:class:`~unskew.training.callbacks.Callback` objects hook in without subclassing. Its jobs live in
their own modules: inputs and the validation split (:mod:`~unskew.training.inputs`), assembling the
recipe's parts (:mod:`~unskew.training.assembly`), batches (:mod:`~unskew.training.batches`), early
stopping and checkpoints (:mod:`~unskew.training.checkpoint`) and the decision stage
(:mod:`~unskew.training.decide`).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unskew._options import check_options
from unskew.catalogue import BASELINE
from unskew.exceptions import InputError, TrainingError
from unskew.metrics import balanced_log_loss, get_metric
from unskew.recipes import Recipe, parse_recipe
from unskew.stages import Batch, RunContext
from unskew.training.assembly import (
    build_batch_parts,
    build_decision,
    build_network,
    resample,
)
from unskew.training.assembly import build_loss as assemble_loss
from unskew.training.batches import (
    Shuffle,
    eval_batches,
    iterate_batches,
    steps_per_epoch,
)
from unskew.training.checkpoint import EarlyStopping, load_checkpoint, save_checkpoint
from unskew.training.decide import apply_decision, calibrated_proba, fit_decision, softmax
from unskew.training.inputs import (
    as_tensor,
    check_labels,
    check_model,
    check_sample_weight,
    is_dataset,
    split_validation,
)

__all__ = ["Trainer", "apply_decision", "calibrated_proba", "check_precision", "select_device"]


def select_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then Apple MPS, then the CPU; anything else is passed to torch, and
    a device this machine does not have (``cuda`` without a GPU, ``mps`` off a Mac) is refused
    with one line.

    Examples
    --------
    >>> select_device("cpu")
    device(type='cpu')
    """
    if str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(
            f"device must be auto, cpu, cuda, cuda:N or mps, got {str(device)!r}"
        ) from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise InputError(
            f"device {str(device)!r}: this machine has no CUDA GPU that torch "
            f"{torch.__version__} can use; use device 'cpu' or 'auto'"
        )
    if chosen.type == "cuda" and (chosen.index or 0) >= torch.cuda.device_count():
        raise InputError(
            f"device {str(device)!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s) "
            f"(cuda:0 to cuda:{torch.cuda.device_count() - 1})"
        )
    if chosen.type == "mps" and not _mps_available():
        raise InputError(
            f"device {str(device)!r}: Apple's MPS is not available on this machine; use device "
            "'cpu' or 'auto'"
        )
    return chosen


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse a precision torch cannot run on ``device``: ``32``, ``bf16`` (any device) and ``16``
    (float16 with a gradient scaler: CUDA only).

    Examples
    --------
    >>> check_precision("bf16", torch.device("cpu"))
    """
    if precision not in ("32", "bf16", "16"):
        raise InputError(f"precision must be '32', 'bf16' or '16', got {precision!r}")
    if precision == "16" and device.type != "cuda":
        raise InputError(
            f"precision='16' (float16) needs a CUDA device; use precision='bf16' on {device.type}"
        )


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


class Trainer:
    """Train ``model`` on ``(X, y)`` with a recipe, then predict with the recipe's decision rule.

    The recipe (see ``docs/recipes.md``) chooses one part per stage: a resampler applied to the
    training rows, a batch sampler, a loss with optional class weights and deferred re-weighting, a
    head (``ldam`` swaps in a :class:`~unskew.models.heads.CosineClassifier`, as Cao et al. 2019
    publish it) and a decision rule tuned on validation data. Everything the recipe does not fix
    falls back to the plain choice: shuffled mini-batches and cross-entropy. The Trainer builds
    every part through the registry and calls it through its stage's interface
    (:mod:`unskew.stages`, ``docs/architecture.md``), so a strategy of your own
    (:func:`unskew.register`) trains like the built-ins.

    Validation is a stratified split scored with a macro ``metric`` (never plain accuracy), ties
    broken by the balanced log-loss: it drives early stopping, the best epoch's weights are
    restored at the end, and the decision rule is tuned on it. Tiny classes degrade gracefully:
    when a class has too few rows for the split, training runs for the full budget without early
    stopping, rules that need held-out scores keep their untuned default (``logit_adjust`` with a
    given tau needs none), and one warning says so.

    ``fit`` trains ``model`` in place. With ``checkpoint=path`` the full training state (weights,
    optimiser, LR schedule, random number generators, early-stopping state, callbacks) is written
    atomically after every epoch, and ``fit(..., resume=True)`` continues from it, ending with the
    same weights as an uninterrupted run. A NaN or infinite loss stops training with a
    :class:`~unskew.exceptions.TrainingError` naming the epoch; the model keeps the last good
    weights and the checkpoint is not overwritten.

    Parameters
    ----------
    model : nn.Module
        Maps a batch of ``X`` to logits (N, C), C = the number of classes. For ``ldam`` recipes its
        ``head`` is replaced by a cosine classifier (it needs ``feature_dim``), and ``smote_batch``
        calls ``model.features`` and ``model.head`` (the built-in backbones have all three).
    recipe : str, dict or Recipe, default="cross_entropy"
    epochs : int, default=30
    batch_size : int, default=128
    optimizer : {"adamw", "sgd"}, default="adamw"
        SGD uses Nesterov-free momentum ``momentum``.
    lr : float, optional
        Default 1e-3 for AdamW, 0.05 for SGD.
    weight_decay : float, optional
        Default 1e-4 for AdamW, 5e-4 for SGD.
    momentum : float, default=0.9
    lr_schedule : {"auto", "cosine", "constant"}, default="auto"
        ``cosine`` decays the rate to 0 over all optimiser steps (per step); ``auto`` is cosine for
        SGD and constant for AdamW.
    validation : float, (X_val, y_val) or None, default=0.2
        A stratified share of the rows, a validation set of your own, or None (train on every row
        for the full budget).
    metric : str, default="balanced_accuracy"
        A name of :func:`unskew.metrics.get_metric` (lower-is-better metrics are minimised).
    tie_break : {"balanced_log_loss", None}, default="balanced_log_loss"
        Epochs that tie on ``metric`` are separated by the balanced log-loss
        (:func:`unskew.metrics.balanced_log_loss`, recorded as ``validation_loss`` in
        ``history_``), so a split with a few minority rows, where balanced accuracy takes a handful
        of values, does not keep the first of many equal epochs (``docs/training.md`` has the
        measured effect). None keeps the first.
    patience : int, default=10
        Epochs without improvement before stopping early.
    clip_grad_norm : float, optional
        Clip the gradients' global L2 norm to this value.
    precision : {"32", "bf16", "16"}, default="32"
        Mixed precision by ``torch.autocast``: ``bf16`` on CPU or GPU, ``16`` (float16 with a
        gradient scaler) on CUDA.
    callbacks : sequence of Callback
    checkpoint : path, optional
        File for the training state after every epoch.
    verbose : int, default=1
        1 shows a progress bar when stderr is a terminal; 0 is silent.
    random_state : int, default=0
        Seeds shuffling, samplers, dropout and resamplers: the same seed gives identical weights
        on CPU (initial weights come from how the model was built).
    device : str, default="auto"
        ``auto`` picks cuda, then mps, then cpu.
    num_workers : int, default=0
        DataLoader workers, used when ``X`` is a Dataset.
    modality : {"table", "image", "text"}, optional
        When given, recipe parts that do not apply to it are refused with the reason.
    pretrained : path, dict or nn.Module, optional
        Weights loaded into ``model`` before training (:func:`unskew.models.transfer.load_pretrained`;
        a ``head`` of another shape is left out). Pair with the recipe part
        ``finetune:freeze_epochs=K,backbone_lr_scale=S``.

    Examples
    --------
    >>> from unskew.datasets import seed_example
    >>> from unskew.models import MLP
    >>> data = seed_example()
    >>> X = torch.tensor(data.X.to_numpy(), dtype=torch.float32)
    >>> trainer = Trainer(MLP(20, 2, hidden=(16,)), "cross_entropy+weights:inverse", epochs=5)
    >>> trainer.fit(X, data.y).predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        model: nn.Module,
        recipe: Any = BASELINE,
        *,
        epochs: int = 30,
        batch_size: int = 128,
        optimizer: str = "adamw",
        lr: float | None = None,
        weight_decay: float | None = None,
        momentum: float = 0.9,
        lr_schedule: str = "auto",
        validation: Any = 0.2,
        metric: str = "balanced_accuracy",
        tie_break: str | None = "balanced_log_loss",
        patience: int = 10,
        clip_grad_norm: float | None = None,
        precision: str = "32",
        callbacks: Any = (),
        checkpoint: str | os.PathLike | None = None,
        verbose: int = 1,
        random_state: int = 0,
        device: str = "auto",
        num_workers: int = 0,
        modality: str | None = None,
        pretrained: Any = None,
    ) -> None:
        self.model = model
        self.recipe = recipe
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.lr_schedule = lr_schedule
        self.validation = validation
        self.metric = metric
        self.tie_break = tie_break
        self.patience = patience
        self.clip_grad_norm = clip_grad_norm
        self.precision = precision
        self.callbacks = list(callbacks)
        self.checkpoint = checkpoint
        self.verbose = verbose
        self.random_state = random_state
        self.device = device
        self.num_workers = num_workers
        self.modality = modality
        self.pretrained = pretrained

    # -- hooks: building the parts --------------------------------------------------------------
    def build_loss(self, recipe: Recipe, context: RunContext) -> nn.Module:
        """The recipe's loss, configured by its objective modifiers (class weights); modifiers
        with an epoch schedule (DRW) become ``schedules_``."""
        loss, self.schedules_ = assemble_loss(recipe, context)
        return loss

    def build_sampler(self, recipe: Recipe, context: RunContext) -> Any:
        """The recipe's batch sampler over the training rows (a plain shuffle by default)."""
        part = recipe.slot("batch")
        if part is None:
            return Shuffle(len(context.labels), context.generator)
        return part.strategy.build(context, **part.params)

    def parameter_groups(self, model: nn.Module, lr: float) -> Any:
        """The optimiser's parameters: one group, or those of a model-stage part with
        ``param_groups`` (``finetune``: the body at a smaller rate than the head)."""
        for part in getattr(self, "model_parts_", ()):
            if hasattr(part, "param_groups"):
                return part.param_groups(model, lr)
        return model.parameters()

    def build_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        """AdamW (default) or SGD with momentum."""
        name = str(self.optimizer).lower()
        if name == "adamw":
            return torch.optim.AdamW(
                self.parameter_groups(model, 1e-3 if self.lr is None else self.lr),
                lr=1e-3 if self.lr is None else self.lr,
                weight_decay=1e-4 if self.weight_decay is None else self.weight_decay,
            )
        if name == "sgd":
            return torch.optim.SGD(
                self.parameter_groups(model, 0.05 if self.lr is None else self.lr),
                lr=0.05 if self.lr is None else self.lr,
                momentum=self.momentum,
                weight_decay=5e-4 if self.weight_decay is None else self.weight_decay,
            )
        raise InputError(f"optimizer must be 'adamw' or 'sgd', got {self.optimizer!r}")

    def build_lr_schedule(self, optimizer: torch.optim.Optimizer, total_steps: int) -> Any:
        """Per-step cosine decay to 0 (``cosine``), or None (``constant``)."""
        kind = self.lr_schedule
        if kind == "auto":
            kind = "cosine" if str(self.optimizer).lower() == "sgd" else "constant"
        if kind == "constant":
            return None
        if kind != "cosine":
            raise InputError(
                f"lr_schedule must be 'auto', 'cosine' or 'constant', got {self.lr_schedule!r}"
            )
        total = max(1, total_steps)
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
        )

    def wrap_model(self, model: nn.Module) -> nn.Module:
        """The module the training steps call (identity here; the distributed trainer wraps it in
        ``DistributedDataParallel``). Validation and saving use the unwrapped ``model``."""
        return model

    def reduce_epoch_loss(self, total: torch.Tensor, n_steps: int) -> float:
        """The epoch's mean loss (the distributed trainer averages it over processes, so every
        process takes the same decisions)."""
        return float(total) / max(1, n_steps)

    def synchronize(self) -> None:
        """Called after each epoch's steps, before validation (the distributed trainer copies rank
        0's buffers, such as batch-norm statistics, to every process)."""

    def is_main_process(self) -> bool:
        """Whether this process writes checkpoints (always, outside distributed training)."""
        return True

    def run_context(self, class_counts: np.ndarray, labels: np.ndarray) -> RunContext:
        """What the parts get from this run (the distributed trainer adds its world size and
        rank)."""
        return RunContext(
            class_counts=class_counts,
            labels=labels,
            epochs=self.epochs,
            batch_size=self.batch_size,
            random_state=self.random_state,
            modality=self.modality,
            generator=self.generator_,
        )

    # -- hooks: the loop ------------------------------------------------------------------------
    def on_epoch_start(self, epoch: int) -> None:
        """Call the parts' epoch hooks (DRW, fine-tuning's freeze, the bilateral branches'
        weight) and tell epoch-aware samplers the epoch."""
        for schedule in self.schedules_:
            schedule.on_epoch(epoch, self.loss_)
        for part in self.model_parts_:
            if hasattr(part, "on_epoch"):
                part.on_epoch(epoch, self.network_)
        if hasattr(self.sampler_, "set_epoch"):
            self.sampler_.set_epoch(epoch)
        for cb in self.callbacks:
            cb.on_epoch_start(self, epoch)

    def compute_loss(
        self,
        logits: torch.Tensor,
        y: torch.Tensor,
        weight: torch.Tensor | None = None,
        *,
        per_row: bool = False,
    ) -> torch.Tensor:
        """The recipe's loss in float32: the mean, a weighted mean with per-row ``weight``, or the
        per-row values (``per_row``, for parts that mix rows)."""
        loss = self.loss_
        if per_row:
            reduction = loss.reduction
            loss.reduction = "none"
            try:
                return loss(logits.float(), y)
            finally:
                loss.reduction = reduction
        if weight is None:
            return loss(logits.float(), y)
        per = loss(logits.float(), y)
        norm = weight
        class_weight = getattr(loss, "weight", None)
        if getattr(loss, "weighted_mean", False) and class_weight is not None:
            # the loss's own mean is over the class weights (PyTorch's): rows of weight 1
            # must give that mean back, not the per-row sum over the number of rows
            norm = weight * class_weight.to(weight.dtype)[y]
        return (per * weight).sum() / norm.sum().clamp_min(1e-12)

    def train_step(self, batch: Batch) -> torch.Tensor:
        """One optimiser step on a batch; returns the batch loss (0-d tensor, not synchronised).

        Input transforms (augmentation) change the batch first; the part that owns the step
        (mixup, feature-space SMOTE, bilateral branches) computes the loss, else the model's
        logits go to :meth:`compute_loss`; an auxiliary loss of the model is added.
        """
        model, optimizer = self.model_, self.optimizer_
        optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            for part in self.batch_parts_.transforms:
                batch = part.transform(batch)
            step = self.batch_parts_.step
            if step is not None:
                value = step.training_loss(model, batch, self.compute_loss)
            else:
                value = self.compute_loss(model(batch.x), batch.y, batch.weight)
            if self._auxiliary is not None:
                value = value + self._auxiliary(batch.y, self.loss_)
        if self.scaler_ is not None:
            self.scaler_.scale(value).backward()
            self.scaler_.unscale_(optimizer)
        else:
            value.backward()
        if self.clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), self.clip_grad_norm)
        if self.scaler_ is not None:
            self.scaler_.step(optimizer)
            self.scaler_.update()
        else:
            optimizer.step()
        if self.lr_scheduler_ is not None:
            self.lr_scheduler_.step()
        return value.detach()

    @torch.no_grad()
    def validation_scores(self, model: nn.Module, X: Any) -> np.ndarray:
        """Logits (N, C) as float32 NumPy, computed in eval mode in large batches."""
        device = getattr(self, "device_", None) or select_device(self.device)
        chunks = []
        for xb in self._eval_batches(model, X):
            with self._autocast(device):
                chunks.append(model(xb.to(device)).float().cpu())
        return torch.cat(chunks).numpy() if chunks else np.zeros((0, 0), np.float32)

    @torch.no_grad()
    def features(self, model: nn.Module, X: Any) -> torch.Tensor:
        """``model.features`` of ``X`` in eval mode, as one float32 tensor on the device."""
        chunks = []
        for xb in self._eval_batches(model, X):
            with self._autocast():
                chunks.append(model.features(xb.to(self.device_)).float())
        return torch.cat(chunks)

    def _eval_batches(self, model: nn.Module, X: Any) -> Any:
        """Batches of ``X`` for evaluation, with ``model`` in eval mode until they are done."""
        was_training = model.training
        model.eval()
        try:
            yield from eval_batches(X, self.batch_size * 4)
        finally:
            model.train(was_training)

    def retrain_head(self, X: Any, y: np.ndarray, val: Any, parts: Any = None) -> None:
        """Decoupled classifier learning after joint training (``crt``, ``tau_norm``, ``lws``,
        ``ncm``; Kang et al. 2020): frozen features of the training rows (computed once, in eval
        mode) go to the ``after_fit`` of the recipe's model-stage parts (or of ``parts``), which
        sets ``model.head``."""
        parts = [
            p for p in (self.model_parts_ if parts is None else parts) if hasattr(p, "after_fit")
        ]
        if not parts:
            return
        model = self.network_
        feats = self.features(model, X)
        labels = torch.from_numpy(np.asarray(y)).to(feats.device)
        val_feats = None if val is None else (self.features(model, val[0]), val[1])
        for part in parts:
            part.after_fit(self, model, feats, labels, val_feats)
        model.eval()

    def tune_decision(self, logits: np.ndarray | None, y: np.ndarray | None) -> Any:
        """Fit the recipe's calibration and decision rule on validation ``logits`` (None when
        there are none); returns the rule (None: plain argmax)."""
        parts = build_decision(self.recipe_, self.context_)
        self.decision_, self.calibrator_ = fit_decision(parts.rule, parts.calibration, logits, y)
        return self.decision_

    # -- fitting --------------------------------------------------------------------------------
    def fit(
        self, X: Any, y: Any = None, *, sample_weight: Any = None, resume: bool = False
    ) -> Trainer:
        """Train on ``X`` (array or tensor of any trailing shape, integer token ids, or a torch
        ``Dataset`` yielding ``(x, y)``) and integer class codes ``y`` (0..C-1).

        ``sample_weight`` (one non-negative weight per row) turns the loss into a weighted mean.
        ``resume=True`` continues from ``checkpoint`` when that file exists (and starts afresh when
        it does not, so the same call serves a first run and a restart).
        """
        self.recipe_ = parse_recipe(self.recipe, modality=self.modality)
        self.device_ = select_device(self.device)
        self._check_options()
        X_all, y_np, weights = self._inputs(X, y, sample_weight)
        self.n_classes_ = check_model(self.model, X_all, y_np)
        self.n_rows_ = len(y_np)
        train_idx, val, self.validation_rows_ = split_validation(
            self.validation, X_all, y_np, self.n_classes_, self.random_state
        )
        torch.manual_seed(self.random_state)
        self.generator_ = torch.Generator().manual_seed(self.random_state)
        X_tr, y_tr, w_tr = self._training_rows(X_all, y_np, weights, train_idx)
        self._assemble(X_tr, y_tr, weighted=w_tr is not None)
        start = self._start(resume)
        self._loop(X_tr, y_tr, w_tr, val, start)
        self._finish(X_tr, y_tr, val)
        return self

    def _inputs(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, np.ndarray, Any]:
        if is_dataset(X):
            from unskew.data import get_labels

            y_np = np.asarray(get_labels(X, progress=False) if y is None else y)
            X_all: Any = X
        else:
            if y is None:
                raise InputError("fit needs labels y (or a Dataset that yields (x, y) pairs)")
            X_all = as_tensor(X)
            y_np = np.asarray(y.cpu() if torch.is_tensor(y) else y)
            if len(X_all) != len(y_np):
                raise InputError(
                    f"X has {len(X_all)} rows but y has {len(y_np)}; give one label per row"
                )
            if X_all.is_floating_point() and not bool(torch.isfinite(X_all).all()):
                raise InputError(
                    "X holds NaN or infinite values; impute them first (ImbalancedClassifier and "
                    "TablePreprocessor do this for tables)"
                )
        y_np = check_labels(y_np)
        return X_all, y_np, check_sample_weight(sample_weight, len(y_np))

    def _training_rows(
        self, X: Any, y: np.ndarray, weights: Any, rows: np.ndarray
    ) -> tuple[Any, np.ndarray, np.ndarray | None]:
        """The training rows after the recipe's data stage."""
        from unskew.training.inputs import take_rows

        y_tr = y[rows]
        context = self.run_context(np.bincount(y_tr, minlength=self.n_classes_), y_tr)
        w = None if weights is None else weights[rows]
        return resample(self.recipe_, take_rows(X, rows), y_tr, w, context)

    def _assemble(self, X_tr: Any, y_tr: np.ndarray, *, weighted: bool) -> None:
        """Build every part for the training rows and the network, optimiser and schedules."""
        recipe = self.recipe_
        self.class_counts_ = np.bincount(y_tr, minlength=self.n_classes_)
        context = self.run_context(self.class_counts_, y_tr)
        if not is_dataset(X_tr):
            context.extra["example"] = X_tr[:2]
        self.context_ = context
        if self.pretrained is not None:
            from unskew.models.transfer import load_pretrained

            self.pretrained_report_ = load_pretrained(self.model, self.pretrained)
        loss = self.build_loss(recipe, context).to(self.device_)
        model, self.model_parts_ = build_network(recipe, self.model, loss, context)
        model.to(self.device_)
        self.network_ = model
        if hasattr(loss, "validate_args"):
            loss.validate_args = False  # labels were checked once above
        if weighted:
            if not hasattr(loss, "reduction"):
                raise InputError(f"{recipe.loss.name} cannot weight rows; drop sample_weight")
            loss.reduction = "none"
        self.loss_ = loss
        self.sampler_ = self.build_sampler(recipe, context)
        self.batch_parts_ = build_batch_parts(
            recipe, context, self.model_parts_, self.sampler_, weighted
        )
        self.paired_sampler_ = (
            None
            if self.batch_parts_.paired is None
            else self.batch_parts_.paired.paired_sampler(y_tr)
        )
        self.optimizer_ = self.build_optimizer(model)
        self.model_ = self.wrap_model(model)
        # looked up once per fit, not on every step (aux heads, class-group experts)
        self._auxiliary = getattr(model, "auxiliary_loss", None)
        steps = steps_per_epoch(self.sampler_, self.batch_size)
        self.lr_scheduler_ = self.build_lr_schedule(self.optimizer_, steps * self.epochs)
        self.scaler_ = (
            torch.amp.GradScaler("cuda")
            if self.precision == "16" and self.device_.type == "cuda"
            else None
        )

    def _start(self, resume: bool) -> int:
        """Fresh loop state, or the checkpoint's (returns the first epoch to run)."""
        self.stop_training = False
        self.history_: list[dict[str, float]] = []
        self.early_stopping_ = EarlyStopping(
            get_metric(self.metric).greater_is_better, self.tie_break, self.patience
        )
        self.best_epoch_ = None
        start = 0
        if resume and self.checkpoint is not None and Path(self.checkpoint).exists():
            start = load_checkpoint(self)
        self.best_epoch_ = self.early_stopping_.best_epoch
        for cb in self.callbacks:
            cb.on_fit_start(self)
        return start

    def _loop(self, X_tr: Any, y_tr: np.ndarray, w_tr: Any, val: Any, start: int) -> None:
        y_t = torch.from_numpy(y_tr)
        w_t = None if w_tr is None else torch.from_numpy(w_tr)
        last_good = self._snapshot()
        self.network_.train()
        with self._progress() as progress:
            task = progress.add_task("training", total=self.epochs, completed=start)
            for epoch in range(start, self.epochs):
                if self.stop_training:
                    break
                self.on_epoch_start(epoch)
                mean_loss = self._epoch(X_tr, y_t, w_t)
                if not math.isfinite(mean_loss):
                    self._diverged(epoch, last_good)
                record = {
                    "epoch": epoch,
                    "loss": mean_loss,
                    "lr": float(self.optimizer_.param_groups[0]["lr"]),
                }
                if val is not None:
                    self._validate(record, val, epoch)
                self.history_.append(record)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch, record)
                last_good = self._snapshot() if val is None else last_good
                if self.checkpoint is not None and self.is_main_process():
                    save_checkpoint(self, epoch)
                progress.update(task, advance=1, description=self._describe(record))

    def _epoch(self, X_tr: Any, y_t: torch.Tensor, w_t: Any) -> float:
        total = torch.zeros((), device=self.device_)
        n_steps = 0
        batches = iterate_batches(
            X_tr,
            y_t,
            w_t,
            self.sampler_,
            batch_size=self.batch_size,
            device=self.device_,
            paired=self.paired_sampler_,
            num_workers=self.num_workers,
            training=self.network_.training,
        )
        for batch in batches:
            value = self.train_step(batch)
            total += value
            n_steps += 1
            for cb in self.callbacks:
                cb.on_batch_end(self, n_steps, value)
        mean_loss = self.reduce_epoch_loss(total, n_steps)
        self.synchronize()
        return mean_loss

    def _validate(self, record: dict[str, float], val: Any, epoch: int) -> None:
        logits = self.validation_scores(self.network_, val[0])
        proba = softmax(logits)
        record["validation"] = float(get_metric(self.metric)(val[1], logits.argmax(1), proba))
        if self.tie_break is not None:
            finite = np.isfinite(proba).all()
            record["validation_loss"] = float(
                balanced_log_loss(val[1], proba) if finite else np.inf
            )
        self.early_stopping_.update(record, epoch, self._snapshot)
        self.best_epoch_ = self.early_stopping_.best_epoch
        if self.early_stopping_.exhausted:
            self.stop_training = True

    def _finish(self, X_tr: Any, y_tr: np.ndarray, val: Any) -> None:
        """Restore the best epoch, drop what only training needed, re-train a decoupled head,
        then fit the calibration and the decision rule on the validation rows."""
        model = self.network_
        stopping = self.early_stopping_
        if stopping.best_state is not None:
            model.load_state_dict(stopping.best_state)
        for part in reversed(self.model_parts_):
            if hasattr(part, "unwrap"):
                model = part.unwrap(model)
        self.network_ = self.model_ = model
        self.retrain_head(X_tr, y_tr, val)
        self.best_score_ = None if val is None else float(abs(stopping.best))
        model.eval()
        logits = None if val is None else self.validation_scores(model, val[0])
        self.tune_decision(logits, None if val is None else val[1])
        for cb in self.callbacks:
            cb.on_fit_end(self)

    # -- internals ------------------------------------------------------------------------------
    def _check_options(self) -> None:
        share = self.validation if isinstance(self.validation, float | int) else None
        check_options(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr)
        check_options(weight_decay=self.weight_decay, validation=share, patience=self.patience)
        check_options(clip_grad_norm=self.clip_grad_norm)
        check_precision(self.precision, self.device_)
        if self.tie_break not in ("balanced_log_loss", None):
            raise InputError(
                f"tie_break must be 'balanced_log_loss' or None, got {self.tie_break!r}"
            )

    def _autocast(self, device: torch.device | None = None) -> Any:
        if self.precision == "32":
            return contextlib.nullcontext()
        device = device or self.device_
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(device_type=device.type, dtype=dtype)

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.network_.state_dict().items()}

    def _diverged(self, epoch: int, last_good: dict[str, torch.Tensor]) -> None:
        self.network_.load_state_dict(self.early_stopping_.best_state or last_good)
        self.network_.eval()
        self.model_ = self.network_
        lr = self.optimizer_.param_groups[0].get(
            "initial_lr", self.optimizer_.param_groups[0]["lr"]
        )
        kept = (
            f"; the checkpoint {self.checkpoint} holds the last good epoch"
            if self.checkpoint
            else ""
        )
        raise TrainingError(
            f"the loss became NaN or infinite in epoch {epoch} (0-based): the learning rate "
            f"({lr:g}) is likely too high for this model and loss, or the loss overflowed; lower "
            f"lr, set clip_grad_norm=1.0, or use precision='32'. The model keeps its last good "
            f"weights{kept}"
        )

    def _progress(self) -> Any:
        if self.verbose and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            return Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} epochs"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
        return _NoProgress()

    def _describe(self, record: dict[str, float]) -> str:
        text = f"epoch {record['epoch'] + 1} loss {record['loss']:.4f}"
        if "validation" in record:
            text += f" {self.metric} {record['validation']:.4f}"
        return text

    # -- prediction -----------------------------------------------------------------------------
    def predict_logits(self, X: Any) -> np.ndarray:
        """Raw logits (N, C) of the trained model."""
        self._check_fitted()
        return self.validation_scores(self.model_, X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (N, C): the softmax, calibrated when the recipe asks."""
        return calibrated_proba(self.calibrator_, self.predict_logits(X))

    def predict(self, X: Any) -> np.ndarray:
        """Class codes under the recipe's decision rule (argmax when it has none)."""
        return self.decide(self.predict_logits(X))

    def decide(self, logits: np.ndarray) -> np.ndarray:
        """Apply the fitted decision rule to logits."""
        return apply_decision(self.decision_, self.calibrator_, logits)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError("this Trainer is not fitted yet; call fit(X, y) first")


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None
