"""Bad input through the command line, as a careless user types it (issue 23): each case ends in
exactly one documented way (docs/errors.md) - one ``error:`` line and exit 2 with nothing written,
success with a one-line warning, or exit 1 when every run of a comparison failed - and never in a
traceback. The working folder is compared before and after every case.

The cases run in real subprocesses; cases that do not depend on each other share one interpreter
(``bad_input_driver.py``), so the matrix costs a few interpreter starts, not one per case.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DRIVER = Path(__file__).with_name("bad_input_driver.py")


@dataclass(frozen=True)
class Case:
    """A command line and its documented outcome: ``error`` (exit 2, one ``error:`` line that
    says ``says``), ``ok`` (exit 0; ``says`` is in a ``warning:`` line, or in the output when
    ``warns`` is False) or ``failed`` (exit 1, the last line is an ``error:`` that says
    ``says``). Only ``writes`` may change."""

    id: str
    argv: tuple[str, ...]
    outcome: str
    says: str
    warns: bool = True
    writes: str | None = None
    group: str = "refuse"
    extra: dict = field(default_factory=dict)


def _train(*args: str) -> tuple[str, ...]:
    return ("train", "small.csv", *args)


def _compare(*args: str) -> tuple[str, ...]:
    return ("compare", "small.csv", "--cv", "2", "--epochs", "1", "-s", "focal", *args)


CASES = [
    # -- option ranges, checked before anything loads -----------------------------------------
    Case("train --batch-size 0", _train("--batch-size", "0"), "error", "--batch-size must be a whole number >= 1, got 0"),
    Case("train --lr -1", _train("--lr", "-1"), "error", "--lr must be a number in (0, 10], got -1.0"),
    Case("train --lr nan", _train("--lr", "nan"), "error", "--lr must be a number in (0, 10], got nan"),
    Case("train --lr 1e308", _train("--lr", "1e308"), "error", "got 1e+308"),
    Case("train --validation 0.99", _train("--validation", "0.99"), "error", "--validation must be a number in [0, 0.5], got 0.99"),
    Case("train --epochs 0", _train("--epochs", "0"), "error", "--epochs must be a whole number >= 1, got 0"),
    Case("train --test-size 0.95", _train("--test-size", "0.95"), "error", "--test-size must be a number in [0, 0.9]"),
    Case("train --seed -1", _train("--seed", "-1"), "error", "--seed must be a whole number in [0, 4294967295]"),
    Case("train --batch-size abc", _train("--batch-size", "abc"), "error", "Invalid value for '--batch-size'"),
    Case("train --epoch 3 (no such option)", _train("--epoch", "3"), "error", "No such option: --epoch"),
    Case("compare --cv 1", _compare("--cv", "1"), "error", "--cv must be a whole number >= 2, got 1"),
    Case("compare --repeats 0", _compare("--repeats", "0"), "error", "--repeats must be a whole number >= 1, got 0"),
    Case("compare --jobs 0", _compare("--jobs", "0"), "error", "--jobs must be a whole number >= 1 or -1, got 0"),
    Case("compare --time-budget -5", _compare("--time-budget", "-5"), "error", "--time-budget must be a number > 0, got -5.0"),
    Case("compare --time-budget soon", _compare("--time-budget", "soon"), "error", "is not a duration"),
    Case("compare --epochs 0", _compare("--epochs", "0"), "error", "--epochs must be a whole number >= 1, got 0"),
    Case("suggest -n 0", ("suggest", "model", "small.csv", "-n", "0"), "error", "-n must be a whole number >= 1, got 0"),
    Case("predict (no arguments)", ("predict",), "error", "Missing argument 'model_dir'"),
    # -- recipes, checked when parsed ----------------------------------------------------------
    Case("train -r focal:gamma=abc", _train("-r", "focal:gamma=abc"), "error", "focal:gamma must be a number, got 'abc'"),
    Case("train -r cross_entropy:foo", _train("-r", "cross_entropy:foo"), "error", "cross_entropy has no parameter 'foo', and 'foo' is not a number for its main parameter label_smoothing"),
    Case("train -r focal:gamma=nan", _train("-r", "focal:gamma=nan"), "error", "focal:gamma must be a finite number"),
    Case("train -r threshold:cost:1/0", _train("-r", "threshold:cost:1/0"), "error", "needs two positive costs"),
    Case("train -r smote:sampling_strategy=0.01", _train("-r", "smote:sampling_strategy=0.01", "--epochs", "1"), "error", "smote: sampling_strategy=0.01 asks for fewer minority rows per majority row than the training rows already have"),
    Case("train -r tomek:sampling_strategy=0.5", _train("-r", "tomek:sampling_strategy=0.5", "--epochs", "1"), "error", "tomek removes the rows a rule picks, so sampling_strategy=0.5 (a share to reach) cannot be met"),
    Case("compare -s smote:k_neighbors=0", _compare("-s", "smote:k_neighbors=0"), "error", "smote:k_neighbors must be >= 1, got 0"),
    Case("compare --strategies ''", _compare("--strategies", ""), "error", "the recipe list (--strategies, recipes=) is empty"),
    # -- labels and leaks, checked when the data is loaded -------------------------------------
    Case("train on labels 0.5/1.5", ("train", "continuous.csv"), "error", "holds continuous values"),
    Case("compare on labels 0.5/1.5", ("compare", "continuous.csv", "--out", "runs"), "error", "holds continuous values"),
    Case("train with a saved row index", ("train", "index.csv"), "error", "a saved row index"),
    Case("train with a copy of the label", ("train", "copy.csv"), "error", "is a one-to-one recoding of the target 'label'"),
    Case("compare with a saved row index", ("compare", "index.csv", "--out", "runs"), "error", "a saved row index"),
    Case("train on a value of 1e308", ("train", "huge.csv"), "error", "(up to 1e+308)"),
    Case("train --model cnn on a table", _train("--model", "cnn", "--out", "model2"), "error", "model 'cnn' takes images; small.csv is a table: use mlp"),
    Case("profile --plot into a folder", ("profile", "small.csv", "--plot", "plots"), "error", "--plot plots is a folder"),
    Case("profile --plot x.txt", ("profile", "small.csv", "--plot", "plots/x.txt"), "error", "unknown image format 'txt'"),
    # -- the experiment store ------------------------------------------------------------------
    Case("compare into a damaged store", _compare("--out", "damaged"), "error", "damaged/results.sqlite is damaged"),
    Case("compare into a truncated store", _compare("--out", "truncated", "--resume"), "error", "truncated/results.sqlite is damaged"),
    Case("report of a damaged store", ("report", "damaged"), "error", "is damaged"),
    # -- cases that train ----------------------------------------------------------------------
    Case("train --allow-leak", ("train", "index.csv", "--allow-leak", "--epochs", "1"), "ok", "is 0..119, a saved row index: a model learns the rows' order (pandas writes it unless to_csv(index=False)) (allowed by --allow-leak)", group="work"),
    Case("profile reports a leak", ("profile", "index.csv"), "ok", "saved row index", warns=False, group="work"),
    Case("train on 50 classes, 2 rows in some", ("train", "many.csv", "--epochs", "1", "--json"), "ok", '"roc_auc"', warns=False, group="work"),
    Case("compare --force over a damaged store", _compare("--out", "mended", "--force"), "ok", "report: mended/report.html", warns=False, writes="mended", group="work"),
    Case("compare --cv 5 with a class of 3 rows", ("compare", "rare.csv", "--cv", "5", "--epochs", "1", "-s", "focal"), "ok", "has only 3 rows, fewer than cv=5; using 3 folds", writes="runs/rare", group="work"),
    Case("compare where every run fails", _compare("--plugin", "doubles", "--out", "failing"), "failed", "every run failed (4 errors); the first, cross_entropy", writes="failing", group="work"),
]  # fmt: skip


def _table(rng: np.random.Generator, n: int = 120) -> pd.DataFrame:
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["label"] = np.where(frame.a + 0.3 * rng.normal(size=n) > 0.9, "yes", "no")
    return frame


def _store(path: Path) -> None:
    """A real store of a few runs, big enough to span several pages."""
    from unskew.bench import RunRecord, Store

    with Store(path) as store:
        store.set_meta("f" * 16, "toy", {"classes": ["no", "yes"]}, {"model": "mlp"})
        rng = np.random.default_rng(0)
        for fold in range(6):
            predictions = {"index": np.arange(500), "proba": rng.random((500, 2))}
            store.add(RunRecord("focal", 0, fold, "ok", predictions=predictions))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Small real files: a clean table, labels 0.5/1.5, leaking columns, a value of 1e308, 50
    classes with 2 rows in some, a folder, and damaged stores (random bytes; cut in half)."""
    root = tmp_path_factory.mktemp("bad_input")
    rng = np.random.default_rng(0)
    frame = _table(rng)
    frame.to_csv(root / "small.csv", index=False)
    frame.assign(label=np.where(frame.label == "yes", 1.5, 0.5)).to_csv(
        root / "continuous.csv", index=False
    )
    frame.to_csv(root / "index.csv")  # pandas' index column: 0..n-1
    frame.assign(flag=np.where(frame.label == "yes", 1, 0)).to_csv(root / "copy.csv", index=False)
    frame.assign(a=np.where(np.arange(len(frame)) == 3, 1e308, frame.a)).to_csv(
        root / "huge.csv", index=False
    )
    rows = [
        (c + rng.normal(), rng.normal(), f"c{c}")
        for c in range(50)
        for _ in range(2 + 4 * (c % 3 > 0))
    ]
    pd.DataFrame(rows, columns=["a", "b", "label"]).to_csv(root / "many.csv", index=False)
    frame.assign(label=np.where(np.arange(len(frame)) < 3, "rare", "common")).to_csv(
        root / "rare.csv", index=False
    )
    (root / "plots").mkdir()
    for name in ("damaged", "mended"):
        (root / name).mkdir()
        (root / name / "results.sqlite").write_bytes(rng.bytes(5000))
    (root / "truncated").mkdir()
    (root / "doubles.py").write_text(  # a user's plugin whose side effect breaks every run
        "import torch\n\ntorch.set_default_dtype(torch.float64)\n"
    )
    _store(root / "truncated" / "results.sqlite")
    data = (root / "truncated" / "results.sqlite").read_bytes()
    (root / "truncated" / "results.sqlite").write_bytes(data[: len(data) // 2])
    return root


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "COLUMNS": "120",
        "NO_COLOR": "1",
        "OMP_NUM_THREADS": "1",
        **extra,
    }


def _run_group(folder: Path, cases: list[Case]) -> dict[str, dict]:
    payload = json.dumps({"cases": {c.id: list(c.argv) for c in cases}})
    proc = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=folder,
        env=_env(),
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def results(workspace) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for group in ("refuse", "work"):
        out.update(_run_group(workspace, [c for c in CASES if c.group == group]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_ends_in_its_documented_way(case, results):
    result = results[case.id]
    stderr, stdout = result["stderr"], result["stdout"]
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    if case.outcome == "error":
        assert result["code"] == 2, (result["code"], stderr)
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
        assert case.says in lines[0], lines[0]
        assert stdout == ""
    elif case.outcome == "failed":
        assert result["code"] == 1, (result["code"], stderr)
        errors = [line for line in lines if line.startswith("error: ")]
        assert errors == [lines[-1]] and case.says in lines[-1], stderr
    else:
        assert result["code"] == 0, stderr
        assert not any(line.startswith("error:") for line in lines), stderr
        if case.warns:
            warned = [line for line in lines if case.says in line]
            assert warned and all(w.startswith("warning: ") for w in warned), stderr
        else:
            assert case.says in stdout, stdout[-2000:]
    changed = [
        p for p in result["changed"] if not (case.writes and p.startswith(case.writes + "/"))
    ]
    assert changed == [], changed


def test_the_matrix_holds_enough_distinct_inputs():
    assert len({c.argv for c in CASES}) == len(CASES) >= 40


def test_fifty_classes_report_their_ranking_metrics_without_failing(results):
    report = json.loads(results["train on 50 classes, 2 rows in some"]["stdout"])["test_report"]
    assert len(report["classes"]) == 50
    assert report["roc_auc"] is None or 0.0 <= report["roc_auc"] <= 1.0


def test_force_replaces_a_damaged_store_with_a_readable_one(results, workspace):
    with sqlite3.connect(workspace / "mended" / "results.sqlite") as con:
        assert con.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0] == 4
    assert not (workspace / "mended" / "results.sqlite.lock").exists()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv", [["strategies"], ["strategies", "--json"], ["datasets", "--no-keel", "--json"]]
)
def test_standard_output_on_a_full_device_is_one_line(argv):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "unskew", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            timeout=300,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "error: cannot write the output: No space left on device; check where standard output "
        "goes (a full device, a closed pipe) and the free space"
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_second_comparison_on_one_folder_waits_then_names_the_first(workspace, tmp_path):
    from unskew.bench._store import FolderLock

    folder = tmp_path / "busy"
    folder.mkdir()
    with FolderLock(folder):  # this test process plays the first comparison
        before = _snapshot(tmp_path)
        proc = subprocess.run(
            [sys.executable, "-m", "unskew", *_compare("--out", str(folder))],
            capture_output=True,
            text=True,
            cwd=workspace,
            env=_env(UNSKEW_STORE_WAIT="0.5"),
            timeout=300,
            check=False,
        )
        assert _snapshot(tmp_path) == before
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith(
        f"error: {folder} is being written by another comparison (PID {os.getpid()}"
    )
    assert "waited 0.5 s" in line
    assert not (folder / "results.sqlite").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize("argv", [["strategies"], ["strategies", "--json"]])
def test_a_pipe_closed_by_its_reader_is_one_line(argv):
    proc = subprocess.Popen(
        [sys.executable, "-m", "unskew", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    proc.stdout.close()  # the reader goes away before the first byte (`| true`)
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 2, stderr
    assert stderr.splitlines() == [
        "error: cannot write the output: Broken pipe; check where standard output goes (a full "
        "device, a closed pipe) and the free space"
    ]
