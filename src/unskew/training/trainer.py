"""The Trainer: composes a recipe's parts around any ``nn.Module`` classifier.

The loop is split into small hooks a subclass can override (``build_loss``, ``build_sampler``,
``build_optimizer``, ``on_epoch_start``, ``train_step``, ``validation_scores``, ``tune_decision``),
in the spirit of skorch and Lightning.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from unskew.exceptions import InputError
from unskew.losses import DeferredReweighting, make_loss
from unskew.metrics import get_metric
from unskew.models.heads import CosineClassifier
from unskew.recipes import Recipe, parse_recipe
from unskew.registry import get_registry
from unskew.weights import class_weights

__all__ = ["Trainer"]


def _device(device: str) -> torch.device:
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class Trainer:
    """Train ``model`` on ``(X, y)`` with a recipe, then predict with the recipe's decision rule.

    Parameters
    ----------
    model : nn.Module
        Maps a batch of ``X`` to logits (N, C). For ``ldam`` recipes its ``head`` attribute is
        replaced by a :class:`~unskew.models.heads.CosineClassifier` (it needs ``feature_dim``).
    recipe : str, dict or Recipe, default="cross_entropy"
    epochs, batch_size, lr, weight_decay : training budget and AdamW settings.
    validation : float or None, default=0.2
        Stratified share of the rows held out for early stopping and decision tuning; None trains on
        every row for the full budget. When a class is too small to appear on both sides, training
        runs without a validation split and says so once.
    metric : str, default="balanced_accuracy"
        A name of :func:`unskew.metrics.get_metric` (never plain accuracy).
    patience : int, default=10
        Epochs without improvement before stopping; the best weights are restored.
    random_state : int, default=0
    device : str, default="auto"

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
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation: float | None = 0.2,
        metric: str = "balanced_accuracy",
        patience: int = 10,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        self.model = model
        self.recipe = recipe
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation = validation
        self.metric = metric
        self.patience = patience
        self.random_state = random_state
        self.device = device

    # -- hooks ------------------------------------------------------------------------------
    def build_loss(self, recipe: Recipe, counts: np.ndarray) -> nn.Module:
        part = recipe.loss
        loss = make_loss(part.name, counts, **part.params)
        for mod in recipe.modifiers("objective"):
            if mod.name == "weights":
                scheme = mod.params.get("scheme", "inverse")
                w = class_weights(
                    counts,
                    scheme,
                    beta=mod.params.get("beta", 0.999),
                    counts=True,
                    normalize=mod.params.get("normalize", "samples"),
                )
                loss.set_class_weight(w)
        return loss

    def build_schedules(self, recipe: Recipe, counts: np.ndarray) -> list[Any]:
        schedules: list[Any] = []
        for mod in recipe.modifiers("objective"):
            if mod.name == "drw":
                params = {"start_epoch": int(0.8 * self.epochs), **mod.params}
                schedules.append(DeferredReweighting(counts, **params))
        return schedules

    def build_sampler(self, recipe: Recipe, labels: np.ndarray, generator: torch.Generator) -> Any:
        part = recipe.slot("batch")
        if part is None:
            return RandomSampler(range(len(labels)), generator=generator)
        strategy = get_registry().get(part.name)
        params = {**part.params}
        if part.name == "progressive_sampler":
            params.setdefault("total_epochs", self.epochs)
        if part.name == "distributed_balanced_sampler":
            raise InputError(
                "distributed_balanced_sampler is chosen by the DDP entry point; use "
                "balanced_sampler in a single-process recipe"
            )
        factory = strategy.load()
        if part.name in ("balanced_sampler", "progressive_sampler"):
            params["generator"] = generator
        return factory(labels, **params)

    def build_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        return torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)

    def on_epoch_start(
        self, epoch: int, loss: nn.Module, sampler: Any, schedules: list[Any]
    ) -> None:
        for schedule in schedules:
            schedule.step(loss, epoch)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    def train_step(
        self,
        model: nn.Module,
        loss: nn.Module,
        optimizer: torch.optim.Optimizer,
        xb: torch.Tensor,
        yb: torch.Tensor,
    ) -> float:
        optimizer.zero_grad()
        value = loss(model(xb), yb)
        value.backward()
        optimizer.step()
        return float(value.detach())

    @torch.no_grad()
    def validation_scores(self, model: nn.Module, X: torch.Tensor) -> np.ndarray:
        model.eval()
        out = torch.cat(
            [
                model(xb.to(self.device_)).float().cpu()
                for xb in X.split(max(1, self.batch_size * 4))
            ]
        )
        model.train()
        return out.numpy()

    def tune_decision(
        self, recipe: Recipe, logits: np.ndarray, y: np.ndarray, counts: np.ndarray
    ) -> Any:
        part = recipe.slot("decision")
        if part is None:
            return None
        rule = get_registry().get(part.name).build(**part.params)
        if part.name == "threshold":
            if logits.shape[1] != 2:
                raise InputError(
                    "threshold:OBJECTIVE is for two classes; use logit_adjust or "
                    "bias_tuning for more"
                )
            return rule.fit(y, _softmax(logits)[:, 1])
        if part.name == "logit_adjust":
            return rule.fit(logits, y, class_counts=counts)
        return rule.fit(logits, y)

    # -- the loop -----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> Trainer:
        """Train on features ``X`` (tensor or array, any trailing shape) and codes ``y``."""
        torch.manual_seed(self.random_state)
        generator = torch.Generator().manual_seed(self.random_state)
        self.device_ = _device(self.device)
        recipe = parse_recipe(self.recipe)
        self.recipe_ = recipe
        X_t = torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X, dtype=torch.float32)
        y_np = np.asarray(y).astype(np.int64)
        n_classes = int(y_np.max()) + 1
        train_idx, val_idx = self._split(y_np)
        counts = np.bincount(y_np[train_idx], minlength=n_classes)
        if (counts == 0).any():
            raise InputError(
                f"class(es) {np.flatnonzero(counts == 0).tolist()} have no training row"
            )
        X_tr, y_tr = X_t[train_idx], y_np[train_idx]
        resampler = recipe.slot("data")
        if resampler is not None:
            sampler_obj = (
                get_registry()
                .get(resampler.name)
                .build(**{"random_state": self.random_state, **resampler.params})
            )
            X_res, y_res = sampler_obj.fit_resample(X_tr.reshape(len(X_tr), -1).numpy(), y_tr)
            X_tr = torch.as_tensor(np.asarray(X_res), dtype=torch.float32).reshape(
                -1, *X_t.shape[1:]
            )
            y_tr = np.asarray(y_res).astype(np.int64)
        model = self.model
        if recipe.loss.strategy.tags and "cosine_head" in recipe.loss.strategy.tags:
            if not hasattr(model, "head") or not hasattr(model, "feature_dim"):
                raise InputError(
                    "ldam needs a model with `head` and `feature_dim` (the built-in "
                    "backbones have them) so its head can become a cosine classifier"
                )
            model.head = CosineClassifier(model.feature_dim, n_classes)
        model.to(self.device_)
        loss = self.build_loss(recipe, counts).to(self.device_)
        schedules = self.build_schedules(recipe, counts)
        sampler = self.build_sampler(recipe, y_tr, generator)
        optimizer = self.build_optimizer(model)
        dataset = TensorDataset(X_tr, torch.from_numpy(y_tr))
        kwargs = (
            {"batch_sampler": sampler}
            if recipe.slot("batch") and recipe.slot("batch").name == "balanced_batch_sampler"
            else {"sampler": sampler, "batch_size": self.batch_size}
        )
        loader = DataLoader(dataset, **kwargs)
        metric = get_metric(self.metric)
        best, best_state, stale = -np.inf, None, 0
        self.history_: list[dict[str, float]] = []
        model.train()
        for epoch in range(self.epochs):
            self.on_epoch_start(epoch, loss, sampler, schedules)
            losses = [
                self.train_step(model, loss, optimizer, xb.to(self.device_), yb.to(self.device_))
                for xb, yb in loader
            ]
            record = {"epoch": epoch, "loss": float(np.mean(losses))}
            if val_idx is not None:
                logits = self.validation_scores(model, X_t[val_idx])
                score = metric(y_np[val_idx], logits.argmax(1), _softmax(logits))
                score = score if metric.greater_is_better else -score
                record["validation"] = float(score)
                if score > best + 1e-12:
                    best, best_state, stale = score, copy.deepcopy(model.state_dict()), 0
                else:
                    stale += 1
            self.history_.append(record)
            if val_idx is not None and stale >= self.patience:
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        self.best_score_ = float(best) if val_idx is not None else None
        self.validation_rows_ = val_idx
        model.eval()
        self.model_ = model
        self.decision_ = None
        if recipe.slot("decision") is not None:
            if val_idx is None:
                if self.validation is None:  # (a too-small class has been warned about already)
                    warnings.warn(
                        "validation=None: the decision rule keeps its untuned default",
                        UserWarning,
                        stacklevel=2,
                    )
            else:
                logits = self.validation_scores(model, X_t[val_idx])
                self.decision_ = self.tune_decision(recipe, logits, y_np[val_idx], counts)
        self.class_counts_ = counts
        return self

    def _split(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        all_rows = np.arange(len(y))
        if self.validation is None:
            return all_rows, None
        counts = np.bincount(y)
        if (counts[counts > 0] < 2).any() or round(len(y) * self.validation) < len(counts):
            warnings.warn(
                "a class is too small for a validation split: training for the full budget without "
                "early stopping, and decision rules keep their untuned defaults",
                UserWarning,
                stacklevel=3,
            )
            return all_rows, None
        from sklearn.model_selection import train_test_split

        train, val = train_test_split(
            all_rows, test_size=self.validation, stratify=y, random_state=self.random_state
        )
        return np.sort(train), np.sort(val)

    # -- prediction ---------------------------------------------------------------------------
    def predict_logits(self, X: Any) -> np.ndarray:
        X_t = torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X, dtype=torch.float32)
        return self.validation_scores(self.model_, X_t)

    def predict_proba(self, X: Any) -> np.ndarray:
        return _softmax(self.predict_logits(X))

    def predict(self, X: Any) -> np.ndarray:
        """Labels (codes) under the recipe's decision rule (argmax when it has none)."""
        logits = self.predict_logits(X)
        rule = self.decision_
        if rule is None:
            return logits.argmax(1)
        if hasattr(rule, "threshold_"):
            return rule.predict(_softmax(logits)[:, 1])
        return rule.predict(logits)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)
