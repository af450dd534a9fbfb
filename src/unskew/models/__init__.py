"""Model parts for imbalanced learning: built-in backbones and classifier heads."""

from unskew.models.backbones import MLP, SmallCNN
from unskew.models.heads import CosineClassifier

__all__ = ["MLP", "CosineClassifier", "SmallCNN"]
