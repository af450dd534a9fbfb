"""Callbacks: hooks into the Trainer's loop, each a no-op unless overridden."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from unskew.training.trainer import Trainer

__all__ = ["Callback", "History"]


class Callback:
    """Base class for Trainer callbacks (the Keras/Lightning pattern): override the hooks you need.

    Hooks run in this order: ``on_fit_start``, then per epoch ``on_epoch_start``, ``on_batch_end``
    after every optimiser step, ``on_epoch_end`` (with the epoch's record: loss, learning rate and
    validation score), and ``on_fit_end``. A callback may stop training by setting
    ``trainer.stop_training = True``. ``state_dict``/``load_state_dict`` let a callback's state travel
    in the Trainer's checkpoint, so a resumed run continues where it left off.

    Examples
    --------
    >>> class CountSteps(Callback):
    ...     def __init__(self):
    ...         self.steps = 0
    ...     def on_batch_end(self, trainer, step, loss):
    ...         self.steps += 1
    ...     def state_dict(self):
    ...         return {"steps": self.steps}
    ...     def load_state_dict(self, state):
    ...         self.steps = state["steps"]
    >>> CountSteps().state_dict()
    {'steps': 0}
    """

    def on_fit_start(self, trainer: Trainer) -> None:
        """Called once the model, loss, sampler and optimiser are built, before the first epoch."""

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        """Called before each epoch (0-based)."""

    def on_batch_end(self, trainer: Trainer, step: int, loss: Any) -> None:
        """Called after each optimiser step; ``loss`` is the batch loss as a 0-d tensor."""

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, float]) -> None:
        """Called after each epoch with its record (``loss``, ``lr``, ``validation`` if any)."""

    def on_fit_end(self, trainer: Trainer) -> None:
        """Called after the best weights are restored and the decision rule is tuned."""

    def state_dict(self) -> dict[str, Any]:
        """State saved in checkpoints (plain Python values and tensors)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


class History(Callback):
    """Collects every epoch's record; ``records`` survives a checkpoint/resume.

    Examples
    --------
    >>> h = History()
    >>> h.on_epoch_end(None, 0, {"epoch": 0, "loss": 0.7})
    >>> h.records
    [{'epoch': 0, 'loss': 0.7}]
    """

    def __init__(self) -> None:
        self.records: list[dict[str, float]] = []

    def on_epoch_end(self, trainer: Any, epoch: int, record: dict[str, float]) -> None:
        self.records.append(dict(record))

    def state_dict(self) -> dict[str, Any]:
        return {"records": [dict(r) for r in self.records]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.records = [dict(r) for r in state["records"]]
