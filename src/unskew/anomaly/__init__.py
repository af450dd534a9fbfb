"""Anomaly detection as a minority detector: one-class models of the normal (majority) class,
each a scikit-learn binary classifier whose decision threshold is tuned on labelled held-out rows.

* :class:`IsolationForestDetector` - isolation forest (Liu et al., ICDM 2008);
* :class:`OneClassSVMDetector` - one-class SVM on standardised inputs (Schölkopf et al., 2001);
* :class:`AutoencoderDetector` - autoencoder reconstruction error;
* :class:`DeepSVDDDetector` - one-class Deep SVDD (Ruff et al., ICML 2018).

They suit problems where the minority is "different" rather than a coherent class: fraud, faults,
rare diseases, and minorities too small to learn from directly.
"""

from unskew.anomaly._autoencoder import Autoencoder, AutoencoderDetector
from unskew.anomaly._base import BaseDetector
from unskew.anomaly._deep_svdd import DeepSVDDDetector, SVDDNetwork
from unskew.anomaly._isolation_forest import IsolationForestDetector
from unskew.anomaly._one_class_svm import OneClassSVMDetector
from unskew.anomaly._torch import deep_svdd_loss, reconstruction_error, svdd_center

__all__ = [
    "Autoencoder",
    "AutoencoderDetector",
    "BaseDetector",
    "DeepSVDDDetector",
    "IsolationForestDetector",
    "OneClassSVMDetector",
    "SVDDNetwork",
    "deep_svdd_loss",
    "reconstruction_error",
    "svdd_center",
]
