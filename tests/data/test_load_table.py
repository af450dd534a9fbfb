"""load_table on every format, with real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from unskew.data import DataBundle, load_table
from unskew.datasets import load
from unskew.exceptions import InputError

LABELS = ["fraud", "ok"]


def _check(data: DataBundle, frame: pd.DataFrame, *, name: str | None = None) -> None:
    assert data.modality == "table"
    assert data.feature_names == ["amount", "count", "city", "online"]
    assert data.classes.tolist() == LABELS
    assert data.y.dtype == np.int64
    assert data.labels().tolist() == frame["label"].tolist()
    assert "city" in data.categorical and "amount" not in data.categorical
    assert data.X["amount"].isna().sum() == 2  # missing values are kept, not dropped
    assert data.target == "label"
    assert data.class_counts.tolist() == [10, 50]
    if name:
        assert data.name == name


@pytest.mark.parametrize("filename", ["data.csv", "data.tsv", "data.csv.gz", "data.tab"])
def test_delimited_files(tmp_path, frame, filename):
    path = tmp_path / filename
    frame.to_csv(path, index=False, sep="\t" if ".t" in filename else ",")
    data = load_table(path)
    _check(data, frame, name="data")
    np.testing.assert_allclose(data.X["amount"], frame["amount"])
    assert set(data.X["city"]) == {"paris", "lyon", "nice"}  # raw values, not encoded


def test_parquet(tmp_path, frame):
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    data = load_table(path, target="label")
    _check(data, frame)
    assert "online" in data.categorical  # booleans are categorical


def test_pandas_category_dtype_is_categorical(frame):
    frame = frame.assign(tier=pd.Categorical(["a", "b"] * 30))
    data = load_table(frame)
    assert "tier" in data.categorical


def test_dataframe_and_explicit_categorical(frame):
    data = load_table(frame, categorical=["count"])
    _check(data, frame)
    assert data.categorical == ["count", "city", "online"]  # column order


def test_npz_with_labels(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 4))
    y = np.array([0] * 25 + [1] * 5)
    path = tmp_path / "arrays.npz"
    np.savez(path, X=X, y=y)
    data = load_table(path)
    assert data.feature_names == ["x0", "x1", "x2", "x3"]
    np.testing.assert_array_equal(data.X.to_numpy(), X)
    assert data.class_counts.tolist() == [25, 5]


def test_npz_images_and_unlabeled(tmp_path):
    images = np.random.default_rng(0).random((6, 1, 8, 8)).astype(np.float32)
    path = tmp_path / "images.npz"
    np.savez(path, images=images, labels=np.array([0, 0, 0, 1, 1, 2]))
    data = load_table(path)
    assert data.modality == "image" and data.X.shape == (6, 1, 8, 8)
    assert data.n_classes == 3
    unlabeled = load_table(path, target=None)
    assert unlabeled.y is None and not unlabeled.labeled


def test_numpy_and_torch_inputs_agree():
    X = np.random.default_rng(1).normal(size=(20, 3))
    y = np.array([3, 7] * 10)
    a = load_table(X, y)
    b = load_table(torch.from_numpy(X), torch.from_numpy(y))
    pd.testing.assert_frame_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.classes.tolist() == b.classes.tolist() == [3, 7]


def test_three_dimensional_arrays_are_images():
    data = load_table(np.zeros((4, 8, 8)), [0, 1, 0, 1])
    assert data.modality == "image" and data.X.shape == (4, 1, 8, 8)
    assert data.X.dtype == np.float32


@pytest.mark.parametrize(
    ("shape", "layout"),
    [
        ((6, 28, 28), "NHW"),
        ((6, 1, 28, 28), "NCHW"),
        ((6, 3, 8, 10), "NCHW"),
        ((6, 28, 28, 3), "NHWC"),
    ],
)
def test_npz_image_shapes_are_detected(tmp_path, shape, layout):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "images.npz"
    np.savez(path, X=pixels, y=np.array([0, 1] * 3))
    data = load(path)
    if layout == "NHW":
        expected = pixels[:, None]
    else:
        expected = pixels.transpose(0, 3, 1, 2) if layout == "NHWC" else pixels
    np.testing.assert_allclose(data.X, expected / 255.0, atol=1e-7)  # uint8 -> [0, 1]
    assert data.modality == "image" and data.X.dtype == np.float32
    assert f"({layout}) read as" in data.detection
    np.savez(path, X=pixels)  # no labels: for prediction
    pool = load(path, target=None)
    assert pool.y is None and pool.X.shape == data.X.shape


@pytest.mark.parametrize("shape", [(4, 5, 5), (4, 2, 16, 16), (4, 3, 3, 3), (4, 8, 8, 8, 8)])
def test_other_shapes_are_refused(shape):
    with pytest.raises(InputError, match=r"neither a table \(N, F\) nor images"):
        load_table(np.zeros(shape), [0, 1, 0, 1])


def test_npz_table_detection(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, X=np.eye(4), y=[0, 1, 1, 0])
    assert load(path).detection == (
        "NumPy arrays t.npz: X of shape (4, 4) read as a table of 4 columns"
    )


def test_unlabeled_file_keeps_every_column(tmp_path, frame):
    path = tmp_path / "pool.csv"
    frame.drop(columns="label").to_csv(path, index=False)
    data = load_table(path, target=None)
    assert data.y is None and data.classes is None
    assert data.feature_names == ["amount", "count", "city", "online"]
    assert "unlabeled" in repr(data)


@pytest.mark.parametrize("column", ["target", "Label", "CLASS", "y"])
def test_auto_target_names(column):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], column: [0, 1, 1]})
    assert load_table(frame).target == column


def test_explicit_classes_fix_the_coding(frame):
    data = load_table(frame, classes=["ok", "fraud"])
    assert data.classes.tolist() == ["ok", "fraud"]
    assert data.class_counts.tolist() == [50, 10]


def test_float_labels_that_are_integers_become_ints():
    data = load_table(np.zeros((4, 1)), np.array([0.0, 1.0, 1.0, 0.0]))
    assert data.classes.dtype.kind == "i"


def test_keel_dat_file(tmp_path):
    path = tmp_path / "toy.dat"
    path.write_text(
        "@relation toy\n@attribute Sex {M, F}\n@attribute len real [0.0, 1.0]\n"
        "@attribute Class {positive, negative}\n@inputs Sex, len\n@outputs Class\n@data\n"
        "M, 0.5, negative\nF, <null>, positive\nM, 0.25,negative\n"
    )
    data = load_table(path, target="Class")
    assert data.categorical == ["Sex"]
    assert np.isnan(data.X["len"].iloc[1])
    assert data.labels().tolist() == ["negative", "positive", "negative"]


def test_csv_number_columns_keep_numeric_dtypes(tmp_path):
    # numbers in a CSV come back as float64 / int64 columns, never as strings
    path = tmp_path / "n.csv"
    pd.DataFrame({"a": [0.1, 0.2], "b": [1, 2], "label": [0, 1]}).to_csv(path, index=False)
    data = load_table(path)
    assert data.X["a"].dtype == np.float64 and data.X["b"].dtype == np.int64
    assert data.categorical == []
