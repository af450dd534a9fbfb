"""Probability calibration: temperature scaling for torch logits; Platt and isotonic for scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.exceptions import InputError
from unskew.metrics._inputs import as_array, check_pair

__all__ = ["Calibration", "ScoreCalibrator", "TemperatureScaling", "make_calibrator"]


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


class Calibration:
    """The ``calibrate:METHOD`` recipe part: class probabilities from logits, calibrated on held-out
    logits. ``temperature`` scales the logits (any number of classes); ``platt`` and ``isotonic``
    recalibrate the positive-class softmax probability (two classes).

    Examples
    --------
    >>> z = np.array([[3.0, 0.0], [2.0, 0.5], [0.0, 2.0], [1.0, 1.5]]); y = [0, 1, 1, 0]
    >>> cal = Calibration("isotonic").fit(z, y)
    >>> cal.predict_proba(z).shape
    (4, 2)
    >>> Calibration("isotonic").load_state_dict(cal.state_dict()).predict_proba(z).tolist() == (
    ...     cal.predict_proba(z).tolist())
    True
    """

    def __init__(self, method: str = "temperature") -> None:
        if method not in ("temperature", "platt", "isotonic"):
            raise InputError(
                f"calibrate method must be temperature, platt or isotonic, got {method!r}"
            )
        self.method = method

    def fit(self, logits: Any, y_true: Any) -> Calibration:
        """Fit on held-out logits (N, C) and labels."""
        z = as_array(logits).astype(np.float64)
        if self.method == "temperature":
            self.calibrator_: Any = TemperatureScaling().fit(z, y_true)
            return self
        if z.ndim != 2 or z.shape[1] != 2:
            raise InputError(
                "platt and isotonic calibration are for two classes; use calibrate:temperature"
            )
        self.calibrator_ = ScoreCalibrator(self.method).fit(_softmax(z)[:, 1], y_true)
        return self

    def predict_proba(self, logits: Any) -> np.ndarray:
        """Calibrated class probabilities (N, C)."""
        z = as_array(logits).astype(np.float64)
        if self.method == "temperature":
            return self.calibrator_.predict_proba(z)
        p1 = np.asarray(self.calibrator_.predict_proba(_softmax(z)[:, 1]), dtype=np.float64)
        return np.stack([1.0 - p1, p1], axis=1)

    def state_dict(self) -> dict[str, Any]:
        """The fitted calibration, JSON-ready (no pickle)."""
        cal = self.calibrator_
        if self.method == "temperature":
            return {"method": "temperature", "temperature": cal.temperature_}
        if self.method == "platt":
            return {
                "method": "platt",
                "coef": float(cal.model_.coef_[0, 0]),
                "intercept": float(cal.model_.intercept_[0]),
            }
        return {
            "method": "isotonic",
            "x": cal.model_.X_thresholds_.tolist(),
            "y": cal.model_.y_thresholds_.tolist(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> Calibration:
        """Rebuild the fitted calibration from :meth:`state_dict`'s output."""
        method = state.get("method", state.get("kind"))
        self.method = method
        if method == "temperature":
            cal: Any = TemperatureScaling()
            cal.temperature_ = float(state["temperature"])
        elif method == "platt":
            from sklearn.linear_model import LogisticRegression

            cal = ScoreCalibrator("platt")
            model = LogisticRegression()
            model.coef_ = np.array([[state["coef"]]])
            model.intercept_ = np.array([state["intercept"]])
            model.classes_ = np.array([0, 1])
            cal.model_ = model
        elif method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            cal = ScoreCalibrator("isotonic")
            # the thresholds are already monotone, so refitting on them rebuilds the same function
            cal.model_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
                np.asarray(state["x"]), np.asarray(state["y"])
            )
        else:
            raise InputError(f"unknown calibration {method!r} in the saved model")
        self.calibrator_ = cal
        return self


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def make_calibrator(method: str = "temperature") -> Calibration:
    """The ``calibrate:METHOD`` recipe part (:class:`Calibration`).

    Examples
    --------
    >>> make_calibrator("platt").method
    'platt'
    """
    return Calibration(method)
