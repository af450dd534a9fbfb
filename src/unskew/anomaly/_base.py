"""What every minority detector shares: labels, the validation split, the tuned threshold and
Platt probabilities. A detector subclass implements two hooks, ``_fit_detector`` and
``_anomaly_score``, on preprocessed float arrays."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from unskew._validation import format_list, minority_class
from unskew.decision import ScoreCalibrator, ThresholdRule, tune_threshold
from unskew.exceptions import InputError
from unskew.training.preprocess import TablePreprocessor, categorical_columns

__all__ = ["BaseDetector", "threshold_between"]

_FIT_ON = ("majority", "all")


def _shown(label: Any) -> Any:
    """A label as a message shows it: a Python scalar, not ``np.int64(1)``."""
    return label.item() if isinstance(label, np.generic) else label


def threshold_between(tuned: float, scores: np.ndarray) -> float:
    """A cut ``t`` with ``scores > t`` exactly where ``scores >= tuned``: halfway between ``tuned``
    and the next lower distinct score (just above the highest score when ``tuned`` is ``inf``,
    just below ``tuned`` when no score is lower).

    Examples
    --------
    >>> round(threshold_between(0.8, np.array([0.1, 0.4, 0.8, 0.9])), 6)
    0.6
    >>> threshold_between(float("inf"), np.array([0.1, 0.4])) > 0.4
    True
    """
    values = np.unique(np.asarray(scores, dtype=np.float64))
    if not math.isfinite(tuned):
        return float(np.nextafter(values[-1], np.inf))
    lower = values[values < tuned]
    if len(lower) == 0:
        return float(np.nextafter(tuned, -np.inf))
    cut = (tuned + float(lower[-1])) / 2.0
    return float(np.nextafter(tuned, -np.inf)) if cut >= tuned else cut


class BaseDetector(ClassifierMixin, BaseEstimator):
    """An anomaly detector used as a binary classifier whose "anomaly" is the minority class.

    ``fit(X, y)``:

    1. the minority class is the rarer label of ``y`` (on a tie, the second in sorted order);
    2. a stratified split keeps ``validation`` of the rows aside;
    3. the detector learns the training part's majority ("normal") rows (``fit_on="majority"``)
       or all of its rows (``fit_on="all"``, telling it the minority share as contamination), on
       inputs imputed, standardised and one-hot encoded from those same rows;
    4. the decision threshold on the anomaly score maximises ``threshold`` (an objective of
       :func:`unskew.decision.tune_threshold`) on the validation rows, and a logistic (Platt)
       fit of the labels on the validation scores gives ``predict_proba``.

    Subclasses implement ``_fit_detector(Z, contamination, seed)`` and ``_anomaly_score(Z)``
    (higher = more anomalous) on the preprocessed float array ``Z``.
    """

    # subclasses set their parameters in __init__ and include these three
    fit_on: str
    threshold: str
    validation: float
    random_state: Any

    # -- hooks ------------------------------------------------------------------------------------
    def _fit_detector(self, Z: np.ndarray, contamination: float | None, seed: int) -> None:
        raise NotImplementedError

    def _anomaly_score(self, Z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_params(self) -> None:
        """Subclasses check their own parameters here (called first in ``fit``)."""

    # -- scikit-learn plumbing ---------------------------------------------------------------------
    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = getattr(self, "random_state", 0) is None
        return tags

    def _frame(self, X: Any, *, fit: bool) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=fit, skip_check_array=True)
            frame = X
        else:
            arr = validate_data(self, X, reset=fit, dtype=np.float64, ensure_all_finite="allow-nan")
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        return frame.set_axis(frame.columns.astype(str), axis=1)

    def _transform(self, frame: pd.DataFrame) -> np.ndarray:
        out = self.preprocessor_.transform(frame)
        if not np.isfinite(out).all():
            raise InputError("X holds infinite values; replace them (NaN is imputed, inf is not)")
        return np.asarray(out, dtype=np.float64)

    def _check_common(self) -> None:
        if self.fit_on not in _FIT_ON:
            raise InputError(
                f"fit_on must be one of {format_list(_FIT_ON)}, got {self.fit_on!r}: 'majority' "
                "learns the normal class only, 'all' every training row"
            )
        if not isinstance(self.validation, float | int) or not 0.0 < self.validation < 1.0:
            raise InputError(
                f"validation must be a share in (0, 1) of the rows kept aside to tune the "
                f"threshold, got {self.validation!r}; 0.25 is the default"
            )
        if not isinstance(self.threshold, str):
            raise InputError(
                f"threshold must be an objective name such as 'f1', 'balanced_accuracy' or "
                f"'recall>=0.9', got {self.threshold!r}"
            )
        ThresholdRule(self.threshold)  # refuses an unknown objective, naming the allowed ones

    def _labels(self, y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted classes and a boolean "is minority" mask, after checking y is binary."""
        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        if len(y) != n_rows:
            raise InputError(f"X has {n_rows} rows but y has {len(y)}")
        classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        name = type(self).__name__
        if len(classes) > 2:
            raise InputError(
                f"{name} is a binary detector (normal class vs. minority), but y holds "
                f"{len(classes)} classes ({format_list(classes)}); for more classes detect each "
                "one against the rest, e.g. sklearn.multiclass.OneVsRestClassifier"
                f"({name}())"
            )
        if len(classes) < 2:
            raise InputError(
                f"y holds only the class {_shown(classes[0])!r}: {name} needs majority (normal) "
                "rows to learn from and minority rows to tune its threshold against; label rows "
                "of both classes"
            )
        minority = minority_class(counts)
        if counts[minority] < 2:
            raise InputError(
                f"the minority class {_shown(classes[minority])!r} has {counts[minority]} row; "
                "tuning the threshold on a validation split needs at least 2 minority rows"
            )
        self.classes_ = classes
        self.class_counts_ = counts
        self.minority_class_ = classes[minority]
        self.majority_class_ = classes[1 - minority]
        return classes, codes == minority

    # -- fit / predict -----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> BaseDetector:
        """Learn the normal class, then tune the threshold and the probabilities on held-out rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN is imputed; text or category columns are one-hot encoded.
        y : array-like of shape (n_samples,)
            Two labels of any type; the rarer one is the anomaly.

        Returns
        -------
        self
        """
        self._check_common()
        self._check_params()
        frame = self._frame(X, fit=True)
        _, is_min = self._labels(y, len(frame))
        train, val, seed = self._split(is_min)
        if self.fit_on == "majority":
            rows, contamination = train[~is_min[train]], None
            if len(rows) == 0:
                raise InputError(
                    f"no majority ({_shown(self.majority_class_)!r}) rows are left in the "
                    "training split to learn the normal class from; lower validation (now "
                    f"{self.validation}) or pass fit_on='all'"
                )
        else:
            rows, contamination = train, float(is_min[train].mean())
        self.preprocessor_ = TablePreprocessor(categorical_columns(frame)).fit(frame.iloc[rows])
        self._fit_detector(self._transform(frame.iloc[rows]), contamination, seed)
        self.n_train_rows_ = len(rows)
        scores = self._anomaly_score(self._transform(frame.iloc[val]))
        self._tune(scores, is_min[val].astype(np.int64))
        return self

    def _split(self, is_min: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Stratified training and validation row indices, and a seed for the detector."""
        from sklearn.model_selection import train_test_split

        n = len(is_min)
        n_val = math.ceil(self.validation * n)
        if n_val < 2 or n - n_val < 2:
            raise InputError(
                f"{n} rows split {n - n_val}/{n_val} (validation={self.validation}) leave too "
                "few rows to train on or to tune the threshold; both parts need rows of each "
                "class: label more rows or change validation"
            )
        rng = check_random_state(self.random_state)
        split_seed, model_seed = (int(s) for s in rng.randint(2**31 - 1, size=2))
        train, val = train_test_split(
            np.arange(n), test_size=self.validation, stratify=is_min, random_state=split_seed
        )
        if not is_min[val].any() or is_min[val].all():
            raise InputError(
                f"the validation split ({len(val)} rows) lacks one of the classes; raise "
                f"validation (now {self.validation}) or label more minority rows"
            )
        return train, val, model_seed

    def _tune(self, scores: np.ndarray, y_val: np.ndarray) -> None:
        """The threshold for the objective and the Platt map, from validation scores."""
        result = tune_threshold(y_val, scores, self.threshold)
        self.threshold_ = threshold_between(result.threshold, scores)
        self.threshold_score_ = result.score
        spread = float(np.std(scores))
        self.score_scale_ = spread if spread > 0 else 1.0
        self.calibrator_ = ScoreCalibrator("platt").fit(
            (scores - self.threshold_) / self.score_scale_, y_val
        )

    def anomaly_score(self, X: Any) -> np.ndarray:
        """The detector's raw score, oriented so that higher means more likely minority.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "threshold_")
        return np.asarray(self._anomaly_score(self._transform(self._frame(X, fit=False))))

    def decision_function(self, X: Any) -> np.ndarray:
        """``anomaly_score(X) - threshold_`` with scikit-learn's binary sign: positive where
        :meth:`predict` says ``classes_[1]``. When the minority (the anomalies) is ``classes_[0]``
        the margin is negated, so ``roc_auc`` and ``average_precision`` scorers, which read this
        first, rank the rows the right way round; :meth:`margin` keeps the anomaly's sign."""
        margin = self.margin(X)
        return margin if self.minority_class_ == self.classes_[1] else -margin

    def margin(self, X: Any) -> np.ndarray:
        """``anomaly_score(X) - threshold_``: positive exactly where :meth:`predict` says
        minority, whichever label that is."""
        return self.anomaly_score(X) - self.threshold_

    def predict(self, X: Any) -> np.ndarray:
        """The minority label where the margin is positive, else the majority label."""
        positive = self.margin(X) > 0
        return np.where(positive, self.minority_class_, self.majority_class_).astype(
            self.classes_.dtype
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Platt probabilities (n_samples, 2), columns in the order of ``classes_``. They come from
        the validation scores; :meth:`predict` follows the tuned threshold, not ``p >= 0.5``."""
        decision = self.margin(X) / self.score_scale_
        p = self.calibrator_.predict_proba(decision)
        out = np.empty((len(p), 2))
        col = int(np.flatnonzero(self.classes_ == self.minority_class_)[0])
        out[:, col], out[:, 1 - col] = p, 1.0 - p
        return out

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Balanced accuracy (mean per-class recall) of :meth:`predict` on ``(X, y)``."""
        from sklearn.metrics import balanced_accuracy_score

        return float(balanced_accuracy_score(y, self.predict(X), sample_weight=sample_weight))
