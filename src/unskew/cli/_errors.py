"""Turn user errors into one line on stderr and exit code 2, with no traceback."""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import typer

from unskew.exceptions import UnskewError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (also what click uses for usage errors).
EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` to stderr and return the Exit to raise."""
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_BAD_INPUT)


def handle_errors(func: F) -> F:
    """Decorator for commands: an :class:`UnskewError` (bad input, a missing optional package)
    becomes ``error: <message>`` on stderr and exit code 2; bugs still show their traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UnskewError as err:
            raise fail(str(err)) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Warnings printed as ``warning: message`` (one line, once each) while the block runs."""
    formatwarning = warnings.formatwarning
    warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        warnings.formatwarning = formatwarning
