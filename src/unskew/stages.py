"""The stage interfaces: what a part of each stage provides, and what the engine gives it.

The Trainer never asks a part its name: the registry builds every part (:meth:`Strategy.build
<unskew.registry.Strategy.build>`, defaults from the catalogue, run-dependent ones computed from a
:class:`RunContext`) and the engine calls the hooks below. A part implements the hooks of its stage
that it needs; every hook is optional except the core of the exclusive slot (a loss is a callable
``nn.Module``, a sampler iterates row indices, a decision rule fits and predicts). ``docs/
architecture.md`` walks through each stage with an example of a user's own part.

========== ================================================================ ========================
stage      the part provides                                                called
========== ================================================================ ========================
data       ``fit_resample(X, y)``; ``resample_index(y)`` (rows to repeat or  once, on the training
           drop, for datasets not in memory); ``for_labels(y)`` (a copy      rows of each fit
           adapted to tiny classes); ``acts_on`` ("features" or "texts")
batch      a ``Sampler`` over the training labels (``set_epoch``;            when batches are drawn
           ``distributed(num_replicas, rank, random_state)``); or
           ``transform(batch)`` (input space), or ``training_loss(model,
           batch, loss_fn)`` (owns the step's forward: mixup, feature SMOTE)
objective  a loss ``nn.Module``; ``configure_loss(loss)`` (class weights);    at fit start; each epoch
           ``on_epoch(epoch, loss)`` (DRW); ``expects_cosine_logits``
model      ``wrap(model, context)``; ``unwrap(model)`` after training;        when the net is built;
           ``after_fit(trainer, model, features, labels, val)`` (cRT, LWS);  after training
           ``on_epoch(epoch, model)``, ``param_groups(model, lr)``;
           ``backbone_options()`` (built-in backbones); ``paired_sampler``
           and ``training_loss`` (bilateral branches)
decision   ``fit(logits, y)`` (logits None without held-out rows),           on validation logits;
           ``predict(logits)``, ``decision_function(logits)``,               at predict; on save
           ``state_dict()`` / ``load_state_dict(state)``; calibration
           modifiers ``fit`` and ``transform(logits)``; ``on_calibrated``
meta       a scikit-learn classifier; its ``estimator`` (or                  instead of a single fit
           ``feature_extractor``) parameter receives an unfitted
           ``ImbalancedClassifier`` for the rest of the recipe
========== ================================================================ ========================

This module is torch-free: it holds the context the engine passes and the batch it hands to step
hooks.

Examples
--------
>>> import numpy as np
>>> ctx = RunContext(class_counts=np.array([90, 10]), epochs=30, batch_size=64, random_state=0)
>>> ctx.n_classes, ctx.values()["epochs"]
(2, 30)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["Batch", "RunContext"]


@dataclass
class RunContext:
    """What parts need from the data and the run; never a strategy's name.

    Parameters
    ----------
    class_counts : array (C,)
        Training rows per class (after the data stage).
    labels : array (N,), optional
        The training labels (class codes), for samplers.
    epochs, batch_size, random_state : int
    modality : {"table", "image", "text"}, optional
    generator : torch.Generator, optional
        The run's generator (samplers, batch augmentation draw from it).
    world_size, rank : int, optional
        Set under distributed training.
    inference : bool
        True when a saved model is rebuilt for prediction (parts that exist only while training
        leave the network as it is).

    Examples
    --------
    >>> RunContext(class_counts=[3, 1]).values()["n_classes"]
    2
    """

    class_counts: Any
    labels: Any = None
    epochs: int = 30
    batch_size: int = 128
    random_state: int | None = 0
    modality: str | None = None
    generator: Any = None
    world_size: int | None = None
    rank: int | None = None
    inference: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.class_counts = np.asarray(self.class_counts, dtype=np.int64)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_counts)

    def values(self) -> dict[str, Any]:
        """The names a default expression (``Expr``) and a strategy's ``needs`` can read."""
        return {
            "class_counts": self.class_counts,
            "labels": self.labels,
            "n_classes": self.n_classes,
            "epochs": int(self.epochs),
            "batch_size": int(self.batch_size),
            "random_state": self.random_state,
            "modality": self.modality,
            "generator": self.generator,
            "world_size": self.world_size,
            "rank": self.rank,
            **self.extra,
        }

    def with_counts(self, class_counts: Any, labels: Any = None) -> RunContext:
        """A copy for other training rows (after resampling)."""
        return replace(self, class_counts=np.asarray(class_counts), labels=labels)


@dataclass
class Batch:
    """One training batch as the step hooks see it: inputs, labels, optional per-row weights, and
    an optional second stream of rows drawn by a part's ``paired_sampler`` (the re-balancing
    branch of a bilateral-branch network).

    Examples
    --------
    >>> Batch(x=[[0.0]], y=[0]).pair is None
    True
    """

    x: Any
    y: Any
    weight: Any = None
    pair: tuple[Any, Any] | None = None
