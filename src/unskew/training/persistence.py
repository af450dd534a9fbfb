"""Model folders: :meth:`ImbalancedClassifier.save <unskew.training.ImbalancedClassifier.save>` and
:func:`load_model`. Loading a folder runs no code from it (``docs/model-format.md``).

A folder holds ``model.json`` (format ``unskew-model``, version :data:`FORMAT_VERSION`) and:

* a network: ``weights.pt``, its ``state_dict``, read with ``torch.load(weights_only=True)``;
* a meta model (ensembles, detectors, hybrids): the estimator as JSON nodes in ``model.json``
  (:mod:`unskew.training._state`), its arrays in ``arrays.npz`` (``allow_pickle=False``), its
  scikit-learn parts as ``estimators/<i>.skops`` (skops, trusted types only), its deep members as
  nested model folders ``members/<i>/``, its detectors' torch modules as ``networks/<i>.pt``.

Strategies are resolved through the registry and classes through fixed tables in unskew's code;
nothing named in a folder is imported. Version-1 folders of networks load; version-1 meta folders
(a pickled ``meta.joblib``) are refused with the advice to retrain.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from unskew._files import MODEL_FILE, MODEL_FORMAT, default_mode, is_model_folder
from unskew.exceptions import InputError
from unskew.models.config import build_from_config
from unskew.models.heads import make_head
from unskew.recipes import parse_recipe
from unskew.training._serialize import (
    calibrator_from_dict,
    calibrator_to_dict,
    rule_from_dict,
    rule_to_dict,
)
from unskew.training._state import (
    DAMAGED,
    StateReader,
    StateWriter,
    read_file,
    read_state_dict,
    summary,
)
from unskew.training.estimator import ImbalancedClassifier, decision_names, rebuild_network
from unskew.training.preprocess import TablePreprocessor

__all__ = ["FORMAT_VERSION", "load_model", "read_model_folder", "save_model", "write_model_folder"]

#: Version of the folder format written; 2 replaced the pickled meta models of version 1.
FORMAT_VERSION = 2
_READABLE = (1, 2)
WEIGHTS = "weights.pt"


# -- saving -----------------------------------------------------------------------------------------
def save_model(
    clf: ImbalancedClassifier,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    extra: dict | None = None,
    data: dict | None = None,
) -> Path:
    """Write the fitted ``clf`` to the folder ``path`` atomically (a temporary folder beside it,
    renamed into place: a failure leaves no half-written folder and the old one intact).

    ``path`` may be missing, an empty folder, or (with ``overwrite=True``) a folder holding an
    unskew model; a folder of other files is never replaced. A symbolic link is followed: the
    folder it names is written. ``extra`` adds JSON-ready facts (a test report) to ``model.json``.
    ``data`` describes the training data for readers of new files (``unskew predict``):
    :func:`unskew.training.modality.describe_data` of its DataBundle; by default what the
    classifier itself knows (the modality of its network, the image shape). It is saved as
    ``"data"`` and loaded as ``data_``.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> clf = ImbalancedClassifier(hidden=(8,), epochs=2, random_state=0).fit(X, y)
    >>> folder = save_model(clf, tempfile.mkdtemp() + "/model")
    >>> sorted(p.name for p in folder.iterdir())
    ['model.json', 'weights.pt']
    """
    check_is_fitted(clf, "classes_")
    path = Path(path)
    target = Path(os.path.realpath(path))
    _check_target(path, target, overwrite)
    description = _data_description(clf, data)
    _replace_folder(target, lambda tmp: write_model_folder(clf, tmp, extra, description))
    return path


def _check_target(path: Path, target: Path, overwrite: bool) -> None:
    """Refuse a file, a folder of other files, and a model folder without ``overwrite``."""
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError(f"{path} is a file, not a folder; give save a folder path for the model")
    if not any(target.iterdir()):
        return
    if not is_model_folder(target):
        raise InputError(
            f"{path} is a folder of other files (it holds no unskew {MODEL_FILE}); save into a new "
            "or empty folder, since saving replaces the whole folder"
        )
    if not overwrite:
        raise InputError(
            f"{path} holds a saved unskew model and is not empty; pass overwrite=True to replace "
            "it, or choose another path"
        )


def _replace_folder(target: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` into a temporary folder beside ``target``, then swap it in: the old folder
    is renamed aside first and deleted last, and put back if the swap fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    old: Path | None = None
    try:
        write(tmp)
        os.chmod(tmp, default_mode(folder=True))
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
            old = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_model_folder(
    clf: ImbalancedClassifier, folder: Path, extra: dict | None = None, data: dict | None = None
) -> None:
    """Write the fitted ``clf`` into the existing empty ``folder`` (no atomicity: :func:`save_model`
    calls it on a temporary folder; meta models call it for their deep members)."""
    if getattr(clf, "meta_", None) is not None:
        writer = StateWriter(folder, write_model_folder)
        description = {
            **_common(clf),
            "network": {"name": "meta", "class": type(clf.meta_).__qualname__},
            "meta": writer.encode_root(clf.meta_),
            **_decision_description(clf),
        }
        writer.finish()
    else:
        description = _network_description(clf)
        torch.save(clf.model_.state_dict(), folder / WEIGHTS)
    if data is not None:
        description["data"] = data
    extra = {k: v for k, v in (extra or {}).items() if k not in description}
    (folder / MODEL_FILE).write_text(json.dumps({**description, **extra}, indent=2))


#: The keys of a model folder's ``"data"`` (what the training data looked like).
_DATA_KEYS = ("modality", "text_columns", "column_kinds", "image_size", "channels")


def _data_description(clf: ImbalancedClassifier, data: dict | None) -> dict[str, Any]:
    """``data`` checked (the keys of :data:`_DATA_KEYS`, JSON-ready), or what ``clf`` knows."""
    if data is None:
        return _known_data(clf)
    unknown = sorted(set(data) - set(_DATA_KEYS))
    if unknown or not _jsonable(data):
        raise InputError(
            f"data must be a JSON-ready dict with keys among {list(_DATA_KEYS)} "
            f"(describe_data(bundle) gives one), got {unknown or type(data).__name__}"
        )
    return {**dict.fromkeys(_DATA_KEYS), **data}


def _known_data(clf: ImbalancedClassifier) -> dict[str, Any]:
    """The data description a classifier alone gives: its network's modality and image shape."""
    from unskew.training.modality import MODELS, model_modality

    kind = clf.model if isinstance(clf.model, str) else None
    shape = getattr(clf, "image_shape_", None)
    out = dict.fromkeys(_DATA_KEYS)
    out["modality"] = model_modality(kind) if kind in MODELS else None
    if shape is not None:
        out["channels"], out["image_size"] = int(shape[0]), [int(shape[1]), int(shape[2])]
    return out


