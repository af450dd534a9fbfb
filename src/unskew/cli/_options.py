"""Options shared by several commands, and ``--plugin``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = [
    "DataArg",
    "DeviceOpt",
    "ImageSizeOpt",
    "ModelOpt",
    "PluginOpt",
    "PrecisionOpt",
    "PretrainedOpt",
    "SkipBadImagesOpt",
    "TargetOpt",
    "TextOpt",
    "UnlabeledOpt",
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
UnlabeledOpt = Annotated[
    bool,
    typer.Option(
        "--unlabeled",
        help="Image folders: read every image at any depth; folder names are not labels.",
    ),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="auto (mlp for tables, cnn for images, text for texts), mlp, cnn, resnet32 "
        "(images of 8 px and more, designed for 32), resnet18 (64 px and more) or text.",
    ),
]
DeviceOpt = Annotated[
    str,
    typer.Option(
        "--device", help="auto (a GPU when there is one, else the CPU), cpu, cuda, cuda:N or mps."
    ),
]
PrecisionOpt = Annotated[
    str,
    typer.Option(
        "--precision",
        help="32, bf16 (mixed bfloat16, CPU or GPU) or 16 (mixed float16, CUDA only).",
    ),
]
PretrainedOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--pretrained",
        help="A .pt file holding a network's state_dict (saved with torch.save) to start the "
        "built-in network from; read with weights_only=True, a classifier head of another size is "
        "re-initialised. Pair with the recipe part finetune.",
        show_default=False,
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


def check_runtime(device: str, precision: str, pretrained: Path | None = None) -> None:
    """``--device``, ``--precision`` and ``--pretrained`` checked before any data is read: a
    device this machine lacks, float16 off CUDA, a weights file that is not there."""
    from unskew.exceptions import InputError
    from unskew.training.trainer import check_precision, select_device

    chosen = select_device(device)
    check_precision(precision, chosen)
    if pretrained is not None and not pretrained.is_file():
        raise InputError(
            f"--pretrained {pretrained}: no such file; give a state_dict saved with "
            "torch.save(model.state_dict(), path)"
        )
