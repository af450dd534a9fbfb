"""``unskew``: profile data, list strategies and built-in datasets.

Heavy modules (pandas, scikit-learn, torch, matplotlib) are imported inside the commands, so
``unskew --help`` stays fast and never imports torch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from unskew import __version__
from unskew.cli._errors import fail, handle_errors

app = typer.Typer(
    name="unskew",
    help="Train deep models on class-imbalanced data, and find out which remedy works on yours.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

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


def _dump(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


@app.command()
@handle_errors
def profile(
    data: DataArg = None,
    target: TargetOpt = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--plot", help="Write a bar chart of class counts (PNG, SVG or PDF)."),
    ] = None,
) -> None:
    """Class counts and shares, imbalance ratio, data warnings, and strategies worth trying."""
    from unskew.data import profile as make_profile
    from unskew.datasets import load

    if plot is not None:
        _check_plot_path(plot)
    result = make_profile(load(data, target))
    if plot is not None:
        result.plot(plot)
    if as_json:
        _dump(result.to_dict())
        return
    from unskew.cli._render import console, profile_renderable

    out = console()
    out.print(profile_renderable(result))
    if plot is not None:
        out.print(f"[dim]plot written to {plot}[/dim]")


def _check_plot_path(path: Path) -> None:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise fail(
            f"--plot {path}: unknown image format '{suffix or '(none)'}'; use a .png, .svg or "
            ".pdf file name"
        )
    if not path.parent.exists():
        raise fail(f"--plot {path}: folder {path.parent} does not exist; create it first")


@app.command()
@handle_errors
def strategies(
    stage: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--stage", "-s", help="Only this stage: data, batch, objective, model, decision, meta."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every registered strategy: its stage, what it does, its parameters and its paper."""
    from unskew.registry import get_registry

    entries = get_registry().list(stage=stage)
    if as_json:
        _dump([s.to_dict() for s in entries])
        return
    from unskew.cli._render import console, strategies_table

    console().print(strategies_table(entries))


@app.command()
@handle_errors
def datasets(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    with_keel: Annotated[
        bool, typer.Option("--keel/--no-keel", help="Include the 100 KEEL datasets.")
    ] = True,
) -> None:
    """The built-in datasets with their size, classes and imbalance ratio (no network needed)."""
    from unskew.datasets import describe_builtins

    rows = describe_builtins(include_keel=with_keel)
    if as_json:
        _dump(rows)
        return
    from unskew.cli._render import console, datasets_table

    console().print(datasets_table(rows))


def main() -> None:
    """Entry point of the ``unskew`` console script."""
    app(prog_name="unskew")
