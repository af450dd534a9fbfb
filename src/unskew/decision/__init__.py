"""The decision stage: turning scores into labels (threshold tuning, ...)."""

from unskew.decision._threshold import OBJECTIVES, ThresholdResult, ThresholdRule, tune_threshold

__all__ = ["OBJECTIVES", "ThresholdResult", "ThresholdRule", "tune_threshold"]
