"""File-system rules shared by everything that writes: what a saved model folder is, and how a file
is replaced atomically. Torch-free, so the command line can check paths before importing torch."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "COMPARE_OUT",
    "DATASET",
    "MODEL_FILE",
    "MODEL_FORMAT",
    "default_mode",
    "is_model_folder",
    "write_file_atomically",
]

#: The ``format`` field of every ``model.json`` unskew writes.
MODEL_FORMAT = "unskew-model"
#: The file that marks a folder as a saved unskew model.
MODEL_FILE = "model.json"
_MAX_DESCRIPTION = 64 * 2**20  # a model.json larger than this is not one of ours
#: The placeholder an output folder may hold for the dataset's name.
DATASET = "<dataset>"
#: Where ``unskew compare`` keeps its runs and report when ``--out`` is not given.
COMPARE_OUT = f"runs/{DATASET}"


def is_model_folder(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a folder holding a saved unskew model: its ``model.json`` is a JSON
    object whose ``format`` is :data:`MODEL_FORMAT` (any version).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> is_model_folder(folder)
    False
    >>> _ = (folder / "model.json").write_text('{"format": "unskew-model", "version": 2}')
    >>> is_model_folder(folder)
    True
    """
    description = Path(path) / MODEL_FILE
    try:
        if not description.is_file() or description.stat().st_size > _MAX_DESCRIPTION:
            return False
        content = json.loads(description.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(content, dict) and content.get("format") == MODEL_FORMAT


def default_mode(folder: bool = False) -> int:
    """The permission bits a new file (or folder) gets under the process's umask: temporary files
    are created private (0600), and a replaced output should not stay so."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


def write_file_atomically(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path in ``path``'s folder (same suffix, so writers that
    read the format from the extension still work), then rename it onto ``path`` with
    :func:`os.replace`: a reader sees the old file or the new one, never half of one, and a
    failure leaves ``path`` as it was. The folder is created when missing; the new file keeps the
    old one's permission bits, or gets the umask's default.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_file_atomically(target, lambda tmp: tmp.write_text("done")).read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        mode = path.stat().st_mode & 0o7777 if path.is_file() else default_mode()
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
