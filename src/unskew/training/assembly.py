"""Assembling a recipe: every part built through the registry (``Strategy.build`` with the run's
:class:`~unskew.stages.RunContext`) and sorted by the stage hooks it provides. Nothing here knows a
strategy's name; ``docs/architecture.md`` describes the hooks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, Subset

from unskew.exceptions import InputError
from unskew.recipes import Part, Recipe
from unskew.stages import RunContext
from unskew.training.inputs import is_dataset

__all__ = [
    "BatchParts",
    "DecisionParts",
    "build_batch_parts",
    "build_decision",
    "build_loss",
    "build_network",
    "build_part",
    "build_resampler",
    "resample",
]


def build_part(part: Part, context: RunContext | None, **overrides: Any) -> Any:
    """The object a recipe part stands for: its strategy's factory called with the part's
    parameters over the catalogue's defaults (run-dependent ones computed from ``context``)."""
    return part.strategy.build(context, **{**part.params, **overrides})


# -- data stage ----------------------------------------------------------------------------------------
def _data_parts(recipe: Recipe) -> list[Part]:
    slot = recipe.slot("data")
    return ([slot] if slot is not None else []) + recipe.modifiers("data")


def build_resampler(part: Part, y: np.ndarray, context: RunContext) -> Any:
    """Build the resampling ``part`` for labels ``y`` (class codes), lowering its neighbour
    counts (``k_neighbors``, ...) to what the smallest class allows: ``k <= n_smallest - 1``,
    with a warning, since SMOTE (Chawla et al. 2002) interpolates between a row and its ``k``
    nearest same-class neighbours; a class of one row is refused.

    Examples
    --------
    >>> import warnings
    >>> from unskew.recipes import parse_recipe
    >>> y = np.array([0] * 20 + [1] * 4)
    >>> part = parse_recipe("smote").parts[0]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     build_resampler(part, y, RunContext(class_counts=np.bincount(y))).k_neighbors
    3
    """
    strategy = part.strategy
    kwargs = strategy.resolve(part.params, context)
    counts = np.bincount(y)
    smallest = int(counts[counts > 0].min())
    for name, param in strategy.params.items():
        if param.kind == "ratio" and isinstance(kwargs.get(name), float):
            _check_share(part, name, kwargs[name], counts)
        if not param.neighbours or kwargs.get(name) is None:
            continue
        if smallest < 2:
            raise InputError(
                f"{part.name} needs at least 2 rows of every class to interpolate; a class has 1 "
                "training row. Use random_oversampling, or gather more rows"
            )
        k = int(kwargs[name])
        if k > smallest - 1:
            warnings.warn(
                f"{part.name}: the smallest class has {smallest} training rows, so the neighbours "
                f"drop from {k} to {smallest - 1}",
                UserWarning,
                stacklevel=5,
            )
            kwargs[name] = smallest - 1
    return strategy.load()(**kwargs)


def resample(
    recipe: Recipe, X: Any, y: np.ndarray, weights: np.ndarray | None, context: RunContext
) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """The training rows after the recipe's data-stage parts (the resampler, then modifiers such
    as over-sampling by augmentation): ``fit_resample`` on in-memory features, or the parts'
    ``resample_index`` (rows to repeat or drop) on a Dataset."""
    for part in _data_parts(recipe):
        acts_on = part.strategy.acts_on
        if acts_on != "features":
            raise InputError(
                f"{part.name} resamples raw {acts_on}, before they are encoded into the numeric "
                "features the Trainer takes; use ImbalancedClassifier (or unskew train), which "
                "applies it to the raw input"
            )
        if weights is not None:
            raise InputError(f"{part.name} makes rows without weights; drop sample_weight")
        sampler = build_resampler(part, y, context)
        if is_dataset(X):
            if not hasattr(sampler, "resample_index"):
                raise InputError(
                    f"{part.name} resamples feature arrays held in memory; with a Dataset (an "
                    "image folder) use a part that picks rows (random_oversampling, "
                    "random_undersampling, augment_oversampling) or a batch sampler "
                    "(balanced_sampler)"
                )
            rows = np.asarray(sampler.resample_index(y), dtype=np.int64)
            transform = getattr(sampler, "item_transform", None)
            X = _ResampledDataset(X, rows, len(y), transform, context.random_state)
            y = y[rows]
            continue
        source = X.numpy()
        if not getattr(sampler, "accepts_nd", False):
            source = source.reshape(len(source), -1)
        X_res, y_res = sampler.fit_resample(source, y)
        X = torch.as_tensor(np.asarray(X_res)).to(X.dtype).reshape(-1, *X.shape[1:])
        y = np.asarray(y_res).astype(np.int64)
    return X, y, weights


def _check_share(part: Part, name: str, share: float, counts: np.ndarray) -> None:
    """A ``sampling_strategy`` share (minority rows per majority row after resampling) that
    the training rows allow: two classes, a resampler that sets counts (not a cleaning one),
    and at least the share the rows already have (it cannot remove minority rows)."""
    present = counts[counts > 0]
    if "cleaning" in part.strategy.tags:
        raise InputError(
            f"{part.name} removes the rows a rule picks, so {name}={share:g} (a share to reach) "
            "cannot be met; pass which classes to clean: auto, majority, not minority, "
            "not majority or all"
        )
    if len(present) != 2:
        raise InputError(
            f"{part.name}: {name}={share:g} is a minority/majority share, for two classes, but "
            f"the training rows hold {len(present)}; pass auto, not majority or all"
        )
    now = float(present.min() / present.max())
    if share < now:
        raise InputError(
            f"{part.name}: {name}={share:g} asks for fewer minority rows per majority row than "
            f"the training rows already have ({now:.3g}); pass a share of at least {now:.3g}, "
            "or auto to balance the classes"
        )


