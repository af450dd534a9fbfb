"""The bench on every modality: an image folder compared from disk (folds are rows of the Dataset),
texts, recipes that do not apply skipped with their reason, and fingerprints of folders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from unskew.bench import dataset_fingerprint, recipes_for, run_grid
from unskew.datasets import load
from unskew.exceptions import InputError
from unskew.training.inputs import take_rows

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """18 + 8 grey 10x10 images of two classes told apart by a bright band."""
    root = tmp_path_factory.mktemp("bench_img") / "shapes"
    rng = np.random.default_rng(0)
    for label, n in (("dot", 18), ("bar", 8)):
        (root / label).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 60, (10, 10), dtype=np.uint8)
            pixels[(2, 6)[label == "bar"] : (4, 8)[label == "bar"]] = 240
            Image.fromarray(pixels).save(root / label / f"{i:02d}.png")
    return root


def test_a_folder_is_compared_from_disk_on_subsets(folder):
    bundle = load(folder)
    subset = take_rows(bundle.X, np.array([0, 5, 20]))
    assert type(subset).__name__ == "Subset" and len(subset) == 3
    result = run_grid(
        folder,
        ["balanced_softmax", "augment_oversampling+cross_entropy"],
        cv=2,
        epochs=2,
        params={"batch_size": 8},
        data_options={"image_size": 12},
        progress=False,
    )
    board = {row["spec"]: row for row in result.leaderboard()}
    assert {r["status"] for r in board.values()} == {"ok"}, board
    assert result.options["model"] == "cnn"
    command = result.recommendation()["train_command"]
    assert "--model cnn" in command and "--image-size 12" in command


def test_recipes_for_another_modality_are_skipped_with_the_reason(tmp_path):
    rng = np.random.default_rng(0)
    words = ["good", "fine", "late", "broken", "refund", "lost", "great", "slow", "box", "day"]
    texts = [" ".join(rng.choice(words, 6)) + f" {i}" for i in range(40)]
    path = tmp_path / "texts.csv"
    pd.DataFrame({"review": texts, "label": ["a"] * 30 + ["b"] * 10}).to_csv(path, index=False)
    result = run_grid(str(path), ["smote+cross_entropy", "focal"], cv=2, epochs=1, progress=False)
    rows = {row["spec"]: row for row in result.leaderboard()}
    assert rows["smote+cross_entropy"]["status"] == "skipped"
    assert "not text data" in rows["smote+cross_entropy"]["error"]
    assert rows["focal"]["status"] == rows["cross_entropy"]["status"] == "ok"
    assert result.options["model"] == "text"


@pytest.mark.parametrize("modality", ["image", "text"])
def test_the_quick_sets_hold_what_the_issue_lists(modality):
    specs = set(recipes_for("quick", modality, 5))
    must = {
        "cross_entropy",
        "cross_entropy+weights:inverse",
        "balanced_softmax",
        "balanced_sampler+cross_entropy",
        "cross_entropy+logit_adjust",
    }
    must |= (
        {"ldam+drw", "augment_oversampling+cross_entropy", "cross_entropy+crt"}
        if modality == "image"
        else {"eda_oversampling+cross_entropy"}
    )
    assert must <= specs
    assert "cross_entropy+logit_adjust" in recipes_for("quick", "image", 2)  # images: always


def test_a_folder_fingerprint_follows_its_files_not_their_decoding(folder, tmp_path):
    import shutil

    a = dataset_fingerprint(load(folder), cv=3, repeats=1, random_state=0)
    assert a == dataset_fingerprint(load(folder), cv=3, repeats=1, random_state=0)
    assert a != dataset_fingerprint(load(folder, image_size=8), cv=3, repeats=1, random_state=0)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(copy / "dot" / "00.png")
    assert a != dataset_fingerprint(load(copy), cv=3, repeats=1, random_state=0)


def test_models_and_options_that_do_not_fit_are_refused_before_any_run(folder):
    with pytest.raises(InputError, match="at least 64x64"):
        run_grid(folder, ["focal"], model="resnet18", progress=False)
    with pytest.raises(InputError, match="takes a table"):
        run_grid(folder, ["focal"], model="mlp", progress=False)
    with pytest.raises(InputError, match="data_options takes"):
        run_grid(folder, ["focal"], data_options={"size": 3}, progress=False)
