"""Decision rules and calibrators as JSON-ready dicts, and back (no pickle)."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew.decision import BiasTuning, LogitAdjustment, ThresholdRule
from unskew.decision._calibration import ScoreCalibrator, TemperatureScaling
from unskew.exceptions import InputError


def rule_to_dict(rule: Any) -> dict[str, Any] | None:
    if rule is None:
        return None
    if isinstance(rule, ThresholdRule):
        return {"kind": "threshold", "objective": rule.objective, "threshold": rule.threshold_}
    if isinstance(rule, LogitAdjustment):
        return {
            "kind": "logit_adjust",
            "tau": rule.tau_,
            "class_counts": np.asarray(rule.class_counts_, float).tolist(),
        }
    if isinstance(rule, BiasTuning):
        return {"kind": "bias_tuning", "bias": np.asarray(rule.bias_, float).tolist()}
    raise InputError(f"cannot save the decision rule {type(rule).__name__}")


def rule_from_dict(state: dict[str, Any] | None) -> Any:
    if state is None:
        return None
    kind = state["kind"]
    if kind == "threshold":
        rule = ThresholdRule(state["objective"])
        rule.threshold_ = float(state["threshold"])
        return rule
    if kind == "logit_adjust":
        rule = LogitAdjustment(tau=state["tau"])
        rule.tau_ = float(state["tau"])
        rule.class_counts_ = np.asarray(state["class_counts"], dtype=np.float64)
        return rule
    if kind == "bias_tuning":
        rule = BiasTuning()
        rule.bias_ = np.asarray(state["bias"], dtype=np.float64)
        return rule
    raise InputError(f"unknown decision rule {kind!r} in the saved model")


def calibrator_to_dict(cal: Any) -> dict[str, Any] | None:
    if cal is None:
        return None
    if isinstance(cal, TemperatureScaling):
        return {"kind": "temperature", "temperature": cal.temperature_}
    if isinstance(cal, ScoreCalibrator) and cal.method == "platt":
        return {
            "kind": "platt",
            "coef": float(cal.model_.coef_[0, 0]),
            "intercept": float(cal.model_.intercept_[0]),
        }
    if isinstance(cal, ScoreCalibrator):
        return {
            "kind": "isotonic",
            "x": cal.model_.X_thresholds_.tolist(),
            "y": cal.model_.y_thresholds_.tolist(),
        }
    raise InputError(f"cannot save the calibrator {type(cal).__name__}")


def calibrator_from_dict(state: dict[str, Any] | None) -> Any:
    if state is None:
        return None
    kind = state["kind"]
    if kind == "temperature":
        cal = TemperatureScaling()
        cal.temperature_ = float(state["temperature"])
        return cal
    if kind == "platt":
        from sklearn.linear_model import LogisticRegression

        cal = ScoreCalibrator("platt")
        model = LogisticRegression()
        model.coef_ = np.array([[state["coef"]]])
        model.intercept_ = np.array([state["intercept"]])
        model.classes_ = np.array([0, 1])
        cal.model_ = model
        return cal
    if kind == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        cal = ScoreCalibrator("isotonic")
        # the thresholds are already monotone, so refitting on them rebuilds the same function
        cal.model_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
            np.asarray(state["x"]), np.asarray(state["y"])
        )
        return cal
    raise InputError(f"unknown calibrator {kind!r} in the saved model")
