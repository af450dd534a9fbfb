"""Issue 24: which recommendation rule, and does racing change it? Measured on KEEL datasets the
suite of issue 10 never saw.

Run: .venv/bin/python benchmarks/recommendation_rules.py [--jobs 2] [--out docs/_rules.md]
     [--cache benchmarks/_work/recommendation_rules.jsonl] [--datasets a,b] [--quick]

Datasets, by a rule fixed before any result was seen: the KEEL datasets of
``unskew.datasets.keel_names()`` that are not among the 23 of ``benchmarks/keel_suite.py``, with
at most 2,000 rows, sorted by name, every third one starting with the first (22 datasets).
``--quick`` is a smoke mode: the 3 smallest of them and 3 training epochs.

Protocol: ``keel_suite.py``'s. 5-fold stratified outer cross-validation shuffled with seed 0;
every method sees the same outer folds, is fitted on the outer training part only and scores the
outer test part with :func:`unskew.bench.score_predictions`.

* **unskew, one method per (rule, racing)**: inside each outer training part,
  ``run_grid(..., "quick", cv=INNER, race=True)`` into a temporary store, then the same grid
  resumed with ``race=False``, which runs only the folds the race skipped: the same seeds, so it
  holds exactly the runs of a grid run without racing. Its wall time is the race's plus the
  completion's (the inner runs are sequential, so nothing waits between folds). Each rule
  (``best_mean``, ``one_se`` with its ROC AUC tie-break, ``cheapest_one_se``, ``stack_top_k``
  with k = 3) then picks from the raced grid (``race:RULE``) and from the full one
  (``full:RULE``); each distinct pick is trained on the whole outer training part
  (``ImbalancedClassifier("mlp", pick, random_state=0)``, the settings ``compare`` uses) and
  scored on the outer test part. ``INNER`` is 5, not keel_suite's 3: with 3 folds a race has no
  fold left to save after its first decision (it decides after the third fold), so racing could
  change nothing there.
* **baselines**: keel_suite's 12 imbalanced-learn + scikit-learn pipelines, and each classical
  baseline the quick set holds (a quick recipe whose meta part is tagged ``baseline``) trained
  alone on the outer training part.

Printed (and written to ``--out``): the commit; mean G-mean, PR AUC and ROC AUC over datasets,
mean ranks by G-mean and PR AUC, Friedman test and Nemenyi critical difference (alpha 0.05) with
the critical-difference diagram next to ``--out``; the inner grid's wall time with and without
racing; how often racing changes each rule's pick (outer folds, and datasets where it changed
the pick on at least one fold); which recipes each rule picked.

One torch thread per worker; ``--jobs`` tasks in parallel. Every finished (dataset, fold, method)
is appended to ``--cache``, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keel_suite
from bench_common import commit

RULES = ("best_mean", "one_se", "cheapest_one_se", "stack_top_k")
MODES = ("race", "full")
INNER = 5
MAX_ROWS = 2000
EVERY = 3
QUICK_DATASETS = 3
QUICK_EPOCHS = 3
METRICS = keel_suite.METRICS
SEED = keel_suite.SEED
OURS = "unskew"


def method_name(mode: str, rule: str) -> str:
    return f"{mode}:{rule}"


UNSKEW_METHODS = [method_name(mode, rule) for mode in MODES for rule in RULES]


# -- which datasets, which methods --------------------------------------------------------------
def select_datasets() -> list[str]:
    """The rule above: not in the suite, at most MAX_ROWS rows, sorted by name, every EVERY-th."""
    from unskew.datasets import keel_names, load

    unseen = sorted(n for n in keel_names() if n not in keel_suite.DATASETS)
    small = [n for n in unseen if load(f"keel:{n}").n_samples <= MAX_ROWS]
    return small[::EVERY]


def smallest(datasets: list[str], n: int) -> list[str]:
    from unskew.datasets import load

    return sorted(datasets, key=lambda d: (load(f"keel:{d}").n_samples, d))[:n]


def classical_quick() -> list[str]:
    """The quick set's classical baselines: recipes whose meta part is tagged ``baseline``."""
    from unskew.bench import recipes_for
    from unskew.recipes import parse_recipe

    out = []
    for spec in recipes_for("quick", "table", 2):
        meta = parse_recipe(spec).slot("meta")
        if meta is not None and "baseline" in meta.strategy.tags:
            out.append(spec)
    return out


def labels(classical: list[str]) -> dict[str, str]:
    out = {
        method_name(m, r): f"unskew {r}" + (" (raced)" if m == "race" else "")
        for m in MODES
        for r in RULES
    }
    out.update(keel_suite.BASELINES)
    out.update({f"quick:{spec}": f"{spec} alone" for spec in classical})
    return out


