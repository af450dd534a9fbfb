"""Issue 10's quality gate: ``unskew compare --strategies quick`` chosen by nested cross-validation
against twelve imbalanced-learn + scikit-learn pipelines on 23 KEEL datasets.

Run: .venv/bin/python benchmarks/keel_suite.py [--jobs 2] [--out docs/_keel_suite.md]
     [--cache benchmarks/_work/keel_suite.jsonl] [--datasets a,b] [--methods unskew,brf]

Protocol (the issue's): each dataset is split by 5-fold stratified cross-validation, shuffled with
seed 0 (scikit-learn's ``StratifiedKFold``); every method sees the same outer folds.

* **unskew**: on the outer training part only, ``unskew.bench.run_grid(..., "quick", cv=3)``
  cross-validates the quick recipes (3 inner folds) and recommends by G-mean with
  ``compare``'s default rule, exactly as ``unskew compare --cv 3`` would (for tables
  ``stack_top_k``: the three best recipes stacked by a logistic regression on their
  out-of-fold probabilities; ``best_mean`` before issue 24); that recommendation is then
  trained on the whole outer training part (``ImbalancedClassifier("mlp", recipe)``, the
  settings ``compare`` uses) and scores the outer test part. The outer test rows never reach
  selection or training.
* **baselines**: preprocessing (median imputation + standard scaling of numbers, most-frequent
  imputation + one-hot of text columns) fitted inside the training part, samplers inside an
  imbalanced-learn ``Pipeline``: logistic regression plain / ``class_weight="balanced"`` / ROS /
  SMOTE / SMOTETomek / RUS / ``TunedThresholdClassifierCV(scoring="f1")``;
  ``MLPClassifier((64,))`` plain / ROS / SMOTE; ``EasyEnsembleClassifier(10)``;
  ``BalancedRandomForestClassifier(100)``. SMOTE's ``k_neighbors`` is
  ``min(5, minority rows - 1)`` so that datasets with 5 minority rows run at all.

Every method is scored by the same function (:func:`unskew.bench.score_predictions`): G-mean,
PR AUC (average precision of the minority class), ROC AUC, minority F1, balanced accuracy. Per
dataset the methods are ranked by mean G-mean (and by PR AUC), ranks averaged over datasets;
Friedman test and Nemenyi critical difference (alpha 0.05), with the critical-difference diagram
written next to ``--out``.

One torch thread per worker; ``--jobs`` outer folds in parallel. Finished (dataset, fold, method)
results are appended to ``--cache`` so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

DATASETS = (
    "abalone9-18",
    "cleveland-0_vs_4",
    "ecoli2",
    "ecoli-0-1-3-7_vs_2-6",
    "ecoli-0-1-4-7_vs_5-6",
    "ecoli-0-2-3-4_vs_5",
    "ecoli-0-3-4-7_vs_5-6",
    "ecoli-0-6-7_vs_3-5",
    "glass0",
    "glass4",
    "glass-0-1-2-3_vs_4-5-6",
    "glass-0-1-6_vs_2",
    "glass-0-6_vs_5",
    "led7digit-0-2-4-5-6-7-8-9_vs_1",
    "new_thyroid2",
    "poker-9_vs_7",
    "vehicle0",
    "vehicle3",
    "winequality-red-8_vs_6",
    "winequality-white-9_vs_4",
    "yeast-0-5-6-7-9_vs_4",
    "yeast-1_vs_7",
    "zoo-3",
)

#: Baseline key -> label, in the order of the issue.
BASELINES = {
    "lr": "LR",
    "lr_cw": "LR class_weight",
    "lr_ros": "LR + ROS",
    "lr_smote": "LR + SMOTE",
    "lr_smotetomek": "LR + SMOTETomek",
    "lr_rus": "LR + RUS",
    "lr_tuned": "LR TunedThreshold(F1)",
    "mlp": "MLP",
    "mlp_ros": "MLP + ROS",
    "mlp_smote": "MLP + SMOTE",
    "easy": "EasyEnsemble(10)",
    "brf": "BalancedRF(100)",
}
OURS = "unskew"
LABELS = {OURS: "unskew compare quick (nested)", **BASELINES}
METRICS = ("gmean", "pr_auc", "roc_auc", "minority_f1", "balanced_accuracy")
SEED = 0
OUTER = 5
INNER = 3


def _preprocessor(X: Any) -> Any:
    from pandas.api.types import is_numeric_dtype
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in X.columns if is_numeric_dtype(X[c])]
    text = [c for c in X.columns if c not in numeric]
    parts = []
    if numeric:
        parts.append(
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if text:
        parts.append(
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                text,
            )
        )
    return ColumnTransformer(parts)


def make_baseline(key: str, X: Any, n_minority: int, seed: int) -> Any:
    """The imbalanced-learn + scikit-learn pipeline ``key`` (:data:`BASELINES`)."""
    from imblearn.combine import SMOTETomek
    from imblearn.ensemble import BalancedRandomForestClassifier, EasyEnsembleClassifier
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import Pipeline
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TunedThresholdClassifierCV
    from sklearn.neural_network import MLPClassifier

    k = max(1, min(5, n_minority - 1))

    def lr(**kw: Any) -> Any:
        return LogisticRegression(max_iter=1000, **kw)

    def mlp() -> Any:
        return MLPClassifier((64,), max_iter=500, random_state=seed)

    steps: dict[str, list[Any]] = {
        "lr": [lr()],
        "lr_cw": [lr(class_weight="balanced")],
        "lr_ros": [RandomOverSampler(random_state=seed), lr()],
        "lr_smote": [SMOTE(k_neighbors=k, random_state=seed), lr()],
        "lr_smotetomek": [
            SMOTETomek(smote=SMOTE(k_neighbors=k, random_state=seed), random_state=seed),
            lr(),
        ],
        "lr_rus": [RandomUnderSampler(random_state=seed), lr()],
        "lr_tuned": [TunedThresholdClassifierCV(lr(), scoring="f1", random_state=seed)],
        "mlp": [mlp()],
        "mlp_ros": [RandomOverSampler(random_state=seed), mlp()],
        "mlp_smote": [SMOTE(k_neighbors=k, random_state=seed), mlp()],
        "easy": [EasyEnsembleClassifier(n_estimators=10, random_state=seed)],
        "brf": [BalancedRandomForestClassifier(n_estimators=100, random_state=seed)],
    }
    chosen = steps[key]
    return Pipeline([("pre", _preprocessor(X))] + [(f"s{i}", s) for i, s in enumerate(chosen)])


def _nested_unskew(
    X_tr: Any, y_tr: np.ndarray, epochs: int | None, every: tuple[Any, np.ndarray] | None = None
) -> tuple[Any, dict]:
    """What ``unskew compare --strategies quick --cv 3`` recommends on the outer training part,
    trained on all of it; with the inner leaderboard (mean, std and per-fold scores) for the
    record. ``every=(X_te, y_te)`` also trains every quick recipe on the outer training part and
    records its outer test scores (``outer``), which shows what the selection gains or loses
    against each fixed recipe."""
    from unskew.bench import run_grid, score_predictions
    from unskew.training import ImbalancedClassifier

    grid = run_grid(  # allow_leak: KEEL's published columns, the same every baseline sees
        (X_tr, y_tr),
        "quick",
        cv=INNER,
        random_state=SEED,
        progress=False,
        epochs=epochs,
        allow_leak=True,
    )
    spec = grid.recommendation("gmean")["spec"]
    extra = {} if epochs is None else {"epochs": epochs}
    inner = {}
    for r in grid.leaderboard("gmean"):
        inner[r["spec"]] = {
            m: {
                "mean": r["metrics"][m]["mean"],
                "std": r["metrics"][m]["std"],
                "folds": [v for _, v in sorted(grid.scores(r["recipe"], m).items())],
            }
            for m in ("gmean", "pr_auc", "roc_auc", "balanced_accuracy")
        }
    record: dict[str, Any] = {"recipe": spec, "inner": inner}
    chosen = None
    if every is not None:
        record["outer"] = {}
        for other in inner:
            clf = ImbalancedClassifier(grid.options["model"], other, random_state=SEED, **extra)
            clf.fit(X_tr, y_tr)
            proba = np.asarray(clf.predict_proba(every[0]))
            pred = np.asarray(clf.predict(every[0])).astype(np.int64)
            metrics, _ = score_predictions(every[1], pred, proba, 2, 1)
            record["outer"][other] = {m: metrics.get(m) for m in METRICS}
            chosen = clf if other == spec else chosen
    if chosen is None:
        chosen = ImbalancedClassifier(grid.options["model"], spec, random_state=SEED, **extra)
        chosen.fit(X_tr, y_tr)
    return chosen, record


def _task(
    name: str,
    fold: int,
    methods: list[str],
    train: np.ndarray,
    test: np.ndarray,
    epochs: int | None,
    every: bool = False,
) -> list[dict[str, Any]]:
    """Every method in ``methods`` on one outer fold of ``name``."""
    import torch

    from unskew.bench import score_predictions
    from unskew.datasets import load

    torch.set_num_threads(1)
    bundle = load(f"keel:{name}")
    X, y = bundle.X, np.asarray(bundle.y, dtype=np.int64)
    X_tr, X_te, y_tr, y_te = X.iloc[train], X.iloc[test], y[train], y[test]
    out = []
    for method in methods:
        start = time.perf_counter()
        row: dict[str, Any] = {"dataset": name, "fold": fold, "method": method}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == OURS:
                model, record = _nested_unskew(X_tr, y_tr, epochs, (X_te, y_te) if every else None)
                row.update(record)
            else:
                model = make_baseline(method, X_tr, int((y_tr == 1).sum()), SEED)
                model.fit(X_tr, y_tr)
            proba = np.asarray(model.predict_proba(X_te))
            # predict applies each method's own decision rule (unskew: the recipe's, e.g. a tuned
            # threshold; TunedThresholdClassifierCV: its threshold)
            pred = np.asarray(model.predict(X_te)).astype(np.int64)
            metrics, _ = score_predictions(y_te, pred, proba, 2, 1)
        row.update({m: metrics.get(m) for m in METRICS})
        row["seconds"] = time.perf_counter() - start
        out.append(row)
    return out


def _folds(name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    from unskew.datasets import load

    y = np.asarray(load(f"keel:{name}").y)
    cv = StratifiedKFold(OUTER, shuffle=True, random_state=SEED)
    return list(cv.split(np.zeros(len(y)), y))


def _load_cache(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(
    datasets: list[str],
    methods: list[str],
    jobs: int,
    cache: Path | None,
    epochs: int | None,
    every: bool = False,
) -> list[dict[str, Any]]:
    from joblib import Parallel, delayed

    rows = _load_cache(cache)
    done = {(r["dataset"], r["fold"], r["method"]) for r in rows}
    tasks = []
    for name in datasets:
        for fold, (train, test) in enumerate(_folds(name)):
            todo = [m for m in methods if (name, fold, m) not in done]
            if todo:
                tasks.append((name, fold, todo, train, test))
    print(f"{len(tasks)} (dataset, fold) tasks to run, {len(rows)} results cached", flush=True)
    start = time.time()
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_task)(*t, epochs, every) for t in tasks
    )
    for i, result in enumerate(results, 1):
        rows.extend(result)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            with cache.open("a") as f:
                for r in result:
                    f.write(json.dumps(r) + "\n")
        r0 = result[0]
        print(
            f"[{i}/{len(tasks)}] {r0['dataset']} fold {r0['fold']} ({time.time() - start:.0f} s)",
            flush=True,
        )
    return [r for r in rows if r["dataset"] in datasets and r["method"] in methods]


def summarise(rows: list[dict[str, Any]], datasets: list[str], methods: list[str]) -> dict:
    """Per-dataset means, means over datasets, mean ranks, Friedman and Nemenyi."""
    from unskew.bench.stats import friedman_test, nemenyi_cd

    table: dict[str, dict[str, dict[str, float]]] = {}
    for metric in METRICS:
        table[metric] = {}
        for name in datasets:
            table[metric][name] = {}
            for m in methods:
                vals = [
                    r[metric]
                    for r in rows
                    if r["dataset"] == name and r["method"] == m and r[metric] is not None
                ]
                table[metric][name][m] = float(np.mean(vals)) if vals else float("nan")
    out: dict[str, Any] = {"table": table, "means": {}, "ranks": {}, "friedman": {}}
    for metric in METRICS:
        mat = np.array([[table[metric][d][m] for m in methods] for d in datasets])
        out["means"][metric] = dict(zip(methods, np.nanmean(mat, axis=0).tolist(), strict=True))
        if np.isnan(mat).any():
            mat = np.nan_to_num(mat, nan=0.0)
        fr = friedman_test(mat)
        out["ranks"][metric] = dict(zip(methods, fr.mean_ranks.tolist(), strict=True))
        out["friedman"][metric] = (float(fr.statistic), float(fr.pvalue))
    out["cd"] = nemenyi_cd(len(methods), len(datasets))
    seconds = {m: float(np.mean([r["seconds"] for r in rows if r["method"] == m])) for m in methods}
    out["seconds"] = seconds
    picks: dict[str, int] = {}  # per recipe: the outer folds it was chosen on, alone or stacked
    classical = stacks = 0
    for r in rows:
        if r["method"] == OURS:
            chosen = members(r["recipe"])
            stacks += len(chosen) > 1
            classical += any(is_classical(spec) for spec in chosen)
            for spec in chosen:
                picks[spec] = picks.get(spec, 0) + 1
    out["picks"] = dict(sorted(picks.items(), key=lambda kv: -kv[1]))
    out["classical"] = classical
    out["stacks"] = stacks
    out["ours"] = sum(r["method"] == OURS for r in rows)
    out["fixed"] = _fixed_recipes(rows, datasets)
    return out


def members(spec: str) -> list[str]:
    """The recipes a recommendation trains: a stack's members (``stack_recipes:recipes=[...]``,
    what the ``stack_top_k`` rule recommends), else the recipe itself."""
    from unskew.recipes import parse_recipe

    part = parse_recipe(spec).slot("meta")
    if part is not None and "recipes" in part.params:
        return [str(m) for m in part.params["recipes"]]
    return [spec]


def is_classical(spec: str) -> bool:
    """A recipe whose model is a classical baseline (a meta part tagged ``classical``:
    ``logistic_regression``, ``hist_gradient_boosting``, ``balanced_random_forest``, ...)."""
    from unskew.recipes import parse_recipe

    part = parse_recipe(spec).slot("meta")
    return part is not None and "classical" in part.strategy.tags


def _fixed_recipes(rows: list[dict[str, Any]], datasets: list[str]) -> dict[str, dict]:
    """Mean over datasets (of the mean over outer folds) of each quick recipe trained alone, from
    the ``--every`` records; empty when the suite ran without it."""
    ours = [r for r in rows if r["method"] == OURS and "outer" in r]
    if len({(r["dataset"], r["fold"]) for r in ours}) < len(datasets) * OUTER:
        return {}
    specs = sorted({spec for r in ours for spec in r["outer"]})
    fixed = {}
    for spec in specs:
        fixed[spec] = {}
        for metric in ("gmean", "pr_auc", "roc_auc"):
            per = [
                np.nanmean(
                    [
                        r["outer"][spec][metric]
                        for r in ours
                        if r["dataset"] == d
                        and spec in r["outer"]
                        and r["outer"][spec][metric] is not None
                    ]
                )
                for d in datasets
            ]
            fixed[spec][metric] = float(np.nanmean(per))
    return fixed


def markdown(summary: dict, datasets: list[str], methods: list[str], cd_png: str | None) -> str:
    lines = []
    means, ranks = summary["means"], summary["ranks"]
    order = sorted(methods, key=lambda m: ranks["gmean"][m])
    lines.append(
        "| method | G-mean | PR AUC | ROC AUC | minority F1 | bal. acc. | rank (G-mean) "
        "| rank (PR AUC) | s / fold |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    best = {m: max(means[m][k] for k in methods) for m in METRICS}
    best_rank = {m: min(ranks[m][k] for k in methods) for m in ("gmean", "pr_auc")}
    for k in order:
        cells = []
        for m in METRICS:
            v = means[m][k]
            cells.append(f"**{v:.3f}**" if np.isclose(v, best[m]) else f"{v:.3f}")
        for m in ("gmean", "pr_auc"):
            v = ranks[m][k]
            cells.append(f"**{v:.2f}**" if np.isclose(v, best_rank[m]) else f"{v:.2f}")
        lines.append(f"| {LABELS[k]} | " + " | ".join(cells) + f" | {summary['seconds'][k]:.1f} |")
    lines.append("")
    for m in ("gmean", "pr_auc"):
        stat, p = summary["friedman"][m]
        lines.append(f"- Friedman on {m}: chi2 = {stat:.1f}, p = {p:.2g}")
    lines.append(
        f"- Nemenyi critical difference (alpha 0.05, {len(methods)} methods, "
        f"{len(datasets)} datasets): {summary['cd']:.2f} rank units"
    )
    if summary["picks"]:
        total = summary["ours"]
        picks = ", ".join(f"`{k}` {v}" for k, v in summary["picks"].items())
        lines.append(
            f"- recipes chosen by the inner loop, alone or as a member of the recommended stack "
            f"(a stack on {summary['stacks']} of {total} outer folds): {picks}"
        )
        lines.append(
            f"- a classical baseline (logistic_regression, hist_gradient_boosting, "
            f"balanced_random_forest, easy_ensemble_adaboost) was chosen, alone or in the stack, "
            f"on {summary['classical']} of {total} outer folds ({summary['classical'] / total:.0%})"
        )
    baseline = [m for m in methods if m != OURS]
    if OURS in methods and baseline:
        for m in ("gmean", "pr_auc"):
            top = max(baseline, key=lambda k: means[m][k])
            ok = means[m][OURS] > means[m][top]
            lines.append(
                f"- gate, mean {m}: unskew {means[m][OURS]:.3f} vs best pipeline "
                f"{LABELS[top]} {means[m][top]:.3f}: {'met' if ok else 'NOT met'}"
            )
        top = min(methods, key=lambda k: ranks["gmean"][k])
        lines.append(
            f"- gate, best average rank (G-mean): {LABELS[top]} "
            f"({ranks['gmean'][top]:.2f}): {'met' if top == OURS else 'NOT met'}"
        )
    if summary.get("fixed"):
        lines.append(
            "\nEach quick recipe alone on the same outer folds (trained on the outer training "
            "part, no selection; `--every`):\n"
        )
        lines.append("| recipe | G-mean | PR AUC | ROC AUC | chosen on |")
        lines.append("|---|---|---|---|---|")
        fixed = summary["fixed"]
        for spec in sorted(fixed, key=lambda k: -fixed[k]["gmean"]):
            f = fixed[spec]
            lines.append(
                f"| `{spec}` | {f['gmean']:.3f} | {f['pr_auc']:.3f} | {f['roc_auc']:.3f} "
                f"| {summary['picks'].get(spec, 0)} folds |"
            )
    if cd_png:
        lines.append(f"\n![critical-difference diagram, G-mean]({cd_png})")
    lines.append("\nPer dataset, mean G-mean over the 5 outer folds:\n")
    lines.append("| dataset | " + " | ".join(LABELS[k] for k in order) + " |")
    lines.append("|---|" + "---|" * len(order))
    tab = summary["table"]["gmean"]
    for d in datasets:
        top = max(tab[d][k] for k in order)
        cells = [
            f"**{tab[d][k]:.3f}**" if np.isclose(tab[d][k], top) else f"{tab[d][k]:.3f}"
            for k in order
        ]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def save_cd_diagram(out: Path, summary: dict, labels: dict, title: str) -> str:
    """The critical-difference diagram of ``summary``'s G-mean ranks (methods named by
    ``labels``), saved next to ``out`` as ``<out>.cd.png``; returns the file's name."""
    from unskew.bench.stats import cd_diagram

    fig = cd_diagram(
        {labels[k]: v for k, v in summary["ranks"]["gmean"].items()}, summary["cd"], title=title
    )
    png = out.with_suffix(".cd.png")
    fig.savefig(png, dpi=120, bbox_inches="tight")
    return png.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="markdown file for the tables")
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/_work/keel_suite.jsonl"))
    parser.add_argument("--datasets", default=None, help="comma-separated subset")
    parser.add_argument("--methods", default=None, help="comma-separated subset of methods")
    parser.add_argument("--epochs", type=int, default=None, help="unskew epochs (default: its own)")
    parser.add_argument(
        "--every",
        action="store_true",
        help="also score every quick recipe on the outer folds (about 1.3x the time)",
    )
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",") if args.datasets else list(DATASETS)
    methods = args.methods.split(",") if args.methods else [OURS, *BASELINES]
    unknown = [m for m in methods if m not in LABELS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {list(LABELS)}")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows = run(datasets, methods, args.jobs, args.cache, args.epochs, args.every)
    summary = summarise(rows, datasets, methods)
    cd_png = None
    if args.out is not None and len(methods) > 1:
        cd_png = save_cd_diagram(
            args.out, summary, LABELS, f"G-mean, {len(datasets)} KEEL datasets"
        )
    text = markdown(summary, datasets, methods, cd_png)
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
