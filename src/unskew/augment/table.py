"""Noise augmentation for tables and feature vectors, and an over-sampler built on it."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from unskew.augment._base import AugmentingOverSampler
from unskew.augment._checks import check_generator, check_number, randn
from unskew.exceptions import InputError

__all__ = ["FeatureNoiseOverSampler", "feature_noise"]


def _nan_std(x: torch.Tensor) -> torch.Tensor:
    """Per-feature population standard deviation over the rows, ignoring NaN (0 where undefined)."""
    mean = torch.nanmean(x, dim=0, keepdim=True)
    std = torch.nanmean((x - mean) ** 2, dim=0).sqrt()
    return torch.nan_to_num(std, nan=0.0)


def feature_noise(
    x: torch.Tensor | np.ndarray,
    std: float = 0.1,
    scale: Any = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor | np.ndarray:
    """Add Gaussian noise to every feature, scaled to the feature's spread.

    ``x_new[i, j] = x[i, j] + std * s_j * eps_ij``, ``eps ~ N(0, 1)``, where ``s_j`` is ``scale``
    (a number or one value per feature) or, by default, the population standard deviation of
    feature ``j`` over the batch (NaN ignored). Noise relative to each feature's scale is the
    usual Gaussian-noise augmentation of tabular data; a constant feature gets no noise by default.

    Shape
    -----
    (N, ...) -> (N, ...); NumPy in gives NumPy out.

    Examples
    --------
    >>> x = torch.randn(2000, 2) * torch.tensor([1.0, 10.0])
    >>> noise = feature_noise(x, 0.5, generator=torch.Generator().manual_seed(0)) - x
    >>> [round(v, 1) for v in (noise.std(0) / x.std(0)).tolist()]
    [0.5, 0.5]
    """
    is_numpy = isinstance(x, np.ndarray)
    t = torch.from_numpy(np.ascontiguousarray(x)) if is_numpy else x
    if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.ndim < 1:
        raise InputError(
            f"x must be a floating-point tensor or array (N, ...), got "
            f"{getattr(x, 'dtype', type(x).__name__)}; convert with .float() / .astype(float)"
        )
    std = check_number("std", std, low=0)
    check_generator(generator)
    if scale is None:
        s = _nan_std(t)
    else:
        s = torch.as_tensor(np.asarray(scale, dtype=np.float64)).to(t.device, t.dtype)
        if s.ndim and s.shape != t.shape[1:]:
            raise InputError(
                f"scale must be a number or hold one value per feature, shape "
                f"{tuple(t.shape[1:])}, got {tuple(s.shape)}"
            )
        if bool((s < 0).any()) or not bool(torch.isfinite(s).all()):
            raise InputError("scale must be finite and >= 0")
    noise = randn(tuple(t.shape), generator, t.device).to(t.dtype)
    out = t + std * s * noise
    return out.numpy() if is_numpy else out


class FeatureNoiseOverSampler(AugmentingOverSampler):
    """Over-sample the smaller classes with noisy copies of their rows.

    For each class below its target count (imbalanced-learn's ``sampling_strategy``), random rows
    of the class are copied and Gaussian noise is added: ``x_new = x + std * s_c * eps``, where
    ``s_c`` is the per-feature standard deviation within the class (over all rows when the class
    has a single row). This is random over-sampling with a smoothed (Gaussian-kernel) density
    instead of exact duplicates, close to imbalanced-learn's ``RandomOverSampler(shrinkage=...)``
    (ROSE, Menardi & Torelli, 2014), but with the noise scale estimated per class and feature.

    ``X`` is 2-D: a NumPy array (integers become float64), a torch tensor (kept on its device)
    or a pandas DataFrame of numbers; the output has the type of ``X``. The original rows come
    first, unchanged.

    Parameters
    ----------
    std : float, default=0.1
        Noise standard deviation relative to the class's per-feature spread (>= 0; 0 gives exact
        copies).
    sampling_strategy : str, float, dict or callable, default="auto"
    random_state : int, RandomState or None

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows added per class.
    sample_indices_ : ndarray of int
        Source row of every output row.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(10, 3))
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> X_res, y_res = FeatureNoiseOverSampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist(), bool((X_res[:10] == X).all())
    ((16, 3), [8, 8], True)
    """

    accepts_nd: ClassVar[bool] = False

    def __init__(
        self, std: float = 0.1, sampling_strategy: Any = "auto", random_state: Any = None
    ) -> None:
        self.std = std
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _check_params(self) -> None:
        check_number("std", self.std, low=0)

    def _check_X(self, X: Any) -> None:
        values = X.to_numpy() if hasattr(X, "iloc") else X
        if not isinstance(values, (np.ndarray, torch.Tensor)):
            values = np.asarray(values)
        if values.ndim != 2:
            raise InputError(
                f"X must be 2-D (rows x features), got shape {tuple(values.shape)}; flatten "
                "images, or use AugmentOverSampler for them"
            )
        numeric = (
            not values.is_complex()
            if isinstance(values, torch.Tensor)
            else values.dtype.kind in "biuf"
        )
        if not numeric:
            raise InputError(
                f"X must hold numbers, got {values.dtype}; encode categorical columns first"
            )

    def _generate(self, X: Any, rows: np.ndarray, codes: np.ndarray, seed: int) -> Any:
        is_frame = hasattr(X, "iloc")
        values = X.to_numpy() if is_frame else X
        if not isinstance(values, torch.Tensor):
            values = np.asarray(values)
            if values.dtype.kind != "f":
                values = values.astype(np.float64)
            t = torch.from_numpy(np.ascontiguousarray(values))
        else:
            t = values if values.is_floating_point() else values.double()
        codes_t = torch.as_tensor(codes, device=t.device)
        index = torch.as_tensor(rows, device=t.device)
        scale = torch.empty((len(rows), t.shape[1]), dtype=t.dtype, device=t.device)
        overall = _nan_std(t)
        for c in torch.unique(codes_t[index]).tolist():
            members = codes_t == c
            spread = _nan_std(t[members]) if int(members.sum()) > 1 else overall
            scale[codes_t[index] == c] = spread
        noise = randn(tuple(scale.shape), torch.Generator().manual_seed(seed), t.device)
        new = t[index] + self.std * scale * noise.to(t.dtype)
        out = torch.cat([t, new])
        if isinstance(values, torch.Tensor):
            return out
        result = out.numpy()
        if is_frame:
            import pandas as pd

            return pd.DataFrame(result, columns=X.columns)
        return result