# -- one outer fold --------------------------------------------------------------------------------
def _fit_score(spec: str, model: str, X_tr, y_tr, X_te, y_te, epochs: int | None) -> dict:
    from unskew.bench import score_predictions
    from unskew.training import ImbalancedClassifier

    start = time.perf_counter()
    extra = {} if epochs is None else {"epochs": epochs}
    clf = ImbalancedClassifier(model, spec, random_state=SEED, **extra).fit(X_tr, y_tr)
    proba = np.asarray(clf.predict_proba(X_te))
    pred = np.asarray(clf.predict(X_te)).astype(np.int64)
    metrics, _ = score_predictions(y_te, pred, proba, 2, 1)
    out = {m: metrics.get(m) for m in METRICS}
    out["fit_seconds"] = time.perf_counter() - start
    return out


def _grids(X_tr, y_tr, epochs: int | None) -> tuple[dict[str, Any], dict[str, float]]:
    """The quick grid raced, then completed without racing, in one temporary store."""
    from unskew.bench import run_grid

    # allow_leak: KEEL's published columns, the same every baseline sees (one set has a column
    # equal to the label on some training parts, which compare refuses in a user's data)
    options = {
        "cv": INNER,
        "random_state": SEED,
        "progress": False,
        "epochs": epochs,
        "allow_leak": True,
    }
    with tempfile.TemporaryDirectory(prefix="rules-") as folder:
        start = time.perf_counter()
        raced = run_grid((X_tr, y_tr), "quick", out=folder, race=True, **options)
        middle = time.perf_counter()
        full = run_grid((X_tr, y_tr), "quick", out=folder, resume=True, race=False, **options)
        end = time.perf_counter()
    return {"race": raced, "full": full}, {"race": middle - start, "full": end - start}


def _unskew(X_tr, y_tr, X_te, y_te, epochs: int | None) -> list[dict[str, Any]]:
    grids, seconds = _grids(X_tr, y_tr, epochs)
    model = grids["full"].options["model"]
    scored: dict[str, dict] = {}
    rows = []
    for mode, grid in grids.items():
        stopped = sorted(grid.label(k) for k in grid.stopped())
        for rule in RULES:
            spec = grid.recommendation("gmean", rule=rule)["spec"]
            if spec not in scored:
                scored[spec] = _fit_score(spec, model, X_tr, y_tr, X_te, y_te, epochs)
            row = {"method": method_name(mode, rule), "recipe": spec, **scored[spec]}
            row["grid_seconds"] = seconds[mode]
            row["seconds"] = seconds[mode] + scored[spec]["fit_seconds"]
            row["grid_runs"] = len(grid.runs)
            row["stopped"] = stopped
            rows.append(row)
    return rows


def _task(
    name: str, fold: int, methods: list[str], train, test, epochs: int | None
) -> list[dict[str, Any]]:
    import torch

    from unskew.bench import score_predictions
    from unskew.datasets import load

    torch.set_num_threads(1)
    bundle = load(f"keel:{name}")
    X, y = bundle.X, np.asarray(bundle.y, dtype=np.int64)
    X_tr, X_te, y_tr, y_te = X.iloc[train], X.iloc[test], y[train], y[test]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in methods:
            if method == OURS:
                found = _unskew(X_tr, y_tr, X_te, y_te, epochs)
            elif method.startswith("quick:"):
                spec = method.split(":", 1)[1]
                found = [
                    {"method": method, **_fit_score(spec, "mlp", X_tr, y_tr, X_te, y_te, epochs)}
                ]
                found[0]["seconds"] = found[0]["fit_seconds"]
            else:
                start = time.perf_counter()
                model = keel_suite.make_baseline(method, X_tr, int((y_tr == 1).sum()), SEED)
                model.fit(X_tr, y_tr)
                proba = np.asarray(model.predict_proba(X_te))
                pred = np.asarray(model.predict(X_te)).astype(np.int64)
                metrics, _ = score_predictions(y_te, pred, proba, 2, 1)
                found = [{"method": method, **{m: metrics.get(m) for m in METRICS}}]
                found[0]["seconds"] = time.perf_counter() - start
            out += [{"dataset": name, "fold": fold, **row} for row in found]
    return out


