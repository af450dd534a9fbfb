"""Every bad input named in the foundation issue: a ValueError subclass from the API with a message
that names the problem and the fix, and from the CLI exit code 2, one line, no traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unskew.data import load_table
from unskew.exceptions import InputError


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def make_missing(tmp: Path) -> tuple[str, list[str]]:
    return str(tmp / "nope.csv"), ["file not found", "nope.csv"]


def make_empty(tmp: Path) -> tuple[str, list[str]]:
    (tmp / "empty.csv").write_bytes(b"")
    return str(tmp / "empty.csv"), ["empty", "empty.csv"]


def make_header_only(tmp: Path) -> tuple[str, list[str]]:
    (tmp / "header.csv").write_text("a,b,label\n")
    return str(tmp / "header.csv"), ["no data rows", "header.csv"]


def make_unreadable(tmp: Path) -> tuple[str, list[str]]:
    path = tmp / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    return str(path), ["cannot read", "broken.parquet", "Parquet"]


def make_garbled_csv(tmp: Path) -> tuple[str, list[str]]:
    path = tmp / "ragged.csv"
    path.write_text('a,b,label\n1,2,x\n1,2,3,4,5,6\n"unterminated,1\n')
    return str(path), ["cannot read", "ragged.csv"]


def make_unknown_format(tmp: Path) -> tuple[str, list[str]]:
    path = tmp / "data.xlsx"
    path.write_bytes(b"not a table")
    return str(path), ["unknown format", ".xlsx", "CSV"]


def make_target_missing(tmp: Path) -> tuple[str, list[str]]:
    frame = pd.DataFrame({"a": [1, 2], "fraud_flag": [0, 1]})
    return str(_csv(tmp / "t.csv", frame)), [
        "target column 'fraud_flg' not found",
        "did you mean 'fraud_flag'",
        "'a'",
    ]


def make_no_default_target(tmp: Path) -> tuple[str, list[str]]:
    frame = pd.DataFrame({"a": [1, 2], "b": [0, 1]})
    return str(_csv(tmp / "t.csv", frame)), ["no target column", "--target", "'a', 'b'"]


def make_single_class(tmp: Path) -> tuple[str, list[str]]:
    frame = pd.DataFrame({"a": [1, 2, 3], "label": ["ok"] * 3})
    return str(_csv(tmp / "one.csv", frame)), ["single class", "'ok'"]


def make_infinite(tmp: Path) -> tuple[str, list[str]]:
    frame = pd.DataFrame(
        {"a": [1.0, np.inf], "b": [0.5, 1.0], "c": [-np.inf, 1.0], "label": [0, 1]}
    )
    return str(_csv(tmp / "inf.csv", frame)), ["infinite values", "'a', 'c'"]


def make_missing_labels(tmp: Path) -> tuple[str, list[str]]:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "label": ["x", None, "y", "x"]})
    return str(_csv(tmp / "nolabel.csv", frame)), ["missing label", "rows '1'", "target=None"]


def make_length_mismatch(tmp: Path) -> tuple[str, list[str]]:
    path = tmp / "arrays.npz"
    np.savez(path, X=np.zeros((5, 2)), y=np.array([0, 1, 0, 1]))
    return str(path), ["X has 5 rows but y has 4 labels"]


# (factory, target passed)
CASES = {
    "missing file": (make_missing, "auto"),
    "empty file": (make_empty, "auto"),
    "header only": (make_header_only, "auto"),
    "unreadable parquet": (make_unreadable, "auto"),
    "garbled csv": (make_garbled_csv, "auto"),
    "unknown format": (make_unknown_format, "auto"),
    "target column missing": (make_target_missing, "fraud_flg"),
    "no default target": (make_no_default_target, "auto"),
    "single class": (make_single_class, "auto"),
    "infinite values": (make_infinite, "auto"),
    "missing labels": (make_missing_labels, "auto"),
    "X and y lengths differ": (make_length_mismatch, "auto"),
}


@pytest.mark.parametrize("case", CASES)
def test_api_raises_value_error_naming_problem(tmp_path, case):
    factory, target = CASES[case]
    path, fragments = factory(tmp_path)
    with pytest.raises(InputError) as info:
        load_table(path, target=target)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path, cli, case):
    factory, target = CASES[case]
    path, fragments = factory(tmp_path)
    args = ["profile", path] + ([] if target == "auto" else ["--target", target])
    result = cli(*args)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


def test_x_and_y_of_different_lengths():
    with pytest.raises(InputError, match="X has 5 rows but y has 4 labels"):
        load_table(np.zeros((5, 2)), [0, 1, 0, 1])


def test_labels_given_for_dataframe_must_match_length(frame):
    with pytest.raises(InputError, match="has 60 rows but target has 3"):
        load_table(frame.drop(columns="label"), [0, 1, 1])


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_table(tmp_path)


def test_column_name_target_for_array_is_refused():
    with pytest.raises(InputError, match="names a column, but an array has no columns"):
        load_table(np.zeros((3, 2)), "label")


def test_npz_without_known_arrays(tmp_path):
    path = tmp_path / "odd.npz"
    np.savez(path, foo=np.zeros(3))
    with pytest.raises(InputError, match="no feature array.*'foo'"):
        load_table(path)


def test_unknown_categorical_column(frame):
    with pytest.raises(
        InputError,
        match="categorical column 'citty' not found in the DataFrame; did you mean 'city'",
    ):
        load_table(frame, categorical=["citty"])


def test_one_hot_labels_refused():
    with pytest.raises(InputError, match="one-dimensional"):
        load_table(np.zeros((3, 2)), np.eye(3))


def test_nothing_written_on_bad_input(tmp_path, cli):
    path, _ = make_single_class(tmp_path)
    plot = tmp_path / "chart.png"
    result = cli("profile", path, "--plot", str(plot))
    assert result.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]


def test_cli_bad_plot_path(tmp_path, cli):
    result = cli("profile", "--plot", str(tmp_path / "chart.bmpx"))
    assert result.returncode == 2 and "use a .png" in result.stderr
    result = cli("profile", "--plot", str(tmp_path / "missing" / "chart.png"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_cli_unknown_dataset_name(cli):
    result = cli("profile", "mnist_ltt")
    assert result.returncode == 2
    assert "neither a file nor a built-in dataset" in result.stderr
