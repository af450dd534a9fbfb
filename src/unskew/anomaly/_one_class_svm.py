"""OneClassSVMDetector: scikit-learn's one-class SVM on standardised inputs, as a minority
detector."""

from __future__ import annotations

import numpy as np

from unskew.anomaly._base import BaseDetector
from unskew.exceptions import InputError

__all__ = ["OneClassSVMDetector"]


class OneClassSVMDetector(BaseDetector):
    """Minority detection with a one-class SVM, as a scikit-learn binary classifier.

    The SVM separates the normal rows (standardised on those rows) from the origin in kernel
    space with the largest margin, ``min 1/2 ||w||^2 + 1/(nu n) sum xi_i - rho`` subject to
    ``<w, phi(x_i)> >= rho - xi_i``; ``nu`` bounds the share of training rows left outside. The
    anomaly score is ``rho - <w, phi(x)>`` (scikit-learn's ``-decision_function``). The threshold
    and probabilities are tuned on held-out labelled rows, as for every detector (see
    :class:`~unskew.anomaly.IsolationForestDetector`). Reference: Schölkopf et al., "Estimating
    the Support of a High-Dimensional Distribution", Neural Computation 2001.

    Parameters
    ----------
    kernel : str, default="rbf"
        Passed to ``OneClassSVM``.
    nu : float in (0, 1], default=0.05
        With ``fit_on="all"``, at least the minority share of the training rows.
    gamma : "scale", "auto" or float, default="scale"
    fit_on : {"majority", "all"}, default="majority"
    random_state : int or None, default=None
        Seeds the validation split (the SVM itself is deterministic).
    threshold : str, default="f1"
    validation : float, default=0.25

    Attributes
    ----------
    classes_, minority_class_, majority_class_, threshold_ : as for every detector
    svm_ : sklearn.svm.OneClassSVM

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 4)), rng.normal(0, 1, (30, 4)) * 4])
    >>> y = np.array(["ok"] * 300 + ["fraud"] * 30)
    >>> det = OneClassSVMDetector(random_state=0).fit(X, y)
    >>> det.predict_proba(X[:2]).shape, det.score(X, y) > 0.8
    ((2, 2), True)
    """

    def __init__(
        self,
        kernel: str = "rbf",
        nu: float = 0.05,
        gamma: str | float = "scale",
        fit_on: str = "majority",
        random_state: int | None = None,
        *,
        threshold: str = "f1",
        validation: float = 0.25,
    ) -> None:
        self.kernel = kernel
        self.nu = nu
        self.gamma = gamma
        self.fit_on = fit_on
        self.random_state = random_state
        self.threshold = threshold
        self.validation = validation

    def _check_params(self) -> None:
        if not isinstance(self.nu, float | int) or not 0 < self.nu <= 1:
            raise InputError(f"nu must be a float in (0, 1], got {self.nu!r}")

    def _fit_detector(self, Z: np.ndarray, contamination: float | None, seed: int) -> None:
        from sklearn.svm import OneClassSVM

        nu = float(self.nu) if contamination is None else min(1.0, max(self.nu, contamination))
        self.svm_ = OneClassSVM(kernel=self.kernel, nu=nu, gamma=self.gamma).fit(Z)

    def _anomaly_score(self, Z: np.ndarray) -> np.ndarray:
        return -self.svm_.decision_function(Z)
