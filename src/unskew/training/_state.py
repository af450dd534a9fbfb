"""Meta-stage estimators (ensembles, anomaly detectors, hybrids) as JSON, arrays and files that load
without running code.

An estimator becomes a tree of JSON nodes. Plain values stay JSON; the rest is tagged with ``"$"``:

========================== ======================================================================
``array`` / ``tensor``     a NumPy array / torch tensor, stored in ``arrays.npz`` (loaded with
                           ``allow_pickle=False``)
``scalar``                 a NumPy scalar, its dtype and value
``object_array``           a NumPy array of Python scalars (labels, column names), as JSON
``tuple`` / ``dict`` /     containers of nodes
``bunch``
``object``                 one of unskew's own classes (:data:`CLASSES`, or the recipe's meta class
                           resolved through the strategy registry): its constructor parameters
                           and its public fitted attributes, as nodes
``member``                 a fitted :class:`~unskew.training.ImbalancedClassifier`, as a nested model
                           folder ``members/<i>/`` (``weights.pt`` + ``model.json``)
``network``                a torch module of a deep detector (:data:`NETWORKS`), as a ``state_dict``
                           in ``networks/<i>.pt`` (loaded with ``weights_only=True``)
``skops``                  a scikit-learn / imbalanced-learn estimator, as ``estimators/<i>.skops``,
                           loaded by skops only when every type it names is trusted by skops or
                           listed in :data:`TRUSTED_TYPES`
``table_preprocessor`` /   unskew's preprocessing, calibrators and decision rules, as their JSON
``calibrator`` / ``rule``  forms
``ref``                    an object already stored (the same member listed twice)
========================== ======================================================================

Class names in a folder are looked up in the fixed tables of this module, never imported from the
folder, and file names are built here from integer indices, never read from the folder.
"""

from __future__ import annotations

import importlib
import pickle
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unskew.exceptions import InputError

__all__ = [
    "ARRAYS",
    "CLASSES",
    "DAMAGED",
    "NETWORKS",
    "TRUSTED_TYPES",
    "StateReader",
    "StateWriter",
    "read_file",
    "summary",
]

ARRAYS = "arrays.npz"
_FOLDERS = {"member": "members", "network": "networks", "skops": "estimators"}
_SUFFIX = {"member": "", "network": ".pt", "skops": ".skops"}

#: unskew's classes rebuilt from their constructor parameters and public fitted attributes (plus
#: scikit-learn's ``Pipeline``, whose steps may be unskew's ``TableEncoder``): name -> where it lives.
CLASSES: dict[str, str] = {
    "ImbalancedClassifier": "unskew.training.estimator:ImbalancedClassifier",
    "EasyEnsembleClassifier": "unskew.ensemble._easy_ensemble:EasyEnsembleClassifier",
    "BalancedBaggingClassifier": "unskew.ensemble._bagging:BalancedBaggingClassifier",
    "BoostingClassifier": "unskew.ensemble._boosting:BoostingClassifier",
    "HeterogeneousEnsemble": "unskew.ensemble._heterogeneous:HeterogeneousEnsemble",
    "RecipeStack": "unskew.ensemble._recipe_stack:RecipeStack",
    "TabularBaseline": "unskew.ensemble._baselines:TabularBaseline",
    "TableEncoder": "unskew.ensemble._encode:TableEncoder",
    "IsolationForestDetector": "unskew.anomaly._isolation_forest:IsolationForestDetector",
    "OneClassSVMDetector": "unskew.anomaly._one_class_svm:OneClassSVMDetector",
    "AutoencoderDetector": "unskew.anomaly._autoencoder:AutoencoderDetector",
    "DeepSVDDDetector": "unskew.anomaly._deep_svdd:DeepSVDDDetector",
    "HybridClassifier": "unskew.hybrid:HybridClassifier",
    "BalancedSVC": "unskew.hybrid:BalancedSVC",
    "Pipeline": "sklearn.pipeline:Pipeline",
}


