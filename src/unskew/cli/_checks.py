"""The checks every command makes before any work, in one place: option ranges (the rules of
:mod:`unskew._options`, named as the command line spells them), leaking columns, and the outcome
of a grid in which every run failed."""

from __future__ import annotations

import sys
import warnings
from typing import Annotated, Any

import typer

from unskew._options import check_options

__all__ = [
    "AllowLeakOpt",
    "check_cli_options",
    "check_leaks_of",
    "exit_failed",
    "first_failure",
]

AllowLeakOpt = Annotated[
    bool,
    typer.Option(
        "--allow-leak",
        help="Run even when a column leaks the label (a copy or recoding of it, a saved row "
        "index); refused otherwise, before any work.",
    ),
]


def check_cli_options(**values: Any) -> None:
    """Range-check the command's options (None: the default, not checked); the message names
    the option as typed, e.g. ``--batch-size must be a whole number >= 1, got 0``."""
    check_options(cli=True, **values)


def check_leaks_of(data: Any, bundle: Any, allow_leak: bool) -> None:
    """Refuse a user's data with a column that leaks the label unless ``--allow-leak``, which
    turns each leak into one warning (:func:`unskew.datasets.check_data_leaks`)."""
    from unskew.datasets import check_data_leaks

    for leak in check_data_leaks(data, bundle, allow_leak=allow_leak):
        warnings.warn(f"{leak.split(';')[0]} (allowed by --allow-leak)", UserWarning, stacklevel=2)


def first_failure(result: Any) -> str | None:
    """The first error of a comparison (or suite) in which no run succeeded; None when some
    run did, or when nothing ran (a time budget spent before the first run)."""
    runs = [r for res in getattr(result, "results", [result]) for r in res.runs]
    if any(r.status == "ok" for r in runs):
        return None
    errors = [r for r in runs if r.status == "error"]
    if not errors:
        return None
    first = errors[0]
    return (
        f"every run failed ({len(errors)} errors); the first, {first.recipe} on repeat "
        f"{first.repeat} fold {first.fold}: {' '.join(str(first.error).split())}"
    )


def exit_failed(message: str) -> typer.Exit:
    """Print ``error: message`` and return the Exit (code 1: the input was fine, the runs were
    not) to raise."""
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(1)
