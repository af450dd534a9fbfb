"""The experiment bench behind ``unskew compare``: run recipes side by side with honest
cross-validation on a dataset, store every run, rank them and recommend one.

* :func:`recipes_for` - the ``quick`` set, ``all`` registered strategies, or a validated list;
* :func:`make_folds` - stratified, shuffled, repeated folds shared by every recipe;
* :func:`run_grid` / :func:`compare` - the grid of (recipe, repeat, fold) runs, resumable from
  its SQLite store, parallel through joblib (loky, or a Dask cluster);
* :class:`CompareResult` - leaderboard, corrected t-test against the baseline, recommendation with
  its ``unskew train`` command, JSON, a rich renderable;
* :func:`run_suite` - several datasets, ranked with Friedman / Nemenyi (:mod:`unskew.bench.stats`);
* :func:`write_report`, :func:`rerender` - the self-contained HTML report.

Importing this package imports no torch; training happens inside the runs.
"""

from unskew.bench._evaluate import score_predictions
from unskew.bench._folds import Fold, make_folds, run_seed
from unskew.bench._recipes import (
    BASELINE,
    QUICK,
    recipes_for,
    skipped_strategies,
    split_specs,
)
from unskew.bench._result import CompareResult, SuiteResult
from unskew.bench._runner import compare, dataset_fingerprint, run_grid, run_suite
from unskew.bench._store import LOCK_WAIT, STORE_NAME, RunRecord, Store
from unskew.bench.report import REPORT_NAME, rerender, write_report

__all__ = [
    "BASELINE",
    "LOCK_WAIT",
    "QUICK",
    "REPORT_NAME",
    "STORE_NAME",
    "CompareResult",
    "Fold",
    "RunRecord",
    "Store",
    "SuiteResult",
    "compare",
    "dataset_fingerprint",
    "make_folds",
    "recipes_for",
    "rerender",
    "run_grid",
    "run_seed",
    "run_suite",
    "score_predictions",
    "skipped_strategies",
    "split_specs",
    "write_report",
]
