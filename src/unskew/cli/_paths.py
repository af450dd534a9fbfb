"""Checks on the paths a command writes, made before any work: an output never replaces one of the
command's inputs, never lands inside a saved model folder, never replaces a FIFO or a device
(write to stdout with ``-``), and a symbolic link is followed to the file it names, which is then
replaced atomically (the link stays)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from unskew._files import is_model_folder
from unskew.exceptions import InputError

__all__ = ["STDOUT", "output_file", "output_folder"]

#: ``--out`` values that mean standard output.
STDOUT = ("-", "/dev/stdout")


def output_file(
    out: str | os.PathLike[str] | None,
    *,
    option: str = "--out",
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    allow_stdout: bool = True,
) -> Path | None:
    """The file to write for ``option``: None for standard output (no ``out``, ``-`` or
    ``/dev/stdout``), else ``out`` with symbolic links resolved. Refused with an
    :class:`InputError` naming the option: a folder, a FIFO, a device or socket, one of the
    command's ``inputs`` (the same file, or a file inside an input folder), a path inside a saved
    model folder, and a path whose folder cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "rows.csv").write_text("a,b")
    3
    >>> output_file("-") is None, output_file(folder / "scores.csv").name
    (True, 'scores.csv')
    >>> output_file(folder / "rows.csv", inputs=[folder / "rows.csv"])
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: --out ... is the input ...rows.csv; write to another file
    """
    if out is None or (allow_stdout and str(out) in STDOUT):
        return None
    target = Path(os.path.realpath(out))
    _check_kind(target, out, option)
    _check_not_an_input(target, out, option, inputs)
    _check_outside_models(target, out, option)
    _check_writable(target, out, option)
    return target


def output_folder(
    out: str | os.PathLike[str],
    *,
    option: str = "--out",
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    writes: Sequence[str] = (),
) -> Path:
    """The folder to write for ``option`` (symbolic links resolved), into which the command writes
    the files named ``writes``. Refused: an existing file, a folder that is or lies inside an input
    folder, a folder in which one of ``writes`` is an input, a path inside a saved model folder,
    and a folder that cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> output_folder(folder / "run", writes=["results.sqlite"]).name
    'run'
    """
    target = Path(os.path.realpath(out))
    if target.exists() and not target.is_dir():
        raise InputError(f"{option} {out} is a file; give a folder (new or existing)")
    for source in _existing(inputs):
        if source.is_dir() and _within(target, source):
            raise InputError(
                f"{option} {out} is inside the input folder {source}; write to another folder"
            )
        for name in writes:
            if _same(target / name, source):
                raise InputError(
                    f"{option} {out} would replace the input {source} ({name}); write to another "
                    "folder"
                )
    if is_model_folder(target):
        raise InputError(
            f"{option} {out} holds a saved model and is not an empty folder; choose another folder"
        )
    _check_outside_models(target, out, option)
    _check_writable(target, out, option)
    return target


def _check_kind(target: Path, out: object, option: str) -> None:
    if not target.exists():
        return
    mode = target.stat().st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{option} {out} is a folder; give a file name inside it")
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
        raise InputError(
            f"{option} {out} is {kind}, not a regular file; write to a file, or to standard "
            "output with '-'"
        )


def _check_not_an_input(
    target: Path, out: object, option: str, inputs: Iterable[str | os.PathLike[str] | None]
) -> None:
    for source in _existing(inputs):
        if _same(target, source):
            raise InputError(f"{option} {out} is the input {source}; write to another file")
        if source.is_dir() and _within(target, source):
            raise InputError(
                f"{option} {out} is inside the input folder {source}; write to another folder"
            )


def _check_outside_models(target: Path, out: object, option: str) -> None:
    for folder in target.parents:
        if is_model_folder(folder):
            raise InputError(
                f"{option} {out} is inside the saved model folder {folder}; write outside it, "
                "since saving a model replaces the whole folder"
            )


def _check_writable(target: Path, out: object, option: str) -> None:
    """The nearest existing folder above ``target`` is a folder this process may write in."""
    parent = next(p for p in target.parents if p.exists())
    if not parent.is_dir():
        raise InputError(f"{option} {out}: {parent} is a file, not a folder; choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"{option} {out}: the folder {parent} is not writable; choose another path"
        )


def _existing(paths: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    """The inputs that are paths on disk (built-in dataset names such as ``seed`` are not)."""
    return [Path(os.path.realpath(p)) for p in paths if p is not None and os.path.exists(p)]


def _same(target: Path, source: Path) -> bool:
    if target.exists():
        return os.path.samefile(target, source)
    return target == source


def _within(target: Path, folder: Path) -> bool:
    return target == folder or folder in target.parents
