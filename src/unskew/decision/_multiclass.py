"""Multi-class decision rules: post-hoc logit adjustment and per-class bias tuning."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair
from unskew.metrics._report import get_metric

__all__ = ["BiasTuning", "LogitAdjustment", "logit_adjust"]


def logit_adjust(logits: Any, class_counts: Any, tau: float = 1.0) -> Any:
    """Post-hoc logit adjustment ``z - tau log pi`` with class priors ``pi_c = n_c / n``.

    Menon et al., "Long-Tail Learning via Logit Adjustment", ICLR 2021: subtracting the log prior
    turns a model trained on the long-tailed distribution into one that targets the balanced error.
    NumPy in, NumPy out; torch in, torch out.

    Examples
    --------
    >>> logit_adjust(np.array([[2.0, 0.0]]), [900, 100]).round(3).tolist()
    [[2.105, 2.303]]
    """
    counts = as_array(class_counts).astype(np.float64)
    if (counts <= 0).any():
        raise InputError("every class needs a positive training count for logit adjustment")
    shift = tau * np.log(counts / counts.sum())
    if hasattr(logits, "detach"):
        import torch

        return logits - torch.as_tensor(shift, dtype=logits.dtype, device=logits.device)
    return np.asarray(logits, dtype=np.float64) - shift


def _metric(name: str):
    metric = get_metric(name)
    if not metric.greater_is_better or metric.needs_score:
        raise InputError(
            f"tune on a label metric that grows, such as balanced_accuracy or "
            f"macro_f1, not '{name}'"
        )
    return metric


class LogitAdjustment:
    """The ``logit_adjust`` decision rule: ``argmax(z - tau log pi)``, with ``tau`` given or tuned on
    validation logits over ``taus`` for ``metric``; ``pi`` are the training class priors.

    Without held-out logits (``fit(None, None)``) a tau to be tuned falls back to 1.

    Examples
    --------
    >>> rule = LogitAdjustment(tau=1.0, class_counts=[900, 100]).fit(np.zeros((2, 2)), [0, 1])
    >>> rule.predict(np.array([[2.0, 0.0]])).tolist()
    [1]
    """

    def __init__(
        self,
        tau: float | None = 1.0,
        *,
        metric: str = "balanced_accuracy",
        taus: Any = None,
        class_counts: Any = None,
    ) -> None:
        self.tau = tau
        self.metric = metric
        self.taus = taus
        self.class_counts = class_counts

    def fit(self, logits: Any, y_true: Any, class_counts: Any = None) -> LogitAdjustment:
        """Remember the priors; tune ``tau`` on (validation) ``logits`` when it is None."""
        counts = self.class_counts if class_counts is None else class_counts
        if counts is None:
            raise InputError("logit adjustment needs the training class counts (class_counts=)")
        self.class_counts_ = as_array(counts).astype(np.float64)
        if self.tau is not None or logits is None or len(as_array(logits)) == 0:
            self.tau_ = 1.0 if self.tau is None else float(self.tau)
            return self
        t, z = check_pair(y_true, logits, ("y_true", "logits"))
        metric = _metric(self.metric)
        grid = np.linspace(0.0, 3.0, 31) if self.taus is None else np.asarray(self.taus)
        scores = [metric(t, logit_adjust(z, self.class_counts_, tau).argmax(1)) for tau in grid]
        self.tau_ = float(grid[int(np.argmax(scores))])
        self.score_ = float(max(scores))
        return self

    def decision_function(self, logits: Any) -> np.ndarray:
        """The adjusted logits ``z - tau log pi``."""
        return np.asarray(logit_adjust(as_array(logits), self.class_counts_, self.tau_))

    def predict(self, logits: Any) -> np.ndarray:
        """Adjusted argmax."""
        return self.decision_function(logits).argmax(1)

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`predict` needs, JSON-ready."""
        return {"tau": self.tau_, "class_counts": self.class_counts_.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> LogitAdjustment:
        """Restore :meth:`state_dict`'s output."""
        self.tau_ = float(state["tau"])
        self.class_counts_ = np.asarray(state["class_counts"], dtype=np.float64)
        return self


class BiasTuning:
    """The ``bias_tuning`` decision rule: per-class additive biases on the logits (or log
    probabilities), found by coordinate ascent on ``metric`` over validation data.

    Each round visits every class c and sets ``b_c`` to the candidate (current value plus a grid of
    offsets) that maximises the metric with the other biases fixed; a change of ``b_c`` only decides
    whether c beats the best other class, so every candidate costs O(N). This is the multi-class
    analogue of threshold tuning, which scikit-learn's ``TunedThresholdClassifierCV`` lacks
    (scikit-learn#30970).

    Examples
    --------
    >>> z = np.array([[2.0, 1.5], [2.0, 1.0], [0.0, 1.0]]); y = [1, 0, 1]
    >>> BiasTuning().fit(z, y).predict(z).tolist()
    [1, 0, 1]
    """

    def __init__(self, metric: str = "macro_f1", *, n_rounds: int = 3, offsets: Any = None) -> None:
        self.metric = metric
        self.n_rounds = n_rounds
        self.offsets = offsets

    def fit(self, logits: Any, y_true: Any) -> BiasTuning:
        """Tune the biases on held-out ``logits`` (None: no biases, plain argmax)."""
        if logits is None:
            self.bias_ = None
            return self
        t, z = check_pair(y_true, logits, ("y_true", "logits"))
        z = z.astype(np.float64)
        if z.ndim != 2 or z.shape[1] < 2:
            raise InputError(f"logits must have shape (N, C) with C >= 2, got {z.shape}")
        metric = _metric(self.metric)
        n_classes = z.shape[1]
        offsets = np.linspace(-3, 3, 61) if self.offsets is None else np.asarray(self.offsets)
        bias = np.zeros(n_classes)
        best = metric(t, (z + bias).argmax(1))
        for _ in range(self.n_rounds):
            improved = False
            for c in range(n_classes):
                shifted = z + bias
                others = shifted.copy()
                others[:, c] = -np.inf
                best_other, arg_other = others.max(1), others.argmax(1)
                for off in offsets:
                    candidate = bias[c] + off
                    pred = np.where(z[:, c] + candidate > best_other, c, arg_other)
                    value = metric(t, pred)
                    if value > best + 1e-12:
                        best, bias[c], improved = value, candidate, True
            if not improved:
                break
        self.bias_ = bias
        self.score_ = float(best)
        return self

    def decision_function(self, logits: Any) -> np.ndarray:
        """The logits plus the tuned biases."""
        z = as_array(logits).astype(np.float64)
        return z if self.bias_ is None else z + self.bias_

    def predict(self, logits: Any) -> np.ndarray:
        """Argmax of the biased logits."""
        return self.decision_function(logits).argmax(1)

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`predict` needs, JSON-ready."""
        return {"bias": None if self.bias_ is None else np.asarray(self.bias_, float).tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> BiasTuning:
        """Restore :meth:`state_dict`'s output."""
        bias = state.get("bias")
        self.bias_ = None if bias is None else np.asarray(bias, dtype=np.float64)
        return self
