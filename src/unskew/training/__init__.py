"""Training utilities (the Trainer of issue 7 builds on these): table preprocessing fitted on
training rows only."""

from unskew.training.preprocess import TablePreprocessor

__all__ = ["TablePreprocessor"]
