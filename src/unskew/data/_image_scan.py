"""Image folders without torch: which files are images and of which class, their sizes and colour
modes (from headers), the common size and mode, and decoding one image to uint8 pixels."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unskew._validation import format_list
from unskew.exceptions import InputError

__all__ = [
    "DEFAULT_MAX_SIDE",
    "IMAGE_EXTENSIONS",
    "FolderScan",
    "choose_mode",
    "choose_size",
    "decode",
    "parse_image_size",
    "probe",
    "scan_folder",
    "verify",
]

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
#: The default image size is the folder's most common size, scaled down so that its longer side
#: is at most this many pixels.
DEFAULT_MAX_SIDE = 64
_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_MODE_NAMES = {"L": "grayscale", "RGB": "RGB"}


@dataclass
class FolderScan:
    """What a folder holds, from file names only: image files in sorted order, their labels."""

    root: Path
    files: list[str]  # paths relative to root, POSIX style, sorted within each class
    labels: list[int] | None  # None: unlabeled
    classes: list[str] | None
    layout: str  # "classes", "flat" (images at the top level) or "tree" (unlabeled=True)
    other_files: list[str] = field(default_factory=list)

    @property
    def formats(self) -> Counter[str]:
        """Images per format (file extension, upper case, JPEG for .jpg)."""
        names = {"JPG": "JPEG", "TIF": "TIFF"}
        return Counter(
            names.get(e, e)
            for e in (os.path.splitext(f)[1].lstrip(".").upper() for f in self.files)
        )


def _visible(name: str) -> bool:
    return not name.startswith(".")


def _walk(top: Path, root: Path, exts: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Images and other files under ``top`` (recursively, hidden entries skipped), relative to
    ``root``, sorted."""
    images, others = [], []
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if _visible(d))
        rel = Path(folder).relative_to(root)
        for name in sorted(n for n in names if _visible(n)):
            path = (rel / name).as_posix()
            (images if name.lower().endswith(exts) else others).append(path)
    return images, others


def scan_folder(
    root: str | os.PathLike[str],
    *,
    unlabeled: bool = False,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
    min_classes: int = 2,
) -> FolderScan:
    """List the images of a folder and their classes without opening a single file.

    Rule: entries whose name starts with ``.`` are skipped. ``unlabeled=True``: every image under
    ``root`` (at any depth) is an unlabeled row. Otherwise, images at the top level make an
    unlabeled folder (and then it may hold no sub-folder with images); without them, each
    sub-folder is a class, named after it, holding the images at any depth below it. A class
    folder without images, fewer than ``min_classes`` classes and a folder without images are
    refused. Files that are not images (by extension) are ignored and listed in
    ``other_files``. Order: classes sorted by name, files sorted by path within each class.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for cls in ("ok", "defect"):
    ...     (root / cls).mkdir()
    ...     _ = (root / cls / "a.png").write_bytes(b"")
    >>> _ = (root / "notes.txt").write_text("x")
    >>> scan = scan_folder(root)
    >>> scan.classes, scan.files, scan.other_files
    (['defect', 'ok'], ['defect/a.png', 'ok/a.png'], ['notes.txt'])
    """
    root = Path(root)
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise InputError(f"image folder {root} {what}; pass a folder with one sub-folder per class")
    exts = tuple(e.lower() for e in extensions)
    if unlabeled:
        files, others = _walk(root, root, exts)
        scan = FolderScan(root, files, None, None, "tree", others)
    else:
        scan = _scan_top(root, exts, min_classes)
    if not scan.files:
        raise InputError(
            f"{root} holds no images (looked for {', '.join(exts)} in root/<class>/); put each "
            "class's images in a sub-folder named after the class"
        )
    return scan


def _scan_top(root: Path, exts: tuple[str, ...], min_classes: int) -> FolderScan:
    entries = sorted((e for e in os.scandir(root) if _visible(e.name)), key=lambda e: e.name)
    top_images = [e.name for e in entries if e.is_file() and e.name.lower().endswith(exts)]
    top_others = [e.name for e in entries if e.is_file() and not e.name.lower().endswith(exts)]
    folders = [e.name for e in entries if e.is_dir()]
    per_class = {name: _walk(root / name, root, exts) for name in folders}
    if top_images:
        with_images = [name for name, (images, _) in per_class.items() if images]
        if with_images:
            raise InputError(
                f"{root} holds images both at its top level ({len(top_images)}) and in "
                f"sub-folders ({format_list(with_images, 5)}); put every image in a class "
                "sub-folder, or pass unlabeled=True (CLI --unlabeled) to read them all as "
                "unlabeled images"
            )
        others = top_others + [f for _, (_, other) in per_class.items() for f in other]
        return FolderScan(root, top_images, None, None, "flat", others)
    empty = [name for name, (images, _) in per_class.items() if not images]
    if empty:
        raise InputError(
            f"class folder(s) {format_list(empty, 5)} of {root} hold no images (looked for "
            f"{', '.join(exts)}); add images or remove the folder(s)"
        )
    if folders and len(folders) < min_classes:
        what = (
            f"a single class sub-folder '{folders[0]}' ({len(per_class[folders[0]][0])} images)"
            if len(folders) == 1
            else f"{len(folders)} class sub-folders ({format_list(folders)})"
        )
        raise InputError(
            f"image folder {root} has {what}; a classifier needs {min_classes} classes or more: "
            "add a sub-folder per class, or pass unlabeled=True (CLI --unlabeled) to read the "
            "images for prediction"
        )
    files = [f for name in folders for f in per_class[name][0]]
    labels = [code for code, name in enumerate(folders) for _ in per_class[name][0]]
    others = top_others + [f for name in folders for f in per_class[name][1]]
    return FolderScan(root, files, labels, folders, "classes", others)


