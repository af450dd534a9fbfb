"""The full binary report on 1,000,000 predictions next to the equivalent scikit-learn /
imbalanced-learn calls, and tune_threshold on 1,000,000 scores.

Run: .venv/bin/python benchmarks/metrics.py [--repeats 5]

Report = per-class precision/recall/F1 and support, ROC AUC, average precision, G-mean, MCC and
balanced accuracy. Targets: at least 3x faster than scikit-learn; tune_threshold under 1 s.
Medians of --repeats runs, alternating.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import sklearn.metrics as skm
from imblearn.metrics import geometric_mean_score

from unskew.decision import tune_threshold
from unskew.metrics import classification_report

N = 1_000_000


def sklearn_report(y, pred, scores):
    return (
        skm.precision_recall_fscore_support(y, pred),
        skm.roc_auc_score(y, scores),
        skm.average_precision_score(y, scores),
        geometric_mean_score(y, pred),
        skm.matthews_corrcoef(y, pred),
        skm.balanced_accuracy_score(y, pred),
    )


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = (rng.random(N) < 0.05).astype(np.int64)
    scores = np.clip(rng.normal(0.3 + 0.3 * y, 0.2), 0, 1)
    pred = (scores >= 0.5).astype(np.int64)
    theirs, ours, tune = [], [], []
    for _ in range(args.repeats):
        theirs.append(timed(sklearn_report, y, pred, scores))
        ours.append(timed(classification_report, y, pred, scores))
        tune.append(timed(tune_threshold, y, scores, "f1"))
    t, o = statistics.median(theirs), statistics.median(ours)
    print(f"binary report on {N:,} predictions (median of {args.repeats})")
    print(f"  scikit-learn + imbalanced-learn calls  {t:6.3f} s")
    print(
        f"  unskew classification_report          {o:6.3f} s   speed-up {t / o:.1f}x (target >= 3x)"
    )
    print(
        f"tune_threshold(objective='f1') on {N:,} scores: {statistics.median(tune):.3f} s (target < 1 s)"
    )


if __name__ == "__main__":
    main()
