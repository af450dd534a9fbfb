"""Evaluation plots (matplotlib, Agg backend). Every function returns a Figure; ``save`` writes it
as PNG or SVG without leaving a partial file."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from unskew.metrics._inputs import as_array, check_pair
from unskew.metrics._ranking import binary_counts

__all__ = [
    "class_distribution",
    "confusion_matrix_plot",
    "per_class_recall",
    "pr_curve",
    "roc_curve",
    "save",
    "threshold_curve",
]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(title: str, size: tuple[float, float] = (5.0, 4.2)):
    plt = _plt()
    fig, ax = plt.subplots(figsize=size, dpi=110)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def save(fig: Any, path: str | os.PathLike[str]) -> None:
    """Write ``fig`` to ``path`` (format from the extension: png or svg), atomically, and close it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pr.png"
    >>> save(pr_curve([0, 1, 1], [0.2, 0.7, 0.4]), p); p.read_bytes()[:4]
    b'\\x89PNG'
    """
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    tmp = f"{os.fspath(path)}.partial"
    try:
        fig.savefig(tmp, format=fmt, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        _plt().close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)


def _rates(y_true: Any, scores: Any, pos_label: Any):
    t, s = check_pair(y_true, scores, ("y_true", "scores"))
    positive = t == pos_label
    thresholds, tps, fps = binary_counts(positive, s.reshape(-1).astype(np.float64))
    return positive, thresholds, tps, fps


def pr_curve(y_true: Any, scores: Any, *, pos_label: Any = 1, label: str | None = None) -> Any:
    """Precision-recall curve with the no-skill line at the prevalence, titled with the average
    precision."""
    positive, _, tps, fps = _rates(y_true, scores, pos_label)
    precision = np.r_[1.0, tps / (tps + fps)]
    recall = np.r_[0.0, tps / max(tps[-1], 1)]
    ap = float(np.sum(np.diff(recall) * precision[1:]))
    fig, ax = _axes(f"Precision-recall (AP {ap:.3f})")
    ax.step(recall, precision, where="post", label=label or "model")
    ax.axhline(
        positive.mean(), color="grey", linestyle="--", label=f"no skill ({positive.mean():.3f})"
    )
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(frameon=False)
    return fig


def roc_curve(y_true: Any, scores: Any, *, pos_label: Any = 1) -> Any:
    """ROC curve with the chance diagonal, titled with the area under it."""
    _, _, tps, fps = _rates(y_true, scores, pos_label)
    tpr = np.r_[0.0, tps / max(tps[-1], 1)]
    fpr = np.r_[0.0, fps / max(fps[-1], 1)]
    fig, ax = _axes(f"ROC (AUC {np.trapezoid(tpr, fpr):.3f})")
    ax.plot(fpr, tpr)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.02))
    return fig


def confusion_matrix_plot(y_true: Any, y_pred: Any, *, labels: Any = None) -> Any:
    """Row-normalised confusion matrix (each row: where the rows of a true class went)."""
    from unskew.metrics._classification import _confusion

    cm, labels_arr, _, _ = _confusion(y_true, y_pred, labels, None)
    with np.errstate(all="ignore"):
        norm = np.nan_to_num(cm / cm.sum(1, keepdims=True))
    n = len(labels_arr)
    fig, ax = _axes(
        "Confusion matrix (normalised by true class)",
        (max(4.0, 0.6 * n + 2), max(3.5, 0.6 * n + 1.5)),
    )
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), [str(v) for v in labels_arr], rotation=45 if n > 6 else 0)
    ax.set_yticks(range(n), [str(v) for v in labels_arr])
    ax.set(xlabel="predicted", ylabel="true")
    if n <= 15:
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{norm[i, j]:.2f}",
                    ha="center",
                    va="center",
                    color="white" if norm[i, j] > 0.5 else "black",
                    fontsize=8,
                )
    fig.colorbar(image, ax=ax, fraction=0.046)
    return fig


def threshold_curve(y_true: Any, scores: Any, objective: str = "f1", *, pos_label: Any = 1) -> Any:
    """The objective of :func:`unskew.decision.tune_threshold` against the threshold, with the
    threshold it chooses marked (for ``cost:FN/FP`` the mean cost is drawn)."""
    from unskew.metrics._thresholds import best_index, objective_curve

    thresholds, values, _, _ = objective_curve(y_true, scores, objective, pos_label=pos_label)
    finite = np.isfinite(thresholds) & np.isfinite(values)
    is_cost = objective.replace(" ", "").startswith("cost")
    chosen = best_index(values)
    best_threshold, best_value = thresholds[chosen], -values[chosen] if is_cost else values[chosen]
    fig, ax = _axes(f"{objective} against the threshold")
    ax.plot(thresholds[finite], -values[finite] if is_cost else values[finite], label=objective)
    ax.axvline(
        best_threshold,
        color="#c8443c",
        linestyle="--",
        label=f"chosen {best_threshold:.3g} ({best_value:.3f})",
    )
    ax.set(xlabel="threshold (positive when score >= threshold)", ylabel=objective)
    ax.legend(frameon=False)
    return fig


def class_distribution(labels: Any, counts: Any) -> Any:
    """Bars of rows per class, log-scaled when the largest class is 20x the smallest."""
    c = as_array(counts).astype(float)
    fig, ax = _axes("Class distribution", (max(5.0, 0.45 * len(c) + 3), 3.8))
    ax.bar([str(v) for v in as_array(labels)], c, color="#3b6ea8")
    if c[c > 0].max() / c[c > 0].min() >= 20:
        ax.set_yscale("log")
    ax.set_ylabel("rows")
    return fig


def per_class_recall(y_true: Any, y_pred: Any, *, labels: Any = None) -> Any:
    """Recall of each class as bars, with the balanced accuracy (their mean) as a line."""
    from unskew.metrics._classification import _confusion

    cm, labels_arr, _, _ = _confusion(y_true, y_pred, labels, None)
    true = cm.sum(1)
    recall = np.where(true > 0, np.diag(cm) / np.maximum(true, 1), 0.0)
    fig, ax = _axes("Recall per class", (max(5.0, 0.45 * len(recall) + 3), 3.8))
    ax.bar([str(v) for v in labels_arr], recall, color="#3b6ea8")
    ax.axhline(
        recall[true > 0].mean(),
        color="#c8443c",
        linestyle="--",
        label=f"balanced accuracy {recall[true > 0].mean():.3f}",
    )
    ax.set(ylim=(0, 1.05), ylabel="recall")
    ax.legend(frameon=False)
    return fig