def _autoencoder(cls: type, widths: list[int]) -> nn.Module:
    return cls(widths[0], tuple(widths[1:]))


def _svdd_network(cls: type, widths: list[int]) -> nn.Module:
    return cls(widths[0], tuple(widths[1:-1]), widths[-1])


#: The deep detectors' torch modules: name -> (where it lives, the prefix of its linear layers in
#: the ``state_dict``, how to build it from the layer widths read back from those layers).
NETWORKS: dict[str, tuple[str, str, Callable[[type, list[int]], nn.Module]]] = {
    "Autoencoder": ("unskew.anomaly._autoencoder:Autoencoder", "encoder.", _autoencoder),
    "SVDDNetwork": ("unskew.anomaly._deep_svdd:SVDDNetwork", "body.", _svdd_network),
}

#: Types skops does not trust by default that the built-in strategies' scikit-learn and
#: imbalanced-learn parts hold (trees, histogram-boosting predictors, the SVM head's calibration,
#: imbalanced-learn's ensembles and their samplers). A ``.skops`` file naming any type outside
#: skops' defaults and this list is refused before it is loaded.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
    "imblearn.ensemble._forest.BalancedRandomForestClassifier",
    "imblearn.ensemble._weight_boosting.RUSBoostClassifier",
    "imblearn.ensemble._easy_ensemble.EasyEnsembleClassifier",
    "imblearn.ensemble._bagging.BalancedBaggingClassifier",
    "imblearn.pipeline.Pipeline",
    "imblearn.under_sampling._prototype_selection._random_under_sampler.RandomUnderSampler",
)

#: What a damaged folder raises while it is read (truncated, edited, replaced or missing files).
DAMAGED = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RuntimeError,
    EOFError,
    zipfile.BadZipFile,
    pickle.UnpicklingError,
)

_ARRAY_KINDS = "biufcUSmM"  # bool, integers, floats, complex, text, bytes, times: no objects
_SCALAR_KINDS = "biufcUS"
_ATTRIBUTE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PLAIN = (type(None), bool, int, float, str)


def summary(err: BaseException) -> str:
    """An exception as one short line: its first sentence (torch's and NumPy's messages go on to
    explain how to load the file unsafely, advice a damaged model folder should not pass on)."""
    text = " ".join(str(err).split()).split(". ")[0] or type(err).__name__
    return f"{type(err).__name__}: {text[:160]}{'...' if len(text) > 160 else ''}"


def read_file(file: Path, read: Callable[[Path], Any]) -> Any:
    """``read(file)``, with what a damaged file raises turned into one line naming it."""
    try:
        return read(file)
    except InputError:
        raise
    except DAMAGED as err:
        raise InputError(
            f"{file} cannot be read ({summary(err)}); retrain the model or restore the folder"
        ) from None


