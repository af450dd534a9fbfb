"""Metrics scikit-learn does not have under these names: expected cost, calibration error and
long-tail (many/medium/few-shot) accuracy; and a streaming accumulator for batches and DDP."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair, check_probabilities

__all__ = [
    "MetricAccumulator",
    "balanced_log_loss",
    "expected_calibration_error",
    "expected_cost",
    "shot_accuracy",
]


def expected_cost(y_true: Any, y_pred: Any, cost_matrix: Any) -> float:
    """Mean misclassification cost ``mean_i C[y_i, yhat_i]`` (``C[true, predicted]``, classes
    coded 0..C-1).

    Examples
    --------
    >>> expected_cost([0, 1, 1], [0, 0, 1], [[0, 1], [10, 0]])
    3.3333333333333335
    """
    t, p = check_pair(y_true, y_pred)
    cost = np.asarray(cost_matrix, dtype=np.float64)
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise InputError(f"cost_matrix must be square (C, C), got shape {cost.shape}")
    if (
        t.max(initial=0) >= len(cost)
        or p.max(initial=0) >= len(cost)
        or min(t.min(initial=0), p.min(initial=0)) < 0
    ):
        raise InputError(
            f"labels must be class codes 0..{len(cost) - 1} for a {cost.shape} cost matrix"
        )
    return float(cost[t.astype(np.int64), p.astype(np.int64)].mean())


def _labels_and_probabilities(y_true: Any, y_prob: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels and a float64 probability matrix (N, C); a 1-D ``y_prob`` is class 1's probability."""
    t, prob = check_pair(y_true, y_prob, ("y_true", "y_prob"))
    prob = prob.astype(np.float64)
    if prob.ndim == 1:
        if ((prob < 0) | (prob > 1)).any():
            raise InputError("binary y_prob must be probabilities in [0, 1]; apply a sigmoid first")
        prob = np.c_[1 - prob, prob]
    check_probabilities(prob, "y_prob")
    return t, prob


def balanced_log_loss(y_true: Any, y_prob: Any, *, eps: float = 1e-15) -> float:
    """Log-loss with every class weighted equally: the mean over the classes present in
    ``y_true`` of their rows' mean negative log-probability of the true class,

    ``BLL = (1 / |K|) sum_{c in K} (1 / n_c) sum_{i: y_i = c} -log p_i[c]``,

    with probabilities clipped to ``[eps, 1]``. It equals scikit-learn's ``log_loss`` with
    ``sample_weight=compute_sample_weight("balanced", y_true)``: the cross-entropy of a test set
    re-weighted to balanced classes (the objective of class-weighted training, King and Zeng,
    "Logistic Regression in Rare Events Data", Political Analysis 2001). Unlike balanced accuracy
    it is a proper scoring rule that moves with every probability, so it still separates epochs
    when a validation split holds two minority rows; the Trainer separates epochs that tie on
    its early-stopping metric with it. ``y_true`` holds class codes 0..C-1; ``y_prob`` is (N, C),
    or the probability of class 1 for binary problems. Lower is better.

    Examples
    --------
    >>> round(balanced_log_loss([0, 0, 0, 1], [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.4, 0.6]]), 4)
    0.3696
    """
    t, prob = _labels_and_probabilities(y_true, y_prob)
    t = t.astype(np.int64)
    if t.min(initial=0) < 0 or t.max(initial=0) >= prob.shape[1]:
        raise InputError(
            f"y_true must hold class codes 0..{prob.shape[1] - 1} for {prob.shape[1]} probability "
            "columns"
        )
    nll = -np.log(np.clip(prob[np.arange(len(t)), t], eps, 1.0))
    per_class = np.bincount(t, weights=nll, minlength=prob.shape[1])
    counts = np.bincount(t, minlength=prob.shape[1])
    present = counts > 0
    return float(np.mean(per_class[present] / counts[present]))


def expected_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 15) -> float:
    """Expected calibration error (Guo et al., "On Calibration of Modern Neural Networks", ICML
    2017): ``sum_b |acc_b - conf_b| n_b / n`` over ``n_bins`` equal-width confidence bins, where the
    confidence is the top probability and acc_b the accuracy of the top class. ``y_prob`` is a
    probability matrix (N, C), or for binary problems the probability of class 1.

    Examples
    --------
    >>> round(expected_calibration_error([1, 1, 0, 0], [0.9, 0.9, 0.1, 0.6], n_bins=10), 6)
    0.225
    """
    t, prob = _labels_and_probabilities(y_true, y_prob)
    conf = prob.max(1)
    correct = prob.argmax(1) == t
    bins = np.minimum((conf * n_bins).astype(np.int64), n_bins - 1)
    acc = np.bincount(bins, weights=correct, minlength=n_bins)
    cf = np.bincount(bins, weights=conf, minlength=n_bins)
    return float(np.abs(acc - cf).sum() / len(t))


