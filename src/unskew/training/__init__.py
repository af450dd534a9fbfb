"""Training: the recipe-composing Trainer and table preprocessing fitted on training rows only."""

from unskew.training.preprocess import TablePreprocessor
from unskew.training.trainer import Trainer

__all__ = ["TablePreprocessor", "Trainer"]
