"""The decision stage: turning scores into labels. Exact threshold tuning for binary problems,
post-hoc logit adjustment and per-class bias tuning for multi-class ones, a scikit-learn
meta-estimator that tunes out of fold, and probability calibration."""

from unskew.decision._calibration import (
    Calibration,
    ScoreCalibrator,
    TemperatureScaling,
    make_calibrator,
)
from unskew.decision._estimator import ThresholdedClassifier
from unskew.decision._multiclass import BiasTuning, LogitAdjustment, logit_adjust
from unskew.decision._threshold import (
    OBJECTIVES,
    ThresholdResult,
    ThresholdRule,
    objective_curve,
    tune_threshold,
)

__all__ = [
    "OBJECTIVES",
    "BiasTuning",
    "Calibration",
    "LogitAdjustment",
    "ScoreCalibrator",
    "TemperatureScaling",
    "ThresholdResult",
    "ThresholdRule",
    "ThresholdedClassifier",
    "logit_adjust",
    "make_calibrator",
    "objective_curve",
    "tune_threshold",
]
