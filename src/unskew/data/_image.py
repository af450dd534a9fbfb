"""A torch Dataset over a folder of images, one sub-folder per class (labels known without decoding)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from unskew._validation import check_labels
from unskew.exceptions import InputError

__all__ = ["IMAGE_EXTENSIONS", "ImageFolderDataset", "load_image_folder"]

IMAGE_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".bmp",
    ".gif",
    ".tif",
    ".tiff",
    ".webp",
    ".ppm",
    ".pgm",
)


class ImageFolderDataset(Dataset):
    """Images in ``root/<class>/<file>``, decoded lazily with pillow.

    The folder scan happens once in ``__init__`` and reads only file names, so ``targets``,
    ``classes`` and class counts are known without decoding a single image (samplers and
    :func:`~unskew.data.get_labels` read ``targets``). An item is ``(image, label)`` where ``image`` is a
    float32 tensor of shape (C, H, W) in [0, 1] (after ``transform``, if given).

    Parameters
    ----------
    root : path
        Folder with one sub-folder per class; sub-folder names are the class labels, in sorted order.
    transform : callable, optional
        Applied to the image tensor (e.g. a kornia augmentation or a resize).
    mode : str, default="RGB"
        Pillow mode every image is converted to ("RGB", "L", ...).
    extensions : sequence of str
        File endings counted as images (case-insensitive); other files are skipped.
    min_classes : int, default=2

    Attributes
    ----------
    classes : list of str
    class_to_idx : dict
    samples : list of (path, int)
    targets : numpy.ndarray of int64

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for cls, n in [("cat", 3), ("dog", 1)]:
    ...     (root / cls).mkdir()
    ...     for i in range(n):
    ...         Image.new("RGB", (4, 4)).save(root / cls / f"{i}.png")
    >>> ds = ImageFolderDataset(root)
    >>> ds.classes, ds.targets.tolist(), tuple(ds[0][0].shape)
    (['cat', 'dog'], [0, 0, 0, 1], (3, 4, 4))
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        transform: Callable[[torch.Tensor], Any] | None = None,
        mode: str = "RGB",
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        min_classes: int = 2,
    ) -> None:
        self.root = Path(root)
        self.transform = transform
        self.mode = mode
        if not self.root.is_dir():
            what = "does not exist" if not self.root.exists() else "is not a folder"
            raise InputError(
                f"image folder {self.root} {what}; pass a folder with one sub-folder per class"
            )
        exts = tuple(e.lower() for e in extensions)
        folders = sorted(
            entry.name
            for entry in os.scandir(self.root)
            if entry.is_dir() and not entry.name.startswith(".")
        )
        files_by_class = {
            cls: sorted(
                entry.path
                for entry in os.scandir(self.root / cls)
                if entry.is_file() and entry.name.lower().endswith(exts)
            )
            for cls in folders
        }
        # a sub-folder without images is not a class (it would be a class with no rows)
        self.classes = [cls for cls in folders if files_by_class[cls]]
        self.class_to_idx = {cls: i for i, cls in enumerate(self.classes)}
        self.samples = [
            (f, code) for code, cls in enumerate(self.classes) for f in files_by_class[cls]
        ]
        if not self.samples:
            raise InputError(
                f"{self.root} holds no images in class sub-folders (looked for {', '.join(exts)} "
                "in root/<class>/); put each class's images in a sub-folder named after the class"
            )
        labels = np.fromiter((c for _, c in self.samples), dtype=np.int64, count=len(self.samples))
        self.targets, _ = check_labels(
            labels,
            classes=range(len(self.classes)),
            min_classes=min_classes,
            name=f"image folder {self.root}",
        )

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        try:
            from PIL import Image
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("reading images needs pillow: pip install 'unskew[image]'") from None
        path, label = self.samples[index]
        with Image.open(path) as img:
            array = np.asarray(img.convert(self.mode), dtype=np.float32) / 255.0
        tensor = torch.from_numpy(array)
        tensor = tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1).contiguous()
        if self.transform is not None:
            tensor = self.transform(tensor)
        return tensor, label

    def __repr__(self) -> str:
        counts = np.bincount(self.targets, minlength=len(self.classes)).tolist()
        return f"ImageFolderDataset(root={str(self.root)!r}, classes={dict(zip(self.classes, counts, strict=True))})"


def load_image_folder(root: str | os.PathLike[str], **kwargs: Any) -> ImageFolderDataset:
    """Open ``root/<class>/<image>`` as a torch Dataset; see :class:`ImageFolderDataset`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for cls in ("ok", "defect"):
    ...     (root / cls).mkdir()
    ...     Image.new("L", (8, 8)).save(root / cls / "a.png")
    >>> load_image_folder(root, mode="L").classes
    ['defect', 'ok']
    """
    return ImageFolderDataset(root, **kwargs)