def _common(clf: ImbalancedClassifier) -> dict[str, Any]:
    params = clf.get_params()
    return {
        "format": MODEL_FORMAT,
        "version": FORMAT_VERSION,
        "recipe": clf.recipe_,
        "classes": clf.classes_.tolist(),
        "classes_dtype": clf.classes_.dtype.str,
        "class_counts": np.asarray(clf.class_counts_).tolist(),
        "label_counts": np.asarray(getattr(clf, "label_counts_", clf.class_counts_)).tolist(),
        "n_rows": getattr(clf, "n_rows_", None),
        "params": {k: v for k, v in params.items() if k != "model" and _jsonable(v)},
    }


def _network_description(clf: ImbalancedClassifier) -> dict[str, Any]:
    if clf.network_config_ is None:
        config: dict[str, Any] = {
            "name": "module",
            "class": f"{type(clf.model_).__module__}.{type(clf.model_).__qualname__}",
        }
    else:
        config = dict(clf.network_config_)
    config["head"] = clf.head_
    return {
        **_common(clf),
        "network": config,
        "input": _input_description(clf),
        **_decision_description(clf),
    }


def _decision_description(clf: ImbalancedClassifier) -> dict[str, Any]:
    """The fitted decision rule and calibration, by name and state (None when there is none: a
    meta model whose members hold the rule has none of its own)."""
    rule, calibration = decision_names(clf.recipe_)
    return {
        "decision": rule_to_dict(clf.decision_, rule),
        "calibration": calibrator_to_dict(clf.calibrator_, calibration),
    }


# -- loading ----------------------------------------------------------------------------------------
def load_model(path: str | os.PathLike, model: nn.Module | None = None) -> ImbalancedClassifier:
    """Load what :meth:`ImbalancedClassifier.save` wrote: a fitted classifier that predicts with the
    saved preprocessing, weights (or members), decision rule and calibration.

    Nothing in the folder runs: weights load with ``weights_only=True``, arrays with
    ``allow_pickle=False``, scikit-learn parts through skops with a fixed list of trusted types,
    and every class and strategy is looked up in unskew's own tables and registry, never imported
    from a name in the folder. A damaged folder (truncated, edited or missing files) raises an
    :class:`~unskew.exceptions.InputError` of one line. A built-in network is rebuilt from the
    JSON; for your own ``nn.Module`` pass an instance of the same architecture as ``model``. The
    classifier's ``data_`` holds the folder's ``"data"`` (modality, text columns, column kinds,
    image size and channels: how to read a new file), and its ``device`` is ``auto``.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, 6, weights=[0.9, 0.1], random_state=0)
    >>> clf = ImbalancedClassifier(recipe="cross_entropy+threshold:f1", epochs=5, random_state=0)
    >>> folder = clf.fit(X, y).save(tempfile.mkdtemp() + "/model")
    >>> (load_model(folder).predict(X) == clf.predict(X)).all()
    np.True_
    """
    path = Path(path)
    try:
        return read_model_folder(path, model)
    except InputError:
        raise
    except DAMAGED as err:
        raise InputError(
            f"{path} is not a loadable unskew model ({summary(err)}); retrain it or restore the "
            "folder from a copy"
        ) from None


