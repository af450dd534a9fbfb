"""Options shared by several commands, and ``--plugin``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

__all__ = [
    "DataArg",
    "ImageSizeOpt",
    "PluginOpt",
    "SkipBadImagesOpt",
    "TargetOpt",
    "TextOpt",
    "use_plugins",
]

DataArg = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time on Python 3.10 too
    typer.Argument(
        help="A table file (CSV/TSV/Parquet/.npz/KEEL .dat), an image folder (one sub-folder per "
        "class), or a built-in: seed (default), keel:NAME, mnist-lt, digits-lt.",
        show_default=False,
    ),
]
TargetOpt = Annotated[
    str,
    typer.Option(
        "--target", "-t", help="Label column; default: the column named target/label/class/y."
    ),
]

TextOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--text",
        help="Text column(s) of a table (COL or A,B); 'none' reads a table. Default: detect "
        "free-text columns (many distinct, multi-word values).",
        show_default=False,
    ),
]
ImageSizeOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--image-size",
        help="Image folders: resize to S or HxW pixels. Default: the most common size, longer "
        "side capped at 64 (scaled to cover, then center-cropped).",
        show_default=False,
    ),
]
SkipBadImagesOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-images", help="Image folders: skip unreadable images instead of refusing."
    ),
]
PluginOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--plugin",
        help="A module (name, or path to a .py file) that registers strategies of your own with "
        "unskew.register; imported first, and in every parallel worker. Repeatable.",
        show_default=False,
    ),
]


def use_plugins(plugins: list[str] | None) -> None:
    """Import the ``--plugin`` modules (before anything else the command does)."""
    if plugins:
        from unskew.plugins import load_plugins

        load_plugins(plugins)
