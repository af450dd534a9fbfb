"""IsolationForestDetector: scikit-learn's isolation forest as a minority detector."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.anomaly._base import BaseDetector
from unskew.exceptions import InputError

__all__ = ["IsolationForestDetector"]


class IsolationForestDetector(BaseDetector):
    """Minority detection with an isolation forest, as a scikit-learn binary classifier.

    Random trees split the normal rows at random; an anomaly is isolated in few splits, so the
    score is ``2^(-E[h(x)] / c(n))`` (the mean path length ``h`` normalised by that of an
    unsuccessful binary-search-tree lookup, ``c(n)``), taken from scikit-learn's
    ``-IsolationForest.score_samples``. Reference: Liu, Ting & Zhou, "Isolation Forest",
    ICDM 2008.

    Every detector in :mod:`unskew.anomaly` follows the same contract. The minority class is the
    rarer label of ``y`` (the second in sorted order on a tie). ``fit`` keeps a stratified
    ``validation`` share aside, learns the training part's majority rows (``fit_on="majority"``)
    or all of them (``fit_on="all"``, with contamination = the minority share), tunes the
    threshold on the validation scores for ``threshold`` (any objective of
    :func:`unskew.decision.tune_threshold`: "f1", "balanced_accuracy", "recall>=0.9", ...), and
    fits a logistic (Platt) map from validation scores to labels for ``predict_proba``. Scores are
    oriented so that higher means minority; ``margin`` is the score minus ``threshold_``,
    positive exactly where ``predict`` says minority, and ``decision_function`` the same with
    scikit-learn's sign (positive for ``classes_[1]``). ``score`` is the balanced accuracy.

    Parameters
    ----------
    n_estimators : int, default=200
        Number of trees.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Passed to ``IsolationForest``; with ``fit_on="all"``, "auto" means the minority share of
        the training rows. It moves only the forest's own offset: the decision threshold is tuned.
    fit_on : {"majority", "all"}, default="majority"
        Learn the normal class only, or every training row.
    random_state : int or None, default=None
        Seeds the split and the forest.
    threshold : str, default="f1"
        Objective the decision threshold maximises on the validation rows.
    validation : float, default=0.25
        Share of the rows (stratified) kept aside to tune the threshold and the probabilities.
    n_jobs : int or None, default=None
        Passed to ``IsolationForest``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    minority_class_, majority_class_ : the labels
    threshold_ : float
        ``predict`` says minority where the anomaly score exceeds it.
    threshold_score_ : float
        The objective's value at the threshold on the validation rows.
    forest_ : sklearn.ensemble.IsolationForest

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 4)), rng.normal(5, 1, (30, 4))])
    >>> y = np.array([0] * 300 + [1] * 30)
    >>> det = IsolationForestDetector(random_state=0).fit(X, y)
    >>> det.score(X, y) > 0.9, (det.decision_function(X) > 0).sum() == (det.predict(X) == 1).sum()
    (True, np.True_)
    """

    def __init__(
        self,
        n_estimators: int = 200,
        contamination: Any = "auto",
        fit_on: str = "majority",
        random_state: int | None = None,
        *,
        threshold: str = "f1",
        validation: float = 0.25,
        n_jobs: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.contamination = contamination
        self.fit_on = fit_on
        self.random_state = random_state
        self.threshold = threshold
        self.validation = validation
        self.n_jobs = n_jobs

    def _check_params(self) -> None:
        c = self.contamination
        if not (c == "auto" if isinstance(c, str) else isinstance(c, float) and 0 < c <= 0.5):
            raise InputError(f"contamination must be 'auto' or a float in (0, 0.5], got {c!r}")

    def _fit_detector(self, Z: np.ndarray, contamination: float | None, seed: int) -> None:
        from sklearn.ensemble import IsolationForest

        c = self.contamination
        if contamination is not None and c == "auto":
            c = min(max(contamination, 1e-6), 0.5)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators, contamination=c, random_state=seed, n_jobs=self.n_jobs
        ).fit(Z)

    def _anomaly_score(self, Z: np.ndarray) -> np.ndarray:
        return -self.forest_.score_samples(Z)
