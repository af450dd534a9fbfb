"""Reader for the KEEL ``.dat`` format (an ARFF dialect) used by the KEEL imbalanced benchmark.

Format: ``@relation``, one ``@attribute NAME TYPE`` line per column (``real [lo, hi]``, ``integer [lo, hi]``
or a nominal ``{a, b, c}``), optional ``@inputs`` / ``@outputs``, then ``@data`` and comma-separated rows.
The files in the wild vary: stray spaces and tabs, a stray ``}`` after a label, ``<null>`` or ``?`` for
missing values, upper/lower-case keywords. This reader tolerates all of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from unskew.exceptions import InputError

__all__ = ["read_keel"]

_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^']*)'|\"(?:[^\"]*)\"|\S+)\s*(.*)$", re.IGNORECASE)
_MISSING = {"", "?", "<null>", "null"}


def _clean(token: str) -> str:
    return token.strip().strip("{}").strip()


def read_keel(path: str | Path) -> tuple[pd.DataFrame, str, list[str]]:
    """Read a KEEL ``.dat`` file.

    Returns
    -------
    frame : pandas.DataFrame
        Numeric attributes as float64 (missing -> NaN), nominal attributes as strings (missing -> None),
        and the output (class) column as stripped strings.
    target : str
        Name of the output attribute (from ``@outputs``, else the last attribute).
    nominal : list of str
        Names of the nominal input attributes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "toy.dat"
    >>> _ = p.write_text("@relation toy\\n@attribute a real [0, 1]\\n@attribute Class {positive, negative}"
    ...                  "\\n@data\\n0.5, negative\\n<null>, positive }\\n")
    >>> frame, target, nominal = read_keel(p)
    >>> frame["Class"].tolist(), target, nominal
    (['negative', 'positive'], 'Class', [])
    """
    path = Path(path)
    names: list[str] = []
    kinds: list[str] = []
    outputs: list[str] = []
    rows: list[list[str]] = []
    in_data = False
    with open(path, encoding="latin-1") as handle:
        for raw in handle:
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            if in_data:
                rows.append([_clean(t) for t in line.split(",")])
                continue
            lower = line.lower()
            if lower.startswith("@attribute"):
                match = _ATTRIBUTE.match(line)
                if not match:
                    raise InputError(f"{path}: cannot read attribute line {line!r}")
                names.append(match.group(1).strip("'\""))
                kinds.append("nominal" if "{" in match.group(2) else "numeric")
            elif lower.startswith("@output"):
                outputs = (
                    [n.strip() for n in line.split(None, 1)[1].split(",")] if " " in line else []
                )
            elif lower.startswith("@data"):
                in_data = True
    if not names or not in_data:
        raise InputError(f"{path} is not a KEEL .dat file (no @attribute or @data section)")
    if not rows:
        raise InputError(f"{path} has no data rows after @data")
    width = len(names)
    bad = next((i for i, r in enumerate(rows) if len(r) != width), None)
    if bad is not None:
        raise InputError(
            f"{path}: data row {bad} has {len(rows[bad])} values but {width} attributes are declared"
        )
    target = outputs[0] if outputs and outputs[0] in names else names[-1]
    columns = list(zip(*rows, strict=True))
    data: dict[str, object] = {}
    for name, kind, values in zip(names, kinds, columns, strict=True):
        if name == target:
            data[name] = np.array(values, dtype=object)
        elif kind == "numeric":
            data[name] = np.array([np.nan if v in _MISSING else float(v) for v in values])
        else:
            data[name] = np.array([None if v in _MISSING else v for v in values], dtype=object)
    nominal = [n for n, k in zip(names, kinds, strict=True) if k == "nominal" and n != target]
    return pd.DataFrame(data), target, nominal
