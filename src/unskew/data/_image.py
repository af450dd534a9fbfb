"""A torch Dataset over a folder of images, one sub-folder per class (labels known without decoding),
or an unlabeled folder; decoded once into memory when it fits."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from unskew._validation import format_list
from unskew.data._bundle import DataBundle, DataWarning
from unskew.data._image_scan import (
    IMAGE_EXTENSIONS,
    FolderScan,
    choose_mode,
    choose_size,
    decode,
    mode_name,
    parse_image_size,
    probe,
    scan_folder,
    verify,
)
from unskew.exceptions import InputError

__all__ = [
    "CACHE_BYTES",
    "IMAGE_EXTENSIONS",
    "ImageFolderDataset",
    "folder_bundle",
    "load_image_folder",
]

#: Decoded images are kept in memory (as uint8, 1 byte per pixel and channel) when they take at most
#: this many bytes; larger folders are decoded from disk at every access.
CACHE_BYTES = 1 << 30


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return f"{type(err).__name__}: {text[:100]}"


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} bytes"


def _bands(mode: str) -> int:
    from PIL import Image

    try:
        return Image.getmodebands(mode)
    except (KeyError, ValueError):
        raise InputError(
            f"mode must be a pillow image mode such as 'L' or 'RGB', got {mode!r}"
        ) from None


class ImageFolderDataset(Dataset):
    """Images in ``root/<class>/...``, or an unlabeled folder, as a torch Dataset.

    The folder scan reads only file names, so ``targets``, ``classes`` and class counts are known
    without decoding (samplers and :func:`~unskew.data.get_labels` read ``targets``). Then every
    image header is read (size, colour mode) and one size and mode are chosen:

    * size: ``image_size`` when given, else the most common (H, W) in the folder, scaled down
      keeping its aspect so that its longer side is at most 64 (28x28 stays 28x28); an image of
      another size is scaled to cover that size and center-cropped (no padding, no distortion);
    * mode: ``mode`` when given, else grayscale ("L") when every image is grayscale, else "RGB";
    * what was resized or converted is said once, in one ``UserWarning``.

    When the decoded images fit in :data:`CACHE_BYTES` (1 GiB of uint8 pixels: about 1.3 million
    28x28 grayscale or 87,000 64x64 RGB images), they are decoded once here and kept in memory;
    otherwise items are decoded from disk at each access, and here each file's integrity is only
    verified (pillow's ``verify``). A file that cannot be read raises
    :class:`~unskew.exceptions.InputError` naming it, or with ``skip_bad_images=True`` is skipped
    and counted in a warning. Files that are not images are ignored and counted. Order: classes by
    name, files by path.

    An item is ``(image, label)``: a float32 tensor (C, H, W) in [0, 1] (after ``transform``), and
    the class code, or -1 for an unlabeled folder.

    Parameters
    ----------
    root : path
        A folder with one sub-folder per class (names are the labels, sorted), or images at its top
        level (unlabeled).
    transform : callable, optional
        Applied to the image tensor of each item (an augmentation, for instance).
    mode : str, optional
        Pillow mode every image is converted to ("L", "RGB"); default: chosen as above.
    image_size : int, (H, W) or "HxW", optional
        Size every image is brought to; default: chosen as above.
    extensions : sequence of str
        File endings counted as images (case-insensitive).
    min_classes : int, default=2
    unlabeled : bool, default=False
        Read every image under ``root`` at any depth as unlabeled (folder names are not labels).
    skip_bad_images : bool, default=False
        Skip unreadable images (with a count in a warning) instead of refusing the folder.
    cache : bool, optional
        Keep decoded images in memory; default: when they fit in :data:`CACHE_BYTES`.

    Attributes
    ----------
    classes : list of str or None
    class_to_idx : dict
    samples : list of (path, int)
    targets : numpy.ndarray of int64, or None when unlabeled
    paths : list of str
        Each image's path relative to ``root`` (POSIX style), in item order.
    image_size : (int, int)
    mode : str
    cached : bool
    shape : (N, C, H, W)
    notes : list of DataWarning
        What loading changed or ignored (each also issued as a ``UserWarning``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for cls, n in [("cat", 3), ("dog", 1)]:
    ...     (root / cls).mkdir()
    ...     for i in range(n):
    ...         Image.new("RGB", (4, 4), (200, 10, 10)).save(root / cls / f"{i}.png")
    >>> ds = ImageFolderDataset(root)
    >>> ds.classes, ds.targets.tolist(), tuple(ds[0][0].shape), ds.cached
    (['cat', 'dog'], [0, 0, 0, 1], (3, 4, 4), True)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        transform: Callable[[torch.Tensor], Any] | None = None,
        mode: str | None = None,
        image_size: int | tuple[int, int] | str | None = None,
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        min_classes: int = 2,
        unlabeled: bool = False,
        skip_bad_images: bool = False,
        cache: bool | None = None,
    ) -> None:
        size_arg = parse_image_size(image_size)
        scan = scan_folder(
            root, unlabeled=unlabeled, extensions=extensions, min_classes=min_classes
        )
        self.root, self.transform = scan.root, transform
        self._skip, self._min_classes = skip_bad_images, min_classes
        self.notes: list[DataWarning] = []
        self._scan = scan
        headers = self._read_headers(scan)
        self.image_size = size_arg or choose_size([(h, w) for h, w, _ in headers])
        self.mode = mode or choose_mode([g for _, _, g in headers])
        self._note_conversions(headers, chose_size=size_arg is None)
        nbytes = len(self._scan.files) * _bands(self.mode) * self.image_size[0] * self.image_size[1]
        self.cached = nbytes <= CACHE_BYTES if cache is None else bool(cache)
        self._cache_bytes = nbytes
        self._pixels = self._decode_all() if self.cached else None
        if not self.cached:
            self._verify_all()
        self._finish(scan.other_files)
        for note in self.notes:
            warnings.warn(note.message, UserWarning, stacklevel=2)

    # -- loading steps ------------------------------------------------------------------------------
    def _path(self, rel: str) -> str:
        return str(self.root / rel)

    def _read_headers(self, scan: FolderScan) -> list[tuple[int, int, bool]]:
        headers, bad = [], {}
        for i, rel in enumerate(scan.files):
            try:
                headers.append(probe(self._path(rel)))
            except Exception as err:  # any reader error: the file is not a readable image
                bad[i] = _reason(err)
        if bad:
            self._drop(bad)
        return headers

    def _drop(self, bad: dict[int, str]) -> None:
        """Refuse the folder over its unreadable files, or skip them (``skip_bad_images``)."""
        scan = self._scan
        first = min(bad)
        if not self._skip:
            raise InputError(
                f"cannot read image {scan.files[first]} of {self.root} ({bad[first]}); fix or "
                "remove the file, or pass skip_bad_images=True (CLI --skip-bad-images) to skip "
                f"unreadable images ({len(bad)} found)"
            )
        names = [scan.files[i] for i in sorted(bad)]
        self.notes.append(
            DataWarning(
                "bad_images_skipped",
                f"skipped {len(bad)} unreadable image(s) of {self.root}: {format_list(names, 5)}",
                {"files": names},
            )
        )
        keep = [i for i in range(len(scan.files)) if i not in bad]
        scan.files = [scan.files[i] for i in keep]
        if scan.labels is not None:
            scan.labels = [scan.labels[i] for i in keep]
            self._check_classes_left()
        if not scan.files:
            raise InputError(f"every image of {self.root} is unreadable; check the files")

    def _check_classes_left(self) -> None:
        scan = self._scan
        present = set(scan.labels or [])
        emptied = [c for i, c in enumerate(scan.classes or []) if i not in present]
        if emptied:
            raise InputError(
                f"class folder(s) {format_list(emptied, 5)} of {self.root} hold no readable image "
                "once the unreadable ones are skipped; fix the files or remove the folder(s)"
            )

    def _note_conversions(self, headers: list[tuple[int, int, bool]], chose_size: bool) -> None:
        height, width = self.image_size
        resized = sum((h, w) != (height, width) for h, w, _ in headers)
        target_gray = self.mode in ("L", "1", "I", "F", "LA")
        converted = sum(g != target_gray for _, _, g in headers)
        parts = []
        if resized:
            how = "the most common size, capped at 64 pixels" if chose_size else "image_size"
            parts.append(
                f"{resized} image(s) of another size resized to {height}x{width} ({how}; scaled "
                "to cover, then center-cropped)"
            )
        if converted:
            source = "RGB" if target_gray else "grayscale"
            parts.append(f"{converted} {source} image(s) converted to {mode_name(self.mode)}")
        if parts:
            self.notes.append(
                DataWarning(
                    "images_converted",
                    f"{self.root}: " + "; ".join(parts),
                    {"resized": resized, "converted": converted},
                )
            )

    def _decode_all(self) -> np.ndarray:
        height, width = self.image_size
        files = self._scan.files
        pixels = np.empty((len(files), _bands(self.mode), height, width), dtype=np.uint8)
        bad = {}
        for i, rel in enumerate(files):
            try:
                pixels[i] = decode(self._path(rel), self.mode, self.image_size)
            except Exception as err:
                bad[i] = _reason(err)
        if bad:
            keep = np.array([i not in bad for i in range(len(files))])
            self._drop(bad)
            pixels = pixels[keep]
        return pixels

    def _verify_all(self) -> None:
        bad = {}
        for i, rel in enumerate(self._scan.files):
            try:
                verify(self._path(rel))
            except Exception as err:
                bad[i] = _reason(err)
        if bad:
            self._drop(bad)

    def _finish(self, other_files: list[str]) -> None:
        scan = self._scan
        self.paths = list(scan.files)
        self.classes = scan.classes
        self.class_to_idx = {c: i for i, c in enumerate(scan.classes or [])}
        labels = scan.labels if scan.labels is not None else [-1] * len(scan.files)
        self.samples = [
            (self._path(rel), int(c)) for rel, c in zip(scan.files, labels, strict=True)
        ]
        self.targets = None if scan.labels is None else np.asarray(scan.labels, dtype=np.int64)
        if other_files:
            self.notes.append(
                DataWarning(
                    "other_files",
                    f"ignored {len(other_files)} file(s) of {self.root} that are not images: "
                    f"{format_list(other_files, 5)}",
                    {"files": other_files},
                )
            )

    # -- the Dataset --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.samples)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(N, C, H, W) of the images as items deliver them (before ``transform``)."""
        return (len(self), _bands(self.mode), *self.image_size)

    def _pixels_of(self, index: int) -> np.ndarray:
        if self._pixels is not None:
            return self._pixels[index]
        try:
            return decode(self.samples[index][0], self.mode, self.image_size)
        except Exception as err:
            raise InputError(
                f"cannot read image {self.paths[index]} of {self.root} ({_reason(err)}); fix or "
                "remove the file"
            ) from None

    def __getitem__(self, index: int) -> tuple[Any, int]:
        tensor = torch.from_numpy(np.array(self._pixels_of(index), dtype=np.float32) / 255.0)
        if self.transform is not None:
            tensor = self.transform(tensor)
        return tensor, self.samples[index][1]

    def describe(self) -> str:
        """One sentence: what the folder holds and how it is read (``DataBundle.detection``)."""
        scan = self._scan
        formats = scan.formats
        n = len(self)
        images = (
            f"{n:,} {next(iter(formats))} images"
            if len(formats) == 1
            else f"{n:,} images ({', '.join(f'{k} {v:,}' for k, v in formats.most_common())})"
        )
        where = {
            "classes": f"image folder: {len(self.classes or [])} class sub-folders, {images}",
            "flat": f"unlabeled image folder: {images} at its top level",
            "tree": f"unlabeled image folder (unlabeled=True): {images} at any depth",
        }[scan.layout]
        if scan.other_files:
            n_other = len(scan.other_files)
            where += f" ({n_other} other file{'s' if n_other != 1 else ''} ignored)"
        height, width = self.image_size
        size = _bytes(self._cache_bytes)
        memory = (
            f"decoded once and cached in memory ({size})"
            if self.cached
            else f"streamed from disk ({size} decoded is over the {_bytes(CACHE_BYTES)} cache "
            "budget)"
        )
        return f"{where}; {height}x{width} {mode_name(self.mode)}, {memory}"

    def __repr__(self) -> str:
        if self.targets is None:
            return f"ImageFolderDataset(root={str(self.root)!r}, unlabeled, n={len(self)})"
        counts = np.bincount(self.targets, minlength=len(self.classes or [])).tolist()
        return (
            f"ImageFolderDataset(root={str(self.root)!r}, "
            f"classes={dict(zip(self.classes or [], counts, strict=True))})"
        )


def load_image_folder(root: str | os.PathLike[str], **kwargs: Any) -> ImageFolderDataset:
    """Open an image folder as a torch Dataset; see :class:`ImageFolderDataset` for the rules.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for cls in ("ok", "defect"):
    ...     (root / cls).mkdir()
    ...     Image.new("L", (8, 8)).save(root / cls / "a.png")
    >>> ds = load_image_folder(root)
    >>> ds.classes, ds.mode, ds.shape
    (['defect', 'ok'], 'L', (2, 1, 8, 8))
    """
    return ImageFolderDataset(root, **kwargs)


def folder_bundle(dataset: ImageFolderDataset) -> DataBundle:
    """The :class:`DataBundle` of an image folder: ``X`` the Dataset, ``y`` its targets (None when
    unlabeled), ``paths`` the images' relative paths, ``detection`` its :meth:`describe`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a.png", "b.png"):
    ...     Image.new("L", (8, 8)).save(root / name)
    >>> bundle = folder_bundle(load_image_folder(root))
    >>> bundle.y is None, bundle.paths, bundle.X.shape
    (True, ['a.png', 'b.png'], (2, 1, 8, 8))
    """
    classes = None if dataset.classes is None else np.asarray(dataset.classes)
    return DataBundle(
        X=dataset,
        y=dataset.targets,
        classes=classes,
        feature_names=[],
        modality="image",
        name=dataset.root.resolve().name,
        detection=dataset.describe(),
        load_warnings=list(dataset.notes),
        paths=list(dataset.paths),
    )
