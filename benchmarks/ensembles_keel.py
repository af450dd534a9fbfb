"""Issue 9: each ensemble against its single-model baseline on 5 KEEL datasets, through the bench
(``unskew.bench.run_suite``, the engine of ``unskew compare``).

Run: .venv/bin/python benchmarks/ensembles_keel.py [--jobs 2] [--out runs/ensembles]

Protocol: 5-fold stratified CV shuffled with seed 0, the same folds for every recipe; the
classifier's defaults (MLP (128, 64), 30 epochs, AdamW, 20 % of the training rows for early
stopping). The single models are plain cross-entropy and class-weighted cross-entropy
(``cross_entropy+weights:inverse``); the deep ensembles put that net (or plain CE for the
under-sampling ensembles, which balance the data themselves) inside: ``easy_ensemble`` (10 nets,
each on a balanced under-sample), ``balanced_bagging`` (10 nets on balanced bootstrap bags),
``boosting`` (10 rounds of RUSBoost-style SAMME), ``voting`` / ``stacking`` (the weighted net, a
balanced random forest and a weighted logistic regression), ``hybrid`` (the net's penultimate
features into a random forest); and imbalanced-learn's balanced random forest, RUSBoost and
EasyEnsemble-AdaBoost as tabular references. Printed: mean G-mean, PR AUC and ROC AUC over the
datasets, the paired difference to the single model inside each ensemble (with the number of
datasets where the ensemble is better), and the mean rank by G-mean.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

DATASETS = ("ecoli2", "glass-0-1-6_vs_2", "yeast-1_vs_7", "vehicle3", "abalone9-18")
SINGLE = "cross_entropy+weights:inverse"
RECIPES = (
    SINGLE,
    "easy_ensemble",
    "balanced_bagging",
    "boosting",
    f"{SINGLE}+voting",
    f"{SINGLE}+stacking",
    f"{SINGLE}+hybrid",
    "balanced_random_forest",
    "rus_boost",
    "easy_ensemble_adaboost",
)
METRICS = ("gmean", "pr_auc", "roc_auc")
#: The single model trained inside each ensemble (its members, or its deep member).
INSIDE = {
    "easy_ensemble": "cross_entropy",
    "balanced_bagging": "cross_entropy",
    "boosting": "cross_entropy",
    f"{SINGLE}+voting": SINGLE,
    f"{SINGLE}+stacking": SINGLE,
    f"{SINGLE}+hybrid": SINGLE,
}


def main(argv: list[str] | None = None) -> int:
    import torch

    from unskew.bench import run_suite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("runs/ensembles"))
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    suite = run_suite(
        [f"keel:{d}" for d in DATASETS],
        list(RECIPES),
        cv=5,
        random_state=0,
        jobs=args.jobs,
        out=args.out,
        resume=args.resume,
        force=not args.resume,
    )
    ranks = suite.ranking()["mean_ranks"]
    results = suite.results
    keys = results[0].recipes
    # one leaderboard per dataset, indexed by recipe
    boards = [{row["recipe"]: row for row in r.leaderboard("gmean")} for r in results]
    scores = {m: np.array([[_mean(b[k], m) for k in keys] for b in boards]) for m in METRICS}
    label = {k: results[0].label(k) for k in keys}
    index = {label[k]: j for j, k in enumerate(keys)}
    print(
        "| recipe | G-mean | PR AUC | ROC AUC | single net inside | G-mean vs it "
        "| PR AUC vs it | mean rank (G-mean) | s / run |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    order = sorted(range(len(keys)), key=lambda j: ranks.get(keys[j], np.inf))
    for j in order:
        k = keys[j]
        cells = [f"{np.nanmean(scores[m][:, j]):.3f}" for m in METRICS]
        base = INSIDE.get(label[k])
        cells.append("-" if base is None else f"`{base}`")
        for m in ("gmean", "pr_auc"):
            if base is None:
                cells.append("-")
            else:
                d = scores[m][:, j] - scores[m][:, index[base]]
                cells.append(f"{np.nanmean(d):+.3f} ({int((d > 0).sum())}/{len(d)})")
        secs = np.mean([b[k]["seconds"] or np.nan for b in boards])
        print(
            f"| `{label[k]}` | " + " | ".join(cells) + f" | {ranks.get(k, float('nan')):.2f} "
            f"| {secs:.1f} |"
        )
    print(f"\nper dataset G-mean ({', '.join(DATASETS)}):")
    for j in order:
        print(f"  {results[0].label(keys[j]):45s}", np.round(scores["gmean"][:, j], 3).tolist())
    return 0


def _mean(row: dict, metric: str) -> float:
    stat = row["metrics"].get(metric)
    return np.nan if not stat or stat["mean"] is None else stat["mean"]


if __name__ == "__main__":
    sys.exit(main())
