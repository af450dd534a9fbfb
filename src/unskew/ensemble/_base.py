"""Machinery the ensembles share: labels, seeds, member cloning, fitting in parallel, and
probabilities aligned to the ensemble's classes."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, has_fit_parameter

from unskew._validation import format_list
from unskew.exceptions import InputError

__all__ = [
    "MAX_SEED",
    "BalancedScoreMixin",
    "aligned_proba",
    "as_rows",
    "check_estimator_param",
    "check_n_estimators",
    "check_rows",
    "check_sample_weight",
    "default_estimator",
    "encode_labels",
    "fit_member",
    "fit_members",
    "input_tags_of",
    "member_seeds",
    "n_rows",
    "run_parallel",
    "seeded",
    "take",
    "weight_kwargs",
]

#: Derived seeds are drawn below this bound (what every seeded library accepts).
MAX_SEED = np.iinfo(np.int32).max


def default_estimator() -> Any:
    """``ImbalancedClassifier(epochs=30)``: a plain MLP trained with cross-entropy (imported here so
    that importing the ensembles does not import torch)."""
    from unskew.training.estimator import ImbalancedClassifier

    return ImbalancedClassifier(epochs=30)


def check_n_estimators(value: Any, name: str = "n_estimators") -> int:
    """``value`` as an int >= 1, or an :class:`InputError` naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{name} must be an integer >= 1, got {value!r}; pass e.g. {name}=10")
    return int(value)


def check_estimator_param(estimator: Any, owner: str, *, proba: bool = True) -> None:
    """Refuse an ``estimator`` that is not a scikit-learn classifier instance."""
    methods = ("fit", "predict", "get_params") + (("predict_proba",) if proba else ())
    missing = [m for m in methods if not hasattr(estimator, m)]
    if isinstance(estimator, type) or missing or not is_classifier(estimator):
        what = "lacks " + format_list(missing) if missing else "is not a classifier"
        raise InputError(
            f"{owner} needs a scikit-learn classifier instance as estimator, got {estimator!r} "
            f"({what}); pass e.g. ImbalancedClassifier(epochs=30) or LogisticRegression()"
        )


def encode_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, classes)``: labels of any values as codes ``0..K-1`` of the sorted classes; a
    single class is an :class:`InputError`."""
    y = column_or_1d(np.asarray(y), warn=True)
    if len(y) == 0:
        raise InputError("y is empty (0 samples); give at least one row of every class")
    check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise InputError(
            f"y has only one class ({classes[0]!r}); an ensemble classifier needs at least two "
            "classes"
        )
    return codes.astype(np.int64), classes


def input_tags_of(tags: Any, estimators: list[Any]) -> Any:
    """``tags`` with the input tags the members share: NaN and sparse input are accepted when
    every member accepts them (the ensemble passes ``X`` on unchecked)."""
    from sklearn.utils import get_tags

    member_tags = [get_tags(e).input_tags for e in estimators]
    tags.input_tags.allow_nan = all(t.allow_nan for t in member_tags)
    tags.input_tags.sparse = all(t.sparse for t in member_tags)
    return tags


def n_rows(X: Any) -> int:
    """Number of rows of a table, array, sparse matrix, tensor or sequence."""
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(X)


def as_rows(X: Any) -> Any:
    """``X`` in a form its rows can be taken from: sparse matrices as CSR, objects that only
    convert to arrays as arrays; tables, arrays, tensors and lists (of texts) unchanged."""
    from scipy.sparse import issparse

    if issparse(X):
        return X.tocsr()
    if hasattr(X, "iloc") or hasattr(X, "shape") or isinstance(X, list | tuple):
        return X
    return np.asarray(X)


def check_rows(X: Any, y: np.ndarray) -> None:
    """``X`` has one row per label, and at least one."""
    if n_rows(X) == 0:
        raise InputError("X has no rows (0 samples); give at least one row of every class")
    if n_rows(X) != len(y):
        raise InputError(f"X has {n_rows(X)} rows but y has {len(y)}; give one label per row")


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float array of ``n`` finite, non-negative weights (None stays None)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(w) != n:
        raise InputError(f"sample_weight has {len(w)} weights for {n} rows; give one per row")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("sample_weight must be finite and non-negative")
    if w.sum() <= 0:
        raise InputError("sample_weight is zero for every row; give some rows weight")
    return w


def member_seeds(random_state: Any, n: int) -> np.ndarray:
    """``n`` seeds drawn from ``random_state`` before any member is fitted, so each member's
    randomness is fixed whatever order or process fits it."""
    return check_random_state(random_state).randint(MAX_SEED, size=n)


def seeded(estimator: Any, seed: int) -> Any:
    """An unfitted clone of ``estimator`` whose every ``random_state`` (nested ones too, as in a
    ``Pipeline``) is ``seed``."""
    member = clone(estimator)
    keys = [
        k
        for k in member.get_params(deep=True)
        if k == "random_state" or k.endswith("__random_state")
    ]
    if keys:
        member.set_params(**dict.fromkeys(keys, int(seed)))
    return member


def take(X: Any, rows: np.ndarray) -> Any:
    """Rows ``rows`` of ``X`` by position: DataFrames, arrays, sparse matrices, tensors, lists."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if hasattr(X, "shape"):
        return X[rows]
    return [X[i] for i in rows]


