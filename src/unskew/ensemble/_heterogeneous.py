"""An ensemble of different algorithms: soft voting or stacking."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import Bunch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from unskew._validation import format_list
from unskew.ensemble._base import (
    BalancedScoreMixin,
    aligned_proba,
    as_rows,
    check_estimator_param,
    check_rows,
    check_sample_weight,
    encode_labels,
    fit_member,
    input_tags_of,
    member_seeds,
    run_parallel,
    seeded,
    take,
    weight_kwargs,
)
from unskew.exceptions import InputError

__all__ = ["METHODS", "HeterogeneousEnsemble", "default_members"]

METHODS = ("soft_voting", "stacking")
_MAX_FOLDS = 5


def default_members(estimator: Any = None) -> list[tuple[str, Any]]:
    """The default trio: a deep net, a balanced random forest, a class-weighted linear model.

    ============================ ==============================================================
    ``deep``                     ``estimator``, or ``ImbalancedClassifier(recipe=
                                 "cross_entropy+weights:inverse")``
    ``balanced_random_forest``   :class:`TableEncoder` then imbalanced-learn's
                                 ``BalancedRandomForestClassifier()``
    ``logistic_regression``      :class:`TableEncoder` then ``LogisticRegression(class_weight=
                                 "balanced", max_iter=1000)``
    ============================ ==============================================================

    The encoder (median imputation, scaling, one-hot of text columns, fitted on the training rows)
    lets the two tabular members take the same raw tables as the deep one.

    Examples
    --------
    >>> [name for name, _ in default_members()]
    ['deep', 'balanced_random_forest', 'logistic_regression']
    """
    from imblearn.ensemble import BalancedRandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from unskew.ensemble._encode import TableEncoder

    if estimator is None:
        from unskew.training.estimator import ImbalancedClassifier

        estimator = ImbalancedClassifier(recipe="cross_entropy+weights:inverse")
    linear = LogisticRegression(class_weight="balanced", max_iter=1000)
    return [
        ("deep", estimator),
        ("balanced_random_forest", make_pipeline(TableEncoder(), BalancedRandomForestClassifier())),
        ("logistic_regression", make_pipeline(TableEncoder(), linear)),
    ]


def _is_stacking(self: HeterogeneousEnsemble) -> bool:
    return self.method == "stacking"


class HeterogeneousEnsemble(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """Different algorithms on the same rows, combined by soft voting or by stacking.

    Different model families make different errors, so combining them helps most when each
    already treats the imbalance its own way (by default: a class-weighted deep net, a balanced
    random forest and a class-weighted logistic regression).

    * ``soft_voting``: :math:`p(c \\mid x) = \\sum_m v_m\\, p_m(c \\mid x) / \\sum_m v_m` with
      ``weights`` :math:`v` (equal by default); ``predict`` is its argmax.
    * ``stacking``: every member's class probabilities for each row are predicted out of fold
      (stratified K-fold, 5 folds, fewer when a class has fewer rows; for two classes only the
      second class's column), and a class-weighted logistic regression learns from them to
      predict the label; at prediction time it reads the members refitted on all rows
      (Wolpert, "Stacked Generalization", Neural Networks 5(2), 1992).

    Parameters
    ----------
    estimators : list of (str, classifier), default=None
        Named members, each with ``predict_proba``; cloned, with ``random_state`` (nested ones
        too) set to a seed of their own. None means :func:`default_members` ``(estimator)``.
    method : {"soft_voting", "stacking"}, default="soft_voting"
    weights : sequence of float, default=None
        Soft-voting weight of each member (``soft_voting`` only).
    n_jobs : int or None, default=None
        Members (and, for stacking, their fold copies) fitted in parallel by joblib.
    random_state : int, RandomState or None, default=None
        Seeds the members and the stacking folds.
    estimator : classifier, default=None
        The ``deep`` member of the default trio (when ``estimators`` is None): lets a recipe such
        as ``"voting+focal"`` give the deep member the rest of the recipe.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted members (on the label codes ``0..K-1``).
    named_estimators_ : Bunch
        The same by name.
    final_estimator_ : LogisticRegression
        The stacking learner (``stacking`` only).
    classes_ : ndarray of shape (K,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    >>> members = [("tree", DecisionTreeClassifier(max_depth=3)), ("lr", LogisticRegression())]
    >>> ens = HeterogeneousEnsemble(members, method="stacking", random_state=0).fit(X, y)
    >>> sorted(ens.named_estimators_), ens.predict_proba(X[:2]).shape
    (['lr', 'tree'], (2, 2))
    """

    def __init__(
        self,
        estimators: list[tuple[str, Any]] | None = None,
        *,
        method: str = "soft_voting",
        weights: Any = None,
        n_jobs: int | None = None,
        random_state: Any = None,
        estimator: Any = None,
    ) -> None:
        self.estimators = estimators
        self.method = method
        self.weights = weights
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.estimator = estimator

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        try:
            members = [est for _, est in self._members()]
        except InputError:
            return tags
        return input_tags_of(tags, members)

    # -- parameters -------------------------------------------------------------------------------
    def _members(self) -> list[tuple[str, Any]]:
        if self.estimators is None:
            return default_members(self.estimator)
        if self.estimator is not None:
            raise InputError(
                "estimator replaces the deep member of the default members only; with your own "
                "estimators list, put that classifier in the list and leave estimator=None"
            )
        members = list(self.estimators)
        if not members or not all(isinstance(m, tuple) and len(m) == 2 for m in members):
            raise InputError(
                "estimators must be a non-empty list of (name, classifier) pairs, e.g. "
                "[('net', ImbalancedClassifier()), ('lr', LogisticRegression())]"
            )
        names = [name for name, _ in members]
        if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
            raise InputError(f"estimator names must be distinct strings, got {names}")
        for name, est in members:
            check_estimator_param(est, f"HeterogeneousEnsemble member {name!r}")
        return members

    def _weights(self, n_members: int) -> np.ndarray:
        if self.weights is None:
            return np.full(n_members, 1.0 / n_members)
        if self.method != "soft_voting":
            raise InputError("weights apply to method='soft_voting' only; drop them for stacking")
        w = np.asarray(self.weights, dtype=np.float64).reshape(-1)
        if len(w) != n_members or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InputError(
                f"weights must be {n_members} non-negative numbers (one per member, not all zero), "
                f"got {self.weights!r}"
            )
        return w / w.sum()

    # -- fit / predict ----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HeterogeneousEnsemble:
        """Fit every member on ``(X, y)`` (and, for stacking, on the folds, then the learner);
        ``sample_weight`` (optional) goes to every member and the stacking learner."""
        if self.method not in METHODS:
            raise InputError(f"method must be one of {format_list(METHODS)}, got {self.method!r}")
        members = self._members()
        self.weights_ = self._weights(len(members))
        codes, self.classes_ = encode_labels(y)
        X = as_rows(X)
        check_rows(X, codes)
        weights = check_sample_weight(sample_weight, len(codes))
        for _, est in members:
            weight_kwargs(est, weights)  # refuse early a member that cannot take the weights
        seeds = member_seeds(self.random_state, len(members) + 1)
        prepared = [seeded(est, int(s)) for (_, est), s in zip(members, seeds, strict=False)]
        if self.method == "stacking":
            features = self._out_of_fold(prepared, X, codes, weights, int(seeds[-1]))
        tasks = [(member, X, codes, None, weights) for member in prepared]
        self.estimators_ = run_parallel(fit_member, tasks, self.n_jobs)
        self.named_estimators_ = Bunch(
            **{name: fitted for (name, _), fitted in zip(members, self.estimators_, strict=True)}
        )
        if self.method == "stacking":
            from sklearn.linear_model import LogisticRegression

            final = LogisticRegression(class_weight="balanced", max_iter=1000)
            self.final_estimator_ = final.fit(features, codes, sample_weight=weights)
        first = self.estimators_[0]
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
        return self

    def _out_of_fold(
        self, members: list[Any], X: Any, codes: np.ndarray, weights: Any, seed: int
    ) -> np.ndarray:
        """Every member's probabilities for every row, predicted by a copy not trained on it."""
        from sklearn.model_selection import StratifiedKFold

        k = len(self.classes_)
        smallest = int(np.bincount(codes).min())
        if smallest < 2:
            raise InputError(
                f"stacking predicts out of fold and needs at least 2 rows of every class; class "
                f"{self.classes_[np.bincount(codes).argmin()]!r} has {smallest}; use "
                "method='soft_voting'"
            )
        folds = StratifiedKFold(min(_MAX_FOLDS, smallest), shuffle=True, random_state=seed)
        splits = list(folds.split(np.zeros(len(codes)), codes))
        tasks = [
            (clone(member), X, codes, train, test, weights, k)
            for member in members
            for train, test in splits
        ]
        probas = run_parallel(_fold_proba, tasks, self.n_jobs)
        out = np.zeros((len(codes), len(members) * k))
        for i, proba in enumerate(probas):
            m, f = divmod(i, len(splits))
            out[splits[f][1], m * k : (m + 1) * k] = proba
        return _stack_columns(out, len(members), k)

    def _features(self, X: Any) -> np.ndarray:
        k = len(self.classes_)
        out = np.hstack([aligned_proba(m, X, k) for m in self.estimators_])
        return _stack_columns(out, len(self.estimators_), k)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (N, K): the weighted average of the members' (soft voting), or the
        stacking learner's."""
        check_is_fitted(self, "estimators_")
        if self.method == "stacking":
            return self.final_estimator_.predict_proba(self._features(X))
        k = len(self.classes_)
        return sum(
            w * aligned_proba(m, X, k) for w, m in zip(self.weights_, self.estimators_, strict=True)
        )

    @available_if(_is_stacking)
    def decision_function(self, X: Any) -> np.ndarray:
        """The stacking learner's decision values (``stacking`` only)."""
        check_is_fitted(self, "estimators_")
        return self.final_estimator_.decision_function(self._features(X))

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest probability."""
        check_is_fitted(self, "estimators_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _fold_proba(
    member: Any,
    X: Any,
    codes: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    weights: Any,
    k: int,
) -> np.ndarray:
    """Fit ``member`` on rows ``train``; its aligned probabilities for rows ``test``."""
    fitted = fit_member(member, X, codes, train, weights)
    return aligned_proba(fitted, take(X, test), k)


def _stack_columns(probas: np.ndarray, n_members: int, k: int) -> np.ndarray:
    """For two classes keep each member's second column only (the first is redundant)."""
    return probas[:, 1::2] if k == 2 else probas
