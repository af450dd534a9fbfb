"""Typed recipe parameters: the schema a catalogue entry declares for each parameter, how a value is
read from a spec string or checked from Python, how it is written back, and defaults that depend on
the run (``Expr("int(0.6 * epochs)")``).

The module is torch-free: the registry, the recipe parser and ``unskew strategies`` use it.

Examples
--------
>>> gamma = Param(2.0, "float", low=0.0)
>>> gamma.parse("focal", "gamma", "0.5"), format_value(gamma.parse("focal", "gamma", "2"))
(0.5, '2')
>>> Expr("max(1, batch_size // n_classes)").evaluate({"batch_size": 128, "n_classes": 10})
12
"""

from __future__ import annotations

import ast
import json
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from unskew._options import bounds_text
from unskew.exceptions import InputError

__all__ = ["KINDS", "REQUIRED", "Expr", "Param", "as_param", "format_value", "split_outside"]

#: The parameter kinds a catalogue entry can declare.
KINDS = (
    "int",
    "float",
    "bool",
    "str",
    "ints",  # a list of integers, written [64,16]
    "floats",  # a list of numbers, written [0.25,0.75]
    "matrix",  # a list of lists of numbers, written [[0,1],[5,0]]
    "strs",  # a list of texts, written [a;b] (texts may hold commas, such as recipe specs)
    "ratio",  # imbalanced-learn's sampling_strategy: a name or a share in (0, 1]
    "any",
)

#: A value of each list kind, as written in a recipe (error messages and examples show it).
_SAMPLES = {
    "ints": "[64,16]",
    "floats": "[0.25,0.75]",
    "matrix": "[[0,1],[5,0]]",
    "strs": "[focal:gamma=2;ldam+drw]",
}

_RATIO_NAMES = ("auto", "minority", "not minority", "not majority", "all", "majority")


class _Required:
    """Marker for a parameter without a default (the user must give it)."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of a parameter the user must give.
REQUIRED: Any = _Required()

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}
_CALLS = {"int": int, "max": max, "min": min, "round": round, "float": float}


@dataclass(frozen=True)
class Expr:
    """A default computed from the run's context: arithmetic (``+ - * / //``) on numbers and the
    context's names (``epochs``, ``batch_size``, ``n_classes``, ``random_state``, ``world_size``,
    ``rank``), and the calls ``int``, ``float``, ``round``, ``max``, ``min``. A plain name such as
    ``Expr("random_state")`` copies the value (``None`` included).

    Examples
    --------
    >>> Expr("int(0.6 * epochs)").evaluate({"epochs": 30})
    18
    >>> Expr("random_state").names()
    {'random_state'}
    """

    text: str

    def __post_init__(self) -> None:
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as err:
            raise ValueError(f"default expression {self.text!r} does not parse: {err}") from None
        for node in ast.walk(tree):
            allowed = (
                ast.Expression,
                ast.BinOp,
                ast.Constant,
                ast.Name,
                ast.Load,
                ast.Call,
                *_BINARY,
            )
            if not isinstance(node, allowed):
                raise ValueError(
                    f"default expression {self.text!r}: {type(node).__name__} is "
                    "not allowed (arithmetic, names and int/max/min/round only)"
                )
            if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in _CALLS
            ):
                raise ValueError(f"default expression {self.text!r}: only int/float/round/max/min")

    def names(self) -> set[str]:
        """The context names the expression reads."""
        tree = ast.parse(self.text, mode="eval")
        return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _CALLS}

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value for ``context`` (a mapping of the names above)."""
        missing = self.names() - set(context)
        if missing:
            raise InputError(
                f"the default {self.text!r} needs {', '.join(sorted(missing))} from the run; "
                "give the parameter a value"
            )
        return _eval(ast.parse(self.text, mode="eval").body, context)

    def __str__(self) -> str:
        return self.text


def _eval(node: ast.AST, context: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return context[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, context), _eval(node.right, context))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return _CALLS[node.func.id](*(_eval(a, context) for a in node.args))


