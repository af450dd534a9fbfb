"""The defaults of a comparison: what it ranks by, how many runs go in parallel, where it keeps its
runs (``runs/<dataset>``, resumed when it holds the same comparison, ``runs/<dataset>-2`` when it
holds another), and the report's file name for a ranking metric."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "DATASET",
    "DEFAULT_OUT",
    "REPORT_NAME",
    "choose_folder",
    "default_jobs",
    "default_metric",
    "folder_state",
    "report_name",
    "request_of",
    "template_folder",
]

from unskew._files import COMPARE_OUT as DEFAULT_OUT
from unskew._files import DATASET

#: File name of the report inside a comparison's output folder (ranked by its first metric).
REPORT_NAME = "report.html"


def default_metric(n_classes: int) -> str:
    """The ranking metric of a comparison that names none: G-mean for two classes, balanced
    accuracy for more (where one class with zero recall makes the G-mean 0 for most recipes,
    leaving a ranking of ties).

    Examples
    --------
    >>> default_metric(2), default_metric(10)
    ('gmean', 'balanced_accuracy')
    """
    return "gmean" if int(n_classes) == 2 else "balanced_accuracy"


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity), at least 1.

    Examples
    --------
    >>> default_jobs() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def report_name(metric: str, first: str | None) -> str:
    """The report's file name: ``report.html`` for the metric the folder was first ranked by,
    ``report-<metric>.html`` for another, so ranking again by another metric never replaces it.

    Examples
    --------
    >>> report_name("gmean", "gmean"), report_name("cost:10/1", "gmean")
    ('report.html', 'report-cost-10-1.html')
    """
    if first is None or metric == first:
        return REPORT_NAME
    return f"report-{_slug(metric)}.html"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", str(text)).strip("-.") or "data"


def template_folder(template: str | os.PathLike[str], name: str) -> Path:
    """``template`` with ``<dataset>`` replaced by ``name`` (runs of other characters than
    letters, digits, ``.`` and ``_`` as ``-``).

    Examples
    --------
    >>> template_folder("runs/<dataset>", "digits-lt-10").as_posix()
    'runs/digits-lt-10'
    """
    return Path(str(template).replace(DATASET, _slug(name)))


def request_of(
    strategies: str | Sequence[str], model: str, epochs: int | None, params: dict[str, Any]
) -> dict[str, Any]:
    """What a comparison was asked for, as stored with its runs: the strategies (``quick``,
    ``all``, or the canonical recipes sorted), the model, the epochs and the classifier's
    parameters. The same request on the same data and folds is the same comparison.

    Examples
    --------
    >>> request_of("focal:2, ldam+drw", "auto", 5, {})["strategies"]
    ['cross_entropy', 'focal:gamma=2', 'ldam+drw']
    """
    from unskew.bench._recipes import BASELINE, canonical, split_specs

    if isinstance(strategies, str) and strategies.strip().lower() in ("quick", "all"):
        chosen: Any = strategies.strip().lower()
    else:
        specs = split_specs(strategies) if isinstance(strategies, str) else list(strategies)
        chosen = sorted({canonical(str(s)) for s in [BASELINE, *specs]})
    return {"strategies": chosen, "model": model, "epochs": epochs, "params": params}


def folder_state(
    folder: Path, fingerprints: Sequence[str], request: dict[str, Any], *, strict: bool = True
) -> str:
    """``"free"`` (no runs stored), ``"same"`` (the runs of this comparison: the same datasets and
    folds, and the same request; with ``strict=False`` the strategies may differ) or ``"other"``.
    """
    from unskew.bench._store import STORE_NAME, Store

    if not (folder / STORE_NAME).is_file():
        return "free"
    with Store(folder / STORE_NAME) as store:
        stored = store.fingerprints()
        if not stored or not store.count():
            return "free"
        if set(stored) != set(fingerprints):
            return "other"
        keys = [k for k in request if strict or k != "strategies"]
        for fingerprint in stored:
            before = store.meta(fingerprint)["options"].get("request") or {}
            if any(before.get(k) != request[k] for k in keys):
                return "other"
    return "same"


def choose_folder(
    template: str | os.PathLike[str],
    name: str,
    fingerprints: Sequence[str],
    request: dict[str, Any],
    *,
    resume: bool = False,
    force: bool = False,
) -> tuple[Path, str]:
    """The folder for ``template`` (``runs/<dataset>``) and what it holds: the template with the
    dataset's ``name``, if it is free or holds this comparison (``"same"``: it resumes), else the
    first of ``NAME-2``, ``NAME-3``, ... that is. ``force`` takes the first folder whatever it
    holds; ``resume`` accepts a folder of the same data and settings but other strategies.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> folder, state = choose_folder(root + "/<dataset>", "glass 4", ["f"], {})
    >>> folder.name, state
    ('glass-4', 'free')
    """
    base = template_folder(template, name)
    if force:
        return base, "free"
    for k in itertools.count(1):
        folder = base if k == 1 else base.with_name(f"{base.name}-{k}")
        state = folder_state(folder, fingerprints, request, strict=not resume)
        if state != "other":
            return folder, state
    raise AssertionError("unreachable")  # pragma: no cover
