"""The classifier's training defaults on small tables, 5-fold stratified CV (seed 0) on 10 KEEL
datasets: the epoch budget (fixed 30 epochs against ``epochs=None``, at least 300 optimiser
steps); which of the epochs tied on validation balanced accuracy early stopping keeps (the first,
or the one with the lowest balanced log-loss, the default); the balanced log-loss as the
early-stopping metric itself; training on every row without early stopping
(``validation=None``); and the refit on every row for the early-stopped epoch count
(``refit=True``).

Run: .venv/bin/python benchmarks/epoch_budget.py [--recipes "a;b"] [--settings "s1;s2"] [--jobs 2]

Printed per (setting, recipe): mean over datasets of the mean G-mean, PR AUC (average precision of
the minority class) and ROC AUC over folds, and seconds per fit. One torch thread per worker.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict

import numpy as np

DATASETS = (
    "glass0",
    "ecoli2",
    "yeast-1_vs_7",
    "vehicle3",
    "abalone9-18",
    "glass-0-1-6_vs_2",
    "new_thyroid2",
    "cleveland-0_vs_4",
    "poker-9_vs_7",
    "winequality-red-8_vs_6",
)
SETTINGS = {
    "epochs=30, first tied epoch": {"epochs": 30, "tie_break": None},
    "epochs=None, first tied epoch": {"tie_break": None},
    "epochs=None, validation=None": {"validation": None},
    "epochs=None, ties to the lower bal. log-loss (default)": {},
    "epochs=None, bal. log-loss as the metric": {"metric": "balanced_log_loss"},
    "epochs=None, ties to bal. log-loss, refit=True": {"refit": True},
}


def _task(name, fold, train, test, recipes, settings):  # type: ignore[no-untyped-def]
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    from unskew.bench import score_predictions
    from unskew.datasets import load
    from unskew.training import ImbalancedClassifier

    bundle = load(f"keel:{name}")
    X, y = bundle.X, np.asarray(bundle.y)
    out = []
    for setting, params in settings.items():
        for recipe in recipes:
            start = time.perf_counter()
            clf = ImbalancedClassifier("mlp", recipe, random_state=0, **params)
            clf.fit(X.iloc[train], y[train])
            proba = np.asarray(clf.predict_proba(X.iloc[test]))
            pred = np.asarray(clf.predict(X.iloc[test]))
            m, _ = score_predictions(y[test], pred, proba, 2, 1)
            seconds = time.perf_counter() - start
            out.append((setting, recipe, name, m["gmean"], m["pr_auc"], m["roc_auc"], seconds))
    return out


def main(argv: list[str] | None = None) -> int:
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    from unskew.datasets import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recipes",
        default="cross_entropy+weights:inverse;ldam+drw;smote+cross_entropy;balanced_softmax;"
        "focal:gamma=2;balanced_sampler+cross_entropy;cross_entropy+threshold:f1",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--settings", default=None, help="a ';'-separated subset of the setting names"
    )
    args = parser.parse_args(argv)
    recipes = args.recipes.split(";")
    if args.settings:
        chosen = args.settings.split(";")
        unknown = sorted(set(chosen) - set(SETTINGS))
        if unknown:
            parser.error(f"unknown setting(s) {unknown}; choose from {list(SETTINGS)}")
    settings = {k: v for k, v in SETTINGS.items() if not args.settings or k in chosen}
    tasks = []
    for name in DATASETS:
        y = np.asarray(load(f"keel:{name}").y)
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        tasks += [(name, f, tr, te, recipes, settings) for f, (tr, te) in enumerate(cv.split(y, y))]
    rows = [
        r for part in Parallel(n_jobs=args.jobs)(delayed(_task)(*t) for t in tasks) for r in part
    ]
    print("| setting | recipe | G-mean | PR AUC | ROC AUC | s / fit |")
    print("|---|---|---|---|---|---|")
    for setting in settings:
        for recipe in recipes:
            per = defaultdict(list)
            sel = [r for r in rows if r[0] == setting and r[1] == recipe]
            for r in sel:
                per[r[2]].append(r[3:6])
            means = [np.mean([np.mean([v[i] for v in per[d]]) for d in DATASETS]) for i in range(3)]
            secs = np.mean([r[6] for r in sel])
            cells = " | ".join(f"{v:.3f}" for v in means)
            print(f"| {setting} | `{recipe}` | {cells} | {secs:.2f} |")
    print(json.dumps({"datasets": DATASETS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