@dataclass(frozen=True)
class Param:
    """One declared parameter of a strategy: its default, kind and allowed values.

    Parameters
    ----------
    default : object, Expr or REQUIRED
        The value used when a recipe does not give one; an :class:`Expr` is computed from the run's
        context when the strategy is built.
    kind : str
        One of :data:`KINDS`.
    low, high : float, optional
        Inclusive bounds for numbers (and for every number of a list or matrix).
    low_open, high_open : bool
        Make ``low`` / ``high`` exclusive.
    choices : tuple of str, optional
        The allowed texts (``kind="str"``).
    nullable : bool
        Whether ``none`` is allowed (it is when the default is None).
    check : str, optional
        ``"module:function"`` called with the value; it raises ``InputError`` on a bad value
        (``threshold``'s objective grammar).
    neighbours : bool
        A number of nearest neighbours within a class (SMOTE's ``k_neighbors``): the Trainer lowers
        it, with a warning, to the smallest training class's rows minus one, and refuses classes of
        a single row.

    Examples
    --------
    >>> Param(5, "int", low=1).parse("smote", "k_neighbors", "7")
    7
    >>> Param(5, "int", low=1).parse("smote", "k_neighbors", "0")
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: smote:k_neighbors must be >= 1, got 0
    """

    default: Any = None
    kind: str = "any"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    check: str | None = None
    neighbours: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"parameter kind must be one of {KINDS}, got {self.kind!r}")

    # -- reading ---------------------------------------------------------------------------------
    def parse(self, strategy: str, name: str, text: str) -> Any:
        """The value written as ``text`` in a spec string, checked."""
        raw = text.strip()
        if raw.lower() in ("none", "null") and raw not in (self.choices or ()):
            return self.coerce(strategy, name, None)
        if self.kind == "strs":
            return self.coerce(strategy, name, _texts(raw))
        if self.kind in ("ints", "floats", "matrix") or raw.startswith("["):
            try:
                value: Any = json.loads(raw)
            except ValueError:
                raise InputError(
                    f"{strategy}:{name} must be {self._expected()}, got {raw!r}; write lists "
                    "in brackets, e.g. [[0,1],[5,0]]"
                ) from None
        elif self.kind in ("str", "ratio"):
            value = _number_or_text(raw) if self.kind == "ratio" else raw
        elif self.kind == "bool":
            value = {"true": True, "false": False}.get(raw.lower(), raw)
        else:
            value = _number_or_text(raw) if self.kind != "any" else _any_value(raw)
        return self.coerce(strategy, name, value)

    def coerce(self, strategy: str, name: str, value: Any) -> Any:
        """``value`` given from Python (or read from text), checked and converted to the kind."""
        where = f"{strategy}:{name}"
        if value is None:
            if self.nullable or self.default is None:
                return None
            raise InputError(f"{where} needs a value ({self._expected()}), got none")
        kind = self.kind
        if kind == "any":
            out = value
        elif kind == "bool":
            if not isinstance(value, bool):
                raise InputError(f"{where} must be true or false, got {value!r}")
            out = value
        elif kind == "int":
            out = self._int(where, value)
        elif kind == "float":
            out = self._float(where, value)
        elif kind == "str":
            if not isinstance(value, str):
                raise InputError(f"{where} must be {self._expected()}, got {value!r}")
            out = value.strip()
            if self.choices is not None and out not in self.choices:
                raise InputError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
        elif kind == "ratio":
            out = self._ratio(where, value)
        elif kind == "strs":
            out = self._texts(where, value)
        elif kind in ("ints", "floats"):
            if not isinstance(value, list | tuple) or not value:
                raise InputError(f"{where} must be {self._expected()}, got {value!r}")
            cast = self._int if kind == "ints" else self._float
            out = [cast(where, v) for v in value]
        else:  # matrix
            if (
                not isinstance(value, list | tuple)
                or not value
                or not all(isinstance(r, list | tuple) and len(r) == len(value) for r in value)
            ):
                raise InputError(
                    f"{where} must be a square matrix of numbers such as [[0,1],[5,0]], got "
                    f"{value!r}"
                )
            out = [[self._float(where, v) for v in row] for row in value]
        if self.check is not None:
            _resolve(self.check)(out)
        return out

    def _int(self, where: str, value: Any) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise InputError(f"{where} must be a whole number, got {value!r}")
        self._bounds(where, value)
        return int(value)

    def _float(self, where: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{where} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{where} must be a finite number, got {value!r}")
        self._bounds(where, value)
        return float(value)

    def _texts(self, where: str, value: Any) -> list[str]:
        if (
            not isinstance(value, list | tuple)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise InputError(f"{where} must be {self._expected()}, got {value!r}")
        out = [v.strip() for v in value]
        for v in out:
            if len(split_outside(v, ";")) > 1 or _depth(v) != 0:
                raise InputError(
                    f"{where}: {v!r} holds a ';' or unbalanced brackets, which would not read "
                    "back as one text; write each text without them"
                )
        return out

    def _ratio(self, where: str, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip() not in _RATIO_NAMES:
                raise InputError(
                    f"{where} must be one of {', '.join(_RATIO_NAMES)} or a share in (0, 1], got "
                    f"{value!r}"
                )
            return value.strip()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (0.0 < value <= 1.0)
        ):
            raise InputError(
                f"{where} must be a share in (0, 1] (the minority/majority ratio after "
                f"resampling) or one of {', '.join(_RATIO_NAMES)}, got {value!r}"
            )
        return float(value)

    def _bounds(self, where: str, value: float) -> None:
        low, high = self.low, self.high
        if low is not None and (value < low or (self.low_open and value == low)):
            raise InputError(
                f"{where} must be {'>' if self.low_open else '>='} {_num(low)}, got {_num(value)}"
            )
        if high is not None and (value > high or (self.high_open and value == high)):
            raise InputError(
                f"{where} must be {'<' if self.high_open else '<='} {_num(high)}, got {_num(value)}"
            )

    def _expected(self) -> str:
        return {
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
            "str": "a text" if self.choices is None else "one of " + ", ".join(self.choices),
            "ints": f"a list of whole numbers such as {_SAMPLES['ints']}",
            "floats": f"a list of numbers such as {_SAMPLES['floats']}",
            "matrix": f"a square matrix of numbers such as {_SAMPLES['matrix']}",
            "strs": f"a list of texts separated by ';' such as {_SAMPLES['strs']}",
            "ratio": "a share in (0, 1] or a name such as auto",
            "any": "a value",
        }[self.kind]

    def allowed(self) -> str:
        """The values the parameter takes, as ``unskew strategies NAME`` prints them: the kind,
        its bounds (for a list, every number's) and whether ``none`` is allowed.

        Examples
        --------
        >>> Param(0.25, "float", low=0.0, high=1.0, high_open=True).allowed()
        'a number in [0, 1)'
        >>> Param(5, "int", low=1).allowed()
        'a whole number >= 1'
        >>> Param(None, "floats", low=0.0).allowed()
        'a list of numbers such as [0.25,0.75], each >= 0, or none'
        """
        bounds = self._range()
        if bounds and self.kind in ("ints", "floats", "matrix"):
            bounds = ", each" + bounds
        nullable = self.nullable or self.default is None
        return self._expected() + bounds + (", or none" if nullable else "")

    def _range(self) -> str:
        return bounds_text(self.low, self.high, self.low_open, self.high_open, num=_num)

    def example(self) -> str | None:
        """A value to show in an example recipe: the default as written in a spec, or, for a
        list kind without a plain default, a sample of the kind; None when neither applies (a
        default computed from the run, or a required scalar).

        Examples
        --------
        >>> Param(2.0, "float").example(), Param(REQUIRED, "strs").example()
        ('2', '[focal:gamma=2;ldam+drw]')
        """
        if isinstance(self.default, Expr):
            return None
        if self.default is not REQUIRED and self.default is not None:
            return format_value(self.default)
        return _SAMPLES.get(self.kind)

    def describe(self) -> str:
        """The default as ``unskew strategies`` prints it."""
        if self.default is REQUIRED:
            return "(required)"
        if isinstance(self.default, Expr):
            return str(self.default)
        return format_value(self.default)


def as_param(value: Any) -> Param:
    """A :class:`Param` for a catalogue entry's parameter given as a bare default (user entries
    may declare ``params={"gamma": 2.0}``): the kind is read from the default's type."""
    if isinstance(value, Param):
        return value
    if isinstance(value, Expr):
        return Param(value, "any")
    if isinstance(value, bool):
        return Param(value, "bool")
    if isinstance(value, int):
        return Param(value, "int")
    if isinstance(value, float):
        return Param(value, "float")
    if isinstance(value, str):
        return Param(value, "str")
    if isinstance(value, list | tuple) and value and all(isinstance(v, int) for v in value):
        return Param(list(value), "ints")
    return Param(value, "any", nullable=True)


def format_value(value: Any) -> str:
    """A value as written in a spec string, so that parsing it gives the value back.

    Examples
    --------
    >>> format_value([[0, 1.0], [5, 0]]), format_value(2.0), format_value(None), format_value(True)
    ('[[0,1],[5,0]]', '2', 'none', 'true')
    >>> format_value(["focal:gamma=2,alpha=0.25", "ldam+drw"])
    '[focal:gamma=2,alpha=0.25;ldam+drw]'
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return "[" + ";".join(value) + "]"  # texts may hold commas: ';' separates them
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    return str(value)


def split_outside(text: str, sep: str) -> list[str]:
    """Split ``text`` on ``sep`` where it is not inside brackets.

    Examples
    --------
    >>> split_outside("cost_sensitive:cost_matrix=[[0,1],[5,0]]+threshold:f1", "+")
    ['cost_sensitive:cost_matrix=[[0,1],[5,0]]', 'threshold:f1']
    >>> split_outside("a=[1,2],b=3", ",")
    ['a=[1,2]', 'b=3']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _texts(raw: str) -> Any:
    """``[a;b]`` (or a single ``a``) as a list of texts, split on ``;`` outside inner brackets."""
    if not (raw.startswith("[") and raw.endswith("]")):
        return [raw]
    inner = raw[1:-1]
    return [t.strip() for t in split_outside(inner, ";")] if inner.strip() else []


def _depth(text: str) -> int:
    """Open minus closed brackets of ``text`` (0 when balanced), -1 if one closes too early."""
    depth = 0
    for ch in text:
        depth += ch in "[("
        depth -= ch in "])"
        if depth < 0:
            return -1
    return depth


def _number_or_text(raw: str) -> Any:
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def _any_value(raw: str) -> Any:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return _number_or_text(raw)


def _num(value: float) -> str:
    return format_value(float(value)) if isinstance(value, float) else str(value)


def _resolve(target: str) -> Any:
    import importlib

    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