def read_model_folder(path: Path, model: nn.Module | None = None) -> ImbalancedClassifier:
    """:func:`load_model` without turning low-level errors into one line (for nested members)."""
    description = _read_description(path)
    if _typed(description, "network", dict).get("name") == "meta":
        return _read_meta(path, description)
    return _read_network(path, description, model)


def _read_description(path: Path) -> dict[str, Any]:
    file = path / MODEL_FILE
    if not file.is_file():
        raise InputError(
            f"{path} holds no saved unskew model ({MODEL_FILE} is missing); give the folder that "
            "`unskew train --out` or ImbalancedClassifier.save wrote"
        )
    description = read_file(file, lambda f: json.loads(f.read_text(encoding="utf-8")))
    if not isinstance(description, dict) or description.get("format") != MODEL_FORMAT:
        raise InputError(f'{file} is not an unskew model description (no "format": "unskew-model")')
    version = description.get("version")
    if isinstance(version, bool) or version not in _READABLE:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise InputError(
            f"{file} has format version {version!r}; this unskew reads versions "
            f"{', '.join(map(str, _READABLE))}" + ("; upgrade unskew to load it" if newer else "")
        )
    recipe = _typed(description, "recipe", str)
    if version == 1 and (_is_meta(description) or (path / "meta.joblib").exists()):
        raise InputError(
            f"{path} is a meta model saved by an older unskew as a pickle (meta.joblib), which "
            "is not loaded because unpickling a file can run any code in it; retrain it with "
            f"this unskew (unskew train DATA --recipe '{recipe}' --out {path})"
        )
    _check_strategies(path, recipe)
    return description


def _is_meta(description: dict[str, Any]) -> bool:
    network = description.get("network")
    return isinstance(network, dict) and network.get("name") == "meta"


def _check_strategies(path: Path, recipe: str) -> None:
    """Every strategy the recipe names is registered (nothing is imported to find one)."""
    from unskew._params import split_outside
    from unskew.registry import get_registry

    registry = get_registry()
    for text in split_outside(recipe, "+"):  # a list of recipes in brackets is one parameter
        name = text.partition(":")[0].strip()
        if name not in registry:
            raise InputError(
                f"{path} was trained with the strategy {name!r}, which is not registered here; "
                "register it with unskew.register(...) or --plugin MODULE before loading"
            )


def _read_meta(path: Path, description: dict[str, Any]) -> ImbalancedClassifier:
    part = parse_recipe(description["recipe"]).slot("meta")
    if part is None:
        raise InputError(
            f"{path / MODEL_FILE} describes a meta model but its recipe has no meta part"
        )
    cls = type(part.strategy.build(**part.params))
    reader = StateReader(path, read_model_folder)
    meta = reader.decode_root(description.get("meta"), cls)
    clf = ImbalancedClassifier(**_saved_params(description))
    clf.meta_ = meta
    clf.data_ = _read_data(description, clf)
    clf.model_ = None
    _restore_common(clf, description)
    # a classical model's rule tuned out of fold (absent from folders of older versions)
    clf.decision_ = rule_from_dict(description.get("decision"), clf.class_counts_)
    clf.calibrator_ = calibrator_from_dict(description.get("calibration"), clf.class_counts_)
    for name in ("n_features_in_", "feature_names_in_"):
        if hasattr(meta, name):
            setattr(clf, name, getattr(meta, name))
    return clf


