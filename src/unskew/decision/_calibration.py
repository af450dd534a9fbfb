"""Probability calibration: temperature scaling for torch logits; Platt and isotonic for scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair

__all__ = ["ScoreCalibrator", "TemperatureScaling", "make_calibrator"]


class TemperatureScaling:
    """Temperature scaling: ``softmax(z / T)`` with the single ``T`` that minimises the negative
    log-likelihood of validation logits (Guo et al., "On Calibration of Modern Neural Networks",
    ICML 2017). It changes confidence, never the argmax.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]]); y = [0, 1, 1, 0]
    >>> ts = TemperatureScaling().fit(z, y)
    >>> ts.temperature_ > 1.0   # the logits were over-confident
    True
    """

    def fit(self, logits: Any, y_true: Any, *, max_iter: int = 100) -> TemperatureScaling:
        import torch
        import torch.nn.functional as F

        t, z = check_pair(y_true, logits, ("y_true", "logits"))
        z_t = torch.as_tensor(z, dtype=torch.float64)
        y_t = torch.as_tensor(t, dtype=torch.int64)
        log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = F.cross_entropy(z_t / log_t.exp(), y_t)
            loss.backward()
            return loss

        opt.step(closure)
        self.temperature_ = float(log_t.detach().exp())
        return self

    def transform(self, logits: Any) -> Any:
        """Calibrated logits ``z / T`` (same type as the input)."""
        return logits / self.temperature_

    def predict_proba(self, logits: Any) -> np.ndarray:
        z = as_array(logits).astype(np.float64) / self.temperature_
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)


class ScoreCalibrator:
    """Platt scaling (a logistic fit of the label on the score; Platt 1999) or isotonic regression
    (Zadrozny & Elkan 2002) for binary scores, through scikit-learn.

    Examples
    --------
    >>> cal = ScoreCalibrator("isotonic").fit([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> cal.predict_proba([0.8]).tolist()
    [1.0]
    """

    def __init__(self, method: str = "platt") -> None:
        if method not in ("platt", "isotonic"):
            raise InputError(f"method must be 'platt' or 'isotonic', got {method!r}")
        self.method = method

    def fit(self, scores: Any, y_true: Any) -> ScoreCalibrator:
        t, s = check_pair(y_true, scores, ("y_true", "scores"))
        s = s.reshape(-1).astype(np.float64)
        if self.method == "platt":
            from sklearn.linear_model import LogisticRegression

            self.model_ = LogisticRegression(C=1e6).fit(s[:, None], t)
        else:
            from sklearn.isotonic import IsotonicRegression

            self.model_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(s, t)
        return self

    def predict_proba(self, scores: Any) -> np.ndarray:
        """Calibrated probability of the positive class."""
        s = as_array(scores).reshape(-1).astype(np.float64)
        if self.method == "platt":
            return self.model_.predict_proba(s[:, None])[:, 1]
        return self.model_.predict(s)


def make_calibrator(method: str = "temperature") -> TemperatureScaling | ScoreCalibrator:
    """The ``calibrate:METHOD`` recipe part: "temperature" (logits), "platt" or "isotonic" (scores).

    Examples
    --------
    >>> type(make_calibrator("platt")).__name__
    'ScoreCalibrator'
    """
    if method == "temperature":
        return TemperatureScaling()
    return ScoreCalibrator(method)
