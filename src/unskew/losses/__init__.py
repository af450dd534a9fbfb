"""Imbalance-aware losses: pure functions in :mod:`unskew.losses.functional`, thin ``nn.Module``
wrappers, the deferred re-weighting schedule and :func:`make_loss`.

See ``docs/losses.md`` for when to use which.
"""

from unskew.losses import functional
from unskew.losses.factory import loss_names, make_loss
from unskew.losses.modules import (
    AsymmetricLoss,
    BalancedSoftmaxLoss,
    ClassBalancedLoss,
    CostSensitiveLoss,
    CrossEntropyLoss,
    DiceLoss,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    SigmoidFocalLoss,
    TverskyLoss,
)
from unskew.losses.schedules import DeferredReweighting

__all__ = [
    "AsymmetricLoss",
    "BalancedSoftmaxLoss",
    "ClassBalancedLoss",
    "CostSensitiveLoss",
    "CrossEntropyLoss",
    "DeferredReweighting",
    "DiceLoss",
    "FocalLoss",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "SigmoidFocalLoss",
    "TverskyLoss",
    "functional",
    "loss_names",
    "make_loss",
]