def weight_kwargs(estimator: Any, weights: np.ndarray | None) -> dict[str, Any]:
    """The keyword that hands ``weights`` to ``estimator.fit`` (a ``Pipeline`` routes it to its
    last step), or an :class:`InputError` when the estimator cannot take row weights."""
    if weights is None:
        return {}
    if has_fit_parameter(estimator, "sample_weight"):
        return {"sample_weight": weights}
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        if has_fit_parameter(last, "sample_weight"):
            return {f"{name}__sample_weight": weights}
    raise InputError(
        f"{type(estimator).__name__} does not accept sample_weight in fit; use an estimator that "
        "does (ImbalancedClassifier, LogisticRegression, trees) or drop sample_weight"
    )


def fit_member(
    member: Any,
    X: Any,
    y: np.ndarray,
    rows: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> Any:
    """Fit ``member`` on rows ``rows`` (all when None) of ``(X, y)``, weighted when given (the
    weights of those rows, as they are)."""
    if rows is not None:
        X, y = take(X, rows), y[rows]
        sample_weight = None if sample_weight is None else sample_weight[rows]
    return member.fit(X, y, **weight_kwargs(member, sample_weight))


def fit_members(tasks: Sequence[tuple[Any, ...]], n_jobs: int | None) -> list[Any]:
    """``fit_member(*task)`` for every task, in parallel (see :func:`run_parallel`)."""
    return run_parallel(fit_member, tasks, n_jobs)


def run_parallel(func: Any, tasks: Sequence[tuple[Any, ...]], n_jobs: int | None) -> list[Any]:
    """``func(*task)`` for every task, in parallel with joblib, results in task order.

    Separate processes (loky) by default: torch's global random generator (weight initialisation,
    dropout) is per process, so a member fitted in a worker is the member fitted in the parent.
    ``joblib.parallel_config`` may point this at another backend (Dask, Ray); a threading backend
    shares torch's generator between members and loses that reproducibility.
    """
    if len(tasks) == 1:
        return [func(*tasks[0])]
    return list(Parallel(n_jobs=n_jobs, prefer="processes")(delayed(func)(*t) for t in tasks))


def aligned_proba(member: Any, X: Any, n_classes: int) -> np.ndarray:
    """``member.predict_proba(X)`` with one column per ensemble class (members fit on the codes
    ``0..K-1``; a class the member never saw gets probability 0)."""
    proba = np.asarray(member.predict_proba(X), dtype=np.float64)
    seen = np.asarray(member.classes_).astype(np.int64)
    if len(seen) == n_classes and (seen == np.arange(n_classes)).all():
        return proba
    out = np.zeros((proba.shape[0], n_classes))
    out[:, seen] = proba
    return out


class BalancedScoreMixin:
    """``score`` is the balanced accuracy (mean per-class recall), as for
    :class:`~unskew.training.ImbalancedClassifier`, so a model search does not reward ignoring the
    minority class."""

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Balanced accuracy of ``predict`` on ``(X, y)``."""
        from sklearn.metrics import balanced_accuracy_score

        predicted = self.predict(X)  # type: ignore[attr-defined]
        return float(balanced_accuracy_score(y, predicted, sample_weight=sample_weight))
