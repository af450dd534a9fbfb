"""Turn user errors into one line on stderr and exit code 2, with no traceback.

Three kinds reach the user this way: an :class:`~unskew.exceptions.UnskewError` raised by a command
(bad input, a missing optional package); a usage error found by the option parser (an unknown
option, ``--batch-size abc``); and an ``OSError`` while writing (standard output on a full device
or a closed pipe, a full disk). Warnings print as one ``warning: ...`` line each.
"""

from __future__ import annotations

import contextlib
import functools
import os
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
    or an ``OSError`` (writing to a full device, a closed pipe) becomes ``error: <message>`` on
    stderr and exit code 2; warnings print on one line each; bugs still show their traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with one_line_warnings():
                result = func(*args, **kwargs)
                sys.stdout.flush()  # a full device fails here, not at exit
                return result
        except UnskewError as err:
            raise fail(str(err)) from None
        except OSError as err:
            _discard_stdout()
            raise fail(os_error_message(err)) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Warnings print as ``warning: <message>`` (one line, no source line, once each) while the
    block runs."""
    previous = warnings.formatwarning
    warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        warnings.formatwarning = previous


def os_error_message(err: OSError) -> str:
    """One line for an operating-system error met while reading or writing.

    Examples
    --------
    >>> os_error_message(OSError(28, "No space left on device"))
    'cannot write the output: No space left on device; check where standard output goes ...'
    """
    reason = err.strerror or str(err)
    if err.filename:
        return f"{err.filename}: {reason}; check the path, its permissions and the free space"
    return (
        f"cannot write the output: {reason}; check where standard output goes (a full device, "
        "a closed pipe) and the free space"
    )


def _discard_stdout() -> None:
    """Point standard output at the null device, so that Python's final flush of what is still
    buffered does not fail again (with a traceback) at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def run_app(app: typer.Typer, args: list[str] | None = None, prog_name: str = "unskew") -> int:
    """Run the application on ``args`` (default: the command line) and return its exit code; a
    usage error (an unknown option, a value the parser cannot read) is one ``error:`` line with
    the command's help hint, exit code 2."""
    try:
        code = app(args=args, prog_name=prog_name, standalone_mode=False)
    except typer.TyperException as err:  # the option parser's usage errors
        if type(err).__name__ == "NoArgsIsHelpError":  # bare `unskew`: the help, as before
            err.show()  # type: ignore[attr-defined]
        else:
            message = " ".join(err.format_message().split())
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
            print(f"error: {message}{hint}", file=sys.stderr)
        return int(getattr(err, "exit_code", EXIT_BAD_INPUT))
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0
