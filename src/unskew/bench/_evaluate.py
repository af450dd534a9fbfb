"""One run of a comparison: train on the training rows only, predict the test rows, score them.

This module is what joblib ships to its workers (loky processes, Dask workers), so it holds no
state and imports torch only inside :func:`run_one`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from unskew.bench._store import RunRecord

__all__ = [
    "RunTask",
    "run_one",
    "score_predictions",
    "threads_limited",
]


@dataclass(frozen=True)
class RunTask:
    """What one worker needs besides the data: the recipe, the split and the classifier's settings."""

    recipe: str
    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray
    seed: int
    model: str
    epochs: int | None
    params: dict[str, Any]
    deadline: float | None = None
    #: the plugins and user strategies of the process that planned the run (:mod:`unskew.plugins`)
    registry: dict[str, Any] | None = None
    #: torch and OpenMP/BLAS threads of the run: one, so that parallel runs share the cores
    threads: int = 1


def _safe(fn: Any) -> float | None:
    try:
        value = float(fn())
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return None
    return value if np.isfinite(value) else None


def score_predictions(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, n_classes: int, minority: int
) -> tuple[dict[str, float | None], dict[str, list[float]]]:
    """The comparison's metrics and per-class figures for one test fold.

    Metrics: ``balanced_accuracy``, ``gmean``, ``macro_f1``, ``mcc``, ``accuracy``, ``roc_auc``
    and ``pr_auc`` (average precision; binary: of the minority class; multi-class: macro
    one-vs-rest), and for two classes ``minority_recall`` and ``minority_f1``. A ranking metric
    that cannot be computed (a class missing from the fold) is None.

    Examples
    --------
    >>> m, per_class = score_predictions(
    ...     np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]),
    ...     np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]]), 2, 1)
    >>> round(m["balanced_accuracy"], 4), m["pr_auc"], per_class["recall"]
    (0.8333, 1.0, [0.6666666666666666, 1.0])
    """
    from unskew.metrics import (
        average_precision_score,
        classification_report,
        roc_auc_score,
    )

    labels = np.arange(n_classes)
    binary = n_classes == 2
    try:  # two classes: the ranking metrics of the minority, by train's report's rule
        scores = proba if binary else None
        report = classification_report(y_true, y_pred, scores, labels=labels, pos_label=minority)
    except ValueError:  # NaN scores: the count metrics still stand
        report = classification_report(y_true, y_pred, labels=labels)
    metrics: dict[str, float | None] = {
        k: float(report[k]) for k in ("balanced_accuracy", "gmean", "macro_f1", "mcc", "accuracy")
    }
    if binary:
        for name, key in (("roc_auc", "roc_auc"), ("pr_auc", "average_precision")):
            value = report.get(key)
            metrics[name] = None if value is None or not np.isfinite(value) else float(value)
        metrics["minority_recall"] = float(report["classes"][minority]["recall"])
        metrics["minority_f1"] = float(report["classes"][minority]["f1"])
    else:
        metrics["roc_auc"] = _safe(
            lambda: roc_auc_score(y_true, proba, multi_class="ovr", labels=labels)
        )
        onehot = (y_true[:, None] == labels[None, :]).astype(int)
        present = onehot.any(axis=0)
        metrics["pr_auc"] = (
            _safe(
                lambda: np.mean(
                    [average_precision_score(onehot[:, j], proba[:, j]) for j in labels[present]]
                )
            )
            if present.any()
            else None
        )
    per_class = {
        "recall": [float(c["recall"]) for c in report["classes"]],
        "precision": [float(c["precision"]) for c in report["classes"]],
        "f1": [float(c["f1"]) for c in report["classes"]],
        "support": [int(c["support"]) for c in report["classes"]],
    }
    return metrics, per_class


def _full_proba(proba: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities in all ``n_classes`` columns (a class absent from training gets 0)."""
    if proba.shape[1] == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return proba
    full = np.zeros((len(proba), n_classes))
    full[:, np.asarray(classes, dtype=int)] = proba
    return full


@contextmanager
def threads_limited(threads: int) -> Iterator[None]:
    """Run the block on ``threads`` torch threads and ``threads`` OpenMP/BLAS threads (scikit-
    learn's histogram boosting, NumPy), restoring both after it: parallel runs then share the
    cores instead of each starting one thread per core (on a busy machine an OpenMP fit can be
    20 times slower than on one thread).

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with threads_limited(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    try:
        with threadpool_limits(max(1, int(threads))):
            yield
    finally:
        torch.set_num_threads(before)


def run_one(
    task: RunTask,
    X: Any,
    y: np.ndarray,
    X_test: Any,
    y_test: np.ndarray,
    n_classes: int,
    minority: int,
) -> RunRecord | None:
    """Train ``ImbalancedClassifier(task.model, task.recipe, random_state=task.seed)`` on rows
    ``task.train`` of ``(X, y)`` only, predict rows ``task.test`` of ``(X_test, y_test)`` and score
    them. Resampling, early stopping and threshold tuning all happen inside ``fit``, on the training
    rows; the classifier never sees a test row. The run uses ``task.threads`` threads
    (:func:`threads_limited`). A failure becomes a record with status ``error``.
    Returns None, without training, when ``task.deadline`` (a ``time.time()``) has passed.
    """
    if task.deadline is not None and time.time() > task.deadline:
        return None
    from unskew.plugins import ensure_registered

    ensure_registered(task.registry)
    # imported before the clock starts: a worker's first run would otherwise carry the seconds
    # of importing torch and the models, and look dearer than the same recipe's other runs
    from unskew.training import ImbalancedClassifier
    from unskew.training.inputs import take_rows

    start = time.perf_counter()
    record = RunRecord(
        task.recipe,
        task.repeat,
        task.fold,
        "ok",
        seed=task.seed,
        n_train=len(task.train),
        n_test=len(task.test),
    )
    with warnings.catch_warnings(record=True) as caught, threads_limited(task.threads):
        warnings.simplefilter("always")
        try:
            params = dict(task.params)
            if task.epochs is not None:
                params["epochs"] = int(task.epochs)
            clf = ImbalancedClassifier(task.model, task.recipe, random_state=task.seed, **params)
            clf.fit(take_rows(X, task.train), y[task.train])
            X_eval = take_rows(X_test, task.test)
            y_true = np.asarray(y_test)[task.test].astype(np.int64)
            y_pred = np.asarray(clf.predict(X_eval)).astype(np.int64)
            proba = _full_proba(np.asarray(clf.predict_proba(X_eval)), clf.classes_, n_classes)
            record.metrics, record.per_class = score_predictions(
                y_true, y_pred, proba, n_classes, minority
            )
            record.predictions = {
                "index": np.asarray(task.test, dtype=np.int64),
                "y_true": y_true,
                "y_pred": y_pred,
                "proba": proba.astype(np.float64),
            }
        except Exception as err:  # a failed run is recorded and the grid goes on
            record.status = "error"
            record.error = f"{type(err).__name__}: {err}"
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    record.warnings = messages[:5]
    record.seconds = time.perf_counter() - start
    return record