def qualified(cls: type) -> str:
    """``module.QualName`` of a class, as skops names types."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _resolve(location: str) -> Any:
    module, _, attr = location.partition(":")
    return getattr(importlib.import_module(module), attr)


def _lookup(table: dict[str, str], name: Any, what: str) -> Any:
    if not isinstance(name, str) or name not in table:
        raise InputError(
            f"the model folder names the {what} {name!r}, which unskew does not rebuild; known: "
            f"{', '.join(sorted(table))}"
        )
    return _resolve(table[name])


def _key_of(table: dict[str, str], cls: type) -> str | None:
    """The name under which ``table`` holds exactly ``cls`` (not a subclass), if any."""
    location = f"{cls.__module__}:{cls.__qualname__}"
    return next((name for name, where in table.items() if where == location), None)


def _is_library_estimator(value: Any) -> bool:
    root = type(value).__module__.partition(".")[0]
    return root in ("sklearn", "imblearn") and hasattr(value, "get_params")


class StateWriter:
    """Encodes an estimator into JSON nodes, writing its files into ``folder``.

    ``write_member(clf, folder)`` writes a fitted ``ImbalancedClassifier`` into an empty folder
    (the model-folder writer itself, so members nest). Call :meth:`finish` once at the end to
    write ``arrays.npz``.
    """

    def __init__(self, folder: Path, write_member: Callable[[Any, Path], None]) -> None:
        self.folder = folder
        self.write_member = write_member
        self.arrays: dict[str, np.ndarray] = {}
        self.counts = dict.fromkeys(_FOLDERS, 0)
        self.memo: dict[int, int] = {}
        self.alive: list[Any] = []  # keeps encoded objects alive, so their ids stay unique

    def encode_root(self, estimator: Any) -> dict[str, Any]:
        """The meta estimator itself: a ``skops`` node for a scikit-learn / imbalanced-learn
        estimator, else an ``object`` node whatever its class (the loader resolves the class
        through the strategy registry)."""
        if _is_library_estimator(estimator):
            return self._tracked(estimator, lambda n: self._skops(estimator, n))
        return self._tracked(estimator, lambda n: self._object(estimator, n))

    def finish(self) -> None:
        np.savez(self.folder / ARRAYS, **self.arrays)

    # -- values -----------------------------------------------------------------------------------
    def encode(self, value: Any) -> Any:
        if isinstance(value, np.generic):
            return self._scalar(value)
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, torch.Tensor):
            key = self._store(value.detach().cpu().numpy())
            return {"$": "tensor", "key": key}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"$": "tuple", "items": [self.encode(v) for v in value]}
        if isinstance(value, dict):
            return self._dict(value)
        return self._tracked(value, lambda n: self._thing(value, n))

    def _scalar(self, value: np.generic) -> dict[str, Any]:
        if value.dtype.kind not in _SCALAR_KINDS:
            raise InputError(f"cannot save the NumPy scalar {value!r} of dtype {value.dtype}")
        return {"$": "scalar", "dtype": value.dtype.str, "value": value.item()}

    def _array(self, value: np.ndarray) -> dict[str, Any]:
        if value.dtype.kind in _ARRAY_KINDS:
            return {"$": "array", "key": self._store(value)}
        items = [v.item() if isinstance(v, np.generic) else v for v in value.reshape(-1).tolist()]
        if value.dtype.kind != "O" or not all(isinstance(v, _PLAIN) for v in items):
            raise InputError(
                f"cannot save an array of dtype {value.dtype} holding "
                f"{type(items[0]).__name__ if items else 'nothing'}; unskew saves arrays of "
                "numbers, text and Python scalars"
            )
        return {"$": "object_array", "shape": list(value.shape), "items": items}

    def _store(self, array: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(array)
        return key

    def _dict(self, value: dict) -> dict[str, Any]:
        from sklearn.utils import Bunch

        if not all(isinstance(k, str) for k in value):
            raise InputError(f"cannot save a dict with non-text keys {list(value)[:3]}")
        kind = "bunch" if isinstance(value, Bunch) else "dict"
        return {"$": kind, "items": {k: self.encode(v) for k, v in value.items()}}

    # -- objects ----------------------------------------------------------------------------------
    def _tracked(self, value: Any, encode: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
        """An object stored once: later occurrences become ``ref`` nodes."""
        if id(value) in self.memo:
            return {"$": "ref", "id": self.memo[id(value)]}
        number = len(self.memo)
        self.memo[id(value)] = number
        self.alive.append(value)
        return encode(number)

    def _thing(self, value: Any, number: int) -> dict[str, Any]:
        from unskew.decision._calibration import Calibration, ScoreCalibrator, TemperatureScaling
        from unskew.training.estimator import ImbalancedClassifier
        from unskew.training.preprocess import TablePreprocessor

        if isinstance(value, TablePreprocessor):
            return {"$": "table_preprocessor", "state": value.to_dict()}
        if isinstance(value, ScoreCalibrator | TemperatureScaling):
            method = getattr(value, "method", "temperature")
            calibration = Calibration(method)
            calibration.calibrator_ = value
            return {"$": "calibrator", "state": calibration.state_dict()}
        rule = _key_of(_RULES(), type(value))
        if rule is not None:
            return {"$": "rule", "class": rule, "state": value.state_dict()}
        if type(value) is ImbalancedClassifier and hasattr(value, "classes_"):
            folder = self._next("member")
            folder.mkdir(parents=True)
            self.write_member(value, folder)
            return {"$": "member", "id": number, "index": int(folder.name)}
        if isinstance(value, nn.Module):
            return self._network(value, number)
        if _key_of(CLASSES, type(value)) is not None:
            return self._object(value, number)
        if _is_library_estimator(value):
            return self._skops(value, number)
        raise InputError(
            f"cannot save a {qualified(type(value))} inside a meta model: unskew saves its own "
            "estimators, scikit-learn and imbalanced-learn estimators, numbers, text and arrays"
        )

    def _next(self, kind: str) -> Path:
        index = self.counts[kind]
        self.counts[kind] += 1
        return self.folder / _FOLDERS[kind] / f"{index}{_SUFFIX[kind]}"

    def _object(self, value: Any, number: int) -> dict[str, Any]:
        params = value.get_params(deep=False)
        state = {k: v for k, v in vars(value).items() if k not in params}
        private = [k for k in state if not _ATTRIBUTE.match(k)]
        if private:
            raise InputError(
                f"cannot save {type(value).__name__}: its attributes {private} are private; only "
                "constructor parameters and public fitted attributes (name_) are saved"
            )
        return {
            "$": "object",
            "id": number,
            "class": type(value).__qualname__,
            "params": {k: self.encode(v) for k, v in params.items()},
            "state": {k: self.encode(v) for k, v in state.items()},
        }

    def _network(self, value: nn.Module, number: int) -> dict[str, Any]:
        location = f"{type(value).__module__}:{type(value).__qualname__}"
        name = next((n for n, (where, _, _) in NETWORKS.items() if where == location), None)
        if name is None:
            raise InputError(
                f"cannot save the torch module {qualified(type(value))} inside a meta model; "
                f"unskew rebuilds {', '.join(NETWORKS)}"
            )
        file = self._next("network")
        file.parent.mkdir(exist_ok=True)
        torch.save(value.state_dict(), file)
        return {"$": "network", "id": number, "class": name, "index": int(file.stem)}

    def _skops(self, value: Any, number: int) -> dict[str, Any]:
        import skops.io as sio

        try:
            data = sio.dumps(value, compression=zipfile.ZIP_DEFLATED)
        except Exception as err:  # skops refuses or fails on some objects (scorers, lambdas)
            message = " ".join(str(err).split())[:120] or type(err).__name__
            raise InputError(
                f"cannot save {type(value).__name__}: skops could not write it "
                f"({type(err).__name__}: {message})"
            ) from None
        outside = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
        if outside:
            raise InputError(
                f"cannot save {type(value).__name__}: it holds {', '.join(outside[:3])}, outside "
                "the types unskew trusts, so the folder could not be loaded safely; use a "
                "built-in head or member"
            )
        file = self._next("skops")
        file.parent.mkdir(exist_ok=True)
        file.write_bytes(data)
        return {
            "$": "skops",
            "id": number,
            "class": qualified(type(value)),
            "index": int(file.stem),
        }


class StateReader:
    """Decodes what :class:`StateWriter` wrote in ``folder``; ``read_member(folder)`` loads a nested
    model folder."""

    def __init__(self, folder: Path, read_member: Callable[[Path], Any]) -> None:
        self.folder = folder
        self.read_member = read_member
        self.objects: dict[int, Any] = {}
        # read whole and first, used or not: a damaged or replaced file is refused, not ignored
        self.arrays = read_file(folder / ARRAYS, _read_arrays)

    def decode_root(self, node: Any, cls: type) -> Any:
        """The meta estimator, of class ``cls`` (the one the recipe's strategy builds)."""
        kind = node.get("$") if isinstance(node, dict) else None
        if kind not in ("object", "skops"):
            raise InputError(f'{self.folder}: model.json\'s "meta" is not a saved estimator')
        expected = cls.__qualname__ if kind == "object" else qualified(cls)
        if node.get("class") != expected:
            raise InputError(
                f"{self.folder}: model.json says the meta estimator is a {node.get('class')!r}, "
                f"but the recipe's strategy builds a {cls.__qualname__}"
            )
        value = self._object(node, cls) if kind == "object" else self._skops(node)
        return self._remember(node, value)

    def decode(self, node: Any) -> Any:
        if isinstance(node, _PLAIN):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise InputError(f"{self.folder}: unexpected value {node!r} in model.json")
        kind = node.get("$")
        decoder = _DECODERS.get(kind) if isinstance(kind, str) else None
        if decoder is None:
            raise InputError(f"{self.folder}: unknown kind of saved value {kind!r} in model.json")
        value = decoder(self, node)
        return self._remember(node, value) if "id" in node else value

    def _remember(self, node: dict, value: Any) -> Any:
        self.objects[_integer(node["id"])] = value
        return value

    # -- values -----------------------------------------------------------------------------------
    def _scalar(self, node: dict) -> Any:
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in _SCALAR_KINDS or not isinstance(node["value"], _PLAIN):
            raise InputError(f"{self.folder}: a saved scalar has the unsupported dtype {dtype}")
        return dtype.type(node["value"])

    def _array(self, node: dict) -> np.ndarray:
        return self.arrays[node["key"]]

    def _tensor(self, node: dict) -> torch.Tensor:
        return torch.from_numpy(self._array(node).copy())

    def _object_array(self, node: dict) -> np.ndarray:
        items = node["items"]
        if not isinstance(items, list) or not all(isinstance(v, _PLAIN) for v in items):
            raise InputError(f"{self.folder}: a saved label array holds values other than scalars")
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape([_integer(d) for d in node["shape"]])

    def _tuple(self, node: dict) -> tuple:
        return tuple(self.decode(v) for v in _typed(node["items"], list))

    def _dict(self, node: dict) -> dict:
        return {str(k): self.decode(v) for k, v in _typed(node["items"], dict).items()}

    def _bunch(self, node: dict) -> Any:
        from sklearn.utils import Bunch

        return Bunch(**self._dict(node))

    def _ref(self, node: dict) -> Any:
        number = _integer(node["id"])
        if number not in self.objects:
            raise InputError(f"{self.folder}: model.json refers to an object it does not hold")
        return self.objects[number]

    # -- objects ----------------------------------------------------------------------------------
    def _object(self, node: dict, cls: type | None = None) -> Any:
        cls = cls or _lookup(CLASSES, node["class"], "class")
        params = {_name(k): self.decode(v) for k, v in _typed(node["params"], dict).items()}
        obj = cls(**params)
        for key, value in _typed(node["state"], dict).items():
            setattr(obj, _name(key), self.decode(value))
        return obj

    def _file(self, node: dict, kind: str) -> Path:
        return self.folder / _FOLDERS[kind] / f"{_integer(node['index'])}{_SUFFIX[kind]}"

    def _member(self, node: dict) -> Any:
        return self.read_member(self._file(node, "member"))

    def _network(self, node: dict) -> nn.Module:
        file = self._file(node, "network")
        state = read_file(file, read_state_dict)
        network = _build_network(node["class"], state)
        network.load_state_dict(state)
        return network.eval()

    def _skops(self, node: dict) -> Any:
        import skops.io as sio

        file = self._file(node, "skops")
        data = read_file(file, Path.read_bytes)
        named = read_file(file, lambda _: sio.get_untrusted_types(data=data))
        outside = sorted(set(named) - set(TRUSTED_TYPES))
        if outside:
            raise InputError(
                f"{file} names types unskew does not trust ({', '.join(outside[:3])}); it was not "
                "loaded. Retrain the model, or audit the file and load it with skops yourself"
            )
        estimator = read_file(file, lambda _: sio.loads(data, trusted=named))
        if qualified(type(estimator)) != node.get("class"):
            raise InputError(
                f"{file} holds a {qualified(type(estimator))}, not the {node.get('class')!r} "
                "model.json names"
            )
        return estimator

    def _preprocessor(self, node: dict) -> Any:
        from unskew.training.preprocess import TablePreprocessor

        return TablePreprocessor.from_dict(_typed(node["state"], dict))

    def _calibrator(self, node: dict) -> Any:
        from unskew.decision import Calibration

        return Calibration().load_state_dict(_typed(node["state"], dict)).calibrator_

    def _rule(self, node: dict) -> Any:
        classes = _RULES()
        name = node.get("class")
        if name not in classes:
            raise InputError(f"unknown decision rule {name!r} in the saved model")
        return classes[name]().load_state_dict(_typed(node["state"], dict))


def _RULES() -> dict[str, type]:
    """The decision-rule classes a meta model may hold (a fixed table: nothing named in a folder
    is imported)."""
    from unskew.decision import BiasTuning, LogitAdjustment, ThresholdRule

    return {cls.__name__: cls for cls in (ThresholdRule, LogitAdjustment, BiasTuning)}


_DECODERS: dict[str, Callable[[StateReader, dict], Any]] = {
    "scalar": StateReader._scalar,
    "array": StateReader._array,
    "tensor": StateReader._tensor,
    "object_array": StateReader._object_array,
    "tuple": StateReader._tuple,
    "dict": StateReader._dict,
    "bunch": StateReader._bunch,
    "ref": StateReader._ref,
    "object": StateReader._object,
    "member": StateReader._member,
    "network": StateReader._network,
    "skops": StateReader._skops,
    "table_preprocessor": StateReader._preprocessor,
    "calibrator": StateReader._calibrator,
    "rule": StateReader._rule,
}


def _read_arrays(file: Path) -> dict[str, np.ndarray]:
    with np.load(file, allow_pickle=False) as saved:
        return {key: saved[key] for key in saved.files}


def read_state_dict(file: Path) -> dict[str, torch.Tensor]:
    """A ``state_dict`` read with ``weights_only=True``: tensors only, no code."""
    with warnings.catch_warnings():  # torch warns about foreign pickles before refusing them
        warnings.simplefilter("ignore")
        state = torch.load(file, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"{file} is not a state_dict of tensors")
    return state


def _build_network(name: Any, state: dict[str, torch.Tensor]) -> nn.Module:
    """The deep detector's module ``name`` with the widths its ``state_dict`` holds: the linear
    layers' weights, ``(out, in)`` each, in order, give the widths ``in, out_1, out_2, ...``."""
    if not isinstance(name, str) or name not in NETWORKS:
        raise InputError(
            f"the model folder names the network {name!r}, which unskew does not rebuild; known: "
            f"{', '.join(sorted(NETWORKS))}"
        )
    location, prefix, build = NETWORKS[name]
    weights = [t for k, t in state.items() if k.startswith(prefix) and k.endswith(".weight")]
    if not weights or any(w.ndim != 2 for w in weights):
        raise InputError(f"the saved {name} holds no linear layers under {prefix!r}")
    widths = [int(weights[0].shape[1])] + [int(w.shape[0]) for w in weights]
    return build(_resolve(location), widths)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"expected a non-negative integer in model.json, got {value!r}")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not _ATTRIBUTE.match(value):
        raise InputError(f"model.json names the attribute {value!r}; only public names load")
    return value


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise InputError(f"expected a JSON {kind.__name__} in model.json, got {value!r:.60}")
    return value
