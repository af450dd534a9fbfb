"""Every bad input of issues 19 and 20 ends in one documented way, in a real subprocess: one
``error:`` line, exit code 2, nothing written and the input folder unchanged; or success with a
one-line warning."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` and a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def one_error_line(result) -> bool:
    lines = result.stderr.strip().splitlines()
    return (
        result.returncode == 2
        and len(lines) == 1
        and lines[0].startswith("error: ")
        and "Traceback" not in result.stderr
    )


def digit_pngs(
    folder: Path, label: int, n: int, size=(12, 12), mode="L", seed=0, prefix=""
) -> None:
    rng = np.random.default_rng(seed + label)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pixels = rng.integers(0, 80, (*size, 3) if mode == "RGB" else size, dtype=np.uint8)
        pixels[2 + 2 * label : 4 + 2 * label] = 250  # a bright band tells the classes apart
        Image.fromarray(pixels, mode).save(folder / f"{prefix}{label}_{i:03d}.png")


class Evil:
    """Pickled into a .pt file: unpickling it would create ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture(autouse=True)
def _one_torch_thread(monkeypatch):
    """The commands' torch on one thread: on a busy 2-core machine two threads per process made
    these runs 8 times slower (measured: compare on the review table, 223 s against 27 s)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The input files of every case, in one folder whose contents the tests compare."""
    root = tmp_path_factory.mktemp("inputs")
    for label in (0, 1):
        digit_pngs(root / "images" / str(label), label, 12)
    digit_pngs(root / "single" / "only", 0, 6)
    digit_pngs(root / "empty" / "a", 0, 6)
    (root / "empty" / "b").mkdir()
    for label in (0, 1):
        digit_pngs(root / "corrupt" / str(label), label, 6)
    (root / "corrupt" / "1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    for label in (0, 1):
        digit_pngs(root / "mixed" / str(label), label, 6)
    digit_pngs(root / "mixed" / "1", 1, 2, size=(20, 16), mode="RGB", seed=9, prefix="big")
    (root / "mixed" / "0" / "notes.txt").write_text("not an image")
    rng = np.random.default_rng(0)
    n = 80
    table = "amount,age,label\n" + "\n".join(
        f"{rng.normal():.3f},{rng.integers(20, 70)},{'yes' if i % 8 == 0 else 'no'}"
        for i in range(n)
    )
    (root / "table.csv").write_text(table + "\n")
    (root / "empty_text.csv").write_text(
        "review,label\n" + "".join(f",{'a' if i % 4 else 'b'}\n" for i in range(40))
    )
    torch.save([1, 2, 3], root / "list.pt")
    torch.save({"a": Evil(root.parent / "marker")}, root / "pickle.pt")
    torch.save({"foo.weight": torch.zeros(3), "bar.bias": torch.zeros(2)}, root / "nofit.pt")
    return root


def run_refused(cli, inputs, tmp_path, *args, expect):
    before = snapshot(inputs)
    out = tmp_path / "out"
    result = cli(*[a.format(inputs=inputs) for a in args], "--out", str(out))
    assert one_error_line(result), result.stderr
    for text in expect:
        assert text in result.stderr, result.stderr
    assert snapshot(inputs) == before
    assert not out.exists()
    return result


BAD_TRAIN = [
    # issue 19
    (["{inputs}/single"], ["single class", "unlabeled"]),
    (["{inputs}/empty"], ["'b'"]),
    (["{inputs}/corrupt"], ["broken.png"]),
    (["{inputs}/empty_text.csv", "--text", "review"], ["'review'", "empty in every row"]),
    # issue 20
    (["{inputs}/table.csv", "--model", "resnet18"], ["takes images", "table", "use mlp"]),
    (["{inputs}/images", "--model", "resnet18"], ["at least 64x64", "12x12"]),
    (["{inputs}/images", "--image-size", "0"], ["--image-size", "'0'"]),
    (["{inputs}/images", "--device", "cuda"], ["no CUDA GPU", "cpu"]),
    (["{inputs}/images", "--precision", "16"], ["CUDA", "bf16"]),
    (["{inputs}/images", "--pretrained", "{inputs}/list.pt"], ["not a state_dict"]),
    (["{inputs}/images", "--pretrained", "{inputs}/pickle.pt"], ["pickled", "weights_only"]),
    (["{inputs}/images", "--pretrained", "{inputs}/nofit.pt"], ["foo.weight", "no built-in"]),
    (["{inputs}/images", "--pretrained", "{inputs}/missing.pt"], ["no such file"]),
]


@pytest.mark.parametrize(("args", "expect"), BAD_TRAIN, ids=[" ".join(a) for a, _ in BAD_TRAIN])
def test_train_refuses_in_one_line_and_writes_nothing(cli, inputs, tmp_path, args, expect):
    run_refused(cli, inputs, tmp_path, "train", *args, "--epochs", "1", expect=expect)
    assert not (inputs.parent / "marker").exists()  # the pickle never ran


BAD_COMPARE = [
    (["{inputs}/table.csv", "--model", "resnet32"], ["takes images"]),
    (["{inputs}/images", "--model", "resnet18"], ["at least 64x64"]),
    (["{inputs}/images", "--device", "cuda"], ["no CUDA GPU"]),
    (["{inputs}/table.csv", "--image-size", "32"], ["resizes images"]),
]


@pytest.mark.parametrize(
    ("args", "expect"), BAD_COMPARE, ids=[" ".join(a) for a in (a for a, _ in BAD_COMPARE)]
)
def test_compare_refuses_in_one_line_and_writes_nothing(cli, inputs, tmp_path, args, expect):
    run_refused(cli, inputs, tmp_path, "compare", *args, expect=expect)


def test_folders_that_load_with_a_warning(cli, inputs):
    before = snapshot(inputs)
    skipped = cli("profile", str(inputs / "corrupt"), "--skip-bad-images")
    assert skipped.returncode == 0, skipped.stderr
    assert "broken.png" in skipped.stdout and "skipped 1" in " ".join(skipped.stdout.split())
    mixed = cli("profile", str(inputs / "mixed"))
    assert mixed.returncode == 0, mixed.stderr
    text = " ".join(mixed.stdout.split())
    assert "1 other file ignored" in text  # notes.txt, counted
    assert "resized to 12x12" in text and "converted" in text  # said once
    assert snapshot(inputs) == before


@pytest.fixture(scope="module")
def models(inputs, tmp_path_factory):
    """A model trained on images and one trained on a table, by the command line."""
    root = tmp_path_factory.mktemp("models")
    for name, data in (("image", "images"), ("table", "table.csv")):
        args = ["train", str(inputs / data), "--epochs", "2", "--out", str(root / name)]
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "unskew", *args], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize(
    ("model", "data", "expect"),
    [
        ("image", "table.csv", ["trained on images (12x12 grayscale)", "image folder"]),
        ("table", "images", ["trained on a table", "image folder", "table file"]),
        ("image", "images/0/0_000.png", ["trained on images", "a table file"]),
    ],
)
def test_predict_refuses_another_modality(cli, inputs, models, tmp_path, model, data, expect):
    before = snapshot(inputs)
    out = tmp_path / "pred.csv"
    result = cli("predict", str(models / model), str(inputs / data), "--out", str(out))
    assert one_error_line(result), result.stderr
    for text in expect:
        assert text in result.stderr, result.stderr
    assert not out.exists() and snapshot(inputs) == before


def test_predict_reads_images_of_another_size_and_mode_and_keeps_columns(
    cli, inputs, models, tmp_path
):
    out = tmp_path / "pred.csv"
    result = cli("predict", str(models / "image"), str(inputs / "mixed"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    import pandas as pd

    pred = pd.read_csv(out)
    assert list(pred.columns) == ["path", "prediction", "score_0", "score_1"]
    assert len(pred) == 14 and pred.path.str.endswith(".png").all()
    bad = cli(
        "predict", str(models / "image"), str(inputs / "images"), "--keep", "x", "--out", str(out)
    )
    assert one_error_line(bad) and "--keep" in bad.stderr
    table = cli(
        "predict",
        str(models / "table"),
        str(inputs / "table.csv"),
        "--id",
        "age",
        "--keep",
        "label,amount",
        "--out",
        str(tmp_path / "t.csv"),
    )
    assert table.returncode == 0, table.stderr
    rows = pd.read_csv(tmp_path / "t.csv")
    assert list(rows.columns)[:4] == ["row", "age", "label", "amount"]
    missing = cli("predict", str(models / "table"), str(inputs / "table.csv"), "--id", "nope")
    assert one_error_line(missing) and "'nope'" in missing.stderr
