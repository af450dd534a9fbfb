"""Class-weight schemes for imbalanced data, as a torch tensor, a Keras dict or sklearn sample weights.

The raw weight of class c with n_c training rows (n rows, C classes in all):

===================  ==========================================  =====================================
scheme               raw weight                                  reference
===================  ==========================================  =====================================
``"inverse"``        ``1 / n_c``                                 scikit-learn's ``class_weight="balanced"``
``"sqrt_inverse"``   ``1 / sqrt(n_c)``                           Mahajan et al. 2018 (square-root sampling)
``"effective_number"`` ``(1 - beta) / (1 - beta ** n_c)``        Cui et al., CVPR 2019
``"none"``           ``1``
a mapping / sequence the given weight of each class
===================  ==========================================  =====================================

Normalisation (``normalize=``):

* ``"samples"`` (default): scaled so the *mean weight over training rows* is 1, i.e.
  ``sum_c n_c w_c = n``. The loss keeps the scale of unweighted cross-entropy, so learning rates need
  not change; for ``"inverse"`` this gives exactly scikit-learn's ``n / (C * n_c)``.
* ``"classes"``: scaled so the weights sum to C, as in Cui et al. (2019).
* ``None``: the raw formula.

Classes with no rows get weight 0 (there is nothing to weight) and are left out of the normalisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from unskew._validation import closest_name, format_list, to_numpy
from unskew.exceptions import InputError

if TYPE_CHECKING:
    import torch

__all__ = [
    "SCHEMES",
    "WeightScheme",
    "class_counts_of",
    "class_weights",
    "keras_class_weight",
    "sample_weight",
]

SCHEMES = ("inverse", "sqrt_inverse", "effective_number", "none")
NORMALIZATIONS = ("samples", "classes", None)


def class_counts_of(
    labels_or_counts: Any, n_classes: int | None = None, *, counts: bool = False
) -> np.ndarray:
    """Per-class counts from labels (integer codes; the default) or from counts (``counts=True``).

    Examples
    --------
    >>> class_counts_of([0, 0, 1, 2]).tolist()
    [2, 1, 1]
    >>> class_counts_of([90, 10], counts=True).tolist()
    [90, 10]

    Distinct labels that leave nine classes in ten or more without a row (``[4000, 300, 25]``)
    are refused: they are almost always counts passed without ``counts=True``.
    """
    arr = to_numpy(labels_or_counts)
    if arr.ndim != 1:
        raise InputError(f"expected 1-D labels or class counts, got shape {arr.shape}")
    if counts:
        if (arr < 0).any() or not np.all(np.mod(arr, 1) == 0):
            raise InputError(f"class counts must be non-negative integers, got {arr.tolist()[:10]}")
        out = arr.astype(np.int64)
        if n_classes is not None and len(out) != n_classes:
            raise InputError(
                f"got {len(out)} class counts but n_classes={n_classes}; pass one count per class"
            )
        return out
    if arr.size and (arr.dtype.kind not in "iu" and not np.all(np.mod(arr, 1) == 0)):
        raise InputError(
            "labels must be integer class codes 0..C-1; encode them first (load_table does)"
        )
    codes = arr.astype(np.int64)
    if codes.size and codes.min() < 0:
        raise InputError(f"labels must be class codes >= 0, got {int(codes.min())}")
    if n_classes is not None and codes.size and codes.max() >= n_classes:
        raise InputError(
            f"label {int(codes.max())} is out of range for n_classes={n_classes} (codes 0..{n_classes - 1})"
        )
    # one row per class, and at least nine classes in ten without a row: counts, not labels
    sparse = codes.size and codes.max() + 1 >= 10 * codes.size
    if n_classes is None and sparse and len(np.unique(codes)) == codes.size:
        shown = ", ".join(str(v) for v in codes[:5].tolist()) + (", ..." if codes.size > 5 else "")
        raise InputError(
            f"[{shown}] reads as {codes.size} labels, one row each of classes up to "
            f"{int(codes.max())} ({int(codes.max()) + 1 - codes.size:,} classes with no row); "
            "if these are per-class counts, pass counts=True (labels are one class code per "
            "training row; pass n_classes to keep them as labels)"
        )
    return np.bincount(codes, minlength=n_classes or 0)


def _raw(counts: np.ndarray, scheme: str, beta: float) -> np.ndarray:
    present = counts > 0
    raw = np.zeros(len(counts), dtype=np.float64)
    n = counts[present].astype(np.float64)
    if scheme == "inverse":
        raw[present] = 1.0 / n
    elif scheme == "sqrt_inverse":
        raw[present] = 1.0 / np.sqrt(n)
    elif scheme == "effective_number":
        if not 0.0 <= beta < 1.0:
            raise InputError(f"beta must be in [0, 1) for the effective number, got {beta}")
        raw[present] = (1.0 - beta) / (1.0 - np.power(beta, n))
    elif scheme == "none":
        raw[present] = 1.0
    else:
        hint = closest_name(scheme, SCHEMES)
        raise InputError(
            f"unknown weight scheme '{scheme}'"
            + (f"; did you mean '{hint}'?" if hint else "")
            + f" Schemes: {format_list(SCHEMES)}, or a mapping class -> weight"
        )
    return raw


def _normalise(raw: np.ndarray, counts: np.ndarray, normalize: str | None) -> np.ndarray:
    present = counts > 0
    if normalize == "samples":
        return raw * (counts.sum() / float((raw * counts).sum()))
    if normalize == "classes":
        return raw * (present.sum() / float(raw[present].sum()))
    if normalize is None:
        return raw
    raise InputError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")


def class_weights_numpy(
    labels_or_counts: Any,
    scheme: str | Mapping[int, float] | Sequence[float] = "inverse",
    *,
    beta: float = 0.999,
    normalize: str | None = "samples",
    n_classes: int | None = None,
    counts: bool = False,
) -> np.ndarray:
    """:func:`class_weights` as a float64 NumPy array (no torch needed)."""
    n = class_counts_of(labels_or_counts, n_classes, counts=counts)
    if isinstance(scheme, str):
        return _normalise(_raw(n, scheme, beta), n, normalize)
    if isinstance(scheme, Mapping):
        unknown = [k for k in scheme if not (isinstance(k, (int, np.integer)) and 0 <= k < len(n))]
        if unknown:
            raise InputError(
                f"class weight mapping has keys {format_list(unknown)} outside the class codes 0..{len(n) - 1}"
            )
        return np.array([float(scheme.get(c, 1.0)) for c in range(len(n))])
    given = np.asarray(scheme, dtype=np.float64)
    if given.shape != (len(n),):
        raise InputError(
            f"got {given.size} class weights for {len(n)} classes; pass one weight per class"
        )
    if (given < 0).any() or not np.isfinite(given).all():
        raise InputError("class weights must be finite and non-negative")
    return given


def class_weights(
    labels_or_counts: Any,
    scheme: str | Mapping[int, float] | Sequence[float] = "inverse",
    *,
    beta: float = 0.999,
    normalize: str | None = "samples",
    n_classes: int | None = None,
    counts: bool = False,
    dtype: Any = None,
    device: Any = None,
) -> torch.Tensor:
    """Per-class weights for a loss, from labels or class counts.

    Rules and normalisation: see the module docstring. ``"effective_number"`` uses ``beta``
    (Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019): the effective
    number of samples of class c is ``(1 - beta^n_c) / (1 - beta)``, and its weight the inverse.

    Parameters
    ----------
    labels_or_counts : array-like or tensor
        Integer class codes of the training rows, or per-class counts (``counts=True``).
    scheme : str, mapping or sequence
        ``"inverse"``, ``"sqrt_inverse"``, ``"effective_number"``, ``"none"``, a mapping
        ``{class: weight}`` (missing classes get 1) or one weight per class (used as given).
    beta : float, default=0.999
    normalize : {"samples", "classes", None}, default="samples"
    n_classes : int, optional
        Number of classes (classes absent from the labels get weight 0).
    counts : bool, optional
        True when ``labels_or_counts`` holds counts.
    dtype, device : torch dtype and device of the result (float32 on CPU by default).

    Returns
    -------
    torch.Tensor of shape (C,)

    Examples
    --------
    >>> class_weights([0] * 9 + [1]).tolist()
    [0.5555555820465088, 5.0]
    >>> class_weights([900, 100], "effective_number", beta=0.99, counts=True, normalize="classes")
    tensor([0.7760, 1.2240])
    """
    import torch

    w = class_weights_numpy(
        labels_or_counts,
        scheme,
        beta=beta,
        normalize=normalize,
        n_classes=n_classes,
        counts=counts,
    )
    return torch.as_tensor(w, dtype=dtype or torch.float32, device=device)


def keras_class_weight(
    labels_or_counts: Any, scheme: str = "inverse", **kwargs: Any
) -> dict[int, float]:
    """The same weights as a Keras ``class_weight`` dict ``{class_code: weight}``.

    Examples
    --------
    >>> keras_class_weight([0, 0, 0, 1])
    {0: 0.6666666666666666, 1: 2.0}
    """
    w = class_weights_numpy(labels_or_counts, scheme, **kwargs)
    return {c: float(v) for c, v in enumerate(w)}


def sample_weight(
    y: Any, scheme: str | Mapping[int, float] | Sequence[float] = "inverse", **kwargs: Any
) -> np.ndarray:
    """Per-row weights ``w[y_i]`` for scikit-learn's ``fit(X, y, sample_weight=...)``.

    With ``scheme="inverse"`` this equals ``sklearn.utils.class_weight.compute_sample_weight("balanced", y)``.

    Examples
    --------
    >>> sample_weight([0, 0, 0, 1]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    counts = class_counts_of(y)  # validates the labels
    w = class_weights_numpy(counts, scheme, counts=True, **kwargs)
    return w[np.asarray(y, dtype=np.int64)]


@dataclass(frozen=True)
class WeightScheme:
    """A weight scheme as a recipe part (``weights:inverse``): call it with class counts.

    Examples
    --------
    >>> WeightScheme("sqrt_inverse")([100, 25]).tolist()
    [0.8333333134651184, 1.6666666269302368]
    """

    scheme: str = "inverse"
    beta: float = 0.999
    normalize: str | None = "samples"

    def __call__(self, class_counts: Any) -> torch.Tensor:
        return class_weights(
            class_counts, self.scheme, beta=self.beta, normalize=self.normalize, counts=True
        )

    def configure_loss(self, loss: Any, context: Any) -> None:
        """The objective-stage hook: give ``loss`` the weights of the training class counts."""
        setter = getattr(loss, "set_class_weight", None)
        if setter is None:
            raise InputError(
                f"{type(loss).__name__} takes no class weights; drop weights:... or use a loss "
                "that does (cross_entropy, focal, ldam, ...)"
            )
        setter(self(context.class_counts))
