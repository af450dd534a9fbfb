"""Training: the recipe-composing Trainer, callbacks, and table preprocessing fitted on training
rows only."""

from unskew.training.callbacks import Callback, History
from unskew.training.preprocess import TablePreprocessor
from unskew.training.trainer import Trainer, select_device

__all__ = ["Callback", "History", "TablePreprocessor", "Trainer", "select_device"]
