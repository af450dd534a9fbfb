"""Shared plumbing of the torch-native over-samplers: input handling (NumPy or torch, any trailing
shape), the sampling strategy, seeding, and writing new rows straight into the output."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy
from scipy import sparse
from sklearn.utils import check_random_state

from unskew._validation import check_consistent_length, check_finite
from unskew.exceptions import InputError


def _is_torch(obj: Any) -> bool:
    return isinstance(obj, torch.Tensor)


#: Rows materialised at once when writing synthetic samples into the output.
WRITE_CHUNK = 1 << 15


@dataclass
class Plan:
    """New rows of one class: ``origin[i] + step * (neighbour_source[j] - origin[i])``, where
    ``origin = X[origin_rows]`` and ``j`` indexes ``neighbour_source`` rows (the same class, or the
    other classes for Borderline-SMOTE-2)."""

    label: int
    origin_rows: torch.Tensor
    neighbour_source: torch.Tensor
    neighbour_rows: torch.Tensor
    steps: torch.Tensor

    def __len__(self) -> int:
        return int(self.origin_rows.numel())


def _write(X: torch.Tensor, plans: list[Plan], out: torch.Tensor) -> None:
    """Materialise the plans into ``out`` (rows after the originals), a chunk of rows at a time."""
    pos = 0
    for plan in plans:
        for start in range(0, len(plan), WRITE_CHUNK):
            stop = min(start + WRITE_CHUNK, len(plan))
            dest = out[pos + start : pos + stop]
            torch.index_select(X, 0, plan.origin_rows[start:stop], out=dest)
            b = plan.neighbour_source.index_select(0, plan.neighbour_rows[start:stop])
            dest.lerp_(b, plan.steps[start:stop].to(dest.dtype).unsqueeze(1))
        pos += len(plan)


class TorchOverSampler(BaseOverSampler):
    """Base of SMOTE, BorderlineSMOTE and ADASYN: imbalanced-learn's ``fit_resample`` contract for
    2-D NumPy arrays and DataFrames (validated by imbalanced-learn, output type round-tripped), and a
    direct path for torch tensors and arrays with more than two dimensions, which come back in the
    same type and shape."""

    _parameter_constraints: ClassVar[dict] = {
        **BaseOverSampler._parameter_constraints,
        "chunk_size": [numbers.Integral],
        "device": [str, torch.device, None],
    }

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        """Resample ``X`` and ``y``; new rows follow the original ones, class by class.

        ``X`` may be a 2-D array-like (as in imbalanced-learn), or a NumPy array / torch tensor of any
        trailing shape such as images (N, C, H, W); tensors stay tensors, on their device.
        """
        if _is_torch(X) or (isinstance(X, np.ndarray) and X.ndim > 2):
            return self._fit_resample_nd(X, y)
        return super().fit_resample(X, y, **params)

    # -- subclasses implement this on a flat (n, d) float tensor -------------------------------
    def _plan(
        self, X: torch.Tensor, y: torch.Tensor, strategy: dict[int, int], g: torch.Generator
    ) -> list[Plan]:
        """Plans of new rows for ``X`` (n, d) with class codes ``y``; ``strategy`` maps class codes
        to the number of rows to add."""
        raise NotImplementedError

    # -- plumbing -------------------------------------------------------------------------------
    def _generator(self, device: torch.device) -> torch.Generator:
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        g = torch.Generator(device=device)
        g.manual_seed(seed)
        return g

    def _device(self, X: Any) -> torch.device:
        if self.device is not None:
            return torch.device(self.device)
        return X.device if _is_torch(X) else torch.device("cpu")

    def _rows_of_class(self, y: torch.Tensor, c: int, k: int, what: str, knob: str) -> torch.Tensor:
        """Row indices of class code ``c``; fewer than ``k + 1`` rows is an error naming the class."""
        rows = torch.nonzero(y == c).squeeze(1)
        if rows.numel() < k + 1:
            label = self._class_labels[c] if hasattr(self, "_class_labels") else c
            raise InputError(
                f"class {label} has {rows.numel()} rows but {what} with {knob}={k} needs {k + 1}; "
                f"lower {knob} or use RandomOverSampler"
            )
        return rows

    def _resample_flat(
        self, flat: torch.Tensor, y_np: np.ndarray
    ) -> tuple[list[Plan], np.ndarray, np.ndarray]:
        classes, codes = np.unique(y_np, return_inverse=True)
        self._class_labels = classes
        strategy = {int(np.searchsorted(classes, c)): n for c, n in self.sampling_strategy_.items()}
        codes_t = torch.as_tensor(codes, device=flat.device)
        plans = self._plan(flat, codes_t, strategy, self._generator(flat.device))
        new_y = np.concatenate(
            [y_np] + [np.full(len(p), classes[p.label], dtype=y_np.dtype) for p in plans]
        )
        return plans, new_y, classes

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        # called by imbalanced-learn's fit_resample with validated 2-D arrays or sparse matrices
        if sparse.issparse(X):  # interpolated rows are dense anyway; back to the input's format
            out, new_y = self._resample_numpy(X.toarray(), y)
            return sparse.csr_matrix(out).asformat(X.format), new_y
        return self._resample_numpy(X, y)

    def _resample_numpy(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        device = self._device(X)
        X = np.ascontiguousarray(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        source = torch.from_numpy(X.reshape(len(X), -1)).to(device)
        plans, new_y, _ = self._resample_flat(source, y)
        total = sum(len(p) for p in plans)
        out = np.empty((len(X) + total, *X.shape[1:]), dtype=X.dtype)
        out[: len(X)] = X
        flat_out = torch.from_numpy(out.reshape(len(out), -1))
        if device.type == "cpu":
            _write(source, plans, flat_out[len(X) :])
        else:
            staged = torch.empty((total, source.shape[1]), dtype=source.dtype, device=device)
            _write(source, plans, staged)
            flat_out[len(X) :] = staged.cpu()
        return out, new_y

    def _fit_resample_nd(self, X: Any, y: Any) -> tuple[Any, Any]:
        y_np = y.detach().cpu().numpy() if _is_torch(y) else np.asarray(y)
        check_consistent_length(X, y_np)
        if _is_torch(X) and not X.is_floating_point():
            raise InputError(f"X must hold floating-point features, got {X.dtype}; use X.float()")
        if not _is_torch(X):
            check_finite(X.reshape(len(X), -1))
        self._validate_params()
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y_np, self._sampling_type
        )
        if not _is_torch(X):
            return self._resample_numpy(X, y_np)
        device = self._device(X)
        Xt = X.to(device)
        flat = Xt.reshape(len(Xt), -1)
        plans, new_y, _ = self._resample_flat(flat, y_np)
        total = sum(len(p) for p in plans)
        out = torch.empty((len(X) + total, *Xt.shape[1:]), dtype=X.dtype, device=device)
        out[: len(X)] = Xt
        _write(flat, plans, out.reshape(len(out), -1)[len(X) :])
        y_out = torch.as_tensor(new_y, device=y.device) if _is_torch(y) else new_y
        return out, y_out
