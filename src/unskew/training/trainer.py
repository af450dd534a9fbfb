"""The Trainer: composes a recipe's parts around any ``nn.Module`` classifier.

The loop is split into small hooks a subclass can override (``build_loss``, ``build_schedules``,
``build_sampler``, ``build_optimizer``, ``build_lr_schedule``, ``on_epoch_start``, ``train_step``,
``compute_loss``, ``validation_scores``, ``tune_decision``), in the spirit of skorch and Lightning;
:class:`~unskew.training.callbacks.Callback` objects hook in without subclassing.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler, Subset

from unskew.exceptions import InputError, TrainingError
from unskew.losses import DeferredReweighting, make_loss
from unskew.metrics import balanced_log_loss, get_metric
from unskew.models.heads import CosineClassifier
from unskew.recipes import Recipe, parse_recipe
from unskew.registry import get_registry
from unskew.weights import class_weights

__all__ = ["Trainer", "select_device"]

_CHECKPOINT_VERSION = 1


def select_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then Apple MPS, then the CPU; anything else is passed to torch.

    Examples
    --------
    >>> select_device("cpu")
    device(type='cpu')
    """
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class _Shuffle(Sampler[int]):
    """Every row once per epoch in a random order (the default when a recipe has no sampler)."""

    def __init__(self, n: int, generator: torch.Generator) -> None:
        self.n = n
        self.generator = generator

    def indices(self) -> torch.Tensor:
        return torch.randperm(self.n, generator=self.generator)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.n


def _is_dataset(X: Any) -> bool:
    return (
        not torch.is_tensor(X)
        and not isinstance(X, np.ndarray | list | tuple)
        and hasattr(X, "__getitem__")
        and hasattr(X, "__len__")
        and not hasattr(X, "columns")
    )


def _as_tensor(X: Any) -> torch.Tensor:
    """Features as a tensor: integer inputs (token ids) keep their type, the rest become float32."""
    if hasattr(X, "columns"):  # a DataFrame
        try:
            X = X.to_numpy(dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise InputError(
                "the Trainer takes numeric features; this table has non-numeric columns. Encode it "
                "with unskew.training.TablePreprocessor, or use ImbalancedClassifier, which does"
            ) from err
    t = X if torch.is_tensor(X) else torch.as_tensor(np.asarray(X))
    if t.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8) and t.dim() == 2:
        return t.long()
    if t.dtype == torch.bool or not t.is_floating_point():
        t = t.float()
    return t.float() if t.dtype == torch.float64 else t


def calibrated_proba(calibrator: Any, logits: np.ndarray) -> np.ndarray:
    """Class probabilities from logits: the softmax, or ``calibrator``'s (temperature scaling on
    logits, Platt/isotonic on the positive-class score) when there is one."""
    if calibrator is None:
        return _softmax(logits)
    if hasattr(calibrator, "transform"):
        return np.asarray(calibrator.predict_proba(logits))
    p1 = np.asarray(calibrator.predict_proba(_softmax(logits)[:, 1]), dtype=np.float64)
    return np.stack([1.0 - p1, p1], axis=1)


def apply_decision(rule: Any, calibrator: Any, logits: np.ndarray) -> np.ndarray:
    """Class codes from logits under a fitted decision rule (argmax when ``rule`` is None): a
    threshold acts on the (calibrated) positive-class probability, the multi-class rules on the
    logits."""
    if rule is None:
        return logits.argmax(1)
    if hasattr(rule, "threshold_"):
        return np.asarray(rule.predict(calibrated_proba(calibrator, logits)[:, 1])).astype(np.int64)
    return np.asarray(rule.predict(logits))


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