class _ResampledDataset(Dataset):
    """Rows ``rows`` of ``dataset``; repeated rows (positions past the first ``n_original``) pass
    through ``transform(x, generator)`` when the part gives one (over-sampling by augmentation)."""

    def __init__(
        self, dataset: Any, rows: np.ndarray, n_original: int, transform: Any, random_state: Any
    ) -> None:
        self.dataset = Subset(dataset, rows.tolist())
        self.n_original = n_original
        self.transform = transform
        self.random_state = 0 if random_state is None else int(random_state)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> Any:
        item = self.dataset[i]
        if self.transform is None or i < self.n_original:
            return item
        x, rest = (item[0], item[1:]) if isinstance(item, list | tuple) else (item, ())
        g = torch.Generator().manual_seed(self.random_state * 1_000_003 + i)
        x = self.transform(x, g)
        return (x, *rest) if rest else x


# -- objective stage -----------------------------------------------------------------------------------
def build_loss(recipe: Recipe, context: RunContext) -> tuple[nn.Module, list[Any]]:
    """The loss and the objective modifiers (class weights, DRW): each modifier's
    ``configure_loss`` runs now; those with ``on_epoch`` are returned as epoch hooks."""
    loss = build_part(recipe.loss, context)
    modifiers = [build_part(p, context) for p in recipe.modifiers("objective")]
    for mod in modifiers:
        if hasattr(mod, "configure_loss"):
            mod.configure_loss(loss, context)
    return loss, [m for m in modifiers if hasattr(m, "on_epoch")]


# -- model stage ---------------------------------------------------------------------------------------
def build_network(
    recipe: Recipe, model: nn.Module, loss: Any, context: RunContext
) -> tuple[nn.Module, list[Any]]:
    """The network the recipe calls for and its model-stage parts: the modifiers' ``wrap`` (in
    recipe order), a cosine head of scale 1 when the loss expects cosine logits (LDAM), then the
    head part's ``wrap`` (a decoupled head checks the network now, before any training)."""
    from unskew.training.parts import cosine_head

    parts = recipe.modifiers("model")
    slot = recipe.slot("model")
    built = [build_part(p, context) for p in parts]
    for obj in built:
        model = obj.wrap(model, context) if hasattr(obj, "wrap") else model
    if getattr(loss, "expects_cosine_logits", False):
        model = cosine_head(model, context.n_classes, scale=1.0)
    if slot is not None:
        head = build_part(slot, context)
        model = head.wrap(model, context) if hasattr(head, "wrap") else model
        built.append(head)
    return model, built


def backbone_options(recipe: Recipe) -> dict[str, Any]:
    """What the recipe's model-stage parts ask of a built-in backbone (``attention``)."""
    options: dict[str, Any] = {}
    for part in recipe.stage("model"):
        factory = part.strategy.load()
        if hasattr(factory, "backbone_options"):
            options.update(build_part(part, None).backbone_options())
    return options


# -- batch stage ---------------------------------------------------------------------------------------
@dataclass
class BatchParts:
    """The batch stage of a fit: the sampler, input transforms, the part that owns the training
    step's forward (if any) and the part that draws a second stream of rows (if any)."""

    sampler: Any
    transforms: list[Any] = field(default_factory=list)
    step: Any = None
    paired: Any = None
    epoch_hooks: list[Any] = field(default_factory=list)


def build_batch_parts(
    recipe: Recipe,
    context: RunContext,
    model_parts: list[Any],
    sampler: Any,
    weighted: bool,
) -> BatchParts:
    """Sort the batch modifiers (and model parts with batch hooks) by hook; refuse two parts that
    both own the step, and parts that cannot take sample weights when there are some."""
    modifiers = [(p.name, build_part(p, context)) for p in recipe.modifiers("batch")]
    named_model = list(zip([p.name for p in _model_parts(recipe)], model_parts, strict=True))
    out = BatchParts(sampler=sampler)
    for name, obj in modifiers + named_model:
        if weighted and getattr(obj, "takes_sample_weight", True) is False:
            raise InputError(f"{name} mixes or makes rows; it cannot take sample_weight")
        if hasattr(obj, "transform"):
            out.transforms.append(obj)
        if hasattr(obj, "training_loss"):
            if out.step is not None:
                raise InputError(
                    f"{out.step[0]} and {name} both compute the training step (they mix batches "
                    "or branches); keep one"
                )
            out.step = (name, obj)
        if hasattr(obj, "paired_sampler"):
            out.paired = obj
    if out.step is not None:
        out.step = out.step[1]
    return out


def _model_parts(recipe: Recipe) -> list[Part]:
    slot = recipe.slot("model")
    return recipe.modifiers("model") + ([slot] if slot is not None else [])


# -- decision stage ------------------------------------------------------------------------------------
@dataclass
class DecisionParts:
    """The decision rule (None: argmax) and the calibration (None: the softmax)."""

    rule: Any = None
    calibration: Any = None


def build_decision(recipe: Recipe, context: RunContext) -> DecisionParts:
    """Unfitted decision rule and calibration of the recipe."""
    slot = recipe.slot("decision")
    calibrations = [build_part(p, context) for p in recipe.modifiers("decision")]
    return DecisionParts(
        rule=None if slot is None else build_part(slot, context),
        calibration=calibrations[-1] if calibrations else None,
    )
