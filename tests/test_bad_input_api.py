"""Bad input through the Python API (issue 23): the same checks as the command line raise
:class:`~unskew.exceptions.InputError` (a ``ValueError``) with one line, before any work; the
metrics and ``tune_threshold`` refuse label types and shapes they do not support; a ranking
metric a split cannot define is None, never an error. docs/errors.md lists every case."""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from unskew.exceptions import InputError


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and isinstance(err.value, ValueError)
    return text


@pytest.fixture(scope="module")
def table():
    from sklearn.datasets import make_classification

    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    return X.astype(np.float32), y


# -- options: ImbalancedClassifier and Trainer, refused before any work ---------------------------
@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1, got 0"),
        ({"lr": float("nan")}, "lr must be a number in (0, 10], got nan"),
        ({"lr": 1e308}, "got 1e+308"),
        ({"validation": 0.99}, "validation must be a number in [0, 0.5], got 0.99"),
        ({"epochs": 2.5}, "epochs must be a whole number >= 1, got 2.5"),
        ({"epochs": "3"}, "epochs must be a whole number >= 1, got '3'"),
        ({"dropout": 1.0}, "dropout must be a number in [0, 1), got 1.0"),
    ],
    ids=lambda v: str(v),
)
def test_classifier_refuses_options_before_training(table, options, says):
    from unskew.training import ImbalancedClassifier

    clf = ImbalancedClassifier(hidden=(8,), **{"epochs": 1, **options})
    with pytest.raises(InputError) as err:
        clf.fit(*table)
    assert says in _one_line(err)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"lr": -1.0}, "lr must be a number in (0, 10], got -1.0"),
        ({"patience": 0}, "patience must be a whole number >= 1, got 0"),
    ],
    ids=lambda v: str(v),
)
def test_trainer_refuses_options_before_training(table, options, says):
    from unskew.models import MLP
    from unskew.training import Trainer

    trainer = Trainer(MLP(4, 2, hidden=(8,)), verbose=0, **options)
    with pytest.raises(InputError) as err:
        trainer.fit(torch.as_tensor(table[0]), table[1])
    assert says in _one_line(err)
    assert not hasattr(trainer, "history_")


# -- recipes --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"parts": [{}]}, "each of a recipe's 'parts' needs a 'name'"),
        ({"focal": 2}, "the parameters of 'focal' must be a dict such as {'gamma': 2}, got 2"),
        (
            {"parts": [{"name": "focal", "gamma": 2}]},
            "a recipe part takes 'name' and 'params' only",
        ),
        ("cross_entropy:foo", "cross_entropy has no parameter 'foo', and 'foo' is not a number"),
        ("focal:gamma=nan", "focal:gamma must be a finite number, got nan"),
        ("smote:k_neighbors=2.5", "smote:k_neighbors must be a whole number, got 2.5"),
        ("balanced_sampler:power=abc", "balanced_sampler:power must be a number, got 'abc'"),
    ],
    ids=lambda v: str(v),
)
def test_parse_recipe_refuses(spec, says):
    from unskew.recipes import parse_recipe

    with pytest.raises(InputError) as err:
        parse_recipe(spec)
    assert says in _one_line(err)


def test_spaces_around_colons_and_equals_are_read():
    from unskew.recipes import parse_recipe

    assert parse_recipe("focal : gamma = 2") == parse_recipe("focal:gamma=2")


# -- metrics and threshold tuning -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "y_true", "y_pred", "says"),
    [
        ("geometric_mean_score", ["a", "b"], [0, 1], "y_true holds text labels ('a', 'b') but y_pred holds numbers"),
        ("f1_score", [0, 1, 1], ["no", "yes", "yes"], "y_pred holds text labels"),
        ("confusion_matrix", np.array(["a", 1], dtype=object), ["a", "b"], "y_true mixes text and numbers"),
        ("balanced_accuracy_score", [0, 1], np.array([1, "b"], dtype=object), "y_pred mixes text and numbers"),
    ],
    ids=["gmean text vs codes", "f1 codes vs text", "mixed y_true", "mixed y_pred"],
)  # fmt: skip
def test_metrics_refuse_labels_of_two_kinds(name, y_true, y_pred, says):
    import unskew.metrics as metrics

    with pytest.raises(InputError) as err:
        getattr(metrics, name)(y_true, y_pred)
    assert says in _one_line(err)


def test_metrics_still_take_text_and_booleans():
    from unskew.metrics import geometric_mean_score

    assert geometric_mean_score(["a", "b", "b"], ["a", "b", "a"]) == pytest.approx(0.5**0.5)
    assert geometric_mean_score([True, False], [1, 0]) == 1.0


@pytest.mark.parametrize(
    ("y_true", "scores", "kwargs", "says"),
    [
        ([0, 1, 2, 0, 1, 2], [0.1, 0.5, 0.9, 0.2, 0.6, 0.8], {}, "threshold tuning is for two classes, but y_true holds 3"),
        ([0, 1, 0, 1], np.full((4, 3), 1 / 3), {}, "scores must hold one score per row"),
        (["no", "yes", "no", "yes"], [0.1, 0.9, 0.3, 0.7], {}, "pos_label=1 is not a label of y_true ('no', 'yes'); pass pos_label='yes'"),
    ],
    ids=["3 classes", "score matrix", "pos_label absent"],
)  # fmt: skip
def test_tune_threshold_refuses_what_it_cannot_tune(y_true, scores, kwargs, says):
    from unskew.decision import tune_threshold

    with pytest.raises(InputError) as err:
        tune_threshold(y_true, scores, **kwargs)
    assert says in _one_line(err)


