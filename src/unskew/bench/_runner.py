"""Run recipes side by side over the same folds, store every run, and rank them."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unskew._options import check_options
from unskew._validation import minority_class
from unskew.bench._defaults import (
    DATASET,
    choose_folder,
    default_metric,
    folder_state,
    request_of,
    template_folder,
)
from unskew.bench._evaluate import RunTask, run_one
from unskew.bench._folds import Fold, make_folds, run_seed
from unskew.bench._recipes import (
    BASELINE,
    canonical,
    recipe_skip_reason,
    recipes_for,
    split_specs,
)
from unskew.bench._result import CompareResult, SuiteResult
from unskew.bench._store import STORE_NAME, RunRecord, Store
from unskew.exceptions import InputError, MissingDependencyError
from unskew.recipes import parse_recipe

__all__ = [
    "GridPlan",
    "compare",
    "dataset_fingerprint",
    "execute_tasks",
    "pending_tasks",
    "plan_grid",
    "run_grid",
    "run_suite",
]

_BACKENDS = ("loky", "threading", "multiprocessing", "sequential", "dask")
#: How a file is read (``unskew.datasets.load``'s keywords), recorded for the train command.
_DATA_OPTIONS = ("text", "image_size", "skip_bad_images")


# -- data --------------------------------------------------------------------------------------------
def _resolve_data(
    data: Any, target: Any, data_options: dict[str, Any] | None = None
) -> tuple[Any, str]:
    """A DataBundle and the DATA argument that reloads it (for the train command);
    ``data_options`` are :func:`unskew.datasets.load`'s ``text``, ``image_size`` and
    ``skip_bad_images`` for a file or folder."""
    from unskew.data import DataBundle, load_table
    from unskew.training.modality import load_for_training

    options = _check_data_options(data_options)
    if isinstance(data, DataBundle):
        bundle, spec = data, data.name
    elif isinstance(data, tuple) and len(data) == 2:
        bundle, spec = load_table(data[0], data[1]), "data"
    elif data is None or isinstance(data, str | os.PathLike):
        bundle = load_for_training(data, target, **options)
        spec = "seed" if data is None else str(data)
    else:
        raise InputError(
            "data must be a DataBundle, a (X, y) pair, a file path or a built-in name "
            f"(seed, keel:NAME, mnist-lt, digits-lt), got {type(data).__name__}"
        )
    if not isinstance(bundle, DataBundle) or bundle.y is None:
        raise InputError(
            f"a comparison needs labeled data (a table, images or texts with a target, or an "
            f"image folder with one sub-folder per class); {spec} is unlabeled"
        )
    return bundle, spec


def _check_leaks(data: Any, bundle: Any, allow_leak: bool) -> None:
    """Refuse columns of a user's data that leak the label unless ``allow_leak``, which turns
    each into one warning (:func:`unskew.datasets.check_data_leaks`)."""
    import warnings

    from unskew.datasets import check_data_leaks

    for leak in check_data_leaks(data, bundle, allow_leak=allow_leak):
        warnings.warn(f"{bundle.name}: {leak.split(';')[0]} (allowed)", UserWarning, stacklevel=1)


def _check_data_options(data_options: dict[str, Any] | None) -> dict[str, Any]:
    options = {k: v for k, v in (data_options or {}).items() if v not in (None, False)}
    unknown = sorted(set(options) - set(_DATA_OPTIONS))
    if unknown:
        raise InputError(
            f"data_options takes {', '.join(_DATA_OPTIONS)} (unskew.datasets.load's keywords), "
            f"got {', '.join(unknown)}"
        )
    return options


def _hash_dataset(h: Any, X: Any) -> None:
    """An image folder's Dataset by its files (path, size, modification time) and the size and
    mode it is read at, without decoding it; any other Dataset by its items."""
    if all(hasattr(X, a) for a in ("root", "paths", "image_size", "mode")):
        h.update(f"{X.image_size}|{X.mode}|{len(X)}".encode())
        targets = getattr(X, "targets", None)
        if targets is not None:
            h.update(np.ascontiguousarray(np.asarray(targets, dtype=np.int64)).tobytes())
        for rel in X.paths:
            stat = (Path(X.root) / rel).stat()
            h.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\x00".encode())
        return
    for i in range(len(X)):
        item = X[i]
        x = item[0] if isinstance(item, list | tuple) else item
        h.update(np.ascontiguousarray(np.asarray(x)).tobytes())


def _hash_features(h: Any, X: Any) -> None:
    import pandas as pd

    from unskew.training.inputs import is_dataset

    if is_dataset(X):
        _hash_dataset(h, X)
        return
    if isinstance(X, pd.DataFrame):
        h.update(json.dumps([[str(c), str(t)] for c, t in X.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
        return
    arr = np.asarray(X)
    h.update(f"{arr.shape}|{arr.dtype.str}".encode())
    if arr.dtype == object:
        h.update("\x00".join(map(str, arr.reshape(-1))).encode())
    else:
        h.update(np.ascontiguousarray(arr).tobytes())


def dataset_fingerprint(bundle: Any, *, cv: int, repeats: int, random_state: int) -> str:
    """SHA-256 (first 16 hex digits) of the features, labels, class names and target of ``bundle``
    (and its test split), and the splitting options ``cv``, ``repeats``, ``random_state``: two
    comparisons share a store only when this matches.

    Examples
    --------
    >>> from unskew.datasets import seed_example
    >>> a = dataset_fingerprint(seed_example(), cv=5, repeats=1, random_state=0)
    >>> a == dataset_fingerprint(seed_example(), cv=3, repeats=1, random_state=0), len(a)
    (False, 16)
    """
    h = hashlib.sha256()
    # "seed": the key stores were first written with, so that their fingerprints stay the same
    head = {
        "target": bundle.target,
        "cv": int(cv),
        "repeats": int(repeats),
        "seed": int(random_state),
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for part in (bundle, bundle.test) if bundle.test is not None else (bundle,):
        _hash_features(h, part.X)
        h.update(np.ascontiguousarray(np.asarray(part.y, dtype=np.int64)).tobytes())
        h.update(json.dumps([str(c) for c in np.asarray(part.classes)]).encode())
    return h.hexdigest()[:16]


def _model_kind(model: str, bundle: Any) -> str:
    """The network of every run: ``model`` checked against the data (``auto``: the modality's
    default), images against the backbone's minimum size."""
    from unskew.training.modality import resolve_model

    size = tuple(bundle.X.shape[-2:]) if bundle.modality == "image" else None
    return resolve_model(model, bundle.modality, size, name=bundle.name)


