"""Outputs never destroy inputs: ``--out`` (and ``--plot``) refuse one of the command's inputs, a
path inside a saved model folder and a FIFO, and a symbolic link is followed to the file it names.
Commands run in real subprocesses; every refusal is checked against the folder's bytes before and
after."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unskew.cli._paths import output_file, output_folder
from unskew.exceptions import InputError


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A folder with ``rows.csv`` and ``model/`` (a tiny MLP trained on it)."""
    from sklearn.datasets import make_classification

    from unskew.training import ImbalancedClassifier

    root = tmp_path_factory.mktemp("saved")
    X, y = make_classification(200, 4, weights=[0.8], random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(label=np.where(y, "yes", "no"))
    frame.to_csv(root / "rows.csv", index=False)
    clf = ImbalancedClassifier(epochs=2, hidden=(8,), random_state=0)
    clf.fit(frame.drop(columns="label"), frame.label).save(root / "model")
    return root


@pytest.fixture
def work(saved, tmp_path) -> Path:
    shutil.copytree(saved, tmp_path, dirs_exist_ok=True)
    return tmp_path


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: file bytes, link targets, and the kind of anything else."""
    out: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = ("link", os.readlink(path))
        elif stat.S_ISFIFO(path.lstat().st_mode):
            out[key] = "fifo"
        elif path.is_file():
            out[key] = path.read_bytes()
    return out


def refused(result) -> bool:
    return (
        result.returncode == 2
        and result.stderr.startswith("error: ")
        and result.stderr.count("\n") == 1
        and "Traceback" not in result.stderr
    )


def test_predict_refuses_to_write_over_its_input(work, cli):
    os.link(work / "rows.csv", work / "hard.csv")  # the same file under another name
    before = snapshot(work)
    for out in ("rows.csv", "hard.csv", "model/model.json", "model/scores.csv"):
        result = cli(
            "predict", str(work / "model"), str(work / "rows.csv"), "--out", str(work / out)
        )
        assert refused(result), (out, result.stderr)
    assert snapshot(work) == before


def test_predict_writes_the_file_a_symlink_names(work, cli):
    (work / "real.csv").write_text("old")
    (work / "link.csv").symlink_to(work / "real.csv")
    (work / "sneaky.csv").symlink_to(work / "rows.csv")
    before = snapshot(work)
    result = cli(
        "predict", str(work / "model"), str(work / "rows.csv"), "--out", str(work / "sneaky.csv")
    )
    assert refused(result) and "rows.csv" in result.stderr
    assert snapshot(work) == before
    result = cli(
        "predict", str(work / "model"), str(work / "rows.csv"), "--out", str(work / "link.csv")
    )
    assert result.returncode == 0, result.stderr
    assert (work / "link.csv").is_symlink() and os.readlink(work / "link.csv") == str(
        work / "real.csv"
    )
    columns = ["row", "prediction", "score_no", "score_yes"]
    assert list(pd.read_csv(work / "real.csv").columns) == columns
    after = snapshot(work)
    assert {k: v for k, v in after.items() if k != "real.csv"} == {
        k: v for k, v in before.items() if k != "real.csv"
    }


def test_predict_refuses_a_fifo_and_writes_stdout_for_a_dash(work, cli):
    os.mkfifo(work / "pipe")
    before = snapshot(work)
    result = cli(
        "predict", str(work / "model"), str(work / "rows.csv"), "--out", str(work / "pipe")
    )
    assert refused(result) and "FIFO" in result.stderr
    assert snapshot(work) == before and stat.S_ISFIFO((work / "pipe").lstat().st_mode)
    result = cli("predict", str(work / "model"), str(work / "rows.csv"), "--out", "-")
    assert result.returncode == 0 and result.stdout.startswith("row,prediction,score_no,score_yes")


def test_suggest_train_compare_and_profile_refuse_their_inputs_and_model_folders(work, cli):
    before = snapshot(work)
    model, rows = str(work / "model"), str(work / "rows.csv")
    commands = [
        ("suggest", model, rows, "--out", rows),
        ("train", rows, "--out", rows),
        ("train", rows, "--out", model),
        ("compare", rows, "--out", model),
        ("profile", rows, "--plot", str(work / "model" / "classes.png")),
    ]
    for command in commands:
        assert refused(cli(*command)), command
    assert snapshot(work) == before


# -- the helper itself, in process -----------------------------------------------------------------
def test_output_file_rules(work):
    assert (
        output_file(None) is None
        and output_file("-") is None
        and output_file("/dev/stdout") is None
    )
    assert output_file(work / "new" / "scores.csv") == work / "new" / "scores.csv"
    with pytest.raises(InputError, match="is a folder"):
        output_file(work)
    with pytest.raises(InputError, match="--plot .* is the input"):
        output_file(work / "rows.csv", option="--plot", inputs=[work / "rows.csv"])
    with pytest.raises(InputError, match="is a device"):
        output_file("/dev/null")
    with pytest.raises(InputError, match="is a file, not a folder"):
        output_file(work / "rows.csv" / "x.csv")
    with pytest.raises(InputError, match="inside the saved model folder"):
        output_file(work / "model" / "sub" / "x.csv")
    assert output_file(work / "x.csv", inputs=["seed", None]) == work / "x.csv"  # not paths


def test_output_folder_rules(work):
    assert output_folder(work / "runs", writes=["results.sqlite"]) == work / "runs"
    (work / "results.sqlite").write_text("mine")
    with pytest.raises(InputError, match="would replace the input"):
        output_folder(work, inputs=[work / "results.sqlite"], writes=["results.sqlite"])
    with pytest.raises(InputError, match="is a file"):
        output_folder(work / "rows.csv")
    with pytest.raises(InputError, match="holds a saved model"):
        output_folder(work / "model")
    with pytest.raises(InputError, match="inside the input folder"):
        output_folder(work / "model" / "x", inputs=[work / "model"])
