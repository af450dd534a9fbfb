"""Exceptions raised by unskew.

Every error caused by what a user passed in (a file, a column name, labels, a parameter) is an
:class:`InputError`. It subclasses :class:`ValueError`, so ``except ValueError`` keeps working, and its
message is one line that names the problem, shows what was received and says how to fix it. The command
line turns an :class:`InputError` into that line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "MissingDependencyError", "TrainingError", "UnskewError"]


class UnskewError(Exception):
    """Base class of every exception unskew raises on purpose."""


class InputError(UnskewError, ValueError):
    """Bad input: the message names the problem and the fix.

    Examples
    --------
    >>> from unskew.exceptions import InputError
    >>> try:
    ...     raise InputError("target column 'lable' not found; did you mean 'label'?")
    ... except ValueError as err:
    ...     print(err)
    target column 'lable' not found; did you mean 'label'?
    """


class MissingDependencyError(UnskewError, ImportError):
    """An optional package a feature needs is not installed; the message says what to install."""


class TrainingError(UnskewError, RuntimeError):
    """Training could not go on (for example the loss became NaN, or a ``compile=True`` loss could
    not be compiled on this machine); the message names the cause and the fix, and the model keeps
    its last good weights."""
