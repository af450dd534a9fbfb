"""Which modality a path holds (image folder, image arrays, text table, table), said out loud."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unskew._validation import format_list
from unskew.data._bundle import DataBundle
from unskew.data._read import suffix
from unskew.data._table import emit, table_bundle
from unskew.data._text import (
    check_named_columns,
    free_text_columns,
    free_text_notes,
    parse_text_option,
    text_bundle,
)
from unskew.exceptions import InputError

__all__ = ["load_path"]


def _folder(
    path: Path,
    target: Any,
    *,
    image_size: Any,
    channels: int | None,
    skip_bad_images: bool,
    unlabeled: bool,
) -> DataBundle:
    if channels not in (None, 1, 3):
        raise InputError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    from unskew.data._image import folder_bundle, load_image_folder

    mode = None if channels is None else ("L" if channels == 1 else "RGB")
    with warnings.catch_warnings():  # issued once below, from the bundle
        warnings.simplefilter("ignore", UserWarning)
        dataset = load_image_folder(
            path,
            mode=mode,
            image_size=image_size,
            skip_bad_images=skip_bad_images,
            unlabeled=unlabeled or target is None,
        )
    return folder_bundle(dataset)


def _table_or_text(path: Path, target: Any, text: Any) -> DataBundle:
    table = table_bundle(path, target)
    where = str(path)
    names = parse_text_option(text)
    how = table.detection.removeprefix("table (").split(")")[0]
    if names:  # named by the caller
        check_named_columns(table.X, names, where)
        detection = f"text ({how}): column(s) {format_list(names)} named by text="
        return text_bundle(table, names, where, detection)
    if names is None:
        found = free_text_columns(table.X)
        if found:
            columns = [c.name for c in found]
            detection = (
                f"text ({how}): free-text column(s) {', '.join(c.describe() for c in found)} "
                f"(free text: >= 50% distinct values and a median of >= 3 words)"
            )
            return text_bundle(table, columns, where, detection)
        table.detection += "; no free-text column"
        return table
    table.load_warnings += free_text_notes(table.X, where)
    table.detection += "; free-text detection off (text='none')"
    return table


def load_path(
    path: str | os.PathLike[str],
    target: Any = "auto",
    *,
    text: str | Sequence[str] | None = None,
    image_size: int | tuple[int, int] | str | None = None,
    channels: int | None = None,
    skip_bad_images: bool = False,
    unlabeled: bool = False,
) -> DataBundle:
    """Load a file or folder, choosing its modality, and say which and why in ``detection``.

    ==================================  ========================================================
    a folder                            images (:class:`~unskew.data.ImageFolderDataset`): one
                                        sub-folder per class, or unlabeled (images at its top
                                        level, ``unlabeled=True``, or ``target=None``)
    ``.npz`` whose X has an image shape  images, float32 (N, C, H, W) (see
                                        :func:`~unskew.data.load_table`); else a table
    a table with free-text column(s)    text (:func:`~unskew.data.free_text_columns`): the text
                                        columns joined with ``" | "``, the others dropped
    any other table                     a table
    ==================================  ========================================================

    Parameters
    ----------
    path : path
    target : str, None or "auto"
        The label column or array; None for unlabeled data (prediction).
    text : None, "auto", "none", a column name, "a,b" or a list
        Text columns; None/"auto" detects them; "none" reads a table (free-text columns then get a
        warning, as they would be one-hot encoded).
    image_size, skip_bad_images, unlabeled
        For image folders: see :class:`~unskew.data.ImageFolderDataset`.
    channels : {1, 3}, optional
        For image folders: grayscale or RGB (default: grayscale when every image is grayscale).
        Pass the training images' channels (and ``image_size``) when reading images to predict.

    Returns
    -------
    DataBundle
        With ``detection`` set, ``load_warnings`` issued once each as a ``UserWarning``, and
        ``paths`` for image folders.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("amount;label\\n0,5;a\\n1,5;b\\n")
    >>> load_path(p).detection
    'table (semicolon-separated text): 1 feature column(s), 0 of them categorical; no free-text column'
    """
    path = Path(path)
    if path.is_dir():
        bundle = _folder(
            path,
            target,
            image_size=image_size,
            channels=channels,
            skip_bad_images=skip_bad_images,
            unlabeled=unlabeled,
        )
    elif suffix(path) == ".npz":
        bundle = table_bundle(path, target)
    else:
        bundle = _table_or_text(path, target, text)
    return emit(bundle)
