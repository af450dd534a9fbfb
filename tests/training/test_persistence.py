"""Model folders: every kind the registry can save round-trips, loading runs no code planted in any
of its files, damaged folders are refused in one line, and save never replaces what is not a
model."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from unskew.cli.main import app
from unskew.exceptions import InputError
from unskew.hybrid import HEADS
from unskew.recipes import parse_recipe
from unskew.registry import get_registry
from unskew.training import ImbalancedClassifier, load_model

#: One saved model of every kind: a deep net, each meta strategy, each hybrid head (tiny settings).
KINDS = {
    "deep": "cross_entropy+weights:inverse+threshold:f1",
    "easy_ensemble": "easy_ensemble:n=2",
    "balanced_bagging": "balanced_bagging:n=2",
    "boosting": "boosting:n=2",
    "voting": "voting",
    "stacking": "stacking",
    "stack_recipes": "stack_recipes:recipes=[cross_entropy;cross_entropy+weights:inverse]",
    "balanced_random_forest": "balanced_random_forest:n=5",
    "rus_boost": "rus_boost:n=5",
    "easy_ensemble_adaboost": "easy_ensemble_adaboost:n=2",
    "logistic_regression": "logistic_regression",
    "hist_gradient_boosting": "hist_gradient_boosting:n=5+threshold:f1",
    "isolation_forest": "isolation_forest:n_estimators=10",
    "one_class_svm": "one_class_svm",
    "autoencoder": "autoencoder:epochs=2",
    "deep_svdd": "deep_svdd:epochs=2",
    **{f"hybrid_{head}": f"hybrid:head={head}" for head in HEADS},
}
#: Boosting refuses a first member no better than chance: its nets, on an under-sampling of about
#: 90 rows, get more optimiser steps.
SETTINGS = {"boosting": {"epochs": 10, "batch_size": 16}}


def table() -> tuple[pd.DataFrame, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        300, 5, n_informative=3, weights=[0.85], class_sep=2.0, random_state=0
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    return frame, np.where(y == 1, "fraud", "ok").astype(object)  # object labels, as from a CSV


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """``models(kind)``: (folder, fitted classifier), each trained and saved once on first use."""
    root = tmp_path_factory.mktemp("models")
    X, y = table()
    cache: dict[str, tuple[Path, ImbalancedClassifier]] = {}

    def get(kind: str) -> tuple[Path, ImbalancedClassifier]:
        if kind not in cache:
            settings = {"epochs": 2, "hidden": (8,), **SETTINGS.get(kind, {})}
            clf = ImbalancedClassifier(recipe=KINDS[kind], random_state=0, **settings)
            clf.fit(X, y)
            cache[kind] = (clf.save(root / kind), clf)
        return cache[kind]

    return get


@pytest.fixture(scope="module")
def rows_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    X, y = table()
    X.assign(label=y).to_csv(path, index=False)
    return path


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in files_of(folder)}


def copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def predict_cli(folder: Path, rows: Path, out: Path | None = None):
    args = ["predict", str(folder), str(rows)] + (["--out", str(out)] if out else [])
    return CliRunner().invoke(app, args)


def assert_one_line_error(result) -> None:
    """The command line's contract for bad input: one ``error:`` line, exit code 2."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output


