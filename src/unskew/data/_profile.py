"""Facts about a labeled dataset that decide which imbalance strategy to try: counts, ratio, warnings."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from unskew.data._bundle import DataBundle, DataWarning
from unskew.data._labels import get_labels
from unskew.data._leaks import find_leaks
from unskew.exceptions import InputError

__all__ = ["ClassInfo", "DataWarning", "Profile", "Suggestion", "profile"]

#: k_neighbors of SMOTE's default: a class needs k + 1 rows.
SMOTE_K = 5
#: Folds of the default stratified cross-validation: a class needs one row per fold.
CV_FOLDS = 5


@dataclass
class ClassInfo:
    """One class of a profile: its label, code, count, share and long-tail group."""

    label: Any
    code: int
    count: int
    share: float
    group: str | None = None


@dataclass
class Suggestion:
    """A recipe worth trying (in the spec grammar of ``unskew compare``) and why."""

    recipe: str
    reason: str


@dataclass
class Profile:
    """The profile of a labeled dataset; see :func:`profile`.

    ``to_dict()`` gives the JSON form printed by ``unskew profile --json``.
    """

    name: str
    modality: str
    n_samples: int
    n_features: int
    n_classes: int
    classes: list[ClassInfo]
    imbalance_ratio: float
    normalized_entropy: float
    majority: Any
    minority: Any
    groups: dict[str, list[Any]] | None
    warnings: list[DataWarning]
    suggestions: list[Suggestion]
    thresholds: dict[str, int]
    detection: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready built-in types."""
        return _jsonable(asdict(self))

    def plot(self, path: str | os.PathLike[str]) -> None:
        """Write a bar chart of class counts to ``path`` (format from the extension: png, svg,
        pdf), log-scaled when the imbalance ratio is 20 or more, coloured by long-tail group."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        labels = [str(c.label) for c in self.classes]
        counts = [c.count for c in self.classes]
        log = self.imbalance_ratio >= 20
        colors = {"many": "#3b6ea8", "medium": "#e0a030", "few": "#c8443c"}
        if self.groups is None:
            bar_colors = [
                "#c8443c" if c.label == self.minority else "#3b6ea8" for c in self.classes
            ]
        else:
            bar_colors = [colors[c.group or "many"] for c in self.classes]
        width = max(5.0, min(16.0, 0.45 * len(labels) + 3))
        fig, ax = plt.subplots(figsize=(width, 3.8), dpi=120)
        bars = ax.bar(range(len(labels)), counts, color=bar_colors)
        crowded = sum(len(s) for s in labels) > 60
        ax.set_xticks(
            range(len(labels)),
            labels,
            rotation=45 if crowded else 0,
            ha="right" if crowded else "center",
        )
        if log:
            ax.set_yscale("log")
        if len(labels) <= 30:
            ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=8, padding=2)
        if self.groups is not None:
            from matplotlib.patches import Patch

            many, few = self.thresholds["many"], self.thresholds["few"]
            ax.legend(
                handles=[
                    Patch(color=colors["many"], label=f"many-shot (> {many})"),
                    Patch(color=colors["medium"], label="medium-shot"),
                    Patch(color=colors["few"], label=f"few-shot (< {few})"),
                ],
                frameon=False,
                fontsize=8,
            )
        ax.set_ylabel("rows" + (" (log scale)" if log else ""))
        ax.set_title(
            f"{self.name}: {self.n_samples:,} rows, {self.n_classes} classes, "
            f"imbalance ratio {self.imbalance_ratio:.1f}"
        )
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(y=0.15)
        fig.tight_layout()
        # write next to the target and rename, so a failure never leaves a half-written file
        fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
        tmp = f"{os.fspath(path)}.partial"
        try:
            fig.savefig(tmp, format=fmt)
            os.replace(tmp, path)
        finally:
            plt.close(fig)
            if os.path.exists(tmp):
                os.remove(tmp)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _feature_frame(data: DataBundle) -> pd.DataFrame | None:
    if data.modality == "table":
        return data.X
    if data.modality == "image":
        if not isinstance(data.X, np.ndarray):  # a Dataset streaming from disk: not decoded here
            return None
        return pd.DataFrame(data.X.reshape(len(data.X), -1))
    return pd.DataFrame({"text": data.X})


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    # 64-bit hash per row; for a collision among a million rows the odds are ~3e-8.
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _data_warnings(data: DataBundle, y: np.ndarray) -> list[DataWarning]:
    warnings: list[DataWarning] = []
    frame = _feature_frame(data)
    if frame is None:
        return warnings
    if data.modality == "table":
        missing = frame.isna().sum()
        missing = missing[missing > 0]
        if len(missing):
            cols = {str(k): int(v) for k, v in missing.items()}
            shown = ", ".join(f"{k} ({v:,})" for k, v in list(cols.items())[:8])
            more = f" and {len(cols) - 8} more" if len(cols) > 8 else ""
            warnings.append(
                DataWarning(
                    "missing_values",
                    f"missing values in {len(cols)} column(s): {shown}{more}; they are imputed inside "
                    "training folds (median / most frequent)",
                    {"columns": cols},
                )
            )
        constant = []
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
                values = s.to_numpy(dtype=np.float64, na_value=np.nan)
                finite = values[~np.isnan(values)]
                if finite.size == 0 or finite.min() == finite.max():
                    constant.append(str(col))
            elif s.nunique(dropna=True) <= 1:
                constant.append(str(col))
        if constant:
            warnings.append(
                DataWarning(
                    "constant_features",
                    f"{len(constant)} constant feature(s) carry no information: "
                    + ", ".join(constant[:8])
                    + (" ..." if len(constant) > 8 else ""),
                    {"columns": constant},
                )
            )
    if data.modality == "text":
        empty = int(sum(1 for t in data.X if not str(t).strip()))
        if empty:
            warnings.append(DataWarning("empty_texts", f"{empty:,} empty text(s)", {"rows": empty}))
    hashes = _row_hashes(frame)
    pairs = pd.DataFrame({"h": hashes, "y": y})
    n_dup = int(pairs.duplicated().sum())
    if n_dup:
        warnings.append(
            DataWarning(
                "duplicate_rows",
                f"{n_dup:,} row(s) repeat an earlier row exactly (features and label); duplicates "
                "inflate cross-validation scores when copies land in both train and test folds",
                {"rows": n_dup},
            )
        )
    per_group = pairs.drop_duplicates().groupby("h", sort=False)["y"].size()
    conflicted = per_group[per_group > 1]
    if len(conflicted):
        n_rows = int(pairs["h"].isin(conflicted.index).sum())
        warnings.append(
            DataWarning(
                "conflicting_labels",
                f"{len(conflicted):,} group(s) of identical feature rows carry different labels "
                f"({n_rows:,} rows); no model can separate them: check the labeling",
                {"groups": len(conflicted), "rows": n_rows},
            )
        )
    return warnings


def _size_warnings(infos: list[ClassInfo]) -> list[DataWarning]:
    warnings = []
    smote = [c for c in infos if 0 < c.count < SMOTE_K + 1]
    if smote:
        warnings.append(
            DataWarning(
                "too_small_for_smote",
                f"class(es) {', '.join(f'{c.label} ({c.count})' for c in smote)} have fewer than "
                f"{SMOTE_K + 1} rows, too few for SMOTE's default k_neighbors={SMOTE_K}: lower "
                "k_neighbors or use random oversampling",
                {"classes": [c.label for c in smote], "needed": SMOTE_K + 1},
            )
        )
    cv = [c for c in infos if 0 < c.count < CV_FOLDS]
    if cv:
        warnings.append(
            DataWarning(
                "too_small_for_cv",
                f"class(es) {', '.join(f'{c.label} ({c.count})' for c in cv)} have fewer than "
                f"{CV_FOLDS} rows, too few for {CV_FOLDS}-fold stratified cross-validation: "
                "`unskew compare` lowers the number of folds",
                {"classes": [c.label for c in cv], "needed": CV_FOLDS},
            )
        )
    return warnings


def _suggest(
    data_modality: str,
    infos: list[ClassInfo],
    ratio: float,
    categorical: bool,
    numeric: bool = True,
) -> list[Suggestion]:
    counts = np.array([c.count for c in infos])
    n_min, n_max, n_classes = int(counts.min()), int(counts.max()), len(infos)
    out: list[Suggestion] = []
    if ratio < 1.5:
        return [
            Suggestion(
                "cross_entropy",
                f"classes are nearly balanced (ratio {ratio:.2f}): "
                "a plain baseline; imbalance remedies are unlikely to help",
            )
        ]
    out.append(
        Suggestion(
            "cross_entropy+weights:inverse",
            "the cheapest remedy: weight each class by n / (C * n_c) in the loss; no data is changed",
        )
    )
    if n_classes == 2:
        out.append(
            Suggestion(
                "cross_entropy+threshold:f1",
                "moving the decision threshold off 0.5 (tuned inside training folds) often recovers "
                "most minority recall at no training cost",
            )
        )
    if data_modality == "table":
        if not numeric:
            out.append(
                Suggestion(
                    "random_oversampling+cross_entropy",
                    "every feature column is categorical, so SMOTE has no number to interpolate: "
                    "repeat minority rows instead",
                )
            )
        elif n_min >= SMOTE_K + 1:
            name = "smote_nc" if categorical else "smote"
            out.append(
                Suggestion(
                    f"{name}+cross_entropy",
                    f"synthesise minority rows between nearest neighbours (the smallest class has "
                    f"{n_min} rows, enough for k=5)"
                    + ("; SMOTE-NC handles the categorical columns" if categorical else ""),
                )
            )
        else:
            out.append(
                Suggestion(
                    "random_oversampling+cross_entropy",
                    f"the smallest class has {n_min} rows, too few for SMOTE's k=5: repeat them instead",
                )
            )
    else:
        out.append(
            Suggestion(
                "balanced_sampler+cross_entropy",
                f"draw {data_modality} batches class-balanced, so every batch shows the rare classes",
            )
        )
    if ratio >= 10:
        if n_classes >= 3:
            out.append(
                Suggestion(
                    "balanced_softmax",
                    f"a long tail (ratio {ratio:.0f}) over {n_classes} classes: the balanced softmax "
                    "corrects the label prior in the loss",
                )
            )
            out.append(
                Suggestion(
                    "ldam:max_margin=0.5+drw",
                    "larger margins for rare classes, re-weighting deferred to late epochs",
                )
            )
        else:
            out.append(
                Suggestion(
                    "focal:gamma=2",
                    f"ratio {ratio:.0f}: the focal loss down-weights the many easy majority examples",
                )
            )
    if n_max >= 10_000 and ratio >= 5:
        out.append(
            Suggestion(
                "random_undersampling+cross_entropy+threshold:f1",
                f"the largest class has {n_max:,} rows: under-sampling trains much faster and the "
                "tuned threshold restores calibration of the decision",
            )
        )
    if n_classes == 2 and n_min < 20 and ratio >= 20:
        out.append(
            Suggestion(
                "isolation_forest",
                f"only {n_min} minority rows against {n_max:,}: treating the minority as anomalies "
                "needs no minority examples to train",
            )
        )
    return out


def _group(count: int, many: int, few: int) -> str:
    return "many" if count > many else ("few" if count < few else "medium")


def profile(
    data: DataBundle | Any,
    *,
    many_threshold: int = 100,
    few_threshold: int = 20,
    name: str | None = None,
) -> Profile:
    """Profile the class distribution and data quality of a labeled dataset.

    Facts computed:

    * per-class count and share; imbalance ratio ``max_c n_c / min_c n_c``;
    * normalised entropy ``H = -sum_c p_c log p_c / log C`` (1 = balanced, towards 0 = one class
      dominates);
    * for three classes or more, the long-tail groups of Kang et al. (2020) and Liu et al. (2019):
      many-shot (more than ``many_threshold`` rows), medium-shot, few-shot (fewer than
      ``few_threshold``);
    * warnings: first what loading changed or ignored (``DataBundle.load_warnings``), then
      columns that leak the label (:func:`~unskew.data.find_leaks`), missing values per column,
      constant features, duplicate rows, identical feature rows with different labels (via 64-bit
      row hashes; not for images streamed from disk), classes too small for SMOTE's default
      k_neighbors=5 or for 5-fold stratified cross-validation;
    * ``detection``: the loader's sentence on which modality it chose and why;
    * suggested recipes, each with its reason (rules of thumb; ``unskew compare`` measures them).

    Parameters
    ----------
    data : DataBundle or torch Dataset
        A labeled :class:`DataBundle`, or any dataset :func:`get_labels` can read (an image folder,
        for instance: then only the class facts are computed, and no image is decoded).
    many_threshold, few_threshold : int
        Bounds of the many-shot and few-shot groups.
    name : str, optional
        Name shown in reports (defaults to the bundle's name).

    Returns
    -------
    Profile

    Examples
    --------
    >>> from unskew.datasets import seed_example
    >>> p = profile(seed_example())
    >>> [(c.label, c.count) for c in p.classes], p.imbalance_ratio
    ([(0, 900), (1, 100)], 9.0)
    """
    if isinstance(data, DataBundle):
        if data.y is None:
            raise InputError(
                f"{data.name} is unlabeled; profile needs labels: pass the target column (--target)"
            )
        y, labels = data.y, data.classes
        modality, n_features = data.modality, data.n_features
        name = name or data.name
        categorical = bool(data.categorical)
        numeric = len(data.categorical) < n_features  # SMOTE-NC needs both kinds
    else:
        raw = get_labels(data)
        labels, y = np.unique(raw, return_inverse=True)
        if hasattr(data, "classes") and len(getattr(data, "classes", ())) == len(labels):
            labels = np.asarray(data.classes)
        modality, n_features, categorical, numeric = "image", 0, False, True
        root = getattr(data, "root", None)
        name = name or (os.path.basename(os.fspath(root)) if root else type(data).__name__)
    counts = np.bincount(y, minlength=len(labels))
    n = int(counts.sum())
    present = counts[counts > 0]
    ratio = float(present.max() / present.min())
    p = present / n
    entropy = float(-(p * np.log(p)).sum() / math.log(len(labels))) if len(labels) > 1 else 0.0
    use_groups = len(labels) >= 3
    infos = [
        ClassInfo(
            label=labels[i].item() if hasattr(labels[i], "item") else labels[i],
            code=i,
            count=int(counts[i]),
            share=float(counts[i] / n),
            group=_group(int(counts[i]), many_threshold, few_threshold) if use_groups else None,
        )
        for i in range(len(labels))
    ]
    groups = None
    if use_groups:
        groups = {g: [c.label for c in infos if c.group == g] for g in ("many", "medium", "few")}
    warnings = _size_warnings(infos)
    detection = ""
    if isinstance(data, DataBundle):
        leaks = [DataWarning("leak", message) for message in find_leaks(data)]
        warnings = list(data.load_warnings) + leaks + _data_warnings(data, y) + warnings
        detection = data.detection
    order = np.argsort(counts, kind="stable")
    return Profile(
        name=name,
        modality=modality,
        n_samples=n,
        n_features=n_features,
        n_classes=len(labels),
        classes=infos,
        imbalance_ratio=ratio,
        normalized_entropy=entropy,
        majority=infos[int(order[-1])].label,
        minority=infos[int(order[0])].label,
        groups=groups,
        warnings=warnings,
        suggestions=_suggest(modality, infos, ratio, categorical, numeric),
        thresholds={"many": many_threshold, "few": few_threshold},
        detection=detection,
    )
