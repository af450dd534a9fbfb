"""Early stopping on a validation metric (ties broken by the balanced log-loss), and the training
checkpoint written after every epoch and read back by ``fit(..., resume=True)``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unskew.exceptions import InputError

__all__ = ["CHECKPOINT_VERSION", "EarlyStopping", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_VERSION = 1


class EarlyStopping:
    """The best epoch so far on a validation ``metric`` (maximised, or minimised when lower is
    better); epochs that tie on it go to the lower balanced log-loss when ``tie_break`` is set (a
    split with a few minority rows makes balanced accuracy take a handful of values).

    Examples
    --------
    >>> stop = EarlyStopping(greater_is_better=True, tie_break="balanced_log_loss", patience=2)
    >>> stop.update({"validation": 0.8, "validation_loss": 0.5}, 0)
    True
    >>> stop.update({"validation": 0.8, "validation_loss": 0.4}, 1), stop.best_epoch
    (True, 1)
    """

    def __init__(self, greater_is_better: bool, tie_break: str | None, patience: int) -> None:
        self.sign = 1.0 if greater_is_better else -1.0
        self.tie_break = tie_break
        self.patience = int(patience)
        self.best, self.best_loss = -np.inf, np.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.stale = 0

    def improves(self, record: dict[str, float], epoch: int) -> bool:
        """Whether ``record`` beats the best so far; if so it becomes the best."""
        score = self.sign * record["validation"]
        loss = record.get("validation_loss", np.inf)
        tied_lower = (
            self.tie_break is not None
            and score >= self.best - 1e-12
            and loss < self.best_loss - 1e-12
        )
        if score > self.best + 1e-12 or tied_lower:
            self.best, self.best_loss = max(score, self.best), loss
            self.best_epoch = epoch
            return True
        return False

    def update(self, record: dict[str, float], epoch: int, snapshot: Any = None) -> bool:
        """Record an epoch: keep ``snapshot()`` as the best state when it improves, else count a
        stale epoch. Returns whether it improved."""
        if self.improves(record, epoch):
            self.best_state = None if snapshot is None else snapshot()
            self.stale = 0
            return True
        self.stale += 1
        return False

    @property
    def exhausted(self) -> bool:
        """Whether ``patience`` epochs in a row brought no improvement."""
        return self.stale >= self.patience

    def replay(self, history: list[dict[str, float]]) -> None:
        """Recompute the best score, loss and epoch from a checkpoint's history (records written
        before the tie-break have no loss, so the first tied epoch is best)."""
        for record in history:
            if "validation" in record:
                self.improves(record, int(record["epoch"]))


def _fingerprint(trainer: Any) -> dict[str, Any]:
    return {
        "rows": int(trainer.n_rows_),
        "classes": int(trainer.n_classes_),
        "recipe": trainer.recipe_.to_spec(),
        "epochs": int(trainer.epochs),
        "random_state": int(trainer.random_state),
    }


def save_checkpoint(trainer: Any, epoch: int) -> None:
    """Write the full training state atomically (temporary file, then rename)."""
    stopping: EarlyStopping = trainer.early_stopping_
    state = {
        "version": CHECKPOINT_VERSION,
        "fingerprint": _fingerprint(trainer),
        "epoch": epoch,
        "stopped": bool(trainer.stop_training),
        "model": trainer.network_.state_dict(),
        "optimizer": trainer.optimizer_.state_dict(),
        "lr_scheduler": None
        if trainer.lr_scheduler_ is None
        else trainer.lr_scheduler_.state_dict(),
        "scaler": None if trainer.scaler_ is None else trainer.scaler_.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "generator": trainer.generator_.get_state(),
        "best_state": stopping.best_state,
        "stale": int(stopping.stale),
        "history": [dict(r) for r in trainer.history_],
        "callbacks": [cb.state_dict() for cb in trainer.callbacks],
    }
    path = Path(trainer.checkpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(trainer: Any) -> int:
    """Restore the training state from ``trainer.checkpoint``; returns the next epoch."""
    path = Path(trainer.checkpoint)
    try:
        state = torch.load(path, map_location=trainer.device_, weights_only=True)
    except Exception as err:
        raise InputError(
            f"cannot read the checkpoint {path} ({type(err).__name__}); delete it to start afresh"
        ) from err
    expected = _fingerprint(trainer)
    if state.get("version") != CHECKPOINT_VERSION or state.get("fingerprint") != expected:
        raise InputError(
            f"the checkpoint {path} belongs to another run ({state.get('fingerprint')}, this "
            f"one is {expected}); delete it or point checkpoint= elsewhere"
        )
    trainer.network_.load_state_dict(state["model"])
    trainer.optimizer_.load_state_dict(state["optimizer"])
    if trainer.lr_scheduler_ is not None and state["lr_scheduler"] is not None:
        trainer.lr_scheduler_.load_state_dict(state["lr_scheduler"])
    if trainer.scaler_ is not None and state["scaler"] is not None:
        trainer.scaler_.load_state_dict(state["scaler"])
    torch.set_rng_state(state["torch_rng"].cpu())
    trainer.generator_.set_state(state["generator"].cpu())
    stopping: EarlyStopping = trainer.early_stopping_
    stopping.best_state, stopping.stale = state["best_state"], state["stale"]
    trainer.history_ = [dict(r) for r in state["history"]]
    stopping.replay(trainer.history_)
    for cb, cb_state in zip(trainer.callbacks, state["callbacks"], strict=False):
        cb.load_state_dict(cb_state)
    trainer.stop_training = bool(state["stopped"])
    return int(state["epoch"]) + 1
