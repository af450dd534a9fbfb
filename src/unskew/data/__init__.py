"""The data layer: loaders, the DataBundle they return, label access and profiling.

``load_image_folder`` and ``ImageFolderDataset`` build torch Datasets and are imported on first use,
so ``import unskew.data`` does not import torch.
"""

from __future__ import annotations

from typing import Any

from unskew.data._bundle import MODALITIES, DataBundle
from unskew.data._labels import get_labels
from unskew.data._profile import Profile, profile
from unskew.data._table import DEFAULT_TARGETS, load_table, read_frame
from unskew.data._text import load_text_table

__all__ = [
    "DEFAULT_TARGETS",
    "MODALITIES",
    "DataBundle",
    "ImageFolderDataset",
    "Profile",
    "get_labels",
    "load_image_folder",
    "load_table",
    "load_text_table",
    "profile",
    "read_frame",
]

_LAZY = {"ImageFolderDataset", "load_image_folder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from unskew.data import _image

        return getattr(_image, name)
    raise AttributeError(f"module 'unskew.data' has no attribute {name!r}")