def run(
    datasets: list[str], baselines: list[str], jobs: int, cache: Path | None, epochs: int | None
) -> list[dict[str, Any]]:
    import json

    from joblib import Parallel, delayed

    rows = keel_suite._load_cache(cache)
    done = {(r["dataset"], r["fold"], r["method"]) for r in rows}
    tasks = []
    for name in datasets:
        for fold, (train, test) in enumerate(keel_suite._folds(name)):
            if any((name, fold, m) not in done for m in UNSKEW_METHODS):
                tasks.append((name, fold, [OURS], train, test))  # the costly one first
            todo = [m for m in baselines if (name, fold, m) not in done]
            if todo:
                tasks.append((name, fold, todo, train, test))
    print(f"{len(tasks)} tasks to run, {len(rows)} results cached", flush=True)
    start = time.time()
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_task)(*t, epochs) for t in tasks
    )
    for i, result in enumerate(results, 1):
        fresh = [r for r in result if (r["dataset"], r["fold"], r["method"]) not in done]
        rows.extend(fresh)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            with cache.open("a") as f:
                for r in fresh:
                    f.write(json.dumps(r) + "\n")
        r0 = result[0]
        kind = "unskew grids" if r0["method"] in UNSKEW_METHODS else "baselines"
        print(
            f"[{i}/{len(tasks)}] {r0['dataset']} fold {r0['fold']} {kind} "
            f"({time.time() - start:.0f} s)",
            flush=True,
        )
    methods = set(UNSKEW_METHODS) | set(baselines)
    return [r for r in rows if r["dataset"] in datasets and r["method"] in methods]


# -- what racing did ---------------------------------------------------------------------------------
def racing(rows: list[dict[str, Any]], datasets: list[str]) -> dict[str, Any]:
    """Wall time of the inner grid with and without racing, and how often the pick changes."""
    by = {(r["dataset"], r["fold"], r["method"]): r for r in rows}
    folds = sorted({(r["dataset"], r["fold"]) for r in rows if r["method"] in UNSKEW_METHODS})
    race_s = [by[(d, f, method_name("race", RULES[0]))]["grid_seconds"] for d, f in folds]
    full_s = [by[(d, f, method_name("full", RULES[0]))]["grid_seconds"] for d, f in folds]
    race_runs = [by[(d, f, method_name("race", RULES[0]))]["grid_runs"] for d, f in folds]
    full_runs = [by[(d, f, method_name("full", RULES[0]))]["grid_runs"] for d, f in folds]
    changes = {}
    for rule in RULES:
        changed = [
            (d, f)
            for d, f in folds
            if by[(d, f, method_name("race", rule))]["recipe"]
            != by[(d, f, method_name("full", rule))]["recipe"]
        ]
        changes[rule] = {
            "folds": len(changed),
            "of_folds": len(folds),
            "datasets": len({d for d, _ in changed}),
            "of_datasets": len({d for d, _ in folds}),
        }
    stopped: dict[str, int] = {}
    for d, f in folds:
        for spec in by[(d, f, method_name("race", RULES[0]))]["stopped"]:
            stopped[spec] = stopped.get(spec, 0) + 1
    return {
        "race_seconds": float(np.sum(race_s)),
        "full_seconds": float(np.sum(full_s)),
        "race_runs": int(np.sum(race_runs)),
        "full_runs": int(np.sum(full_runs)),
        "changes": changes,
        "stopped": dict(sorted(stopped.items(), key=lambda kv: -kv[1])),
        "n_folds": len(folds),
    }