# -- coverage and round trips ----------------------------------------------------------------------
def test_every_meta_strategy_and_hybrid_head_is_covered():
    meta = {s.name for s in get_registry().list(stage="meta")}
    parts = [parse_recipe(r).slot("meta") for r in KINDS.values()]
    assert meta <= {p.name for p in parts if p is not None}
    assert set(HEADS) <= {p.params["head"] for p in parts if p is not None and p.name == "hybrid"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_saved_model_predicts_the_same_after_loading(models, kind):
    folder, clf = models(kind)
    allowed = {".json", ".pt", ".npz", ".skops"}
    assert {p.suffix for p in files_of(folder)} <= allowed  # no pickle, no joblib
    X, _ = table()
    again = load_model(folder)
    assert again.classes_.tolist() == clf.classes_.tolist() == ["fraud", "ok"]
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    assert again.recipe_ == clf.recipe_


def test_a_fresh_interpreter_predicts_the_same(models, rows_csv):
    kinds = ["deep", "stacking", "stack_recipes", "deep_svdd", "hybrid_svm"]
    code = (
        "import json, sys, pandas as pd; from unskew.training import load_model; "
        "rows = pd.read_csv(sys.argv[1]).drop(columns='label'); "
        "print(json.dumps([load_model(f).predict_proba(rows).tolist() for f in sys.argv[2:]]))"
    )
    folders = [str(models(k)[0]) for k in kinds]
    proc = subprocess.run(
        [sys.executable, "-c", code, str(rows_csv), *folders],
        capture_output=True,
        text=True,
        check=True,
    )
    X = pd.read_csv(rows_csv).drop(columns="label")
    for kind, proba in zip(kinds, json.loads(proc.stdout), strict=True):
        np.testing.assert_array_equal(np.asarray(proba), models(kind)[1].predict_proba(X))


# -- planted pickles ---------------------------------------------------------------------------------
class Planted:
    """Unpickling this writes the marker file: the proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def plant(file: Path, marker: Path, how: str) -> None:
    """Replace ``file`` by a pickle that writes ``marker``: a bare pickle, or one in the file's own
    format (a torch file, an .npz object array, a skops file naming the class)."""
    payload = Planted(marker)
    if how == "pickle":
        file.write_bytes(pickle.dumps(payload))
    elif file.suffix == ".pt":
        torch.save({"weight": payload}, file)
    elif file.suffix == ".npz":
        np.savez(file, a0=np.array([payload], dtype=object))
    elif file.suffix == ".skops":
        import skops.io as sio

        file.write_bytes(sio.dumps(payload))


@pytest.mark.parametrize("kind", KINDS)
def test_a_pickle_planted_in_any_file_never_runs(models, kind, rows_csv, tmp_path):
    folder, _ = models(kind)
    marker = tmp_path / "marker"
    planted = 0
    for file in files_of(folder):
        for how in ("pickle", "format"):
            if how == "format" and file.suffix == ".json":
                continue  # JSON has no way to hold a pickle of its own
            victim = copy(folder, tmp_path / f"m{planted}")
            plant(victim / file.relative_to(folder), marker, how)
            out = tmp_path / f"out{planted}.csv"
            result = predict_cli(victim, rows_csv, out)
            assert not marker.exists(), f"loading ran code planted in {file.name} ({how})"
            assert_one_line_error(result)
            assert not out.exists()
            planted += 1
    assert planted == 2 * len(files_of(folder)) - len(list(folder.rglob("*.json")))


def test_a_planted_pickle_meets_one_line_from_a_real_cli_process(models, rows_csv, tmp_path):
    folder, _ = models("hybrid_random_forest")
    marker = tmp_path / "marker"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}  # warnings would show
    for name in ("estimators/1.skops", "members/0/weights.pt"):
        victim = copy(folder, tmp_path / name.replace("/", "_"))
        plant(victim / name, marker, "pickle")
        result = subprocess.run(
            [sys.executable, "-m", "unskew", "predict", str(victim), str(rows_csv)],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        assert not marker.exists()
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert name in result.stderr  # the damaged file is named


# -- old folders ---------------------------------------------------------------------------------------
def edit_json(file: Path, change) -> None:
    content = json.loads(file.read_text())
    change(content)
    file.write_text(json.dumps(content))


def test_a_version_1_network_folder_still_loads(models, tmp_path):
    folder = copy(models("deep")[0], tmp_path / "v1")
    edit_json(folder / "model.json", lambda d: d.update(version=1))
    X, _ = table()
    np.testing.assert_array_equal(load_model(folder).predict(X), models("deep")[1].predict(X))


def test_a_version_1_meta_folder_is_refused_without_unpickling_it(tmp_path, rows_csv):
    folder = tmp_path / "old"
    folder.mkdir()
    marker = tmp_path / "marker"
    description = {
        "format": "unskew-model",
        "version": 1,
        "network": {"name": "meta", "strategy": "balanced_random_forest"},
        "recipe": "balanced_random_forest",
        "classes": ["fraud", "ok"],
        "classes_dtype": "|O",
        "class_counts": [45, 255],
        "params": {},
    }
    (folder / "model.json").write_text(json.dumps(description))
    plant(folder / "meta.joblib", marker, "pickle")
    with pytest.raises(InputError, match="retrain it") as info:
        load_model(folder)
    assert "\n" not in str(info.value) and "meta.joblib" in str(info.value)
    assert_one_line_error(predict_cli(folder, rows_csv))
    assert not marker.exists()


# -- damaged folders --------------------------------------------------------------------------------
def _truncate(file: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


DEEP_DAMAGE = {
    "weights.pt truncated": lambda f: _truncate(f / "weights.pt"),
    "weights.pt empty": lambda f: (f / "weights.pt").write_bytes(b""),
    "weights.pt missing": lambda f: (f / "weights.pt").unlink(),
    "model.json missing": lambda f: (f / "model.json").unlink(),
    "model.json truncated": lambda f: _truncate(f / "model.json"),
    "model.json not UTF-8": lambda f: (f / "model.json").write_bytes(b"\xff\xfe\x00{"),
    "model.json a list": lambda f: (f / "model.json").write_text("[1, 2]"),
    "version from the future": lambda f: edit_json(f / "model.json", lambda d: d.update(version=9)),
    "another format": lambda f: edit_json(f / "model.json", lambda d: d.update(format="onnx")),
    "hidden width edited": lambda f: edit_json(
        f / "model.json", lambda d: d["network"].update(hidden=[9])
    ),
    "classes dtype edited": lambda f: edit_json(
        f / "model.json", lambda d: d.update(classes_dtype="<M8[ns]")
    ),
    "unknown parameter": lambda f: edit_json(f / "model.json", lambda d: d["params"].update(x=1)),
    "network removed": lambda f: edit_json(f / "model.json", lambda d: d.pop("network")),
    "decision rule edited": lambda f: edit_json(
        f / "model.json", lambda d: d.update(decision={"kind": "magic"})
    ),
    "recipe is not text": lambda f: edit_json(f / "model.json", lambda d: d.update(recipe=[1])),
}


@pytest.mark.parametrize("damage", DEEP_DAMAGE)
def test_a_damaged_network_folder_is_one_line(models, damage, rows_csv, tmp_path):
    folder = copy(models("deep")[0], tmp_path / "m")
    DEEP_DAMAGE[damage](folder)
    before = snapshot(folder)
    with pytest.raises(InputError) as info:
        load_model(folder)
    assert "\n" not in str(info.value)
    out = tmp_path / "scores.csv"
    assert_one_line_error(predict_cli(folder, rows_csv, out))
    assert snapshot(folder) == before and not out.exists()


def _meta_node(folder: Path, change) -> None:
    edit_json(folder / "model.json", lambda d: change(d["meta"]))


META_DAMAGE = {
    "arrays.npz missing": lambda f: (f / "arrays.npz").unlink(),
    "arrays.npz truncated": lambda f: _truncate(f / "arrays.npz"),
    "skops file truncated": lambda f: _truncate(f / "estimators" / "1.skops"),
    "skops file missing": lambda f: (f / "estimators" / "0.skops").unlink(),
    "member folder missing": lambda f: shutil.rmtree(f / "members" / "0"),
    "member weights truncated": lambda f: _truncate(f / "members" / "0" / "weights.pt"),
    "meta class edited": lambda f: _meta_node(f, lambda m: m.update({"class": "Popen"})),
    "nested class edited": lambda f: _meta_node(
        f, lambda m: m["state"]["head_"].update({"class": "os.system"})
    ),
    "private attribute": lambda f: _meta_node(
        f, lambda m: m["state"].update({"__class__": {"$": "tuple", "items": []}})
    ),
    "unknown node kind": lambda f: _meta_node(
        f, lambda m: m["state"].update(classes_={"$": "pickle", "data": "gASV"})
    ),
    "array key edited": lambda f: _meta_node(
        f, lambda m: m["state"].update(classes_={"$": "array", "key": "a99"})
    ),
    "file index edited": lambda f: _meta_node(
        f, lambda m: m["state"]["extractor_"].update(index="../../elsewhere")
    ),
}


@pytest.mark.parametrize("damage", META_DAMAGE)
def test_a_damaged_meta_folder_is_one_line(models, damage, rows_csv, tmp_path):
    folder = copy(models("hybrid_svm")[0], tmp_path / "m")
    META_DAMAGE[damage](folder)
    with pytest.raises(InputError) as info:
        load_model(folder)
    assert "\n" not in str(info.value)
    assert_one_line_error(predict_cli(folder, rows_csv))


def test_an_unregistered_strategy_is_named_with_how_to_provide_it(models, tmp_path):
    folder = copy(models("deep")[0], tmp_path / "m")
    edit_json(folder / "model.json", lambda d: d.update(recipe="mystery_loss+threshold:f1"))
    with pytest.raises(InputError, match=r"'mystery_loss'.*unskew\.register\(.*--plugin"):
        load_model(folder)


def test_a_skops_file_naming_an_untrusted_type_is_refused_by_name(models, tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    folder = copy(models("hybrid_logistic_regression")[0], tmp_path / "m")
    scaler = FunctionTransformer(func=os.getcwd).fit(np.zeros((2, 2)))
    (folder / "estimators" / "0.skops").write_bytes(sio.dumps(scaler))
    with pytest.raises(InputError, match="posix.getcwd|os.getcwd") as info:
        load_model(folder)
    assert "does not trust" in str(info.value)


# -- saving ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    X, y = table()
    return ImbalancedClassifier(epochs=2, hidden=(8,), random_state=0).fit(X, y)


@pytest.mark.parametrize("overwrite", [False, True])
def test_save_never_replaces_a_folder_that_is_not_a_model(small, tmp_path, overwrite):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("precious")
    (folder / "model.json").write_text('{"not": "ours"}')
    before = snapshot(folder)
    with pytest.raises(InputError, match="folder of other files") as info:
        small.save(folder, overwrite=overwrite)
    assert "overwrite" not in str(info.value)  # passing it would not help
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary left behind


def test_save_replaces_a_model_only_when_asked(small, tmp_path):
    folder = small.save(tmp_path / "m")
    with pytest.raises(InputError, match="pass overwrite=True"):
        small.save(folder)
    other = ImbalancedClassifier(epochs=2, hidden=(4,), random_state=1).fit(*table())
    other.save(folder, overwrite=True)
    assert load_model(folder).network_config_["hidden"] == [4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        small.save(tmp_path / "file", overwrite=True)


def test_save_through_a_symlink_writes_the_folder_it_names(small, tmp_path):
    real = small.save(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    other = ImbalancedClassifier(epochs=2, hidden=(4,), random_state=1).fit(*table())
    other.save(link, overwrite=True)
    assert link.is_symlink() and load_model(real).network_config_["hidden"] == [4]


def test_a_failed_save_leaves_the_old_model_intact(small, tmp_path):
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Opaque(ClassifierMixin, BaseEstimator):  # a classifier unskew cannot save
        pass

    folder = small.save(tmp_path / "m")
    before = snapshot(folder)
    broken = ImbalancedClassifier(recipe="easy_ensemble:n=2", epochs=2, hidden=(8,))
    broken.fit(*table())
    broken.meta_.estimators_[1] = Opaque()
    with pytest.raises(InputError, match="cannot save"):
        broken.save(folder, overwrite=True)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


# -- the state codec, for meta classes the catalogue does not ship yet --------------------------------
class Plugin:
    """A user's meta estimator: a class of its own, resolved by the loader through the registry."""

    def __init__(self, shift: float = 0.5, inner=None) -> None:
        self.shift = shift
        self.inner = inner

    def get_params(self, deep: bool = False) -> dict:
        return {"shift": self.shift, "inner": self.inner}


def round_trip(estimator, cls, tmp_path):
    from unskew.training._state import StateReader, StateWriter
    from unskew.training.persistence import read_model_folder, write_model_folder

    tmp_path.mkdir(exist_ok=True)
    writer = StateWriter(tmp_path, write_model_folder)
    node = json.loads(json.dumps(writer.encode_root(estimator)))
    writer.finish()
    return StateReader(tmp_path, read_model_folder).decode_root(node, cls)


def test_a_scikit_learn_estimator_as_the_meta_model_round_trips(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = table()
    hgb = HistGradientBoostingClassifier(max_iter=5, class_weight="balanced", random_state=0)
    hgb.fit(X, y)
    again = round_trip(hgb, HistGradientBoostingClassifier, tmp_path)
    np.testing.assert_array_equal(again.predict_proba(X), hgb.predict_proba(X))
    with pytest.raises(InputError, match="the recipe's strategy builds"):
        round_trip(hgb, Plugin, tmp_path / "other")


def test_a_registered_class_of_its_own_round_trips_with_its_fitted_state(tmp_path):
    from sklearn.linear_model import LogisticRegression

    X, y = table()
    plugin = Plugin(0.25, inner=LogisticRegression().fit(X, y))
    plugin.weights_ = np.arange(3.0)
    plugin.labels_ = np.asarray(["a", "b"], dtype=object)
    plugin.best_ = np.int64(2)
    plugin.same_ = plugin.inner  # stored once, restored as the same object
    again = round_trip(plugin, Plugin, tmp_path)
    assert again.shift == 0.25 and again.same_ is again.inner
    np.testing.assert_array_equal(again.inner.coef_, plugin.inner.coef_)
    assert again.labels_.dtype == object and again.labels_.tolist() == ["a", "b"]
    assert type(again.best_) is np.int64 and again.weights_.tolist() == [0.0, 1.0, 2.0]
