"""The data layer: loaders, the DataBundle they return, label access, profiling and leak checks.

``load_image_folder``, ``ImageFolderDataset`` and ``folder_bundle`` build torch Datasets and are
imported on first use, so ``import unskew.data`` does not import torch.
"""

from __future__ import annotations

from typing import Any

from unskew.data._bundle import MODALITIES, DataBundle, DataWarning
from unskew.data._detect import load_path
from unskew.data._image_scan import IMAGE_EXTENSIONS, parse_image_size
from unskew.data._labels import get_labels
from unskew.data._leaks import check_leaks, find_leaks
from unskew.data._numbers import categorical_columns, column_kinds, parse_numbers, repair_numbers
from unskew.data._profile import Profile, profile
from unskew.data._read import read_frame, sniff_separator
from unskew.data._table import DEFAULT_TARGETS, image_layout, load_table
from unskew.data._target import merge_whitespace_labels
from unskew.data._text import free_text_columns, join_texts, load_text_table

__all__ = [
    "DEFAULT_TARGETS",
    "IMAGE_EXTENSIONS",
    "MODALITIES",
    "DataBundle",
    "DataWarning",
    "ImageFolderDataset",
    "Profile",
    "categorical_columns",
    "check_leaks",
    "column_kinds",
    "find_leaks",
    "folder_bundle",
    "free_text_columns",
    "get_labels",
    "image_layout",
    "join_texts",
    "load_image_folder",
    "load_path",
    "load_table",
    "load_text_table",
    "merge_whitespace_labels",
    "parse_image_size",
    "parse_numbers",
    "profile",
    "read_frame",
    "repair_numbers",
    "sniff_separator",
]

_LAZY = {"ImageFolderDataset", "folder_bundle", "load_image_folder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from unskew.data import _image

        return getattr(_image, name)
    raise AttributeError(f"module 'unskew.data' has no attribute {name!r}")