def parse_image_size(value: Any) -> tuple[int, int] | None:
    """Read an image size: None (the default rule), an int ``S`` (S x S), a pair ``(H, W)`` or a
    string ``"S"``, ``"HxW"``.

    Examples
    --------
    >>> parse_image_size("28"), parse_image_size("32x24"), parse_image_size((8, 8))
    ((28, 28), (32, 24), (8, 8))
    """
    if value is None:
        return None
    parts: Any = value
    if isinstance(value, str):
        parts = value.lower().replace("x", " ").replace(",", " ").split()
    elif isinstance(value, int | np.integer):
        parts = [value]
    try:
        sizes = [int(p) for p in parts]
        if any(float(p) != int(p) for p in parts):
            raise ValueError
    except (TypeError, ValueError):
        sizes = []
    if len(sizes) == 1:
        sizes = sizes * 2
    if len(sizes) != 2 or not all(1 <= s <= 4096 for s in sizes):
        raise InputError(
            f"image_size (CLI --image-size) must be a size in pixels between 1 and 4096, as S or "
            f"HxW (e.g. 28 or 64x48), got {value!r}"
        )
    return sizes[0], sizes[1]


def _palette_is_gray(image: Any) -> bool:
    palette = image.getpalette() or []
    rgb = np.asarray(palette[: len(palette) // 3 * 3]).reshape(-1, 3)
    return bool(rgb.size) and bool((rgb == rgb[:, :1]).all())


def _is_gray(image: Any) -> bool:
    if image.mode == "P":
        return _palette_is_gray(image)
    return image.mode in _GRAY_MODES


def probe(path: str | os.PathLike[str]) -> tuple[int, int, bool]:
    """Height, width (after the EXIF orientation) and whether the image is grayscale, read from
    the header. Raises the reader's own exception on a file that is not a readable image."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        gray = _is_gray(image)
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # rotated by 90 degrees
            width, height = height, width
    return height, width, gray


def verify(path: str | os.PathLike[str]) -> None:
    """Check a file's integrity without decoding it (pillow's ``verify``: the chunk CRCs of a PNG,
    the structure of other formats); raises the reader's exception on a damaged file."""
    from PIL import Image

    with Image.open(path) as image:
        image.verify()


def choose_size(
    sizes: Sequence[tuple[int, int]], max_side: int = DEFAULT_MAX_SIDE
) -> tuple[int, int]:
    """The default image size: the most common (H, W) (the first seen on a tie), scaled down
    keeping its aspect so that its longer side is at most ``max_side``.

    Examples
    --------
    >>> choose_size([(28, 28), (28, 28), (32, 30)])
    (28, 28)
    >>> choose_size([(480, 640)])
    (48, 64)
    """
    height, width = Counter(sizes).most_common(1)[0][0]
    longer = max(height, width)
    if longer <= max_side:
        return height, width
    scale = max_side / longer
    return max(1, round(height * scale)), max(1, round(width * scale))


def choose_mode(grays: Sequence[bool]) -> str:
    """``"L"`` (grayscale) when every image is grayscale, else ``"RGB"``.

    Examples
    --------
    >>> choose_mode([True, True]), choose_mode([True, False])
    ('L', 'RGB')
    """
    return "L" if all(grays) else "RGB"


def mode_name(mode: str) -> str:
    """``grayscale`` or ``RGB`` (pillow's name for other modes)."""
    return _MODE_NAMES.get(mode, mode)


def _to_8bit(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        array = np.asarray(image, dtype=np.float64)
        if image.mode != "F" and array.max(initial=0) > 255:
            array = array / 257.0  # 16-bit: 65535 -> 255
        return Image.fromarray(array.clip(0, 255).round().astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        return image.convert("RGBA")
    return image


def decode(path: str | os.PathLike[str], mode: str, size: tuple[int, int]) -> np.ndarray:
    """Decode one image to uint8 pixels of shape (C, H, W).

    Rule: the EXIF orientation is applied; 16-bit images are reduced to 8 bits; the image is
    converted to ``mode`` (``"L"``: ITU-R 601-2 luma; ``"RGB"``: gray replicated, alpha dropped);
    an image of another size is scaled, keeping its aspect ratio, to the smallest size that
    covers ``size`` (H, W), then center-cropped to it (bilinear, antialiased; torchvision's
    Resize + CenterCrop). Raises the reader's exception on a corrupt or truncated file.
    """
    from PIL import Image, ImageOps

    height, width = size
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened) or opened
        image = _to_8bit(image).convert(mode)
        if image.size != (width, height):
            image = ImageOps.fit(image, (width, height), method=Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
