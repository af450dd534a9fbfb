"""Torch-native SMOTE, Borderline-SMOTE and ADASYN with imbalanced-learn's semantics."""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import torch

from unskew.exceptions import InputError
from unskew.resampling._base import Plan, TorchOverSampler
from unskew.resampling._neighbors import DEFAULT_CHUNK, kneighbors

__all__ = ["ADASYN", "SMOTE", "BorderlineSMOTE"]


def _uniform_pairs(
    n_new: int, origins: torch.Tensor, nn: torch.Tensor, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n_new`` (origin, neighbour, step): an origin row and one of its k neighbours uniformly, and a
    step in [0, 1), as imbalanced-learn draws them."""
    m, k = nn.shape
    pick = torch.randint(m * k, (n_new,), generator=g, device=nn.device)  # row * k + column
    steps = torch.rand(n_new, generator=g, device=nn.device, dtype=torch.float64)
    origin = origins.index_select(0, pick.div(k, rounding_mode="floor"))
    return origin, nn.reshape(-1).index_select(0, pick), steps


class SMOTE(TorchOverSampler):
    """SMOTE on torch: synthetic minority rows on the segments between a row and its neighbours.

    For every class to over-sample (``sampling_strategy``), each new row is
    ``x_i + lambda (x_j - x_i)``: ``x_i`` a random row of the class, ``x_j`` one of its ``k_neighbors``
    nearest rows of the same class, ``lambda ~ U[0, 1)`` (Chawla et al., "SMOTE: Synthetic Minority
    Over-sampling Technique", JAIR 2002). The numbers of new rows per class are imbalanced-learn's.

    Unlike imbalanced-learn's, the neighbour search is an exact brute force on torch (CPU or GPU,
    :func:`unskew.resampling.kneighbors`), and ``X`` may have any trailing shape: images (N, C, H, W)
    are interpolated pixel-wise (imbalanced-learn#395). NumPy in, NumPy out; torch in, torch out on
    the same device; 2-D arrays and DataFrames go through imbalanced-learn's validation.

    A class with fewer than ``k_neighbors + 1`` rows is an error naming the class: lower
    ``k_neighbors`` or use random over-sampling. (We do not shrink k silently: it changes what
    "neighbourhood" means for that class.)

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn: a ratio (binary), "minority", "not minority", "not majority", "all",
        "auto", a dict ``{class: n_rows_after}`` or a callable returning one.
    random_state : int, RandomState or None
    k_neighbors : int, default=5
    chunk_size : int, default=2**22
        Distances computed at once, over all threads: bounds the neighbour search's memory (16 MiB
        in float32).
    device : str or torch.device, optional
        Where to search and interpolate (default: the tensor's device, CPU for NumPy).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 2)); y = np.array([0] * 50 + [1] * 10)
    >>> X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [50, 50]
    """

    _parameter_constraints: ClassVar[dict] = {
        **TorchOverSampler._parameter_constraints,
        "k_neighbors": [numbers.Integral],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors: int = 5,
        chunk_size: int = DEFAULT_CHUNK,
        device=None,
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.chunk_size = chunk_size
        self.device = device

    def _plan(self, X, y, strategy, g):
        plans = []
        for c, n_new in strategy.items():
            if n_new <= 0:
                continue
            rows = self._rows_of_class(y, c, self.k_neighbors, "SMOTE", "k_neighbors")
            Xc = X[rows]
            nn = kneighbors(Xc, Xc, self.k_neighbors + 1, chunk_size=self.chunk_size)[:, 1:]
            origin, neighbour, steps = _uniform_pairs(
                n_new, torch.arange(len(rows), device=X.device), nn, g
            )
            plans.append(Plan(c, rows[origin], Xc, neighbour, steps))
        return plans


class BorderlineSMOTE(SMOTE):
    """Borderline-SMOTE: SMOTE seeded only from minority rows on the class border.

    Han et al., "Borderline-SMOTE: A New Over-Sampling Method in Imbalanced Data Sets Learning", ICIC
    2005. A row of the class is *in danger* when at least half, but not all, of its ``m_neighbors``
    nearest rows (over the whole data) belong to other classes; only those rows seed new samples.
    ``kind="borderline-1"`` interpolates towards same-class neighbours; ``"borderline-2"`` draws a
    Beta(10, 10) share of the new rows that way and the rest towards neighbours of other classes,
    with steps in [0, 0.5). As in imbalanced-learn, a class without rows in danger gets no new rows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (90, 2)), rng.normal(1.5, 1, (15, 2))]
    >>> y = np.array([0] * 90 + [1] * 15)
    >>> X_res, y_res = BorderlineSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [90, 90]
    """

    _parameter_constraints: ClassVar[dict] = {
        **SMOTE._parameter_constraints,
        "m_neighbors": [numbers.Integral],
        "kind": [str],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors: int = 5,
        m_neighbors: int = 10,
        kind: str = "borderline-1",
        chunk_size: int = DEFAULT_CHUNK,
        device=None,
    ) -> None:
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            k_neighbors=k_neighbors,
            chunk_size=chunk_size,
            device=device,
        )
        self.m_neighbors = m_neighbors
        self.kind = kind

    def _plan(self, X, y, strategy, g):
        if self.kind not in ("borderline-1", "borderline-2"):
            raise InputError(f"kind must be 'borderline-1' or 'borderline-2', got {self.kind!r}")
        plans = []
        for c, n_new in strategy.items():
            if n_new <= 0:
                continue
            rows = self._rows_of_class(y, c, self.k_neighbors, "Borderline-SMOTE", "k_neighbors")
            Xc = X[rows]
            # neighbours over the whole data, the row itself first
            around = kneighbors(Xc, X, self.m_neighbors + 1, chunk_size=self.chunk_size)[:, 1:]
            others = (y[around] != c).sum(1)
            m = around.shape[1] + 1  # imbalanced-learn counts the row itself in m
            danger = torch.nonzero((others >= (m - 1) / 2) & (others < m - 1)).squeeze(1)
            if danger.numel() == 0:
                continue
            nn = kneighbors(Xc[danger], Xc, self.k_neighbors + 1, chunk_size=self.chunk_size)[:, 1:]
            if self.kind == "borderline-1":
                origin, neighbour, steps = _uniform_pairs(n_new, danger, nn, g)
                plans.append(Plan(c, rows[origin], Xc, neighbour, steps))
                continue
            share = float(
                np.random.default_rng(
                    int(torch.randint(2**31, (1,), generator=g, device=X.device))
                ).beta(10, 10)
            )
            n_same = int(share * (n_new + 1))
            origin, neighbour, steps = _uniform_pairs(n_same, danger, nn, g)
            plans.append(Plan(c, rows[origin], Xc, neighbour, steps))
            other_rows = torch.nonzero(y != c).squeeze(1)
            X_other = X[other_rows]
            nn_other = kneighbors(
                Xc[danger], X_other, self.k_neighbors + 1, chunk_size=self.chunk_size
            )[:, 1:]
            origin, neighbour, steps = _uniform_pairs(int((1 - share) * n_new), danger, nn_other, g)
            plans.append(Plan(c, rows[origin], X_other, neighbour, steps * 0.5))
        return plans


class ADASYN(SMOTE):
    """ADASYN: more synthetic rows where the class is harder to learn.

    He et al., "ADASYN: Adaptive Synthetic Sampling Approach for Imbalanced Learning", IJCNN 2008.
    Each row i of the class gets ``rint(r_i / sum(r) * n)`` new rows, ``r_i`` being the share of other
    classes among its ``n_neighbors`` nearest rows (over the whole data); each new row interpolates
    towards one of its ``n_neighbors`` same-class neighbours. The totals are imbalanced-learn's (the
    rounding can make them differ from ``sampling_strategy`` by a few rows). A class whose rows have
    no other-class neighbour at all cannot be weighted and raises.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (90, 2)), rng.normal(1.5, 1, (15, 2))]
    >>> y = np.array([0] * 90 + [1] * 15)
    >>> X_res, y_res = ADASYN(random_state=0).fit_resample(X, y)
    >>> abs(int((y_res == 1).sum()) - 90) <= 5
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **TorchOverSampler._parameter_constraints,
        "n_neighbors": [numbers.Integral],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_neighbors: int = 5,
        chunk_size: int = DEFAULT_CHUNK,
        device=None,
    ) -> None:
        TorchOverSampler.__init__(self, sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.chunk_size = chunk_size
        self.device = device

    def _plan(self, X, y, strategy, g):
        plans = []
        k = self.n_neighbors
        for c, n_new in strategy.items():
            if n_new <= 0:
                continue
            rows = self._rows_of_class(y, c, k, "ADASYN", "n_neighbors")
            Xc = X[rows]
            around = kneighbors(Xc, X, k + 1, chunk_size=self.chunk_size)[:, 1:]
            ratio = (y[around] != c).sum(1).to(torch.float64) / k
            if float(ratio.sum()) == 0:
                raise InputError(
                    f"no row of class {c} has a neighbour of another class among its {k} nearest, "
                    "so ADASYN has nothing to weight by; use SMOTE for this class"
                )
            per_row = torch.round(ratio / ratio.sum() * n_new).to(torch.int64)
            nn = kneighbors(Xc, Xc, k + 1, chunk_size=self.chunk_size)[:, 1:]
            origin = torch.repeat_interleave(torch.arange(len(rows), device=X.device), per_row)
            cols = torch.randint(k, (origin.numel(),), generator=g, device=X.device)
            steps = torch.rand(origin.numel(), generator=g, device=X.device, dtype=torch.float64)
            plans.append(Plan(c, rows[origin], Xc, nn[origin, cols], steps))
        return plans
