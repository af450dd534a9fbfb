"""Imbalance-aware metrics with scikit-learn's and imbalanced-learn's names and signatures; NumPy
or torch inputs. Count metrics come from one confusion matrix, ranking metrics from one sort."""

from unskew.metrics._classification import (
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    geometric_mean_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    specificity_score,
)
from unskew.metrics._extra import (
    MetricAccumulator,
    balanced_log_loss,
    expected_calibration_error,
    expected_cost,
    shot_accuracy,
)
from unskew.metrics._ranking import average_precision_score, binary_counts, roc_auc_score
from unskew.metrics._report import (
    METRIC_NAMES,
    Metric,
    classification_report,
    get_metric,
    report_table,
)
from unskew.metrics._thresholds import OBJECTIVES, objective_curve

__all__ = [
    "METRIC_NAMES",
    "OBJECTIVES",
    "Metric",
    "MetricAccumulator",
    "average_precision_score",
    "balanced_accuracy_score",
    "balanced_log_loss",
    "binary_counts",
    "classification_report",
    "confusion_matrix",
    "expected_calibration_error",
    "expected_cost",
    "f1_score",
    "fbeta_score",
    "geometric_mean_score",
    "get_metric",
    "matthews_corrcoef",
    "objective_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "report_table",
    "roc_auc_score",
    "shot_accuracy",
    "specificity_score",
]
