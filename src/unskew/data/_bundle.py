"""The small dataset object every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MODALITIES", "DataBundle", "DataWarning"]

MODALITIES = ("table", "image", "text")


@dataclass
class DataWarning:
    """A data problem worth knowing about before training, or something loading changed.

    ``kind`` names the rule, for instance ``missing_values``, ``constant_features``,
    ``duplicate_rows``, ``conflicting_labels``, ``too_small_for_smote``, ``too_small_for_cv``,
    ``empty_texts``, ``leak`` (from :func:`~unskew.data.profile`), or one of the loaders' notes
    (``non_numeric_tokens``, ``decimal_comma``, ``mixed_column``, ``free_text_as_category``,
    ``label_whitespace``, ``dropped_columns``, ``images_converted``, ``bad_images_skipped``,
    ``other_files``). ``message`` is one line.

    Examples
    --------
    >>> DataWarning("leak", "column 'id2' is the target").kind
    'leak'
    """

    kind: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class DataBundle:
    """Features, integer-coded labels and what is known about them.

    Every unskew loader (:func:`~unskew.data.load_table`, :func:`~unskew.data.load_text_table`, the
    built-in datasets) returns one. It is a plain container, not a torch ``Dataset``: the training stage
    turns it into tensors after fitting its encoders on training rows only.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        ``modality="table"``: a DataFrame whose columns are the features; categorical columns keep their
        raw values (strings, booleans, pandas categories) and missing values stay NaN.
        ``modality="image"``: float32 array of shape (N, C, H, W), or an
        :class:`~unskew.data.ImageFolderDataset` that streams the images from disk (it has a
        ``shape`` (N, C, H, W) too; items are ``(tensor (C, H, W), label)``, label -1 when unlabeled).
        ``modality="text"``: 1-D object array of N strings.
    y : numpy.ndarray of int64, shape (N,), or None
        Class codes ``0..C-1``; None for unlabeled data (prediction, choosing rows to label).
    classes : numpy.ndarray or None
        The original label values in code order: ``classes[y]`` gives back the labels.
    feature_names : list of str
    categorical : list of str
        Names of the categorical feature columns (a subset of ``feature_names``).
    modality : {"table", "image", "text"}
    name : str
        Short name used in reports (file stem or built-in dataset name).
    target : str or None
        The label column the labels came from, when they came from a column.
    test : DataBundle or None
        A held-out test split shipped with the data (``mnist_lt``, ``digits_lt``), else None.
    detection : str
        One sentence saying which modality the loader chose and why (printed by ``unskew profile``).
    load_warnings : list of DataWarning
        What loading changed or ignored, one line each (each was also issued once as a
        ``UserWarning``); :func:`~unskew.data.profile` lists them first.
    paths : list of str or None
        For image folders: each image's path relative to the folder, in row order (a prediction
        file's ``path`` column); None otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from unskew.data import load_table
    >>> data = load_table(np.eye(4), ["a", "b", "b", "b"])
    >>> data.class_counts.tolist(), data.imbalance_ratio
    ([1, 3], 3.0)
    """

    X: Any
    y: np.ndarray | None
    classes: np.ndarray | None
    feature_names: list[str]
    categorical: list[str] = field(default_factory=list)
    modality: str = "table"
    name: str = "data"
    target: str | None = None
    test: DataBundle | None = None
    detection: str = ""
    load_warnings: list[DataWarning] = field(default_factory=list)
    paths: list[str] | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {self.modality!r}")

    def __len__(self) -> int:
        return len(self.X)

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return len(self.X)

    @property
    def n_features(self) -> int:
        """Number of feature columns (for images: pixels x channels)."""
        if self.modality == "image":
            shape = self.X.shape if hasattr(self.X, "shape") else np.asarray(self.X).shape
            return int(np.prod(shape[1:]))
        return len(self.feature_names)

    @property
    def labeled(self) -> bool:
        """Whether the data carries labels."""
        return self.y is not None

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for unlabeled data)."""
        return 0 if self.classes is None else len(self.classes)

    @property
    def class_counts(self) -> np.ndarray:
        """Rows per class, in code order."""
        if self.y is None:
            raise ValueError(f"{self.name} is unlabeled: it has no class counts")
        return np.bincount(self.y, minlength=self.n_classes)

    @property
    def imbalance_ratio(self) -> float:
        """Rows of the largest class divided by rows of the smallest present class."""
        counts = self.class_counts
        counts = counts[counts > 0]
        return float(counts.max() / counts.min())

    def labels(self) -> np.ndarray:
        """The labels as their original values (``classes[y]``)."""
        if self.y is None or self.classes is None:
            raise ValueError(f"{self.name} is unlabeled")
        return self.classes[self.y]

    def __repr__(self) -> str:
        shape = getattr(self.X, "shape", (len(self.X),))
        parts = [f"name={self.name!r}", f"modality={self.modality!r}", f"X={tuple(shape)}"]
        if self.y is not None:
            counts = dict(zip(self.classes.tolist(), self.class_counts.tolist(), strict=True))
            parts.append(f"classes={counts}")
        else:
            parts.append("unlabeled")
        if self.categorical:
            parts.append(f"categorical={self.categorical}")
        if self.test is not None:
            parts.append(f"test={len(self.test)}")
        return f"DataBundle({', '.join(parts)})"