def picks(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["method"] in UNSKEW_METHODS:
            counts = out.setdefault(r["method"], {})
            counts[r["recipe"]] = counts.get(r["recipe"], 0) + 1
    return {m: dict(sorted(c.items(), key=lambda kv: -kv[1])) for m, c in out.items()}


# -- output ------------------------------------------------------------------------------------------
def markdown(
    summary: dict,
    race: dict,
    chosen: dict,
    datasets: list[str],
    methods: list[str],
    names: dict[str, str],
    cd_png: str | None,
) -> str:
    means, ranks = summary["means"], summary["ranks"]
    order = sorted(methods, key=lambda m: ranks["gmean"][m])
    lines = [
        "| method | G-mean | PR AUC | ROC AUC | rank (G-mean) | rank (PR AUC) | s / fold |",
        "|---|---|---|---|---|---|---|",
    ]
    best = {m: np.nanmax([means[m][k] for k in methods]) for m in ("gmean", "pr_auc", "roc_auc")}
    top = {m: min(ranks[m][k] for k in methods) for m in ("gmean", "pr_auc")}
    for k in order:
        cells = [
            f"**{means[m][k]:.3f}**" if np.isclose(means[m][k], best[m]) else f"{means[m][k]:.3f}"
            for m in ("gmean", "pr_auc", "roc_auc")
        ]
        cells += [
            f"**{ranks[m][k]:.2f}**" if np.isclose(ranks[m][k], top[m]) else f"{ranks[m][k]:.2f}"
            for m in ("gmean", "pr_auc")
        ]
        lines.append(f"| {names[k]} | " + " | ".join(cells) + f" | {summary['seconds'][k]:.1f} |")
    lines.append("")
    for m in ("gmean", "pr_auc"):
        stat, p = summary["friedman"][m]
        lines.append(f"- Friedman on {m}: chi2 = {stat:.1f}, p = {p:.2g}")
    lines.append(
        f"- Nemenyi critical difference (alpha 0.05, {len(methods)} methods, {len(datasets)} "
        f"datasets): {summary['cd']:.2f} rank units"
    )
    if cd_png:
        lines.append(f"\n![critical-difference diagram, G-mean]({cd_png})")
    saved = 1 - race["race_seconds"] / race["full_seconds"] if race["full_seconds"] else 0.0
    lines += [
        "",
        f"Racing, over {race['n_folds']} outer folds (inner grid: the quick set, {INNER} folds):",
        "",
        "| inner grid | wall s (all folds) | s / outer fold | runs |",
        "|---|---|---|---|",
        f"| without racing | {race['full_seconds']:.0f} | "
        f"{race['full_seconds'] / max(race['n_folds'], 1):.1f} | {race['full_runs']} |",
        f"| with racing | {race['race_seconds']:.0f} | "
        f"{race['race_seconds'] / max(race['n_folds'], 1):.1f} | {race['race_runs']} |",
        "",
        f"- racing saved {saved:.0%} of the inner grid's wall time",
    ]
    for rule, c in race["changes"].items():
        lines.append(
            f"- `{rule}`: racing changed the pick on {c['folds']} of {c['of_folds']} outer folds, "
            f"on {c['datasets']} of {c['of_datasets']} datasets (at least one fold)"
        )
    if race["stopped"]:
        stops = ", ".join(f"`{k}` {v}" for k, v in race["stopped"].items())
        lines.append(f"- recipes racing stopped (outer folds): {stops}")
    lines.append("\nPicks of each rule (outer folds):\n")
    for method, counts in chosen.items():
        lines.append(f"- {names[method]}: " + ", ".join(f"`{k}` {v}" for k, v in counts.items()))
    lines.append("\nPer dataset, mean G-mean over the 5 outer folds:\n")
    others = [m for m in order if m not in UNSKEW_METHODS]
    shown = [m for m in order if m in UNSKEW_METHODS] + others[:1]  # and the best baseline
    lines.append("| dataset | " + " | ".join(names[k] for k in shown) + " |")
    lines.append("|---|" + "---|" * len(shown))
    tab = summary["table"]["gmean"]
    for d in datasets:
        lines.append(f"| {d} | " + " | ".join(f"{tab[d][k]:.3f}" for k in shown) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="markdown file for the tables")
    parser.add_argument(
        "--cache", type=Path, default=Path("benchmarks/_work/recommendation_rules.jsonl")
    )
    parser.add_argument("--datasets", default=None, help="comma-separated subset")
    parser.add_argument("--epochs", type=int, default=None, help="unskew epochs (default: its own)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: the 3 smallest datasets, 3 epochs"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    selected = select_datasets()
    datasets = args.datasets.split(",") if args.datasets else selected
    epochs = args.epochs
    if args.quick:
        datasets = smallest(datasets, QUICK_DATASETS)
        epochs = epochs or QUICK_EPOCHS
        if args.cache == parser.get_default("cache"):
            args.cache = args.cache.with_name("recommendation_rules_quick.jsonl")
    classical = classical_quick()
    baselines = [*keel_suite.BASELINES, *(f"quick:{spec}" for spec in classical)]
    names = labels(classical)
    print(f"# recommendation rules and racing (issue 24), commit {commit()}")
    print(
        f"command: python benchmarks/recommendation_rules.py {' '.join(argv or sys.argv[1:])}\n"
        f"datasets ({len(datasets)} of the {len(selected)} the rule selects): "
        f"{', '.join(datasets)}\nepochs: {epochs or 'the classifier default'}; inner folds: "
        f"{INNER}; classical baselines in the quick set: {', '.join(classical) or 'none'}",
        flush=True,
    )
    rows = run(datasets, baselines, args.jobs, args.cache, epochs)
    methods = [*UNSKEW_METHODS, *baselines]
    summary = keel_suite.summarise(rows, datasets, methods)
    race = racing(rows, datasets)
    cd_png = None
    if args.out is not None and len(datasets) > 1:
        title = f"G-mean, {len(datasets)} KEEL datasets the suite never saw"
        cd_png = keel_suite.save_cd_diagram(args.out, summary, names, title)
    text = markdown(summary, race, picks(rows), datasets, methods, names, cd_png)
    text = f"Commit {commit()}, datasets: {', '.join(datasets)}.\n\n" + text
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