class Trainer:
    """Train ``model`` on ``(X, y)`` with a recipe, then predict with the recipe's decision rule.

    The recipe (see ``docs/recipes.md``) chooses one part per stage: a resampler applied to the
    training rows, a batch sampler, a loss with optional class weights and deferred re-weighting, a
    head (``ldam`` swaps in a :class:`~unskew.models.heads.CosineClassifier`, as Cao et al. 2019
    publish it) and a decision rule tuned on validation data. Everything the recipe does not fix
    falls back to the plain choice: shuffled mini-batches and cross-entropy.

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
        recipe: Any = "cross_entropy",
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

    # -- hooks: building the parts ----------------------------------------------------------------
    def build_loss(self, recipe: Recipe, counts: np.ndarray) -> nn.Module:
        """The recipe's loss with its class weights (``weights:SCHEME``)."""
        part = recipe.loss
        loss = make_loss(part.name, counts, **part.params)
        for mod in recipe.modifiers("objective"):
            if mod.name == "weights":
                w = class_weights(
                    counts,
                    mod.params.get("scheme", "inverse"),
                    beta=mod.params.get("beta", 0.999),
                    counts=True,
                    normalize=mod.params.get("normalize", "samples"),
                )
                if not hasattr(loss, "set_class_weight"):
                    raise InputError(
                        f"{part.name} takes no class weights; drop weights:... or use a loss "
                        "that does (cross_entropy, focal, ldam, ...)"
                    )
                loss.set_class_weight(w)
        return loss

    def build_schedules(self, recipe: Recipe, counts: np.ndarray) -> list[Any]:
        """Epoch schedules acting on the loss: ``drw`` switches weights on at 60% of the epochs
        unless ``start_epoch`` is given (the paper's 80% suits its step schedule; under per-step
        cosine decay only 1.3% of the summed learning rate is left after 80%)."""
        schedules: list[Any] = []
        for mod in recipe.modifiers("objective"):
            if mod.name == "drw":
                params = {"start_epoch": int(0.6 * self.epochs), **mod.params}
                schedules.append(DeferredReweighting(counts, **params))
        return schedules

    def build_sampler(self, recipe: Recipe, labels: np.ndarray, generator: torch.Generator) -> Any:
        """The recipe's batch sampler over the training rows (a plain shuffle by default)."""
        part = recipe.slot("batch")
        if part is None:
            return _Shuffle(len(labels), generator)
        if part.name == "distributed_balanced_sampler":
            raise InputError(
                "distributed_balanced_sampler is chosen by the DDP entry point "
                "(unskew.training.distributed); use balanced_sampler in a single-process recipe"
            )
        params = dict(part.params)
        if part.name == "progressive_sampler":
            params.setdefault("total_epochs", self.epochs)
        if part.name in ("balanced_sampler", "progressive_sampler", "balanced_batch_sampler"):
            params["generator"] = generator
        if part.name == "undersampling_sampler":
            params.setdefault("seed", self.random_state)
        if part.name == "balanced_batch_sampler":  # P x K defaults from the batch size
            n_classes = len(np.unique(labels))
            params.setdefault("classes_per_batch", n_classes)
            params.setdefault("samples_per_class", max(1, self.batch_size // n_classes))
        return get_registry().get(part.name).load()(labels, **params)

    def build_head(self, recipe: Recipe, model: nn.Module, n_classes: int) -> None:
        """Swap ``model.head`` for the recipe's head: ``cosine`` (given, or implied by ``ldam``,
        whose scale s lives in the loss, so the head's scale is 1)."""
        head = recipe.slot("model")
        wants_cosine = "cosine_head" in (recipe.loss.strategy.tags or ())
        if head is None and not wants_cosine:
            return
        name = head.name if head is not None else recipe.loss.name
        if not hasattr(model, "head") or not hasattr(model, "feature_dim"):
            raise InputError(
                f"{name} needs a model with `head` and `feature_dim` (the built-in backbones have "
                "them) so its head can be replaced"
            )
        if head is not None and head.name != "cosine":
            if not hasattr(model, "features"):
                raise InputError(
                    f"{head.name} re-builds the classifier on frozen features: the model needs a "
                    "`features(x)` method (the built-in backbones have it)"
                )
            if wants_cosine and head.name in ("tau_norm", "lws"):
                raise InputError(
                    f"{head.name} re-scales a linear classifier, but the model's head is "
                    f"CosineClassifier ({recipe.loss.name} trains with one); use crt or ncm "
                    f"with {recipe.loss.name}"
                )
            if not wants_cosine:
                return  # decoupled heads are built after joint training, by retrain_head
        if isinstance(model.head, CosineClassifier):
            return
        scale = 1.0 if wants_cosine else float(head.params.get("scale", 16.0))
        model.head = CosineClassifier(model.feature_dim, n_classes, scale=scale)

    def retrain_head(self, X: Any, y: np.ndarray, val: Any) -> None:
        """Decoupled classifier learning after joint training (``crt``, ``tau_norm``, ``lws``,
        ``ncm``; Kang et al. 2020): frozen features of the training rows (computed once, in eval
        mode) go to the recipe's model-stage strategy, which sets ``model.head``."""
        part = self.recipe_.slot("model")
        if part is None or "decoupled" not in (part.strategy.tags or ()):
            return
        model = self._network
        strategy = get_registry().get(part.name).build(**part.params)
        feats = self.features(model, X)
        labels = torch.from_numpy(np.asarray(y)).to(feats.device)
        val_feats = None if val is None else (self.features(model, val[0]), val[1])
        strategy.apply(self, model, feats, labels, val_feats)
        self.head_strategy_ = strategy
        model.eval()

    @torch.no_grad()
    def features(self, model: nn.Module, X: Any) -> torch.Tensor:
        """``model.features`` of ``X`` in eval mode, as one float32 tensor on the device."""
        was_training = model.training
        model.eval()
        if _is_dataset(X):
            loader = DataLoader(X, batch_size=max(1, self.batch_size * 4), shuffle=False)
            batches = (b[0] if isinstance(b, list | tuple) else b for b in loader)
        else:
            batches = _as_tensor(X).split(max(1, self.batch_size * 4))
        chunks = []
        for xb in batches:
            with self._autocast():
                chunks.append(model.features(xb.to(self.device_)).float())
        model.train(was_training)
        return torch.cat(chunks)

    def _finetune(self) -> Any:
        recipe = getattr(self, "recipe_", None)
        parts = (
            [] if recipe is None else [m for m in recipe.modifiers("model") if m.name == "finetune"]
        )
        if not parts:
            return None
        return get_registry().get("finetune").build(**parts[-1].params)

    def parameter_groups(self, model: nn.Module, lr: float) -> Any:
        """The optimiser's parameters: one group, or with ``finetune`` the body at
        ``backbone_lr_scale`` times the head's rate (discriminative fine-tuning)."""
        finetune = self._finetune()
        if finetune is None or not hasattr(model, "head"):
            return model.parameters()
        from unskew.models.transfer import discriminative_param_groups

        return discriminative_param_groups(model, lr, finetune.backbone_lr_scale)

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

    # -- hooks: the loop ----------------------------------------------------------------------------
    def on_epoch_start(self, epoch: int) -> None:
        """Apply epoch schedules (DRW) and tell epoch-aware samplers the epoch."""
        self._epoch = epoch
        for schedule in self.schedules_:
            schedule.step(self.loss_, epoch)
        finetune = self._finetune()
        if finetune is not None and hasattr(self._network, "head"):
            from unskew.models.transfer import freeze, unfreeze

            if finetune.frozen_at(epoch):
                freeze(self._network)
            else:
                unfreeze(self._network)
        if hasattr(self.sampler_, "set_epoch"):
            self.sampler_.set_epoch(epoch)
        for cb in self.callbacks:
            cb.on_epoch_start(self, epoch)

    def compute_loss(
        self, logits: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None
    ) -> torch.Tensor:
        """The recipe's loss, in float32; per-row ``sample_weight`` gives a weighted mean."""
        if weight is None:
            return self.loss_(logits.float(), y)
        per_row = self.loss_(logits.float(), y)
        return (per_row * weight).sum() / weight.sum().clamp_min(1e-12)

    def train_step(
        self, xb: torch.Tensor, yb: torch.Tensor, wb: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One optimiser step on a batch; returns the batch loss (0-d tensor, not synchronised)."""
        model, optimizer, net = self.model_, self.optimizer_, self._network
        optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            extra = getattr(self, "_extra", None)
            if self.augment_ is not None:
                xb = self.augment_(xb, yb, generator=self._generator)
            if self.mixer_ is not None:
                mixer = self.mixer_
                counts = self.class_counts_
                if mixer.space == "feature":
                    feats, y_a, y_b, lam = mixer(
                        net.features(xb), yb, class_counts=counts, generator=self._generator
                    )
                    logits = net.head(feats)
                else:
                    mixed, y_a, y_b, lam = mixer(
                        xb, yb, class_counts=counts, generator=self._generator
                    )
                    logits = model(mixed)
                value = self._mixed_loss(logits, y_a, y_b, lam)
            elif extra is not None and getattr(net, "bilateral", False):
                from unskew.models.branches import cumulative_alpha

                alpha = cumulative_alpha(self._epoch, self.epochs)
                logits = net.forward_pair(xb, extra[0], alpha)
                value = alpha * self.compute_loss(logits, yb, wb) + (
                    1.0 - alpha
                ) * self.compute_loss(logits, extra[1], None)
            elif self.batch_augment_ is not None:
                feats, yb = self.batch_augment_(model.features(xb), yb)
                logits = model.head(feats)
                value = self.compute_loss(logits, yb, wb)
            else:
                logits = model(xb)
                value = self.compute_loss(logits, yb, wb)
            if self._auxiliary is not None:
                value = value + self._auxiliary(yb, self.loss_)
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

    def _mixed_loss(
        self, logits: torch.Tensor, y_a: torch.Tensor, y_b: torch.Tensor, lam: torch.Tensor
    ) -> torch.Tensor:
        """mean of lam * l(y_a) + (1 - lam) * l(y_b) with the recipe's loss per row."""
        loss = self.loss_
        reduction = loss.reduction
        loss.reduction = "none"
        try:
            la, lb = loss(logits.float(), y_a), loss(logits.float(), y_b)
        finally:
            loss.reduction = reduction
        lam = lam.to(la.dtype).reshape(-1)
        return (lam * la + (1.0 - lam) * lb).mean()

    @torch.no_grad()
    def validation_scores(self, model: nn.Module, X: Any) -> np.ndarray:
        """Logits (N, C) as float32 NumPy, computed in eval mode in large batches."""
        was_training = model.training
        model.eval()
        device = getattr(self, "device_", None) or select_device(self.device)
        chunks = []
        if _is_dataset(X):
            loader = DataLoader(X, batch_size=max(1, self.batch_size * 4), shuffle=False)
            batches = (b[0] if isinstance(b, list | tuple) else b for b in loader)
        else:
            batches = _as_tensor(X).split(max(1, self.batch_size * 4))
        for xb in batches:
            with self._autocast(device):
                chunks.append(model(xb.to(device)).float().cpu())
        model.train(was_training)
        return torch.cat(chunks).numpy() if chunks else np.zeros((0, 0), np.float32)

    def tune_decision(self, logits: np.ndarray | None, y: np.ndarray | None) -> Any:
        """Fit the recipe's decision rule on validation ``logits`` (None when there are none).

        Returns the fitted rule, or None for plain argmax. ``logit_adjust`` with a given tau
        needs only the training counts; rules that need held-out scores keep their default.
        """
        recipe, counts = self.recipe_, self.class_counts_
        part = recipe.slot("decision")
        if part is None:
            return None
        rule = get_registry().get(part.name).build(**part.params)
        if part.name == "logit_adjust":
            if logits is None and rule.tau is None:
                rule.tau = 1.0
            return rule.fit(
                np.zeros((0, len(counts))) if logits is None else logits,
                np.zeros(0, int) if y is None else y,
                class_counts=counts,
            )
        if logits is None:
            return None
        if part.name == "threshold":
            if logits.shape[1] != 2:
                raise InputError(
                    "threshold:OBJECTIVE is for two classes; use logit_adjust or bias_tuning for "
                    f"{logits.shape[1]} classes"
                )
            if len(np.unique(y)) < 2:
                return None
            return rule.fit(y, self._probabilities(logits)[:, 1])
        return rule.fit(logits, y)

    # -- fitting -----------------------------------------------------------------------------------
    def fit(
        self, X: Any, y: Any = None, *, sample_weight: Any = None, resume: bool = False
    ) -> Trainer:
        """Train on ``X`` (array or tensor of any trailing shape, integer token ids, or a torch
        ``Dataset`` yielding ``(x, y)``) and integer class codes ``y`` (0..C-1).

        ``sample_weight`` (one non-negative weight per row) turns the loss into a weighted mean.
        ``resume=True`` continues from ``checkpoint`` when that file exists (and starts afresh when
        it does not, so the same call serves a first run and a restart).
        """
        recipe = parse_recipe(self.recipe, modality=self.modality)
        self.recipe_ = recipe
        self.device_ = select_device(self.device)
        self._check_precision()
        dataset_input = _is_dataset(X)
        if dataset_input:
            from unskew.data import get_labels

            X_all: Any = X
            y_np = np.asarray(get_labels(X, progress=False) if y is None else y)
        else:
            if y is None:
                raise InputError("fit needs labels y (or a Dataset that yields (x, y) pairs)")
            X_all = _as_tensor(X)
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
        y_np = self._check_labels(y_np)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            if len(weights) != len(y_np) or (weights < 0).any() or not np.isfinite(weights).all():
                raise InputError(
                    f"sample_weight needs one finite, non-negative weight per row ({len(y_np)} rows)"
                )
            if weights.sum() <= 0:
                raise InputError("sample_weight is zero for every row; give some rows weight")
        model = self.model
        n_classes = self._check_model(model, X_all, y_np)
        train_idx, val = self._split(y_np, X_all, n_classes)
        self.n_classes_ = n_classes
        self._n_rows = len(y_np)

        torch.manual_seed(self.random_state)
        generator = torch.Generator().manual_seed(self.random_state)
        X_tr, y_tr, w_tr = self._training_rows(recipe, X_all, y_np, train_idx, weights)
        self.class_counts_ = np.bincount(y_tr, minlength=n_classes)
        if self.pretrained is not None:
            from unskew.models.transfer import load_pretrained

            self.pretrained_report_ = load_pretrained(model, self.pretrained)
        from unskew.training.parts import apply_model_parts

        example = None if _is_dataset(X_tr) else X_tr[:2]
        model = apply_model_parts(model, recipe, n_classes, self.class_counts_, example)
        self.build_head(recipe, model, n_classes)
        model.to(self.device_)
        self._network = model
        loss = self.build_loss(recipe, self.class_counts_).to(self.device_)
        if hasattr(loss, "validate_args"):
            loss.validate_args = False  # labels were checked once above
        if w_tr is not None:
            if not hasattr(loss, "reduction"):
                raise InputError(f"{recipe.loss.name} cannot weight rows; drop sample_weight")
            loss.reduction = "none"
        self.loss_ = loss
        self.schedules_ = self.build_schedules(recipe, self.class_counts_)
        self.sampler_ = self.build_sampler(recipe, y_tr, generator)
        self.reversed_sampler_ = None
        if getattr(model, "bilateral", False):
            if _is_dataset(X_tr):
                raise InputError("bbn needs in-memory tensors (arrays), not a Dataset")
            from unskew.sampling import ClassBalancedSampler

            self.reversed_sampler_ = ClassBalancedSampler(y_tr, power=-1.0, generator=generator)
        self.batch_augment_ = None
        self.augment_ = None
        self.mixer_ = None
        for mod in recipe.modifiers("batch"):
            if mod.name == "augment":
                self.augment_ = (
                    get_registry()
                    .get(mod.name)
                    .build(class_counts=self.class_counts_, **mod.params)
                )
            if mod.name in ("mixup", "remix"):
                if w_tr is not None:
                    raise InputError(f"{mod.name} mixes rows; it cannot take sample_weight")
                if self.mixer_ is not None:
                    raise InputError("mixup and remix both mix batches; keep one")
                self.mixer_ = get_registry().get(mod.name).build(**mod.params)
            if mod.name == "smote_batch":
                if w_tr is not None:
                    raise InputError("smote_batch makes rows without weights; drop sample_weight")
                self.batch_augment_ = get_registry().get(mod.name).build(**mod.params)
        self.optimizer_ = self.build_optimizer(model)
        self.model_ = self.wrap_model(model)
        # looked up once per fit, not on every step (aux heads, class-group experts)
        self._auxiliary = getattr(model, "auxiliary_loss", None)
        steps = self._steps_per_epoch()
        self.lr_scheduler_ = self.build_lr_schedule(self.optimizer_, steps * self.epochs)
        self.scaler_ = (
            torch.amp.GradScaler("cuda")
            if self.precision == "16" and self.device_.type == "cuda"
            else None
        )
        self._generator = generator
        self._extra = None
        self.stop_training = False
        self.history_: list[dict[str, float]] = []
        self._best, self._best_state, self._stale, start = -np.inf, None, 0, 0
        self._best_loss, self.best_epoch_ = np.inf, None
        metric = get_metric(self.metric)
        if self.tie_break not in ("balanced_log_loss", None):
            raise InputError(
                f"tie_break must be 'balanced_log_loss' or None, got {self.tie_break!r}"
            )
        if resume and self.checkpoint is not None and Path(self.checkpoint).exists():
            start = self._load_checkpoint()
        for cb in self.callbacks:
            cb.on_fit_start(self)
        y_tr_t = torch.from_numpy(y_tr)
        w_tr_t = None if w_tr is None else torch.from_numpy(w_tr)
        last_good = self._snapshot()
        model.train()
        with self._progress() as progress:
            task = progress.add_task("training", total=self.epochs, completed=start)
            for epoch in range(start, self.epochs):
                if self.stop_training:
                    break
                self.on_epoch_start(epoch)
                total = torch.zeros((), device=self.device_)
                n_steps = 0
                for xb, yb, wb in self._batches(X_tr, y_tr_t, w_tr_t):
                    value = self.train_step(xb, yb, wb)
                    total += value
                    n_steps += 1
                    for cb in self.callbacks:
                        cb.on_batch_end(self, n_steps, value)
                mean_loss = self.reduce_epoch_loss(total, n_steps)
                self.synchronize()
                if not math.isfinite(mean_loss):
                    self._diverged(epoch, last_good)
                record = {
                    "epoch": epoch,
                    "loss": mean_loss,
                    "lr": float(self.optimizer_.param_groups[0]["lr"]),
                }
                if val is not None:
                    logits = self.validation_scores(model, val[0])
                    proba = _softmax(logits)
                    score = float(metric(val[1], logits.argmax(1), proba))
                    record["validation"] = score
                    if self.tie_break is not None:
                        finite = np.isfinite(proba).all()
                        loss = balanced_log_loss(val[1], proba) if finite else np.inf
                        record["validation_loss"] = float(loss)
                    if self._improves(record, epoch):
                        self._best_state, self._stale = self._snapshot(), 0
                    else:
                        self._stale += 1
                    if self._stale >= self.patience:
                        self.stop_training = True
                self.history_.append(record)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch, record)
                last_good = self._snapshot() if val is None else last_good
                if self.checkpoint is not None and self.is_main_process():
                    self._save_checkpoint(epoch)
                progress.update(task, advance=1, description=self._describe(record))
        self.model_ = model
        if self._best_state is not None:
            model.load_state_dict(self._best_state)
        from unskew.models.auxiliary import WithAuxiliaryHeads

        if isinstance(model, WithAuxiliaryHeads):  # auxiliary heads are dropped after training
            model = self._network = self.model_ = model.model
        self.retrain_head(X_tr, y_tr, val)
        self.best_score_ = None if val is None else float(abs(self._best))
        model.eval()
        logits = None if val is None else self.validation_scores(model, val[0])
        y_val = None if val is None else val[1]
        self.calibrator_ = self._fit_calibrator(logits, y_val)
        self.decision_ = self.tune_decision(logits, y_val)
        for cb in self.callbacks:
            cb.on_fit_end(self)
        return self

    # -- internals ---------------------------------------------------------------------------------
    def _check_precision(self) -> None:
        if self.precision not in ("32", "bf16", "16"):
            raise InputError(f"precision must be '32', 'bf16' or '16', got {self.precision!r}")
        if self.precision == "16" and self.device_.type != "cuda":
            raise InputError(
                "precision='16' (float16) needs a CUDA device; use precision='bf16' on "
                f"{self.device_.type}"
            )

    def _autocast(self, device: torch.device | None = None) -> Any:
        if self.precision == "32":
            return contextlib.nullcontext()
        device = device or self.device_
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(device_type=device.type, dtype=dtype)

    def _check_labels(self, y: np.ndarray) -> np.ndarray:
        if y.ndim != 1 or len(y) == 0:
            raise InputError(f"y must be one label per row (1-D, non-empty), got shape {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0):
                y = y.astype(np.int64)
            else:
                raise InputError(
                    "the Trainer takes class codes 0..C-1; encode labels first (sklearn's "
                    "LabelEncoder), or use ImbalancedClassifier, which accepts any labels"
                )
        return y.astype(np.int64)

    def _check_model(self, model: nn.Module, X: Any, y: np.ndarray) -> int:
        if _is_dataset(X):
            item = X[0]
            first = item[0] if isinstance(item, list | tuple) else item
            probe = torch.as_tensor(np.asarray(first) if not torch.is_tensor(first) else first)
            probe = probe.unsqueeze(0)
        else:
            probe = X[:2]
        was_training = model.training
        model.eval()
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        with torch.no_grad():
            out = model(probe.to(device))
        model.train(was_training)
        if out.dim() != 2:
            raise InputError(
                f"the model must return logits of shape (N, C); it returned shape "
                f"{tuple(out.shape)}"
            )
        width = int(out.shape[1])
        bad = y[(y < 0) | (y >= width)]
        if len(bad):
            raise InputError(
                f"label {int(bad[0])} is outside 0..{width - 1}, the classes of a model with "
                f"{width} outputs; give the model one output per class or encode labels as 0..C-1"
            )
        present = np.bincount(y, minlength=width)
        if (present == 0).any():
            absent = np.flatnonzero(present == 0).tolist()
            raise InputError(
                f"the model has {width} outputs but the labels hold {int((present > 0).sum())} "
                f"classes (no rows of class(es) {absent}); make the output width equal the "
                "number of classes"
            )
        return width

    def _split(self, y: np.ndarray, X: Any, n_classes: int) -> tuple[np.ndarray, Any]:
        """Training row indices and the validation pair (features, labels), or None."""
        rows = np.arange(len(y))
        v = self.validation
        self.validation_rows_ = None
        if v is None:
            return rows, None
        if isinstance(v, tuple | list):
            if len(v) != 2:
                raise InputError("validation must be a float, None or a pair (X_val, y_val)")
            X_val = v[0] if _is_dataset(v[0]) else _as_tensor(v[0])
            y_val = self._check_labels(np.asarray(v[1].cpu() if torch.is_tensor(v[1]) else v[1]))
            bad = y_val[(y_val < 0) | (y_val >= n_classes)]
            if len(bad):
                raise InputError(f"validation label {int(bad[0])} is outside 0..{n_classes - 1}")
            missing = sorted(set(range(n_classes)) - set(np.unique(y_val).tolist()))
            if missing:
                warnings.warn(
                    f"the validation set has no rows of class(es) {missing}: early stopping and "
                    "decision tuning use the classes present",
                    UserWarning,
                    stacklevel=3,
                )
            return rows, (X_val, y_val)
        if not 0.0 < float(v) < 1.0:
            raise InputError(f"validation must be a share in (0, 1), a pair or None, got {v!r}")
        counts = np.bincount(y, minlength=n_classes)
        if (counts < 2).any() or round(len(y) * float(v)) < n_classes:
            warnings.warn(
                f"class(es) {np.flatnonzero(counts < 2).tolist() or 'all'} are too small for a "
                "validation split: training for the full budget without early stopping; decision "
                "rules that need held-out scores keep their untuned defaults",
                UserWarning,
                stacklevel=3,
            )
            return rows, None
        from sklearn.model_selection import train_test_split

        train, val = train_test_split(
            rows, test_size=float(v), stratify=y, random_state=self.random_state
        )
        train, val = np.sort(train), np.sort(val)
        self.validation_rows_ = val
        X_val = Subset(X, val.tolist()) if _is_dataset(X) else X[torch.from_numpy(val)]
        return train, (X_val, y[val])

    def _training_rows(
        self, recipe: Recipe, X: Any, y: np.ndarray, rows: np.ndarray, weights: Any
    ) -> Any:
        """The training rows after the recipe's resampler and its data-stage augmentation."""
        X_tr, y_tr, w = self._resampled_rows(recipe, X, y, rows, weights)
        for part in recipe.modifiers("data"):
            if w is not None:
                raise InputError(f"{part.name} makes rows without weights; drop sample_weight")
            if _is_dataset(X_tr):
                raise InputError(f"{part.name} augments arrays; it cannot act on a Dataset")
            if part.name == "eda_oversampling":
                raise InputError(
                    "eda_oversampling augments raw texts; use ImbalancedClassifier(model='text'), "
                    "which applies it before the texts become token ids"
                )
            strategy = get_registry().get(part.name)
            params = dict(part.params)
            if "random_state" in strategy.params:
                params.setdefault("random_state", self.random_state)
            sampler = strategy.build(**params)
            source = X_tr.numpy()
            if not getattr(sampler, "accepts_nd", False):
                source = source.reshape(len(source), -1)
            X_res, y_res = sampler.fit_resample(source, y_tr)
            X_tr = torch.as_tensor(np.asarray(X_res)).to(X_tr.dtype).reshape(-1, *X_tr.shape[1:])
            y_tr = np.asarray(y_res).astype(np.int64)
        return X_tr, y_tr, w

    def _resampled_rows(
        self,
        recipe: Recipe,
        X: Any,
        y: np.ndarray,
        rows: np.ndarray,
        weights: np.ndarray | None,
    ) -> tuple[Any, np.ndarray, np.ndarray | None]:
        """The training rows, after the recipe's data-stage resampler."""
        w = None if weights is None else weights[rows]
        if _is_dataset(X):
            X_tr = Subset(X, rows.tolist()) if len(rows) != len(X) else X
            if recipe.slot("data") is not None:
                raise InputError(
                    f"{recipe.slot('data').name} resamples feature arrays; with a Dataset use a "
                    "batch sampler (balanced_sampler) instead"
                )
            return X_tr, y[rows], w
        X_tr = X[torch.from_numpy(rows)] if len(rows) != len(X) else X
        y_tr = y[rows]
        part = recipe.slot("data")
        if part is None:
            return X_tr, y_tr, w
        if w is not None:
            raise InputError(f"{part.name} makes rows without weights; drop sample_weight")
        strategy = get_registry().get(part.name)
        if part.name == "smote_nc":
            raise InputError(
                "smote_nc interpolates raw categorical columns, but the Trainer gets encoded "
                "features; use smote (on the one-hot encoding) or SMOTENC before encoding"
            )
        params = dict(part.params)
        if "random_state" in strategy.params:
            params.setdefault("random_state", self.random_state)
        counts = np.bincount(y_tr)
        smallest = int(counts[counts > 0].min())
        key = next((k for k in ("k_neighbors", "n_neighbors") if k in strategy.params), None)
        interpolates = key is not None and part.name in (
            "smote",
            "borderline_smote",
            "adasyn",
        )
        if interpolates or part.name in ("smote_tomek", "smote_enn"):
            if smallest < 2:
                raise InputError(
                    f"{part.name} needs at least 2 rows of every class to interpolate; a class "
                    "has 1 training row. Use random_oversampling, or gather more rows"
                )
            k = int(params.get(key, strategy.params[key])) if interpolates else 5
            if k > smallest - 1:
                warnings.warn(
                    f"{part.name}: the smallest class has {smallest} training rows, so "
                    f"the neighbours drop from {k} to {smallest - 1}",
                    UserWarning,
                    stacklevel=3,
                )
                if interpolates:
                    params[key] = smallest - 1
        resampler = strategy.build(**params)
        if part.name in ("smote_tomek", "smote_enn") and smallest - 1 < 5:
            from imblearn.over_sampling import SMOTE

            resampler.set_params(
                smote=SMOTE(k_neighbors=smallest - 1, random_state=self.random_state)
            )
        flat = X_tr.reshape(len(X_tr), -1).numpy()
        X_res, y_res = resampler.fit_resample(flat, y_tr)
        X_res = torch.as_tensor(np.asarray(X_res)).to(X_tr.dtype).reshape(-1, *X_tr.shape[1:])
        return X_res, np.asarray(y_res).astype(np.int64), None

    def _steps_per_epoch(self) -> int:
        if hasattr(self.sampler_, "num_batches") or not hasattr(self.sampler_, "__len__"):
            return len(self.sampler_)
        n = len(self.sampler_)
        steps = math.ceil(n / self.batch_size)
        return steps - 1 if steps > 1 and n % self.batch_size == 1 else steps

    def _batches(self, X: Any, y: torch.Tensor, w: torch.Tensor | None):
        """Batches of (x, y, weight) on the device; tensors are gathered directly (no collation)."""
        device, sampler = self.device_, self.sampler_
        if _is_dataset(X):
            batch_kwargs = (
                {"batch_sampler": sampler}
                if hasattr(sampler, "num_batches")
                else {"sampler": sampler, "batch_size": self.batch_size, "drop_last": False}
            )
            loader = DataLoader(_Indexed(X), num_workers=self.num_workers, **batch_kwargs)
            for xb, idx in loader:
                if len(idx) < 2 and self.model_.training:
                    continue
                yield (
                    xb.to(device, non_blocking=True),
                    y[idx].to(device),
                    None if w is None else w[idx].to(device),
                )
            return
        if hasattr(sampler, "num_batches"):  # a batch sampler
            batches = [torch.as_tensor(b) for b in sampler]
        else:
            idx = sampler.indices() if hasattr(sampler, "indices") else torch.tensor(list(sampler))
            batches = list(idx.split(self.batch_size))
            if len(batches) > 1 and len(batches[-1]) == 1:
                batches.pop()  # a batch of one row breaks batch norm
        reversed_batches = None
        if self.reversed_sampler_ is not None:  # bbn: as many reversed-sampling rows per batch
            sizes = [len(b) for b in batches]
            order = self.reversed_sampler_.indices()
            while len(order) < sum(sizes):
                order = torch.cat([order, self.reversed_sampler_.indices()])
            reversed_batches = iter(order[: sum(sizes)].split(sizes))
        for b in batches:
            extra = None
            if reversed_batches is not None:
                r = next(reversed_batches)
                extra = (X[r].to(device, non_blocking=True), y[r].to(device, non_blocking=True))
            self._extra = extra
            yield (
                X[b].to(device, non_blocking=True),
                y[b].to(device, non_blocking=True),
                None if w is None else w[b].to(device),
            )

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self._network.state_dict().items()}

    def _diverged(self, epoch: int, last_good: dict[str, torch.Tensor]) -> None:
        self._network.load_state_dict(self._best_state or last_good)
        self._network.eval()
        self.model_ = self._network
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

    def _fit_calibrator(self, logits: np.ndarray | None, y: np.ndarray | None) -> Any:
        parts = [p for p in self.recipe_.modifiers("decision") if p.name == "calibrate"]
        if not parts:
            return None
        if logits is None:
            warnings.warn(
                "calibrate needs held-out scores and there is no validation split: "
                "probabilities stay uncalibrated",
                UserWarning,
                stacklevel=3,
            )
            return None
        calibrator = get_registry().get("calibrate").build(**parts[-1].params)
        if hasattr(calibrator, "transform"):  # temperature scaling on logits
            return calibrator.fit(logits, y)
        if logits.shape[1] != 2:
            raise InputError(
                "platt and isotonic calibration are for two classes; use calibrate:temperature"
            )
        return calibrator.fit(_softmax(logits)[:, 1], y)

    def _probabilities(self, logits: np.ndarray) -> np.ndarray:
        return calibrated_proba(getattr(self, "calibrator_", None), logits)

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

    # -- checkpoints -------------------------------------------------------------------------------
    def _fingerprint(self, n_rows: int, n_classes: int) -> dict[str, Any]:
        return {
            "rows": int(n_rows),
            "classes": int(n_classes),
            "recipe": self.recipe_.to_spec(),
            "epochs": int(self.epochs),
            "random_state": int(self.random_state),
        }

    def _save_checkpoint(self, epoch: int) -> None:
        state = {
            "version": _CHECKPOINT_VERSION,
            "fingerprint": self._fingerprint_cache,
            "epoch": epoch,
            "stopped": bool(self.stop_training),
            "model": self._network.state_dict(),
            "optimizer": self.optimizer_.state_dict(),
            "lr_scheduler": None if self.lr_scheduler_ is None else self.lr_scheduler_.state_dict(),
            "scaler": None if self.scaler_ is None else self.scaler_.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "generator": self._generator.get_state(),
            "best_state": self._best_state,
            "stale": int(self._stale),
            "history": [dict(r) for r in self.history_],
            "callbacks": [cb.state_dict() for cb in self.callbacks],
        }
        path = Path(self.checkpoint)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)

    def _improves(self, record: dict[str, float], epoch: int) -> bool:
        """Whether ``record`` (an epoch's validation score and loss) beats the best so far, and
        if so, make it the best. Ties on the metric (balanced accuracy takes a handful of values
        when the split holds a few minority rows) go to the lower balanced log-loss."""
        sign = 1.0 if get_metric(self.metric).greater_is_better else -1.0
        score = sign * record["validation"]
        loss = record.get("validation_loss", np.inf)
        tied_lower = (
            self.tie_break is not None
            and score >= self._best - 1e-12
            and loss < self._best_loss - 1e-12
        )
        if score > self._best + 1e-12 or tied_lower:
            self._best, self._best_loss = max(score, self._best), loss
            self.best_epoch_ = epoch
            return True
        return False

    def _load_checkpoint(self) -> int:
        path = Path(self.checkpoint)
        try:
            state = torch.load(path, map_location=self.device_, weights_only=True)
        except Exception as err:
            raise InputError(
                f"cannot read the checkpoint {path} ({type(err).__name__}); delete it to start "
                "afresh"
            ) from err
        expected = self._fingerprint_cache
        if state.get("version") != _CHECKPOINT_VERSION or state.get("fingerprint") != expected:
            raise InputError(
                f"the checkpoint {path} belongs to another run ({state.get('fingerprint')}, this "
                f"one is {expected}); delete it or point checkpoint= elsewhere"
            )
        self._network.load_state_dict(state["model"])
        self.optimizer_.load_state_dict(state["optimizer"])
        if self.lr_scheduler_ is not None and state["lr_scheduler"] is not None:
            self.lr_scheduler_.load_state_dict(state["lr_scheduler"])
        if self.scaler_ is not None and state["scaler"] is not None:
            self.scaler_.load_state_dict(state["scaler"])
        torch.set_rng_state(state["torch_rng"].cpu())
        self._generator.set_state(state["generator"].cpu())
        self._best_state, self._stale = state["best_state"], state["stale"]
        self.history_ = [dict(r) for r in state["history"]]
        # the best score, its loss and its epoch follow from the history (for checkpoints written
        # before the tie-break too: their records have no loss, so the first tied epoch is best)
        for record in self.history_:
            if "validation" in record:
                self._improves(record, int(record["epoch"]))
        for cb, cb_state in zip(self.callbacks, state["callbacks"], strict=False):
            cb.load_state_dict(cb_state)
        self.stop_training = bool(state["stopped"])
        return int(state["epoch"]) + 1

    @property
    def _fingerprint_cache(self) -> dict[str, Any]:
        return self._fingerprint(self._n_rows, self.n_classes_)

    # -- prediction --------------------------------------------------------------------------------
    def predict_logits(self, X: Any) -> np.ndarray:
        """Raw logits (N, C) of the trained model."""
        self._check_fitted()
        return self.validation_scores(self.model_, X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (N, C): the softmax, calibrated when the recipe asks."""
        return self._probabilities(self.predict_logits(X))

    def predict(self, X: Any) -> np.ndarray:
        """Class codes under the recipe's decision rule (argmax when it has none)."""
        return self.decide(self.predict_logits(X))

    def decide(self, logits: np.ndarray) -> np.ndarray:
        """Apply the fitted decision rule to logits."""
        return apply_decision(self.decision_, self.calibrator_, logits)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError("this Trainer is not fitted yet; call fit(X, y) first")


class _Indexed(Dataset):
    """Wraps a dataset so each item is ``(x, index)``: labels come from the label array."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        item = self.dataset[i]
        return (item[0] if isinstance(item, list | tuple) else item), i


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None