def test_ranking_metrics_of_a_one_class_split_are_undefined_not_fatal():
    from unskew.metrics import classification_report, get_metric, report_table

    report = classification_report([0, 0, 0], [0, 1, 0], [0.1, 0.7, 0.2], labels=[0, 1])
    assert report["roc_auc"] is None and report["average_precision"] is None
    assert report["balanced_accuracy"] == pytest.approx(2 / 3)
    assert "roc_auc n/a" in report_table(report).caption
    with pytest.raises(InputError, match="roc_auc is undefined when y_true holds a single class"):
        get_metric("roc_auc")([0, 0], [0, 1], [0.2, 0.8])


def test_multiclass_ranking_metrics_average_the_classes_present():
    from unskew.metrics import classification_report

    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]])
    report = classification_report([0, 1, 0, 1], [0, 1, 0, 1], proba, labels=[0, 1, 2])
    assert report["roc_auc"] == 1.0 and report["average_precision"] == 1.0


# -- losses ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "counts", "says"),
    [
        ("ldam", [100, 0], "ldam needs a positive count for every class, but class 1 has 0"),
        ("balanced_softmax", [100, 0], "class 1 has 0"),
        ("logit_adjusted", [10.0, float("nan")], "class 1 has nan"),
        ("ldam", [[100, 10]], "one count per class"),
    ],
    ids=["ldam zero", "balanced softmax zero", "logit adjusted nan", "ldam matrix"],
)
def test_make_loss_refuses_counts_the_loss_cannot_use(name, counts, says):
    from unskew.losses import make_loss

    with pytest.raises(InputError) as err:
        make_loss(name, counts)
    assert says in _one_line(err)


def test_make_loss_takes_shares_as_counts():
    from unskew.losses import make_loss

    margins = make_loss("ldam", [0.9, 0.1]).margins
    assert bool(torch.isfinite(margins).all())


# -- data and comparisons -------------------------------------------------------------------------
def test_load_table_refuses_continuous_labels():
    from unskew.data import load_table

    with pytest.raises(InputError) as err:
        load_table(np.zeros((4, 2)), [0.5, 1.5, 0.5, 1.5])
    assert "holds continuous values" in _one_line(err)


def _leaky(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["label"] = np.where(frame.a > 0.8, "yes", "no")
    return frame.assign(flag=np.where(frame.label == "yes", 1, 0))


def test_compare_refuses_a_leak_before_any_run_and_allow_leak_warns(tmp_path):
    from unskew.bench import compare
    from unskew.data import load_table

    data = load_table(_leaky())
    with pytest.raises(InputError) as err:
        compare(data, recipes=["focal"], out=tmp_path / "runs", cv=2, epochs=1, progress=False)
    assert "column 'flag' is a one-to-one recoding of the target 'label'" in _one_line(err)
    assert not (tmp_path / "runs").exists()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compare(
            data,
            recipes=["focal"],
            cv=2,
            epochs=1,
            params={"hidden": (8,)},
            progress=False,
            allow_leak=True,
        )
    assert any("(allowed)" in str(w.message) for w in caught)
    assert {r.status for r in result.runs} == {"ok"}


def test_builtin_datasets_are_not_checked_for_leaks():
    from unskew.data import load_table
    from unskew.datasets import check_data_leaks

    data = load_table(_leaky())
    assert check_data_leaks("keel:yeast1", data) == []
    with pytest.raises(InputError):
        check_data_leaks(data, data)


def test_compare_refuses_empty_strategies():
    from unskew.bench import compare

    for empty in ("", "   "):  # an empty list is the baseline alone
        with pytest.raises(InputError) as err:
            compare("seed", recipes=empty, cv=2, epochs=1, progress=False)
        assert "recipe list (--strategies, recipes=) is empty" in _one_line(err)


# -- the experiment store -------------------------------------------------------------------------
def test_a_damaged_store_is_one_line_and_fresh_starts_it_afresh(tmp_path):
    from unskew.bench import Store

    path = tmp_path / "results.sqlite"
    path.write_bytes(b"not a database, " * 300)
    before = sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()
    with pytest.raises(InputError) as err:
        Store(path)
    assert "is damaged (file is not a database)" in _one_line(err)
    assert (sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()) == before
    with Store(path, fresh=True) as store:
        assert store.fingerprints() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sqlite"]


def _hold(folder: str, ready, release) -> None:
    from unskew.bench._store import FolderLock

    with FolderLock(folder):
        ready.set()
        release.wait(60)


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_store_in_use_by_another_process_waits_then_names_it(tmp_path):
    from unskew.bench import Store

    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(120)
        os.environ["UNSKEW_STORE_WAIT"] = "0.3"
        with pytest.raises(InputError) as err:
            Store(tmp_path / "results.sqlite")
        assert f"(PID {holder.pid} on " in _one_line(err) and "waited 0.3 s" in str(err.value)
        assert not (tmp_path / "results.sqlite").exists()
    finally:
        os.environ.pop("UNSKEW_STORE_WAIT", None)
        release.set()
        holder.join(60)
    with Store(tmp_path / "results.sqlite") as store:  # free again: the lock was released
        assert store.count() == 0
    assert sorted(p.name for p in Path(tmp_path).iterdir() if "lock" in p.name) == []


def test_a_meta_model_that_cannot_weight_rows_says_so_in_one_line(table):
    from unskew.training import ImbalancedClassifier

    X, y = table
    clf = ImbalancedClassifier(recipe="isolation_forest", random_state=0)
    with pytest.raises(InputError) as err:
        clf.fit(X, y, sample_weight=np.ones(len(y)))
    assert "isolation_forest cannot weight rows" in _one_line(err)