def _environment() -> dict[str, str]:
    import sklearn
    import torch

    from unskew import __version__

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "unskew": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
    }


# -- recipes -----------------------------------------------------------------------------------------
def _skip_reason(spec: str, bundle: Any) -> str | None:
    """Why ``spec`` does not apply to ``bundle`` (None when it does)."""
    try:
        recipe = parse_recipe(spec, modality=bundle.modality)
    except InputError as err:
        return str(err)
    return recipe_skip_reason(recipe, bundle.modality, bundle.n_classes)


def _resolve_recipes(recipes: Any, bundle: Any) -> list[tuple[str, str, str | None]]:
    """``(spec as written, canonical key, skip reason)`` per recipe, the baseline first."""
    if isinstance(recipes, str) and recipes.strip().lower() in ("quick", "all"):
        specs = recipes_for(recipes, bundle.modality, bundle.n_classes)
    else:
        given = split_specs(recipes) if isinstance(recipes, str) else list(recipes)
        if not given and isinstance(recipes, str):  # a list may be empty: the baseline alone
            raise InputError(
                f"the recipe list (--strategies, recipes=) is empty ({recipes!r}); give quick, "
                "all, or recipes separated by commas, e.g. 'focal, smote+threshold:f1'"
            )
        for spec in given:
            parse_recipe(spec)  # unknown names and parameters are the caller's mistake
        specs = [BASELINE, *(str(s).strip() for s in given)]
    out: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    for spec in specs:
        key = canonical(spec)
        if key not in seen:
            seen.add(key)
            out.append((spec, key, _skip_reason(spec, bundle)))
    return out


# -- the store ---------------------------------------------------------------------------------------
_SETTINGS = ("model", "epochs", "params")