def shot_accuracy(
    y_true: Any, y_pred: Any, train_counts: Any, *, many: int = 100, few: int = 20
) -> dict[str, float | None]:
    """Mean per-class accuracy over the many-shot (more than ``many`` training rows), medium-shot and
    few-shot (fewer than ``few``) classes, the long-tail protocol of Liu et al. ("Large-Scale
    Long-Tailed Recognition in an Open World", CVPR 2019). A group without classes gives None.

    Examples
    --------
    >>> shot_accuracy([0, 0, 1, 2], [0, 1, 1, 0], train_counts=[500, 50, 5])
    {'many': 0.5, 'medium': 1.0, 'few': 0.0, 'overall': 0.5}
    """
    t, p = check_pair(y_true, y_pred)
    counts = as_array(train_counts).astype(np.int64)
    n_classes = len(counts)
    true_n = np.bincount(t.astype(np.int64), minlength=n_classes)
    hits = np.bincount(t.astype(np.int64), weights=(t == p), minlength=n_classes)
    with np.errstate(all="ignore"):
        per_class = hits / true_n
    evaluated = true_n > 0
    groups = {
        "many": counts > many,
        "medium": (counts >= few) & (counts <= many),
        "few": counts < few,
    }
    out: dict[str, float | None] = {
        g: float(per_class[m & evaluated].mean()) if (m & evaluated).any() else None
        for g, m in groups.items()
    }
    out["overall"] = float((t == p).mean())
    return out


class MetricAccumulator:
    """Accumulate predictions batch by batch (and across DDP ranks), then report.

    ``update`` adds a batch (labels and predictions, or scores whose argmax is the prediction);
    ``compute`` returns :func:`~unskew.metrics.classification_report` of everything seen; ``merge``
    adds another accumulator; ``sync`` sums counts and gathers scores over an initialised
    ``torch.distributed`` process group; ``reset`` starts over. Counts are kept as a confusion
    matrix; scores (for ROC AUC / AP) only when ``keep_scores``.

    Examples
    --------
    >>> acc = MetricAccumulator(n_classes=2)
    >>> acc.update([0, 1], y_score=[[0.9, 0.1], [0.2, 0.8]])
    >>> acc.update([1, 1], y_pred=[0, 1])
    >>> acc.confusion.tolist(), acc.compute()["balanced_accuracy"]
    ([[1, 0], [1, 2]], 0.8333333333333333)
    """

    def __init__(self, n_classes: int, *, keep_scores: bool = True) -> None:
        if n_classes < 2:
            raise InputError(f"n_classes must be >= 2, got {n_classes}")
        self.n_classes = n_classes
        self.keep_scores = keep_scores
        self.reset()

    def reset(self) -> None:
        """Forget everything accumulated."""
        self.confusion = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)
        self._labels: list[np.ndarray] = []
        self._scores: list[np.ndarray] = []

    def update(self, y_true: Any, y_pred: Any = None, y_score: Any = None) -> None:
        """Add a batch: labels (codes 0..C-1) with predictions, or with scores (N, C)."""
        t = as_array(y_true).astype(np.int64).reshape(-1)
        if y_pred is None and y_score is None:
            raise InputError("update needs y_pred or y_score")
        scores = None if y_score is None else as_array(y_score).astype(np.float64)
        p = (
            as_array(y_pred).astype(np.int64).reshape(-1)
            if y_pred is not None
            else (scores.argmax(1) if scores.ndim == 2 else (scores >= 0.5).astype(np.int64))
        )
        if len(p) != len(t):
            raise InputError(f"y_true has {len(t)} entries but the predictions have {len(p)}")
        if t.size and (max(t.max(), p.max()) >= self.n_classes or min(t.min(), p.min()) < 0):
            raise InputError(f"labels must be class codes 0..{self.n_classes - 1}")
        self.confusion += np.bincount(t * self.n_classes + p, minlength=self.n_classes**2).reshape(
            self.confusion.shape
        )
        if self.keep_scores and scores is not None:
            self._labels.append(t)
            self._scores.append(scores)

    def merge(self, other: MetricAccumulator) -> MetricAccumulator:
        """Add ``other``'s counts and scores to this one (returns self)."""
        if other.n_classes != self.n_classes:
            raise InputError("cannot merge accumulators with different n_classes")
        self.confusion += other.confusion
        self._labels += other._labels
        self._scores += other._scores
        return self

    def sync(self) -> MetricAccumulator:
        """Combine all ranks of the initialised process group into every rank's accumulator."""
        import torch
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            return self
        counts = torch.from_numpy(self.confusion.copy())
        dist.all_reduce(counts)
        self.confusion = counts.numpy()
        if self.keep_scores:
            gathered: list[Any] = [None] * dist.get_world_size()
            dist.all_gather_object(gathered, (self._labels, self._scores))
            self._labels = [a for labels, _ in gathered for a in labels]
            self._scores = [a for _, scores in gathered for a in scores]
        return self

    def compute(self) -> dict[str, Any]:
        """The classification report of everything accumulated."""
        from unskew.metrics._report import classification_report_from_counts

        scores = (
            (np.concatenate(self._scores), np.concatenate(self._labels)) if self._scores else None
        )
        return classification_report_from_counts(self.confusion, scores)
