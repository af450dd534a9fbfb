"""The ``unskew`` Typer application and what every command shares."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from unskew import __version__

__all__ = ["app", "dump"]

app = typer.Typer(
    name="unskew",
    help="Train deep models on class-imbalanced data, and find out which remedy works on yours.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def dump(obj: object) -> None:
    """Print ``obj`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _version(value: bool) -> None:
    if value:
        print(f"unskew {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Train deep models on class-imbalanced data, and find out which remedy works on yours."""
