"""Model parts for imbalanced learning: classifier heads (cosine, ...)."""

from unskew.models.heads import CosineClassifier

__all__ = ["CosineClassifier"]