def _read_network(
    path: Path, description: dict[str, Any], model: nn.Module | None
) -> ImbalancedClassifier:
    config = description["network"]
    if config["name"] == "module":
        if model is None:
            raise InputError(
                f"the saved network is your own {config['class']}; pass an instance of it: "
                "load_model(path, model=MyNet(...))"
            )
        network = model
    else:
        network = build_from_config(config)
    n_classes = len(description["classes"])
    network = rebuild_network(network, description["recipe"], description["class_counts"])
    if config.get("head") is not None:
        if not hasattr(network, "head") or not hasattr(network, "feature_dim"):
            raise InputError(
                f"the saved model has a {config['head']['kind']} head; the network given needs "
                "`head` and `feature_dim` attributes to take it"
            )
        network.head = make_head(config["head"], network.feature_dim, n_classes)
    if not (path / WEIGHTS).is_file():
        raise InputError(f"{path} lacks {WEIGHTS}, the network's weights; retrain or restore it")
    state = read_file(path / WEIGHTS, read_state_dict)
    network.load_state_dict(state)
    kind = description["input"]["kind"]
    params = _saved_params(description)
    clf = ImbalancedClassifier(model=network if config["name"] == "module" else kind, **params)
    clf.model_ = network.eval()
    clf.network_config_ = None if config["name"] == "module" else config
    clf.head_ = config.get("head")
    _restore_common(clf, description)
    clf.decision_ = rule_from_dict(description["decision"], clf.class_counts_)
    clf.calibrator_ = calibrator_from_dict(description["calibration"], clf.class_counts_)
    _restore_input(clf, description["input"])
    clf.data_ = _read_data(description, clf)
    return clf


def _restore_common(clf: ImbalancedClassifier, description: dict[str, Any]) -> None:
    dtype = np.dtype(description["classes_dtype"])
    if dtype.kind not in "biufUSO":
        raise InputError(f"model.json gives the classes the unsupported dtype {dtype}")
    clf.classes_ = np.asarray(description["classes"], dtype=dtype)
    clf.class_counts_ = np.asarray(description["class_counts"])
    # the fitted labels' counts; folders written before they were recorded give the trained ones
    clf.label_counts_ = np.asarray(description.get("label_counts", description["class_counts"]))
    clf.recipe_ = description["recipe"]
    # the rows it was fitted on; absent from folders written before it was recorded
    has_rows = description.get("n_rows") is not None
    clf.n_rows_ = _typed(description, "n_rows", int) if has_rows else None
    clf.history_ = []


def _saved_params(description: dict[str, Any]) -> dict[str, Any]:
    """The estimator's saved parameters (JSON turned ``hidden`` into a list). The device is
    ``auto``: where a model was trained (a GPU) says nothing of where it predicts."""
    params = _typed(description, "params", dict)
    params = {k: (tuple(v) if k == "hidden" else v) for k, v in params.items()}
    return {**params, "device": "auto"} if "device" in params else params


def _read_data(description: dict[str, Any], clf: ImbalancedClassifier) -> dict[str, Any]:
    """The saved ``"data"``, or for folders written before it existed what the classifier knows."""
    data = description.get("data")
    if data is None:
        return _known_data(clf)
    data = _typed(description, "data", dict)
    return {**dict.fromkeys(_DATA_KEYS), **{k: v for k, v in data.items() if k in _DATA_KEYS}}


def _input_description(clf: ImbalancedClassifier) -> dict[str, Any]:
    kind = "module" if isinstance(clf.model, nn.Module) else str(clf.model)
    out: dict[str, Any] = {"kind": kind, "n_features_in": getattr(clf, "n_features_in_", None)}
    names = getattr(clf, "feature_names_in_", None)
    out["feature_names_in"] = None if names is None else [str(n) for n in names]
    shape = getattr(clf, "image_shape_", None)
    out["image_shape"] = None if shape is None else list(shape)
    prep = getattr(clf, "preprocessor_", None)
    if prep is not None:
        out["preprocessor"] = prep.to_dict()
    return out


def _restore_input(clf: ImbalancedClassifier, state: dict[str, Any]) -> None:
    if state.get("n_features_in") is not None:
        clf.n_features_in_ = int(state["n_features_in"])
    if state.get("feature_names_in") is not None:
        clf.feature_names_in_ = np.asarray(state["feature_names_in"], dtype=object)
    if state.get("image_shape") is not None:
        clf.image_shape_ = tuple(state["image_shape"])
    prep = state.get("preprocessor")
    if prep is None:
        return
    if state["kind"] == "text":
        from unskew.models.text import TextVectorizer

        clf.preprocessor_ = TextVectorizer.from_dict(prep)
    else:
        clf.preprocessor_ = TablePreprocessor.from_dict(prep)


def _typed(description: dict[str, Any], key: str, kind: type) -> Any:
    value = description.get(key)
    if not isinstance(value, kind):
        raise InputError(
            f'model.json\'s "{key}" must be a JSON {kind.__name__}, got {type(value).__name__}; '
            "the file was edited or damaged: retrain the model or restore the folder"
        )
    return value


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True