def _open_store(
    out: Any,
    fingerprints: Sequence[str],
    names: Sequence[str],
    *,
    request: dict[str, Any],
    resume: bool,
    force: bool,
) -> Store:
    """The store in ``out`` (in memory for None). A folder holding this very comparison (same data,
    folds and request) resumes; one holding this data with other options needs ``resume`` (to add
    to it) or ``force``; one holding other data or folds needs ``force``."""
    if out is None:
        return Store(None)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; the output must be a folder (it gets {STORE_NAME})")
    same = not force and folder_state(folder, fingerprints, request) == "same"
    store = Store(folder / STORE_NAME, fresh=force)  # --force: even a damaged file goes
    stored = store.fingerprints()
    foreign = [f for f in stored if f not in fingerprints]
    if foreign:
        other = store.meta(foreign[0])
        store.close()
        raise InputError(
            f"{folder} holds results of another dataset or split ({other['dataset']}, fingerprint "
            f"{foreign[0]}), not of {', '.join(names)} with these cv/repeats/seed; use --force "
            "(force=True) to start it afresh or choose another --out folder"
        )
    if stored and store.count() and not resume and not same:
        n = store.count()
        store.close()
        raise InputError(
            f"{folder} already holds {n} runs of this dataset asked with other strategies or "
            "settings; pass --resume (resume=True) to add these to them, --force (force=True) to "
            "start afresh, or another --out folder"
        )
    return store


def _resolve_out(
    out: Any,
    name: str,
    fingerprints: Sequence[str],
    request: dict[str, Any],
    *,
    resume: bool,
    force: bool,
) -> tuple[Path | None, str | None]:
    """``out`` with ``<dataset>`` replaced (:func:`choose_folder`: the folder of this comparison,
    or the next free ``NAME-2``, ...), and the line that says where the runs go (said once the
    store is open, so that a refused folder prints only its error). ``force`` reads nothing
    stored: a damaged store is replaced, not opened."""
    if out is None:
        return None, None
    if DATASET in str(out):
        folder, state = choose_folder(out, name, fingerprints, request, resume=resume, force=force)
        first = template_folder(out, name)
    else:
        folder = first = Path(out)
        state = "free" if force else folder_state(folder, fingerprints, request)
    if state == "same":
        return folder, f"resuming the comparison stored in {folder} (stored runs are not retrained)"
    if folder != first:
        return folder, f"{first} holds another comparison: runs and report go to {folder}"
    return folder, f"runs and report go to {folder}"


def _check_settings(store: Store, fingerprint: str, options: dict[str, Any], folder: Any) -> None:
    if fingerprint not in store.fingerprints() or not store.count(fingerprint):
        return
    before = store.meta(fingerprint)["options"]
    for key in _SETTINGS:
        if before.get(key) != options.get(key):
            raise InputError(
                f"{folder} holds runs made with {key}={before.get(key)!r}, this comparison asks "
                f"for {key}={options.get(key)!r}; resuming would mix them. Use the same settings, "
                "--force (force=True) to start afresh, or another --out folder"
            )


