"""Range checks of the run options shared by the Python API and the command line: epochs, batch
size, learning rate, validation and test shares, folds, repeats, jobs, time budget, seed...

One rule per option name (:data:`RULES`), checked before any work: ``ImbalancedClassifier.fit``,
``Trainer.fit`` and every ``unskew`` command call :func:`check_options`. The message names the
option as the caller knows it (``batch_size`` in Python, ``--batch-size`` on the command line),
shows the value received and says what is allowed.

The module is torch-free.

Examples
--------
>>> check_options(epochs=3, lr=None)        # None means "the default": not checked
>>> check_options(epochs=0)
Traceback (most recent call last):
...
unskew.exceptions.InputError: epochs must be a whole number >= 1, got 0; leave it out for ...
>>> check_options(cli=True, batch_size=0)
Traceback (most recent call last):
...
unskew.exceptions.InputError: --batch-size must be a whole number >= 1, got 0; rows per ...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from unskew.exceptions import InputError

__all__ = ["RULES", "Rule", "bounds_text", "check_option", "check_options", "option_name"]


@dataclass(frozen=True)
class Rule:
    """What an option accepts: a whole number (``kind="int"``) or a finite number (``"float"``)
    within ``[low, high]`` (``low_open``/``high_open`` make a bound exclusive), or one of
    ``also``; ``fix`` ends the message."""

    kind: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    also: tuple[float, ...] = ()
    fix: str = ""

    def describe(self) -> str:
        """What is allowed, in words (``a whole number >= 1``, ``a number in (0, 10]``)."""
        what = "a whole number" if self.kind == "int" else "a number"
        text = what + bounds_text(self.low, self.high, self.low_open, self.high_open)
        return text + "".join(f" or {_num(a)}" for a in self.also)

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (already a finite number of the right kind) is allowed."""
        if value in self.also:
            return True
        low, high = self.low, self.high
        if low is not None and (value < low or (self.low_open and value == low)):
            return False
        return not (high is not None and (value > high or (self.high_open and value == high)))


#: The rule of every option name (as the Python API spells it).
RULES: dict[str, Rule] = {
    "epochs": Rule("int", low=1, fix="leave it out for the default (30, more on small data)"),
    "batch_size": Rule("int", low=1, fix="rows per training step, e.g. 128"),
    "lr": Rule(
        "float",
        low=0,
        high=10,
        low_open=True,
        fix="the learning rate, e.g. 1e-3 for AdamW or 0.05 for SGD; leave it out for those",
    ),
    "weight_decay": Rule("float", low=0, fix="e.g. 1e-4; 0 for none"),
    "validation": Rule(
        "float",
        low=0,
        high=0.5,
        fix="the share of training rows held out for early stopping and tuning; 0 for none",
    ),
    "test_size": Rule(
        "float", low=0, high=0.9, fix="the share held out for the report; 0 for none"
    ),
    "patience": Rule("int", low=1, fix="epochs without improvement before stopping, e.g. 10"),
    "dropout": Rule("float", low=0, high=1, high_open=True, fix="e.g. 0.1; 0 for none"),
    "clip_grad_norm": Rule("float", low=0, low_open=True, fix="e.g. 1.0; leave it out for none"),
    "seed": Rule("int", low=0, high=2**32 - 1, fix="any whole number from 0"),
    "cv": Rule("int", low=2, fix="stratified folds, e.g. 5"),
    "repeats": Rule("int", low=1, fix="how many times the folds are drawn, e.g. 1"),
    "jobs": Rule("int", low=1, also=(-1,), fix="runs in parallel; -1 for every core"),
    "time_budget": Rule(
        "float",
        low=0,
        low_open=True,
        fix="seconds; on the command line write e.g. 90s, 10m or 1.5h",
    ),
    "n": Rule("int", low=1, fix="how many rows to suggest, e.g. 20"),
}


def option_name(name: str, *, cli: bool = False) -> str:
    """``name`` as the caller wrote it: unchanged in Python, ``--batch-size`` on the command line
    (``-n`` for ``n``).

    Examples
    --------
    >>> option_name("batch_size"), option_name("batch_size", cli=True), option_name("n", cli=True)
    ('batch_size', '--batch-size', '-n')
    """
    if not cli:
        return name
    return f"-{name}" if len(name) == 1 else "--" + name.replace("_", "-")


def check_option(name: str, value: Any, *, cli: bool = False) -> None:
    """Refuse ``value`` for the option ``name`` (a key of :data:`RULES`) unless its rule allows
    it; None (the default) is always allowed.

    Examples
    --------
    >>> check_option("lr", float("nan"), cli=True)
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: --lr must be a number in (0, 10], got nan; the learning rate, ...
    """
    if value is None:
        return
    rule = RULES[name]
    shown = option_name(name, cli=cli)
    if not _is_kind(value, rule.kind) or not math.isfinite(value) or not rule.accepts(value):
        fix = f"; {rule.fix}" if rule.fix else ""
        raise InputError(f"{shown} must be {rule.describe()}, got {_shown(value)}{fix}")


def check_options(*, cli: bool = False, **values: Any) -> None:
    """:func:`check_option` for each ``name=value`` (in the order given); the first bad one is
    refused."""
    for name, value in values.items():
        check_option(name, value, cli=cli)


def _is_kind(value: Any, kind: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    if kind == "int":
        return isinstance(value, numbers.Integral) or (
            isinstance(value, float) and value.is_integer()
        )
    return True


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bounds_text(
    low: float | None,
    high: float | None,
    low_open: bool = False,
    high_open: bool = False,
    num: Callable[[float], str] = _num,
) -> str:
    """A range in words, to follow what is ranged: `` in [low, high]`` (a round bracket for an
    open end), `` >= low``, `` < high``, or nothing without bounds; ``num`` writes the numbers.
    The one wording of option ranges (:class:`Rule`) and recipe parameters (``Param``).

    Examples
    --------
    >>> "a number" + bounds_text(0, 10, low_open=True), "a whole number" + bounds_text(1, None)
    ('a number in (0, 10]', 'a whole number >= 1')
    """
    if low is not None and high is not None:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        return f" in {left}{num(low)}, {num(high)}{right}"
    if low is not None:
        return f" {'>' if low_open else '>='} {num(low)}"
    if high is not None:
        return f" {'<' if high_open else '<='} {num(high)}"
    return ""


def _shown(value: Any) -> str:
    """The value as received: ``1e+308`` stays ``1e+308`` (never rounded to ``inf``)."""
    if isinstance(value, float):
        return repr(value)
    return repr(value) if isinstance(value, str) else str(value)
