"""Which built-in network takes which data, and what a saved model records about its data so that a
new file can be read the way the training data was (``unskew train`` and ``unskew predict``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError

__all__ = [
    "MODELS",
    "conform_images",
    "default_model",
    "describe_data",
    "load_for_training",
    "model_modality",
    "resolve_model",
]

#: The built-in networks ``ImbalancedClassifier(model=...)`` and ``--model`` take.
MODELS = ("mlp", "cnn", "text", "resnet32", "resnet18")
_DEFAULT = {"table": "mlp", "image": "cnn", "text": "text"}
_WHAT = {"table": "a table", "image": "images", "text": "texts"}


def default_model(modality: str) -> str:
    """The built-in network of a modality: ``mlp`` for tables, ``cnn`` for images, ``text`` for
    texts.

    Examples
    --------
    >>> default_model("image")
    'cnn'
    """
    return _DEFAULT[modality]


def model_modality(model: str) -> str:
    """The modality a built-in network takes (``resnet18`` -> ``image``).

    Examples
    --------
    >>> model_modality("resnet32"), model_modality("text")
    ('image', 'text')
    """
    if model not in MODELS:
        raise InputError(f"model must be auto, {', '.join(MODELS)} or an nn.Module, got {model!r}")
    if model == "text":
        return "text"
    from unskew.models.backbones import BACKBONES

    return BACKBONES[model].modality


def resolve_model(
    model: str, modality: str, image_size: tuple[int, int] | None = None, *, name: str = "the data"
) -> str:
    """The built-in network to train on data of ``modality``: ``model`` checked against it, or for
    ``"auto"`` :func:`default_model`.

    The rule: a network takes one modality (``mlp`` tables, ``text`` texts, ``cnn``/``resnet32``/
    ``resnet18`` images); an image backbone also needs images whose smaller side is at least its
    minimum (:data:`unskew.models.BACKBONES`). Anything else is an
    :class:`~unskew.exceptions.InputError` naming what the data is and what to use.

    Examples
    --------
    >>> resolve_model("auto", "text"), resolve_model("resnet32", "image", (28, 28))
    ('text', 'resnet32')
    >>> resolve_model("resnet18", "table", name="claims.csv")
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: model 'resnet18' takes images; claims.csv is a table: use mlp \
(or auto)
    """
    if model == "auto":
        return default_model(modality)
    takes = model_modality(model)
    if takes != modality:
        choices = [m for m in MODELS if model_modality(m) == modality]
        raise InputError(
            f"model {model!r} takes {_WHAT[takes]}; {name} is {_WHAT[modality]}: use "
            f"{' or '.join(choices)} (or auto)"
        )
    if takes == "image" and image_size is not None:
        _check_image_size(model, image_size)
    return model


def _check_image_size(model: str, image_size: tuple[int, int]) -> None:
    """The backbone's own size check (:func:`~unskew.models.build_backbone`), on the meta device:
    nothing is allocated."""
    import torch

    from unskew.models.backbones import build_backbone

    with torch.device("meta"):
        build_backbone(model, n_classes=2, in_channels=1, image_size=tuple(image_size))


def conform_images(
    X: np.ndarray, image_size: tuple[int, int] | None = None, channels: int | None = None
) -> np.ndarray:
    """Images (N, C, H, W) brought to ``channels`` and ``image_size`` as an image folder's are read.

    The rule (the same as :class:`~unskew.data.ImageFolderDataset`'s): grey images are replicated
    to 3 channels, colour ones reduced to grey with ITU-R 601-2 luma (``0.299 R + 0.587 G + 0.114
    B``, pillow's ``L``); an image of another size is scaled (bilinear, antialiased) to the
    smallest size that covers ``image_size`` and center-cropped. Arrays already of that shape are
    returned as they are.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    >>> conform_images(X, (32, 32), 3).shape
    (2, 3, 32, 32)
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 4:
        raise InputError(f"images must be (N, C, H, W), got shape {X.shape}")
    if channels is not None and X.shape[1] != channels:
        X = _convert_channels(X, int(channels))
    if image_size is None or tuple(X.shape[2:]) == tuple(image_size):
        return X
    import torch
    import torch.nn.functional as F

    height, width = (int(s) for s in image_size)
    scale = max(height / X.shape[2], width / X.shape[3])
    cover = (max(height, round(X.shape[2] * scale)), max(width, round(X.shape[3] * scale)))
    out = F.interpolate(
        torch.from_numpy(np.ascontiguousarray(X)),
        size=cover,
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )
    top, left = (cover[0] - height) // 2, (cover[1] - width) // 2
    return out[:, :, top : top + height, left : left + width].contiguous().numpy()


def _convert_channels(X: np.ndarray, channels: int) -> np.ndarray:
    if X.shape[1] == 1 and channels == 3:
        return np.repeat(X, 3, axis=1)
    if X.shape[1] == 3 and channels == 1:
        luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return np.einsum("nchw,c->nhw", X, luma)[:, None].astype(np.float32)
    raise InputError(
        f"images of {X.shape[1]} channel(s) cannot be read as {channels}; give 1 (grey) or 3 "
        "(colour) channel images"
    )


def describe_data(bundle: Any) -> dict[str, Any]:
    """What a saved model records about its training data, so that ``unskew predict`` reads a new
    file the same way: the modality, the text columns, the columns' kinds
    (:func:`~unskew.data.column_kinds`), and the image size and channels.

    Examples
    --------
    >>> from unskew.datasets import digits_lt
    >>> describe_data(digits_lt())
    {'modality': 'image', 'text_columns': None, 'column_kinds': None, 'image_size': [8, 8], \
'channels': 1}
    """
    from unskew.data import column_kinds

    modality = bundle.modality
    out: dict[str, Any] = {
        "modality": modality,
        "text_columns": [str(c) for c in bundle.feature_names] if modality == "text" else None,
        "column_kinds": column_kinds(bundle) if modality != "image" else None,
        "image_size": None,
        "channels": None,
    }
    if modality == "image":
        shape = tuple(bundle.X.shape)
        out["image_size"] = [int(shape[-2]), int(shape[-1])]
        out["channels"] = int(shape[1]) if len(shape) == 4 else 1
    return out


def load_for_training(
    spec: Any,
    target: Any = "auto",
    *,
    text: Any = None,
    image_size: Any = None,
    skip_bad_images: bool = False,
) -> Any:
    """:func:`unskew.datasets.load` for ``train`` and ``compare``, with ``image_size`` applied to
    image arrays (a ``.npz``, ``mnist-lt``: :func:`conform_images`) as to an image folder's
    images, and refused for data that holds no images.

    Examples
    --------
    >>> load_for_training("mnist-lt", image_size=32).X.shape
    (988, 1, 32, 32)
    """
    from unskew.data import parse_image_size
    from unskew.datasets import load

    size = parse_image_size(image_size)
    bundle = load(spec, target, text=text, image_size=size, skip_bad_images=skip_bad_images)
    if size is not None and bundle.modality != "image":
        raise InputError(
            f"image_size (--image-size) resizes images; {spec or 'seed'} is {_WHAT[bundle.modality]}"
            ": drop it"
        )
    if size is not None and isinstance(bundle.X, np.ndarray):
        bundle.X = conform_images(bundle.X, size)
        if bundle.test is not None:
            bundle.test.X = conform_images(bundle.test.X, size)
    return bundle
