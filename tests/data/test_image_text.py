"""Image folders (real PNG files decoded with pillow) and text tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from unskew.data import get_labels, load_image_folder, load_text_table, profile
from unskew.exceptions import InputError


@pytest.fixture
def image_root(tmp_path):
    rng = np.random.default_rng(0)
    for cls, n in [("defect", 2), ("ok", 7)]:
        (tmp_path / cls).mkdir()
        for i in range(n):
            pixels = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "ok" / "notes.txt").write_text("not an image")
    (tmp_path / "empty_class").mkdir()
    return tmp_path


def test_labels_known_without_decoding(image_root, monkeypatch):
    ds = load_image_folder(image_root)

    def boom(*args, **kwargs):
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(Image, "open", boom)
    assert ds.classes == ["defect", "ok"]  # the folder without images is not a class
    assert get_labels(ds).tolist() == [0, 0] + [1] * 7
    p = profile(ds)
    assert [c.count for c in p.classes] == [2, 7] and p.name == image_root.name


def test_items_are_decoded_tensors(image_root):
    ds = load_image_folder(image_root)
    image, _ = ds[0]
    assert image.dtype == torch.float32 and image.shape == (3, 6, 5)
    assert image.min() >= 0.0 and image.max() <= 1.0
    expected = np.asarray(Image.open(ds.samples[0][0]), dtype=np.float32) / 255
    np.testing.assert_allclose(image.permute(1, 2, 0).numpy(), expected)
    batch, labels = next(iter(DataLoader(ds, batch_size=4)))
    assert batch.shape == (4, 3, 6, 5) and labels.tolist() == [0, 0, 1, 1]


def test_grayscale_mode_and_transform(image_root):
    ds = load_image_folder(image_root, mode="L", transform=lambda t: t * 2)
    image, _ = ds[3]
    assert image.shape == (1, 6, 5) and image.max() <= 2.0


def test_bad_folders(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_image_folder(tmp_path / "nope")
    with pytest.raises(InputError, match="holds no images"):
        load_image_folder(tmp_path)
    (tmp_path / "only").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "only" / "a.png")
    with pytest.raises(InputError, match="single class"):
        load_image_folder(tmp_path)


def test_text_table_from_csv(tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "review": ["great product", "broke after a day", None, "fine"],
            "label": ["pos", "neg", "pos", "pos"],
        }
    ).to_csv(path, index=False)
    data = load_text_table(path)
    assert data.modality == "text" and data.feature_names == ["review"]
    assert data.X.tolist() == ["great product", "broke after a day", "", "fine"]
    assert data.labels().tolist() == ["pos", "neg", "pos", "pos"]
    warnings = {w.kind for w in profile(data).warnings}
    assert "empty_texts" in warnings


def test_text_column_choice(tmp_path):
    frame = pd.DataFrame({"body": ["a", "b"], "title": ["x", "y"], "y": [0, 1]})
    assert load_text_table(frame).feature_names == ["body"]
    assert load_text_table(frame, text="title").X.tolist() == ["x", "y"]
    with pytest.raises(InputError, match="text column 'titel' not found.*did you mean 'title'"):
        load_text_table(frame, text="titel")
    with pytest.raises(InputError, match="cannot tell which column"):
        load_text_table(pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "y": [0, 1]}))
