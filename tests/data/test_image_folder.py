"""Image folders of real PNG files: labels without decoding, the size and mode rules, the cache,
bad files, unlabeled folders, and the bundle ``unskew.datasets.load`` makes of them."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from unskew.data import _image as image_module
from unskew.data import get_labels, load_image_folder, profile
from unskew.datasets import load
from unskew.exceptions import InputError


def _notes(ds_or_bundle) -> dict[str, str]:
    notes = getattr(ds_or_bundle, "notes", None) or ds_or_bundle.load_warnings
    return {n.kind: n.message for n in notes}


def test_long_tailed_digit_folder_round_trips(digit_folder, monkeypatch):
    root, pixels, labels = digit_folder([40, 20, 10, 5, 3, 3, 3, 3, 3, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean folder loads without a warning
        bundle = load(root)
    ds = bundle.X
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("an image was decoded"))
    assert bundle.modality == "image" and bundle.classes.tolist() == [str(c) for c in range(10)]
    assert bundle.y.tolist() == labels.tolist() and get_labels(ds).tolist() == labels.tolist()
    assert bundle.class_counts.tolist() == [40, 20, 10, 5, 3, 3, 3, 3, 3, 3]
    assert ds.shape == (93, 1, 28, 28) and bundle.n_features == 784 and ds.cached
    assert bundle.paths[:2] == ["0/00000.png", "0/00001.png"] and len(bundle.paths) == 93
    for i in (0, 50, 92):  # served from the cache, equal to the PNG's pixels
        image, label = ds[i]
        assert image.dtype == torch.float32 and image.shape == (1, 28, 28)
        np.testing.assert_allclose(image[0].numpy(), pixels[i] / 255.0, atol=1e-7)
        assert label == labels[i]
    assert bundle.detection == (
        "image folder: 10 class sub-folders, 93 PNG images; 28x28 grayscale, decoded once and "
        "cached in memory (71.2 KiB)"
    )
    assert profile(bundle).detection == bundle.detection


def test_streaming_gives_the_same_items_as_the_cache(digit_folder, monkeypatch):
    root, _, _ = digit_folder([6, 4])
    cached = load_image_folder(root)
    monkeypatch.setattr(image_module, "CACHE_BYTES", 1000)  # 10 images of 784 bytes do not fit
    streamed = load_image_folder(root)
    assert cached.cached and not streamed.cached
    assert "streamed from disk" in streamed.describe()
    for i in range(len(cached)):
        assert torch.equal(cached[i][0], streamed[i][0]) and cached[i][1] == streamed[i][1]
    batch, y = next(iter(DataLoader(streamed, batch_size=4)))
    assert batch.shape == (4, 1, 28, 28) and y.tolist() == [0, 0, 0, 0]


def test_dataset_pickles_for_parallel_workers(digit_folder):
    root, _, _ = digit_folder([3, 3])
    ds = load_image_folder(root)
    copy = pickle.loads(pickle.dumps(ds))
    assert torch.equal(copy[4][0], ds[4][0]) and copy.targets.tolist() == ds.targets.tolist()


def _mixed_folder(tmp_path, mnist_digits, write_pngs):
    X, _ = mnist_digits
    root = tmp_path / "mixed"
    write_pngs(root, X[:8], [0] * 4 + [1] * 4)
    Image.fromarray(X[8]).resize((40, 32)).save(root / "1" / "wide.png")
    Image.fromarray(np.stack([X[9]] * 3, axis=-1)).save(root / "0" / "rgb.png")
    return root


def test_mixed_sizes_and_modes_are_said_once(tmp_path, mnist_digits, write_pngs):
    root = _mixed_folder(tmp_path, mnist_digits, write_pngs)
    with pytest.warns(UserWarning) as record:
        ds = load_image_folder(root)
    messages = [str(w.message) for w in record]
    assert len(messages) == 1, messages
    assert "1 image(s) of another size resized to 28x28" in messages[0]
    assert "9 grayscale image(s) converted to RGB" in messages[0]
    assert ds.mode == "RGB" and ds.shape == (10, 3, 28, 28)
    gray = ds[0][0]
    assert torch.equal(gray[0], gray[1]) and torch.equal(gray[1], gray[2])  # replicated
    one = load_image_folder(root, mode="L")
    assert "1 RGB image(s) converted to grayscale" in _notes(one)["images_converted"]
    assert one.shape == (10, 1, 28, 28)


def test_resize_center_crops_and_keeps_the_aspect(tmp_path):
    root = tmp_path / "crop"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (20, 20), 128).save(root / cls / f"{i}.png")
    wide = np.zeros((20, 40), dtype=np.uint8)
    wide[:, :10] = 255  # white left quarter: cropped away; padding would keep it
    Image.fromarray(wide).save(root / "a" / "wide.png")
    ds = load_image_folder(root)
    index = ds.paths.index("a/wide.png")
    assert ds.image_size == (20, 20) and float(ds[index][0].max()) == 0.0


def test_default_size_caps_the_longer_side_at_64(tmp_path):
    root = tmp_path / "big"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        Image.new("RGB", (100, 80), (10, 200, 30)).save(root / cls / "x.jpg")
    with pytest.warns(UserWarning, match="2 image.* resized to 51x64"):
        ds = load_image_folder(root)
    assert ds.shape == (2, 3, 51, 64)
    assert "2 JPEG images" in ds.describe()
    assert load_image_folder(root, image_size="16x12").shape == (2, 3, 16, 12)
    assert load_image_folder(root, image_size=8).shape == (2, 3, 8, 8)
    with pytest.raises(InputError, match="image_size .*--image-size.* got 'big'"):
        load_image_folder(root, image_size="big")


def _corrupt(root):
    (root / "1" / "garbage.png").write_bytes(b"not a png at all")
    real = (root / "0" / "00000.png").read_bytes()
    (root / "0" / "truncated.png").write_bytes(real[: len(real) // 2])


@pytest.mark.parametrize("budget", [image_module.CACHE_BYTES, 0], ids=["cached", "streamed"])
def test_corrupt_and_truncated_images_are_named_or_skipped(digit_folder, monkeypatch, budget):
    root, _, _ = digit_folder([5, 5])
    _corrupt(root)
    monkeypatch.setattr(image_module, "CACHE_BYTES", budget)
    with pytest.raises(InputError) as info:
        load_image_folder(root)
    message = str(info.value)
    assert "garbage.png" in message or "truncated.png" in message
    assert "--skip-bad-images" in message and "\n" not in message
    with pytest.warns(UserWarning, match=r"skipped 2 unreadable image\(s\).*garbage.png"):
        ds = load_image_folder(root, skip_bad_images=True)
    assert len(ds) == 10 and "0/truncated.png" not in ds.paths
    assert all(ds[i][0].shape == (1, 28, 28) for i in range(len(ds)))


def test_truncated_image_alone_is_named(digit_folder):
    root, _, _ = digit_folder([5, 5])
    real = (root / "1" / "00005.png").read_bytes()
    (root / "1" / "00005.png").write_bytes(real[:60])
    with pytest.raises(InputError, match=r"cannot read image 1/00005.png of .*\(\w+"):
        load(root)


def test_non_image_files_are_ignored_and_counted(digit_folder):
    root, _, _ = digit_folder([4, 4])
    (root / "README.md").write_text("digits")
    (root / "0" / "labels.csv").write_text("a,b")
    (root / "1" / "Thumbs.db").write_bytes(b"\x00")
    (root / ".DS_Store").write_bytes(b"\x00")  # hidden: skipped, not counted
    with pytest.warns(UserWarning, match=r"ignored 3 file\(s\) .* that are not images"):
        bundle = load(root)
    assert "8 PNG images (3 other files ignored)" in bundle.detection
    kinds = [w.kind for w in profile(bundle).warnings]
    assert kinds[0] == "other_files"


def test_single_class_and_empty_class_folders_are_refused(digit_folder, tmp_path):
    root, _, _ = digit_folder([4])
    with pytest.raises(InputError, match="single class sub-folder '0' .4 images.*--unlabeled"):
        load(root)
    root, _, _ = digit_folder([4, 4], name="two")
    (root / "cats").mkdir()
    (root / "dogs").mkdir()
    (root / "dogs" / "notes.txt").write_text("no image here")
    with pytest.raises(InputError, match="class folder.*'cats', 'dogs' of .* hold no images"):
        load(root)


def test_file_order_is_sorted_whatever_the_creation_order(tmp_path, mnist_digits):
    X, _ = mnist_digits
    root = tmp_path / "order"
    names = ["b.png", "a.png", "c.png", "sub/z.png", "sub/a.png"]
    for i, name in enumerate(names):
        for cls in ("y", "x"):
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(X[i]).save(path)
    ds = load_image_folder(root)
    assert ds.paths[:5] == ["x/a.png", "x/b.png", "x/c.png", "x/sub/a.png", "x/sub/z.png"]
    assert ds.targets.tolist() == [0] * 5 + [1] * 5


def test_unlabeled_folders_expose_their_paths(tmp_path, mnist_digits, digit_folder, write_pngs):
    X, _ = mnist_digits
    flat = tmp_path / "pool"
    write_pngs(flat, X[:6], None)
    (flat / "notes.txt").write_text("x")
    with pytest.warns(UserWarning, match="ignored 1 file"):
        bundle = load(flat)
    assert bundle.y is None and bundle.classes is None and not bundle.labeled
    assert bundle.paths == [f"{i:05d}.png" for i in range(6)]
    assert bundle.detection.startswith(
        "unlabeled image folder: 6 PNG images at its top level (1 other file ignored); 28x28"
    )
    image, label = bundle.X[2]
    assert label == -1 and np.allclose(image[0].numpy(), X[2] / 255.0)
    assert "unlabeled" in repr(bundle) and "unlabeled" in repr(bundle.X)

    root, _, _ = digit_folder([3, 2])
    tree = load(root, unlabeled=True, image_size=14)
    assert tree.y is None and tree.paths[0] == "0/00000.png" and tree.X.shape == (5, 1, 14, 14)
    assert "unlabeled=True" in tree.detection
    assert load(root, target=None).y is None  # no target: the folder names are not labels
    both = tmp_path / "both"
    write_pngs(both, X[:2], [0, 1])
    write_pngs(both, X[2:3], None)
    with pytest.raises(InputError, match="both at its top level .1. and in sub-folders"):
        load(both)


def test_channels_for_prediction(tmp_path, mnist_digits, write_pngs):
    X, _ = mnist_digits
    write_pngs(tmp_path / "pool", X[:3], None)
    rgb = load(tmp_path / "pool", channels=3, image_size=(28, 28))
    assert rgb.X.shape == (3, 3, 28, 28)
    with pytest.raises(InputError, match="channels must be 1 .* or 3"):
        load(tmp_path / "pool", channels=2)