# -- execution ---------------------------------------------------------------------------------------
def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise MissingDependencyError(
            "backend='dask' needs Dask's distributed scheduler; install it with "
            'pip install "dask[distributed]"'
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if scheduler is None:
        try:
            from dask.distributed import get_client

            return get_client(), False
        except ValueError:
            return Client(), True  # a local cluster on this machine
    return Client(scheduler), True


def _execute(
    tasks: list[RunTask],
    args: tuple[Any, ...],
    *,
    jobs: int,
    backend: str,
    scheduler: Any,
) -> Any:
    """Yield each finished RunRecord (or None for a task past the deadline) as it completes."""
    from joblib import Parallel, delayed, parallel_config

    calls = (delayed(run_one)(task, *args) for task in tasks)
    client, own = None, False
    if backend == "dask":
        client, own = _dask_client(scheduler)
        jobs = -1 if jobs == 1 else jobs  # one job would bypass the cluster
    try:
        with parallel_config(backend=backend, n_jobs=jobs):
            try:
                runner = Parallel(n_jobs=jobs, return_as="generator_unordered")
            except ValueError:  # joblib < 1.4 has no unordered generator
                runner = Parallel(n_jobs=jobs, return_as="generator")
            yield from runner(calls)
    finally:
        if own and client is not None:
            client.close()


def _check_execution(jobs: Any, backend: str, scheduler: Any) -> None:
    if backend not in _BACKENDS:
        raise InputError(f"backend must be one of {', '.join(_BACKENDS)}, got {backend!r}")
    if not isinstance(jobs, int) or jobs == 0 or jobs < -1:
        raise InputError(f"jobs must be a positive integer or -1 (all cores), got {jobs!r}")
    if backend == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise MissingDependencyError(
                "backend='dask' needs Dask's distributed scheduler; install it with "
                'pip install "dask[distributed]"'
            ) from None
    elif scheduler is not None:
        raise InputError(
            "scheduler is the address of a Dask scheduler; pass it with backend='dask'"
        )


def _progress(enabled: bool, total: int, title: str) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
    progress.start()
    task = progress.add_task(title, total=total, last="")
    return progress, task


def _plan(bundle: Any, cv: int, repeats: int, seed: int) -> tuple[list[Fold], Any, np.ndarray, int]:
    """The splits, the test features and labels they index, and the folds used (K)."""
    if bundle.test is not None:
        test = bundle.test
        train = np.arange(bundle.n_samples, dtype=np.int64)
        held = np.arange(test.n_samples, dtype=np.int64)
        folds = [Fold(r, 0, train, held) for r in range(int(repeats))]
        return folds, test.X, np.asarray(test.y, dtype=np.int64), 1
    folds = make_folds(bundle.y, cv, repeats, seed, classes=bundle.classes)
    return folds, bundle.X, np.asarray(bundle.y, dtype=np.int64), len({f.fold for f in folds})


@dataclass
class GridPlan:
    """What a comparison will run: the data, the recipes (with skip reasons), the shared folds,
    the store fingerprint, and the options and facts recorded with the runs."""

    bundle: Any
    resolved: list[tuple[str, str, str | None]]
    folds: list[Fold]
    X_test: Any
    y_test: np.ndarray
    fingerprint: str
    options: dict[str, Any]
    info: dict[str, Any]
    kind: str
    seed: int
    epochs: int | None
    params: dict[str, Any]


def plan_grid(
    data: Any,
    recipes: Any,
    *,
    target: Any,
    model: str,
    cv: int,
    repeats: int,
    seed: int,
    metric: str | None,
    epochs: int | None,
    params: dict[str, Any] | None,
    data_spec: str | None = None,
    allow_leak: bool = False,
    data_options: dict[str, Any] | None = None,
) -> GridPlan:
    """Load the data, refuse leaking columns (unless ``allow_leak``), resolve the recipes and
    split the folds (nothing trains). ``metric=None`` ranks by :func:`default_metric` of the
    class count."""
    from unskew.metrics import get_metric

    if metric is not None:
        get_metric(metric)  # bad options fail before anything trains
    bundle, spec = _resolve_data(data, target, data_options)
    _check_leaks(data if data_spec is None else data_spec, bundle, allow_leak)
    spec = data_spec or spec
    if bundle.n_classes < 2:
        raise InputError(f"a comparison needs at least two classes; {bundle.name} has one")
    chosen = metric is None
    metric = default_metric(bundle.n_classes) if metric is None else metric
    kind = _model_kind(model, bundle)
    resolved = _resolve_recipes(recipes, bundle)
    folds, X_test, y_test, k = _plan(bundle, cv, repeats, seed)
    options: dict[str, Any] = {
        "model": kind,
        "epochs": epochs,
        "params": _jsonable_params(params),
        "cv": int(cv),
        "folds": k,
        "repeats": int(repeats),
        "seed": int(seed),
        "n_splits": len(folds),
        "metric": metric,
        "metric_default": chosen,
        "split": "test split" if bundle.test is not None else "stratified k-fold",
        "recipes": [key for _, key, _ in resolved],
        "labels": {key: s for s, key, _ in resolved},
        "data_options": _check_data_options(data_options),
        "environment": _environment(),
    }
    info = {
        "name": bundle.name,
        "data": spec,
        "target": bundle.target,
        "classes": [str(c) for c in np.asarray(bundle.classes)],
        "class_counts": [int(c) for c in bundle.class_counts],
        "modality": bundle.modality,
        "n_rows": int(bundle.n_samples),
        "n_features": int(bundle.n_features),
        "test_rows": None if bundle.test is None else int(bundle.test.n_samples),
        "minority": minority_class(bundle.class_counts),
    }
    return GridPlan(
        bundle=bundle,
        resolved=resolved,
        folds=folds,
        X_test=X_test,
        y_test=y_test,
        fingerprint=dataset_fingerprint(bundle, cv=cv, repeats=repeats, random_state=seed),
        options=options,
        info=info,
        kind=kind,
        seed=int(seed),
        epochs=epochs,
        params=dict(params or {}),
    )


def _record_plan(store: Store, plan: GridPlan, out: Any, request: dict[str, Any]) -> None:
    """Write the plan's options and ``request`` to the store (recipes of earlier calls kept in
    the record, and the metric the folder was first ranked by: its report is ``report.html``)."""
    _check_settings(store, plan.fingerprint, plan.options, out)
    options = {**plan.options, "request": request, "report_metric": plan.options["metric"]}
    if plan.fingerprint in store.fingerprints():
        before = store.meta(plan.fingerprint)["options"]
        keys = options["recipes"] + [r for r in before["recipes"] if r not in options["recipes"]]
        options["labels"] = {**before.get("labels", {}), **options["labels"]}
        first = before.get("report_metric", before.get("metric"))
        options = {**options, "recipes": keys, "report_metric": first}
    store.set_meta(plan.fingerprint, plan.bundle.name, plan.info, options)


def pending_tasks(
    plan: GridPlan,
    store: Store,
    deadline: float | None,
    folds: Sequence[Fold] | None = None,
    exclude: Collection[str] = (),
) -> list[RunTask]:
    """The runs the store does not hold yet, fold by fold (every recipe on fold 1, then fold 2,
    ...), of ``folds`` (default: all) and of the recipes not in ``exclude`` (canonical keys, e.g.
    those racing stopped); recipes that do not apply are stored as skipped instead."""
    from unskew.plugins import worker_state

    done = store.done(plan.fingerprint)
    registry = worker_state()
    tasks: list[RunTask] = []
    for fold in plan.folds if folds is None else folds:
        s = run_seed(plan.seed, fold.repeat, fold.fold)
        for _, key, reason in plan.resolved:
            if (key, fold.repeat, fold.fold) in done or key in exclude:
                continue
            if reason is not None:
                record = RunRecord(key, fold.repeat, fold.fold, "skipped", error=reason, seed=s)
                store.add(record, plan.fingerprint)
                continue
            tasks.append(
                RunTask(
                    recipe=key,
                    repeat=fold.repeat,
                    fold=fold.fold,
                    train=fold.train,
                    test=fold.test,
                    seed=s,
                    model=plan.kind,
                    epochs=plan.epochs,
                    params=dict(plan.params),
                    deadline=deadline,
                    registry=registry,
                )
            )
    return tasks


def execute_tasks(
    plan: GridPlan,
    tasks: list[RunTask],
    store: Store,
    *,
    jobs: int,
    backend: str,
    scheduler: Any,
    progress: bool,
    title: str | None = None,
) -> int:
    """Run ``tasks`` in parallel and store each record as it finishes; returns how many were not
    started (past the time budget)."""
    if not tasks:
        return 0
    args = (
        plan.bundle.X,
        np.asarray(plan.bundle.y, dtype=np.int64),
        plan.X_test,
        plan.y_test,
        plan.bundle.n_classes,
        plan.info["minority"],
    )
    labels = plan.options["labels"]
    not_run = 0
    bar, bar_task = _progress(progress, len(tasks), title or f"{plan.bundle.name}")
    try:
        for record in _execute(tasks, args, jobs=jobs, backend=backend, scheduler=scheduler):
            if record is None:
                not_run += 1
            else:
                store.add(record, plan.fingerprint)
            last = "" if record is None else f"{labels[record.recipe]} {record.status}"
            bar.update(bar_task, advance=1, last=last)
    finally:
        bar.stop()
    return not_run


def _result(plan: GridPlan, store: Store, out: Any) -> CompareResult:
    return CompareResult.from_store(
        store, plan.fingerprint, plan.options["recipes"], out=None if out is None else Path(out)
    )


def _race(
    plan: GridPlan,
    store: Store,
    deadline: float | None,
    *,
    progress: bool,
    **execution: Any,
) -> None:
    """Run the grid fold by fold; before each fold, the recipes racing has stopped on the folds
    stored so far (:meth:`CompareResult.stopped`) are left out. Every decision reads the store
    only, so it is the same whatever ``jobs`` and however often the grid was resumed."""
    for i, fold in enumerate(plan.folds, start=1):
        stopped = _result(plan, store, None).stopped()
        tasks = pending_tasks(plan, store, deadline, folds=[fold], exclude=stopped)
        title = f"{plan.bundle.name} fold {i}/{len(plan.folds)}"
        if execute_tasks(plan, tasks, store, progress=progress, title=title, **execution):
            return  # past the time budget: resume continues the race from the store


def run_grid(
    data: Any,
    recipes: str | Sequence[str] = "quick",
    *,
    target: Any = "auto",
    model: str = "auto",
    cv: int = 5,
    repeats: int = 1,
    random_state: int = 0,
    metric: str | None = None,
    epochs: int | None = None,
    params: dict[str, Any] | None = None,
    time_budget: float | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    race: bool = False,
    rule: str | None = None,
    allow_leak: bool = False,
    say: Callable[[str], None] | None = None,
    data_options: dict[str, Any] | None = None,
    _store: Store | None = None,
    _data_spec: str | None = None,
) -> CompareResult:
    """Cross-validate recipes side by side on one dataset and rank them.

    Every (recipe, repeat, fold) run trains ``ImbalancedClassifier(model, recipe,
    random_state=run_seed(seed, repeat, fold))`` on the fold's training rows only, so resampling,
    early stopping (the classifier's own validation split) and threshold tuning happen inside the
    training rows; it then predicts the test rows and scores them (balanced accuracy, G-mean,
    macro-F1, MCC, ROC AUC, PR AUC, minority recall and F1 for two classes, recall per class).
    Folds are stratified and shared by every recipe (:func:`make_folds`); a dataset that ships a
    test split (``mnist-lt``, ``digits-lt``) is scored on it, ``repeats`` times with different
    seeds. A run that fails is stored with status ``error`` and its message; a recipe that does not
    apply to the data (another modality, ``threshold`` on more than two classes) is stored as
    ``skipped`` with the reason; the grid goes on.

    Runs are ordered fold by fold (every recipe on fold 1, then fold 2, ...), so a time budget
    cuts all recipes at the same folds.

    **Racing** (``race=True``; off by default): the folds run one after another (each fold's
    runs in parallel), and after each completed fold from the third on, while a fold is left, a
    recipe significantly worse than the current leader (the best mean so far) by the corrected
    resampled t-test at alpha 0.05 stops: it runs no further fold and stays on the leaderboard
    with status ``stopped`` and the folds it ran (:func:`unskew.bench._race.race_stops`). The
    decisions are read from the stored runs, so they do not depend on ``jobs`` and a resumed
    race continues where it stopped. It is off by default because on 22 KEEL datasets it saved
    1 % of the wall time and changed the default rule's recommendation on 4 of them
    (docs/compare.md, "Racing").

    Parameters
    ----------
    data : DataBundle, (X, y), path or built-in name
        As :func:`unskew.datasets.load` reads it (``target`` picks the label column of a file).
    recipes : "quick", "all", list of str, or str
        See :func:`recipes_for` (a string other than quick/all is split with
        :func:`split_specs`); the baseline ``cross_entropy`` is always run, first.
    model : {"auto", "mlp", "cnn", "resnet32", "resnet18", "text"}
        ``auto``: mlp for tables, cnn for images, text for texts; another choice must suit the
        data (a ResNet takes images of at least its minimum size).
    cv, repeats, random_state : int
        Stratified ``cv``-fold cross-validation (fewer folds when a class is smaller, with a
        warning), ``repeats`` times with shuffles drawn from ``random_state``.
    metric : str, optional
        What the leaderboard ranks by (:data:`unskew.metrics.METRIC_NAMES`, e.g. ``gmean``,
        ``pr_auc``, ``cost:10/1``). None: G-mean for two classes, balanced accuracy for more
        (:func:`~unskew.bench._defaults.default_metric`).
    epochs : int, optional
        Training epochs of every run (default: the classifier's).
    params : dict, optional
        Other ``ImbalancedClassifier`` arguments (``hidden``, ``batch_size``, ``validation``...).
    time_budget : float, optional
        Seconds for the whole grid; runs not started by then are left for ``resume=True``.
    jobs : int, default=1
        Runs in parallel (joblib; -1: every core). Each run uses one torch thread and one
        OpenMP/BLAS thread (:func:`~unskew.bench._evaluate.threads_limited`), so parallel runs
        do not fight over the cores, and a grid run inside a worker of your own adds no threads.
    backend : {"loky", "threading", "dask", ...}
        joblib backend. ``"dask"`` runs the grid on the Dask cluster at ``scheduler`` (an address
        such as ``"tcp://host:8786"`` or a ``Client``; None: the current client or a local
        cluster); needs ``pip install "dask[distributed]"``.
    out : path, optional
        Folder for ``results.sqlite``. Each finished run is committed on its own, so an
        interrupted grid loses only the runs in flight. A folder holding this very comparison
        (the same data, folds, strategies, model, epochs and params; the metric may differ)
        resumes it: nothing stored is retrained. ``<dataset>`` in the path
        (``"runs/<dataset>"``, what ``unskew compare`` uses) is replaced by the dataset's name;
        when that folder holds another comparison the runs go to ``NAME-2`` (or the next free
        or matching ``NAME-3``, ...).
    resume : bool
        Also continue a folder holding this dataset and folds asked with other strategies
        (the missing recipes are added to it). Runs stored as ok, error or skipped count as done.
    force : bool
        Empty ``out`` first. Without it, a folder holding another dataset's (or another split's)
        results is refused, and one holding this data asked otherwise needs ``resume=True``.
    progress : bool
        A progress bar on stderr.
    race : bool, default=False
        Stop recipes that are clearly worse than the leader (above); False runs everything.
    rule : str, optional
        The recommendation rule the result uses by default (``best_mean``, ``one_se``,
        ``cheapest_one_se``, ``stack_top_k`` or ``stack_top_k:K``; see
        :meth:`CompareResult.recommendation`). None: ``stack_top_k`` for tables, ``best_mean``
        for images and texts (:data:`unskew.bench._rules.DEFAULT_RULES`).
    allow_leak : bool
        Run even when a column leaks the label (:func:`unskew.data.find_leaks`: a copy or
        recoding of it, a saved row index); refused by default, before anything trains.
    say : callable, optional
        Given one line at the start: where the runs go, or that a stored comparison resumes.
    data_options : dict, optional
        How a file or folder is read: :func:`unskew.datasets.load`'s ``text``, ``image_size`` and
        ``skip_bad_images`` (the train command the result recommends repeats them).

    Returns
    -------
    CompareResult

    Examples
    --------
    >>> from unskew.datasets import seed_example
    >>> result = run_grid(seed_example(), ["cross_entropy+weights:inverse"], cv=2, epochs=2,
    ...                   params={"hidden": (8,)}, progress=False)
    >>> [row["recipe"] for row in result.leaderboard()].count("cross_entropy")
    1
    """
    from unskew.bench._rules import DEFAULT_K, check_rule

    check_options(cv=cv, repeats=repeats, epochs=epochs, jobs=jobs, time_budget=time_budget)
    _check_execution(jobs, backend, scheduler)
    rule_name, k = check_rule(rule)
    plan = plan_grid(
        data,
        recipes,
        target=target,
        model=model,
        cv=cv,
        repeats=repeats,
        seed=random_state,
        metric=metric,
        epochs=epochs,
        params=params,
        data_spec=_data_spec,
        allow_leak=allow_leak,
        data_options=data_options,
    )
    if rule is None:  # the default depends on the data's modality, known now
        rule_name, k = check_rule(None, plan.bundle.modality)
    plan.options["race"] = bool(race)
    plan.options["rule"] = rule_name if k == DEFAULT_K else f"{rule_name}:{k}"
    request = request_of(recipes, model, epochs, plan.options["params"])
    if _store is None:
        fingerprints, names = [plan.fingerprint], [plan.bundle.name]
        out, line = _resolve_out(out, names[0], fingerprints, request, resume=resume, force=force)
        store = _open_store(out, fingerprints, names, request=request, resume=resume, force=force)
        if say is not None and line is not None:
            say(line)
    else:
        store = _store
    try:
        _record_plan(store, plan, out, request)
        deadline = None if time_budget is None else time.time() + float(time_budget)
        execution = {"jobs": jobs, "backend": backend, "scheduler": scheduler}
        if race:
            _race(plan, store, deadline, progress=progress, **execution)
            not_run = 0  # the runs a cut race owes are counted from the store
        else:
            tasks = pending_tasks(plan, store, deadline)
            not_run = execute_tasks(plan, tasks, store, progress=progress, **execution)
        result = _result(plan, store, out)  # the store's options are this call's (_record_plan)
        metric = plan.options["metric"]
        result.options = {
            **result.options,
            "labels": plan.options["labels"],
            "metric": metric,
            "metric_default": plan.options["metric_default"],
        }
        result.not_run = not_run or result.not_run
        return result
    finally:
        if _store is None:
            store.close()


def _jsonable_params(params: dict[str, Any] | None) -> dict[str, Any]:
    out = {}
    for k, v in (params or {}).items():
        out[str(k)] = list(v) if isinstance(v, tuple) else v
    try:
        json.dumps(out)
    except TypeError:
        raise InputError(
            f"params must be JSON-ready ImbalancedClassifier arguments (numbers, text, tuples), "
            f"got {params!r}"
        ) from None
    return out


def run_suite(
    datasets: Sequence[Any],
    recipes: str | Sequence[str] = "quick",
    *,
    target: Any = "auto",
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    force: bool = False,
    metric: str | None = None,
    cv: int = 5,
    repeats: int = 1,
    random_state: int = 0,
    allow_leak: bool = False,
    **options: Any,
) -> SuiteResult:
    """Run the same recipes on several datasets into one store and rank them across datasets: mean
    rank, Friedman test and Nemenyi critical difference (:mod:`unskew.bench.stats`).

    ``options`` are those of :func:`run_grid` (``model``, ``epochs``, ``jobs``, ``say``, ...).
    Recipes that do not run on every dataset (``threshold`` on a multi-class one) are left out of
    the ranking. ``metric=None`` ranks by G-mean when every dataset has two classes, else by
    balanced accuracy; ``<dataset>`` in ``out`` becomes ``FIRST-and-N-more``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from unskew.data import load_table
    >>> tables = [load_table(*make_classification(100, 4, weights=[0.8], random_state=s))
    ...           for s in (0, 1)]
    >>> suite = run_suite(tables, ["focal"], cv=2, epochs=1, params={"hidden": (8,)},
    ...                   progress=False)
    >>> sorted(suite.ranking()["mean_ranks"])
    ['cross_entropy', 'focal']
    """
    if not datasets:
        raise InputError("run_suite needs at least one dataset")
    check_options(cv=cv, repeats=repeats, epochs=options.get("epochs"), jobs=options.get("jobs"))
    bundles = [_resolve_data(d, target, options.get("data_options")) for d in datasets]
    for data, (bundle, _) in zip(datasets, bundles, strict=True):  # all before the first runs
        _check_leaks(data, bundle, allow_leak)
    fingerprints = [
        dataset_fingerprint(b, cv=cv, repeats=repeats, random_state=random_state)
        for b, _ in bundles
    ]
    if len(set(fingerprints)) < len(fingerprints):
        names = [b.name for b, _ in bundles]
        raise InputError(f"the suite names one dataset twice ({names}); list each once")
    names = [b.name for b, _ in bundles]
    if metric is None:
        metric = default_metric(max(b.n_classes for b, _ in bundles))
    say = options.pop("say", None)
    request = request_of(
        recipes,
        options.get("model", "auto"),
        options.get("epochs"),
        _jsonable_params(options.get("params")),
    )
    name = names[0] if len(names) == 1 else f"{names[0]}-and-{len(names) - 1}-more"
    out, line = _resolve_out(out, name, fingerprints, request, resume=resume, force=force)
    store = _open_store(out, fingerprints, names, request=request, resume=resume, force=force)
    if say is not None and line is not None:
        say(line)
    try:
        results = [
            run_grid(
                b,
                recipes,
                metric=metric,
                cv=cv,
                repeats=repeats,
                random_state=random_state,
                out=out,
                allow_leak=allow_leak,
                _store=store,
                _data_spec=spec,
                **options,
            )
            for b, spec in bundles
        ]
    finally:
        store.close()
    return SuiteResult(results, metric=metric, out=None if out is None else Path(out))


def compare(
    data: Any = None,
    *,
    target: Any = "auto",
    recipes: str | Sequence[str] = "quick",
    report: bool = True,
    **options: Any,
) -> CompareResult:
    """What ``unskew compare`` runs: load ``data``, pick the recipes (``quick``, ``all`` or a list),
    run the grid (:func:`run_grid` options), and write the report next to the store when ``out``
    is given and ``report`` is true: ``report.html``, or ``report-<metric>.html`` when the folder
    was first ranked by another metric (:meth:`CompareResult.report_path`).

    Examples
    --------
    >>> result = compare("seed", recipes=["focal"], cv=2, epochs=1, params={"hidden": (8,)},
    ...                  progress=False)
    >>> result.recommendation()["train_command"].startswith("unskew train seed")
    True
    """
    result = run_grid(data, recipes, target=target, **options)
    if report and result.out is not None:
        from unskew.bench.report import write_report

        write_report(result, result.report_path())
    return result
