"""The model to save: a classifier fitted again on every labelled row after its held-out report."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted, column_or_1d

from unskew.exceptions import InputError
from unskew.training.estimator import ImbalancedClassifier, RefitSchedule, decision_names
from unskew.training.inputs import take_rows

__all__ = ["DECISIONS", "REFIT_DECISION", "refit_every_row", "refit_schedule"]

#: How :func:`refit_every_row` sets the refitted network's decision rule.
DECISIONS = ("keep", "out_of_fold")
#: The choice ``unskew train`` makes: on 14 tables and 8 recipes (``benchmarks/refit.py``,
#: docs/benchmarks.md) re-tuning raised the saved model's mean G-mean by 0.022 over the current
#: model, keeping the first run's rule by 0.007 (PR AUC +0.034 and +0.033).
REFIT_DECISION = "out_of_fold"


def refit_every_row(
    fitted: ImbalancedClassifier,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    decision: str = REFIT_DECISION,
    cv: int = 5,
) -> ImbalancedClassifier:
    """A copy of ``fitted`` trained again on every row of ``(X, y)``, for the epochs it chose.

    ``fitted`` was trained on part of the labelled rows (``unskew train`` holds out a share for
    its report, and early stopping holds out ``validation`` of the rest); the model worth saving
    learns from all of them. The refit is the one of scikit-learn's ``GridSearchCV``, applied to
    the epoch count: a network trains from its seed's initial weights, without validation rows,
    for ``fitted.best_epoch_ + 1`` epochs of ``fitted``'s budget ``n_epochs_`` (the whole budget
    when no epoch was chosen), with what its model-stage parts tuned on validation rows fixed
    (``refit_recipe_``: a tuned tau-norm's tau). Its decision rule and calibration are

    * ``decision="keep"``: ``fitted``'s, tuned on its validation rows;
    * ``decision="out_of_fold"``: tuned again on out-of-fold logits of ``(X, y)``: ``cv``
      stratified folds, each scored by a network trained the same way on the other folds
      (``cv`` more trainings; none when the recipe has no rule or calibration to tune).

    A meta recipe (ensembles, forests, detectors, hybrids) is simply fitted again on every row.
    The result records the rows it was fitted on in ``n_rows_``, and ``fitted``'s ``history_``,
    ``best_epoch_`` and ``n_epochs_``; ``refit_epochs_`` is the epochs it trained and
    ``refit_decision_`` how its rule was set (``"keep"``, ``"out_of_fold"``, or None: no rule or
    calibration, or a meta recipe). ``benchmarks/refit.py`` measured both choices against
    ``fitted`` itself on 14 tables (``docs/training.md``); the default is the better one.

    Parameters
    ----------
    fitted : ImbalancedClassifier
        A fitted classifier (its parameters and chosen epoch count are reused; it is unchanged).
    X, y : table, array or texts, and labels
        Every labelled row, the ones ``fitted`` saw included.
    sample_weight : array-like, optional
        One weight per row of ``X``.
    decision : {"keep", "out_of_fold"}, default=REFIT_DECISION (``"out_of_fold"``)
    cv : int, default=5
        Folds for ``decision="out_of_fold"`` (at most the smallest class's count).

    Returns
    -------
    ImbalancedClassifier
        A new fitted classifier.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, 6, weights=[0.8], random_state=0)
    >>> first = ImbalancedClassifier(recipe="cross_entropy+threshold:f1", hidden=(16,),
    ...                              epochs=20, random_state=0).fit(X[:200], y[:200])
    >>> saved = refit_every_row(first, X, y, decision="keep")
    >>> first.n_rows_, saved.n_rows_, saved.refit_epochs_ == first.best_epoch_ + 1
    (200, 300, True)
    >>> saved.refit_decision_, saved.decision_.threshold_ == first.decision_.threshold_
    ('keep', True)
    """
    check_is_fitted(fitted, "classes_")
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {list(DECISIONS)}, got {decision!r}")
    refit = clone(fitted)
    if getattr(fitted, "meta_", None) is not None:
        refit.fit(X, y, sample_weight=sample_weight)
        refit.refit_decision_ = None
        return refit
    schedule = refit_schedule(fitted)
    has_rule = decision_names(fitted.recipe_) != (None, None)
    if decision == "out_of_fold" and has_rule:
        scores = out_of_fold_logits(refit, X, y, sample_weight, schedule, cv)
        if scores is not None:
            schedule = dataclasses.replace(schedule, scores=scores)
    if schedule.scores is None:
        schedule = dataclasses.replace(schedule, keep=(fitted.decision_, fitted.calibrator_))
    refit._fit_scheduled(X, y, sample_weight, schedule)
    tuned = "keep" if schedule.scores is None else "out_of_fold"
    refit.refit_decision_ = tuned if has_rule else None
    refit.history_ = list(fitted.history_)
    refit.best_epoch_, refit.n_epochs_ = fitted.best_epoch_, fitted.n_epochs_
    refit.refit_recipe_ = fitted.refit_recipe_
    return refit


def refit_schedule(fitted: ImbalancedClassifier) -> RefitSchedule:
    """How a refit of the network classifier ``fitted`` trains: ``best_epoch_ + 1`` epochs (or
    its whole budget when early stopping chose none) of its budget ``n_epochs_``, with its
    ``refit_recipe_``; the decision rule left to the caller.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(200, 4, random_state=0)
    >>> plain = ImbalancedClassifier(hidden=(8,), epochs=3, validation=None, random_state=0)
    >>> refit_schedule(plain.fit(X, y))
    RefitSchedule(epochs=3, stop_after=3, recipe='cross_entropy', keep=None, scores=None)
    """
    check_is_fitted(fitted, "refit_recipe_")
    best = fitted.best_epoch_
    stop_after = fitted.n_epochs_ if best is None else best + 1
    return RefitSchedule(int(fitted.n_epochs_), int(stop_after), fitted.refit_recipe_)


def out_of_fold_logits(
    estimator: ImbalancedClassifier,
    X: Any,
    y: Any,
    sample_weight: Any,
    schedule: RefitSchedule,
    cv: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Logits of every row of ``(X, y)`` from a network (a clone of the unfitted ``estimator``
    trained under ``schedule``) that did not see it, and the rows' class codes (the sorted
    labels' positions). ``min(cv, smallest class count)`` stratified folds; None, with a
    warning, when a class has a single row."""
    y = column_or_1d(np.asarray(y))
    classes, codes = np.unique(y, return_inverse=True)
    folds = min(int(cv), int(np.bincount(codes).min()))
    if folds < 2:
        warnings.warn(
            "a class has a single row, too few for out-of-fold scores: the refit keeps the first "
            "run's decision rule",
            UserWarning,
            stacklevel=3,
        )
        return None
    weights = None if sample_weight is None else np.asarray(sample_weight)
    logits = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train, test in splitter.split(codes, codes):
        fold = clone(estimator)
        w = None if weights is None else weights[train]
        fold._fit_scheduled(take_rows(X, train), y[train], w, schedule)
        logits[test] = fold._logits(take_rows(X, test))
    return logits, codes
