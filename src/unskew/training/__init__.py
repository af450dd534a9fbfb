"""Training: the recipe-composing Trainer, callbacks, the scikit-learn estimator, saving and
loading, and table preprocessing fitted on training rows only."""

from unskew.training.callbacks import Callback, History
from unskew.training.estimator import ImbalancedClassifier
from unskew.training.persistence import load_model
from unskew.training.preprocess import TablePreprocessor
from unskew.training.refit import refit_every_row
from unskew.training.trainer import Trainer, select_device

__all__ = [
    "Callback",
    "History",
    "ImbalancedClassifier",
    "TablePreprocessor",
    "Trainer",
    "load_model",
    "refit_every_row",
    "select_device",
]
