"""The imbalance-aware classification report and the one table of metric names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from unskew._validation import closest_name, format_list, minority_class
from unskew.exceptions import InputError
from unskew.metrics._classification import _confusion
from unskew.metrics._extra import balanced_log_loss
from unskew.metrics._inputs import as_array, check_probabilities, positive_scores
from unskew.metrics._ranking import _ap_from_counts, _auc_from_counts, binary_counts

__all__ = ["METRIC_NAMES", "Metric", "classification_report", "get_metric"]


def _summary(cm: np.ndarray) -> dict[str, float]:
    cm = cm.astype(np.float64)
    tp = np.diag(cm)
    pred, true, total = cm.sum(0), cm.sum(1), cm.sum()
    with np.errstate(all="ignore"):
        precision = np.where(pred > 0, tp / pred, 0.0)
        recall = np.where(true > 0, tp / true, 0.0)
        f1 = np.where(
            2 * tp + (pred - tp) + (true - tp) > 0,
            2 * tp / (2 * tp + (pred - tp) + (true - tp)),
            0.0,
        )
        specificity = np.where(total - true > 0, (total - true - (pred - tp)) / (total - true), 0.0)
    present = true > 0
    c, s = np.trace(cm), total
    cov = (s * s - pred @ pred) * (s * s - true @ true)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "specificity": specificity,
        "support": true,
        "accuracy": float(c / s) if s else 0.0,
        "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1.mean()),
        "weighted_f1": float(np.average(f1, weights=true)) if true.sum() else 0.0,
        "gmean": float(np.prod(recall) ** (1 / len(recall))) if len(recall) else 0.0,
        "mcc": float((c * s - true @ pred) / np.sqrt(cov)) if cov > 0 else 0.0,
    }


def classification_report(
    y_true: Any,
    y_pred: Any,
    y_score: Any = None,
    *,
    labels: Any = None,
    pos_label: Any = None,
) -> dict[str, Any]:
    """Per-class precision, recall, F1, specificity and support, and the imbalance summary:
    accuracy, balanced accuracy, macro and weighted F1, G-mean, MCC; with ``y_score`` also ROC AUC
    and average precision. A ranking metric that a split cannot define (``y_true`` holds one
    class) is None, never an error.

    Two classes: the ranking metrics are those of ``pos_label``, by default the minority class
    of ``y_true`` (:func:`unskew._validation.minority_class`: fewest rows, a tie to the later
    label), the class ``unskew compare``, ``unskew train`` and early stopping score; the report
    names it (``positive_class``). ``y_score`` is a probability matrix (N, 2), or one score per
    row for the second label, as in scikit-learn (the first label's AP then ranks the rows in
    the reverse order). ROC AUC does not depend on the class. More classes: ``y_score`` is a
    probability matrix and both are one-vs-rest macro means over the classes present in
    ``y_true``.

    One confusion matrix (one bincount) serves every count metric and one sort every ranking
    metric. The result is a JSON-ready dict.

    Examples
    --------
    >>> r = classification_report([0, 0, 1, 1], [0, 1, 1, 1], [0.1, 0.6, 0.7, 0.9])
    >>> r["classes"][1]["recall"], r["balanced_accuracy"], r["roc_auc"], r["positive_class"]
    (1.0, 0.75, 1.0, 1)
    >>> r = classification_report(["ok", "ok", "ok", "fraud"], ["ok"] * 4, [0.9, 0.3, 0.8, 0.1])
    >>> r["positive_class"], r["average_precision"]
    ('fraud', 1.0)
    """
    cm, labels_arr, ct, _ = _confusion(y_true, y_pred, labels, None)
    scores = None
    if y_score is not None:
        s = as_array(y_score)
        if len(s) != len(ct):
            raise InputError(f"y_score has {len(s)} rows but y_true has {len(ct)}")
        scores = (s, ct)
    return classification_report_from_counts(cm, scores, labels_arr, pos_label=pos_label)


def classification_report_from_counts(
    cm: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray] | None = None,
    labels: np.ndarray | None = None,
    *,
    pos_label: Any = None,
) -> dict[str, Any]:
    """:func:`classification_report` from a confusion matrix and optional ``(scores, codes)``."""
    labels_arr = np.arange(len(cm)) if labels is None else labels
    summary = _summary(cm)
    rows = [
        {
            "label": _plain(labels_arr[j]),
            "precision": float(summary["precision"][j]),
            "recall": float(summary["recall"][j]),
            "f1": float(summary["f1"][j]),
            "specificity": float(summary["specificity"][j]),
            "support": int(summary["support"][j]),
        }
        for j in range(len(labels_arr))
    ]
    report: dict[str, Any] = {"classes": rows}
    report.update({k: v for k, v in summary.items() if not isinstance(v, np.ndarray)})
    if scores is not None:
        positive = None if pos_label is None else _code_of(pos_label, labels_arr)
        report.update(_ranking_summary(*scores, len(labels_arr), positive))
        if report.get("positive_class") is not None:
            report["positive_class"] = _plain(labels_arr[report["positive_class"]])
    return report


def _plain(label: Any) -> Any:
    """A label as a plain Python value (JSON-ready)."""
    return label.item() if hasattr(label, "item") else label


def _code_of(pos_label: Any, labels: np.ndarray) -> int:
    """The position of ``pos_label`` among ``labels``."""
    matches = np.flatnonzero(np.asarray(labels) == pos_label)
    if len(matches) == 0:
        raise InputError(
            f"pos_label={pos_label!r} is not one of the labels ({format_list(labels)}); pass one "
            "of them, or None for the minority class"
        )
    return int(matches[0])


def _ranking_summary(
    s: np.ndarray, codes: np.ndarray, n_labels: int, positive: int | None = None
) -> dict[str, Any]:
    """ROC AUC and average precision. Two labels: of class ``positive``, by default the minority
    of the scored rows (``minority_class``), named under ``positive_class``; more classes: the
    macro mean over the classes present in ``codes`` (one-vs-rest). Undefined (None) when fewer
    than two classes are present: a split holding one class has no ranking to score."""
    if np.isnan(s).any():
        raise InputError("y_score holds NaN values; check the model's outputs")
    scored = codes[codes >= 0]
    present = np.unique(scored)
    one_column = s.ndim == 1 or s.shape[1] <= 2
    out: dict[str, Any] = {}
    if one_column and n_labels == 2:
        if positive is None and len(present):
            positive = minority_class(np.bincount(scored, minlength=2))
        out["positive_class"] = positive
    if len(present) < 2:
        return {"roc_auc": None, "average_precision": None, **out}
    if one_column:
        column = positive
        if n_labels != 2:  # one score per row and a label list of another length: the last's
            positive, column = n_labels - 1, 1
        _, tps, fps = binary_counts(codes == positive, positive_scores(s, column))  # one sort
        return {
            "roc_auc": _auc_from_counts(tps, fps),
            "average_precision": _ap_from_counts(tps, fps),
            **out,
        }
    check_probabilities(s)
    counts = [binary_counts(codes == j, s[:, j])[1:] for j in present if j < s.shape[1]]
    return {
        "roc_auc": float(np.mean([_auc_from_counts(*c) for c in counts])),
        "average_precision": float(np.mean([_ap_from_counts(*c) for c in counts])),
    }


@dataclass(frozen=True)
class Metric:
    """A named metric of the shared table: ``fn(y_true, y_pred, y_score)`` and its direction."""

    name: str
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray | None], float]
    greater_is_better: bool = True
    needs_score: bool = False

    def __call__(self, y_true: Any, y_pred: Any, y_score: Any = None) -> float:
        if self.needs_score and y_score is None:
            raise InputError(f"metric '{self.name}' needs scores (predicted probabilities)")
        return self.fn(
            as_array(y_true), as_array(y_pred), None if y_score is None else as_array(y_score)
        )


def _minority_f1(t: np.ndarray, p: np.ndarray, _: Any) -> float:
    cm, _, _, _ = _confusion(t, p, None, None)
    return float(_summary(cm)["f1"][minority_class(cm.sum(1))])


def _score_metric(key: str) -> Callable:
    def fn(t: np.ndarray, p: np.ndarray, s: Any) -> float:
        value = classification_report(t, p, s)[key]
        if value is None:
            raise InputError(
                f"{key} is undefined when y_true holds a single class; score rows of both classes"
            )
        return float(value)

    return fn


def _count_metric(key: str) -> Callable:
    def fn(t: np.ndarray, p: np.ndarray, _: Any) -> float:
        cm, _, _, _ = _confusion(t, p, None, None)
        return float(_summary(cm)[key])

    return fn


#: The metric names shared by every command and recipe (``unskew compare --metric``, validation).
METRIC_NAMES = (
    "gmean",
    "balanced_accuracy",
    "macro_f1",
    "f1",
    "pr_auc",
    "roc_auc",
    "mcc",
    "balanced_log_loss",
    "cost:FN/FP",
)

_TABLE = {
    "gmean": Metric("gmean", _count_metric("gmean")),
    "balanced_accuracy": Metric("balanced_accuracy", _count_metric("balanced_accuracy")),
    "macro_f1": Metric("macro_f1", _count_metric("macro_f1")),
    "f1": Metric("f1", _minority_f1),
    "pr_auc": Metric("pr_auc", _score_metric("average_precision"), needs_score=True),
    "roc_auc": Metric("roc_auc", _score_metric("roc_auc"), needs_score=True),
    "mcc": Metric("mcc", _count_metric("mcc")),
    "balanced_log_loss": Metric(
        "balanced_log_loss",
        lambda t, p, s: balanced_log_loss(t, s),
        greater_is_better=False,
        needs_score=True,
    ),
}


def get_metric(name: str) -> Metric:
    """The metric called ``name`` in the shared table (:data:`METRIC_NAMES`). ``f1`` is the F1 of
    the smallest class of ``y_true``; for two classes ``pr_auc`` (average precision) and
    ``roc_auc`` rank the rows by that class's score (:func:`classification_report`'s rule);
    ``cost:FN/FP`` is the mean cost per row of false negatives and false positives of the
    smallest class (lower is better). Early stopping scores the validation rows, a stratified
    share of the training rows, so its class is the minority of the training labels.

    Examples
    --------
    >>> get_metric("gmean")([0, 0, 1, 1], [0, 1, 1, 1])
    0.7071067811865476
    >>> get_metric("cost:10/1")([0, 0, 0, 1], [0, 1, 0, 0])
    2.75
    """
    if name in _TABLE:
        return _TABLE[name]
    if m := re.fullmatch(r"cost:([0-9.]+)/([0-9.]+)", name.replace(" ", "")):
        fn_cost, fp_cost = float(m.group(1)), float(m.group(2))

        def cost(t: np.ndarray, p: np.ndarray, _: Any) -> float:
            cm, _, _, _ = _confusion(t, p, None, None)
            counts = cm.sum(1)
            j = minority_class(counts)
            fn = counts[j] - cm[j, j]
            fp = cm[:, j].sum() - cm[j, j]
            return float((fn_cost * fn + fp_cost * fp) / cm.sum())

        return Metric(name, cost, greater_is_better=False)
    hint = closest_name(name.split(":")[0], [*_TABLE, "cost"])
    raise InputError(
        f"unknown metric '{name}'"
        + (f"; did you mean '{hint}'?" if hint else "")
        + f" Metrics: {', '.join(METRIC_NAMES)}"
    )


#: The width of a report table with six columns and one-digit labels: its caption (and a long
#: title) is laid out within it.
REPORT_WIDTH = 58


def report_table(report: dict[str, Any], title: str | None = None) -> Any:
    """The report as a rich Table: one row per class, then the imbalance summary in the caption.

    Examples
    --------
    >>> table = report_table(classification_report([0, 0, 1, 1], [0, 1, 1, 1]))
    >>> table.row_count, table.caption.split()[:2]
    (2, ['balanced_accuracy', '0.750'])
    """
    from rich.table import Table
    from rich.text import Text

    # a Text title: a recipe's brackets (stack_recipes:recipes=[...]) are not rich markup
    table = Table(
        title=None if title is None else Text(title), header_style="bold", show_edge=False
    )
    for col in ("class", "precision", "recall", "f1", "specificity", "support"):
        table.add_column(col, justify="left" if col == "class" else "right")
    smallest = min(report["classes"], key=lambda c: c["support"] or float("inf"))
    for c in report["classes"]:
        style = "red" if c is smallest else None
        table.add_row(
            str(c["label"]),
            f"{c['precision']:.3f}",
            f"{c['recall']:.3f}",
            f"{c['f1']:.3f}",
            f"{c['specificity']:.3f}",
            f"{c['support']:,}",
            style=style,
        )
    keys = [
        "balanced_accuracy",
        "macro_f1",
        "gmean",
        "mcc",
        "accuracy",
        "roc_auc",
        "average_precision",
    ]
    pairs = [f"{_name(k, report)} {_cell(report[k])}" for k in keys if k in report]
    lines = [""]  # whole "name value" pairs per line, within the table's narrowest width
    for pair in pairs:
        if lines[-1] and len(lines[-1]) + 3 + len(pair) > REPORT_WIDTH:
            lines.append("")
        lines[-1] += ("   " if lines[-1] else "") + pair
    table.caption = "\n".join(lines)
    return table


def _name(key: str, report: dict[str, Any]) -> str:
    """A summary's name; average precision with the class it is of, when the report names one
    (two classes), cut to keep the pair on a line of the caption."""
    label = report.get("positive_class")
    if key != "average_precision" or label is None:
        return key
    text = str(label)
    return f"{key} ({text if len(text) <= 20 else text[:19] + '…'})"


def _cell(value: float | None) -> str:
    """A summary value with three decimals, ``n/a`` when undefined."""
    return "n/a" if value is None else f"{value:.3f}"
