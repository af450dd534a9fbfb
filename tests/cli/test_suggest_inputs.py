"""``unskew suggest`` reads its pool as ``unskew predict`` reads its DATA (image folders with class
sub-folders, flat or read with --unlabeled, image .npz files, built-in names, tables), in real
subprocesses on a tiny CNN trained by ``unskew train``; its lines name rows the way predict's do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _one_torch_thread(monkeypatch):
    """One torch thread per command: steadier and faster for tiny nets on busy shared cores."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def pngs(folder: Path, n: int, band: int, seed: int) -> None:
    """``n`` grey 12x12 PNGs with a bright band at rows ``band``, ``band + 1``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pixels = rng.integers(0, 80, (12, 12), dtype=np.uint8)
        pixels[band : band + 2] = 250
        Image.fromarray(pixels, "L").save(folder / f"{seed}_{i:03d}.png")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """``photos/{a,b}/`` (16 and 6 images), a flat folder, a nested tree, an image ``.npz`` and
    ``model/``: a CNN trained on ``photos`` for one epoch by the command line."""
    root = tmp_path_factory.mktemp("pool")
    pngs(root / "photos" / "a", 16, 2, seed=0)
    pngs(root / "photos" / "b", 6, 6, seed=1)
    pngs(root / "flat", 4, 2, seed=2)
    pngs(root / "flat", 3, 6, seed=3)
    pngs(root / "tree" / "day1" / "cam", 4, 2, seed=4)
    pngs(root / "tree" / "day2", 3, 6, seed=5)
    pixels = np.random.default_rng(6).integers(0, 80, (9, 12, 12), dtype=np.uint8)
    pixels[::3, 6:8] = 250
    np.savez(root / "pool.npz", X=pixels)
    args = ["train", str(root / "photos"), "--epochs", "1", "--out", str(root / "model")]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "unskew", *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    return root


def csv_of(cli, tmp_path, *args) -> pd.DataFrame:
    out = tmp_path / f"{args[0]}.csv"
    result = cli(*args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return pd.read_csv(out)


def same_rows_as_predict(picked: pd.DataFrame, predicted: pd.DataFrame, key: str) -> None:
    """Every suggested line names a row predict names, once, with predict's minority score."""
    assert picked[key].is_unique and set(picked[key]) <= set(predicted[key])
    joined = picked.merge(predicted, on=key, how="left")
    assert np.allclose(joined.p_b, joined.score_b, atol=1e-5)


@pytest.mark.parametrize(
    ("folder", "extra", "rows"),
    [("photos", [], 22), ("flat", [], 7), ("tree", ["--unlabeled"], 7)],
)
def test_suggest_reads_an_image_folder_as_predict_does(cli, root, tmp_path, folder, extra, rows):
    model, pool = str(root / "model"), str(root / folder)
    predicted = csv_of(cli, tmp_path, "predict", model, pool, *extra)
    assert len(predicted) == rows
    picked = csv_of(cli, tmp_path, "suggest", model, pool, "-n", "3", *extra)
    assert list(picked.columns) == ["path", "score", "p_b"] and len(picked) == 3
    same_rows_as_predict(picked, predicted, "path")
    if folder == "tree":
        assert any(p.startswith("day1/cam/") for p in predicted.path)


def test_suggest_without_diversity_on_an_npz_takes_predicts_likeliest_minority_rows(
    cli, root, tmp_path
):
    model, pool = str(root / "model"), str(root / "pool.npz")
    predicted = csv_of(cli, tmp_path, "predict", model, pool)
    picked = csv_of(cli, tmp_path, "suggest", model, pool, "-n", "3", "--no-diversity")
    assert list(picked.columns) == ["row", "score", "p_b"] and len(picked) == 3
    same_rows_as_predict(picked, predicted, "row")
    top = np.sort(predicted.score_b.to_numpy())[::-1][:3]
    assert np.allclose(picked.p_b, top, atol=1e-5) and np.allclose(picked.score, picked.p_b)


def test_suggest_reads_a_built_in_by_name(cli, root, tmp_path):
    model = str(root / "model")
    predicted = csv_of(cli, tmp_path, "predict", model, "digits-lt")
    picked = csv_of(cli, tmp_path, "suggest", model, "digits-lt", "-n", "4")
    assert list(picked.columns) == ["row", "score", "p_b"] and len(picked) == 4
    assert predicted.row.tolist() == list(range(568))
    same_rows_as_predict(picked, predicted, "row")


def test_a_table_model_suggests_from_a_built_in_and_refuses_images_in_one_line(cli, root, tmp_path):
    model = tmp_path / "table_model"
    trained = cli(
        "train", "seed", "--recipe", "cross_entropy", "--epochs", "2", "--out", str(model)
    )
    assert trained.returncode == 0, trained.stderr
    picked = csv_of(cli, tmp_path, "suggest", str(model), "seed", "-n", "5")
    assert list(picked.columns) == ["row", "score", "p_1"] and len(picked) == 5
    assert picked.row.is_unique and picked.row.between(0, 999).all()
    for pool in (str(root / "photos"), str(root / "pool.npz")):
        out = tmp_path / "refused.csv"
        refused = cli("suggest", str(model), pool, "-n", "2", "--out", str(out))
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and len(lines) == 1, refused.stderr
        assert lines[0].startswith("error: the model was trained on a table but ")
        assert not out.exists()
    wrong = cli("suggest", str(root / "model"), "seed", "-n", "2")
    assert wrong.returncode == 2 and "seed is a built-in table dataset" in wrong.stderr
