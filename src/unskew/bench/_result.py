"""What a comparison returns: the runs, the leaderboard, the recommendation, JSON and a rich view."""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unskew.bench._board import Board, SuiteBoard
from unskew.bench._defaults import report_name
from unskew.bench._store import RunRecord, Store
from unskew.bench._verdict import format_p
from unskew.bench._verdict import verdict as build_verdict
from unskew.exceptions import InputError

__all__ = ["DISPLAY_METRICS", "CompareResult", "SuiteResult"]

#: Metrics every leaderboard shows (the chosen one is added when it is not among them).
DISPLAY_METRICS = ("balanced_accuracy", "gmean", "macro_f1", "mcc", "roc_auc", "pr_auc")

#: Significance level of the corrected resampled t-test against the baseline.
ALPHA = 0.05


def _mean_std(values: Sequence[float]) -> tuple[float | None, float | None]:
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None, None
    return float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else None


def _print_wider(console: Any, renderable: Any, width: int) -> None:
    """Print ``renderable`` on ``console`` at least ``width`` columns wide, then restore it."""
    before = console.width
    console.width = max(before, width)
    try:
        console.print(renderable)
    finally:
        console.width = before


def _stopped_line(row: dict[str, Any]) -> str:
    """What the terminal says about a recipe racing stopped."""
    stop = row["stopped"]
    return (
        f"{row['spec']}: stopped after {stop['after']} of {stop['of']} folds, worse than the "
        f"leader {stop['leader']} ({stop['diff']:+.3f}, {format_p(stop['p'])}); --no-race runs "
        "every fold"
    )


def _shown(metric: str) -> list[str]:
    """The metrics a leaderboard carries: :data:`DISPLAY_METRICS`, and ``metric`` if it is not
    among them."""
    return list(DISPLAY_METRICS) + ([metric] if metric not in DISPLAY_METRICS else [])


@dataclass
class CompareResult:
    """The outcome of :func:`unskew.bench.run_grid` on one dataset.

    Attributes
    ----------
    dataset : dict
        ``name``, ``data`` (the argument to pass to ``unskew train``), ``target``, ``classes``,
        ``class_counts``, ``modality``, ``n_rows``, ``test_rows``, ``minority``.
    options : dict
        ``model``, ``epochs``, ``params``, ``cv``, ``folds``, ``repeats``, ``seed``, ``metric``,
        ``recipes`` (canonical keys in order), ``labels`` (key -> spec as written),
        ``environment``.
    runs : list of RunRecord
        Every stored run of the requested recipes.
    fingerprint : str
    out : Path or None
        The folder holding ``results.sqlite`` (and the report), when the comparison was stored.
    not_run : int
        Runs left for later by the time budget (``resume=True`` runs them).
    """

    dataset: dict[str, Any]
    options: dict[str, Any]
    runs: list[RunRecord]
    fingerprint: str
    out: Path | None = None
    not_run: int = 0
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_store(
        cls,
        store: Store,
        fingerprint: str,
        recipes: Sequence[str] | None = None,
        *,
        out: Path | None = None,
    ) -> CompareResult:
        """Rebuild a result from the store: ``recipes`` (canonical keys, the baseline first), or
        by default every recipe the comparisons into this store asked for."""
        meta = store.meta(fingerprint)
        options = dict(meta["options"])
        if recipes is None:
            keys = list(options.get("recipes", []))
            runs = store.runs(fingerprint)
            keys += sorted({r.recipe for r in runs} - set(keys))
        else:
            keys = list(recipes)
            runs = store.runs(fingerprint, keys)
        options["recipes"] = keys
        result = cls(meta["info"], options, runs, fingerprint, out)
        expected = len(keys) * int(options.get("n_splits", 0))
        spared = sum(s["of"] - s["after"] for s in result.stopped().values())
        result.not_run = max(0, expected - spared - len(runs))
        return result

    # -- access ------------------------------------------------------------------------------------
    @property
    def recipes(self) -> list[str]:
        """Canonical recipe keys, the baseline first."""
        return list(self.options["recipes"])

    @property
    def baseline(self) -> str:
        return self.recipes[0]

    @property
    def metric(self) -> str:
        return str(self.options.get("metric", "gmean"))

    def label(self, key: str) -> str:
        """The recipe as it was written (``focal:gamma=2``) for its canonical key."""
        return str(self.options.get("labels", {}).get(key, key))

    def runs_of(self, recipe: str, status: str | None = "ok") -> list[RunRecord]:
        return [
            r for r in self.runs if r.recipe == recipe and (status is None or r.status == status)
        ]

    def scores(self, recipe: str, metric: str | None = None) -> dict[tuple[int, int], float]:
        """``{(repeat, fold): value}`` of ``metric`` over the successful runs of ``recipe``.

        A metric the runs did not store (``f1``, ``cost:FN/FP``) is computed from the stored
        test predictions with :func:`unskew.metrics.get_metric`.
        """
        from unskew.metrics import get_metric

        metric = metric or self.metric
        key = ("scores", recipe, metric)
        if key in self._cache:
            return self._cache[key]
        out: dict[tuple[int, int], float] = {}
        fn = None
        for r in self.runs_of(recipe):
            value = r.metrics.get(metric)
            if metric not in r.metrics:
                if r.predictions is None:
                    continue
                fn = fn or get_metric(metric)
                p = r.predictions
                score = p["proba"] if p["proba"].shape[1] > 2 else p["proba"][:, 1]
                try:
                    value = fn(p["y_true"], p["y_pred"], score)
                except InputError:
                    value = None
            if value is not None and math.isfinite(value):
                out[(r.repeat, r.fold)] = float(value)
        self._cache[key] = out
        return out

    def pooled(self, recipe: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """True codes, predicted codes and probabilities of every test row of ``recipe``'s
        successful runs, pooled over folds and repeats (what the curves are drawn from)."""
        preds = [r.predictions for r in self.runs_of(recipe) if r.predictions is not None]
        if not preds:
            return None
        return (
            np.concatenate([p["y_true"] for p in preds]),
            np.concatenate([p["y_pred"] for p in preds]),
            np.concatenate([p["proba"] for p in preds]),
        )

    # -- leaderboard -------------------------------------------------------------------------------
    def _greater_is_better(self, metric: str) -> bool:
        from unskew.metrics import get_metric

        return bool(get_metric(metric).greater_is_better)

    def _vs_baseline(self, recipe: str, metric: str) -> dict[str, Any] | None:
        from unskew.bench.stats import compare_paired

        if recipe == self.baseline:
            return None
        mine, base = self.scores(recipe, metric), self.scores(self.baseline, metric)
        common = set(mine) & set(base)
        if len(common) < 2:
            return None
        ratio = [
            r.n_test / max(r.n_train, 1)
            for r in self.runs_of(recipe)
            if (r.repeat, r.fold) in common
        ]
        return compare_paired(
            mine,
            base,
            test_train_ratio=float(np.mean(ratio)),
            greater_is_better=self._greater_is_better(metric),
            alpha=ALPHA,
        )

    def splits(self) -> list[tuple[int, int]]:
        """The ``(repeat, fold)`` splits of the comparison, in the order they run."""
        k, repeats = int(self.options.get("folds") or 0), int(self.options.get("repeats") or 1)
        found = {(r.repeat, r.fold) for r in self.runs}
        return sorted({(r, f) for r in range(repeats) for f in range(k)} | found)

    def stopped(self, metric: str | None = None) -> dict[str, dict[str, Any]]:
        """The recipes racing stopped (:func:`unskew.bench._race.race_stops`, by ``metric``,
        default the comparison's), each with ``after`` (splits it ran), ``of``, ``leader`` (the
        canonical key it was worse than), ``p`` and ``diff``; empty when the comparison did not
        race (``options["race"]``)."""
        from unskew.bench._race import race_stops

        if not self.options.get("race"):
            return {}
        metric = metric or self.metric
        key = ("stopped", metric)
        if key not in self._cache:
            ratios = {(r.repeat, r.fold): r.n_test / max(r.n_train, 1) for r in self.runs}
            ran: dict[str, set[tuple[int, int]]] = {k: set() for k in self.recipes}
            for r in self.runs:
                ran.setdefault(r.recipe, set()).add((r.repeat, r.fold))
            self._cache[key] = race_stops(
                self.recipes,
                {k: self.scores(k, metric) for k in self.recipes},
                ran,
                self.splits(),
                ratios,
                greater_is_better=self._greater_is_better(metric),
                alpha=ALPHA,
                keep=(self.baseline,),
            )
        return self._cache[key]

    def leaderboard(self, metric: str | None = None) -> list[dict[str, Any]]:
        """One row per recipe, best first by ``metric`` (default: the comparison's).

        Each row: ``rank`` (1 = best; None for a recipe without a successful run), ``recipe``
        (canonical), ``spec`` (as written), ``status`` (``ok``, ``partial`` when some runs
        failed, ``error``, ``skipped``, ``stopped``), ``runs`` / ``errors`` / ``skipped`` counts, ``error``
        (the first message), ``metrics`` ``{name: {"mean", "std"}}``, ``score`` (mean of
        ``metric``), ``seconds`` (the median run's: a worker's first run also pays one-off costs,
        such as loading a text encoder), ``vs_baseline`` (corrected resampled t-test of
        the paired fold scores: ``t``, ``p``, ``diff``, ``verdict`` better/worse/tie at alpha
        0.05; None for the baseline), ``stopped`` (None, or for a recipe racing stopped:
        ``after`` splits of ``of``, the ``leader`` spec it was worse than, ``p``, ``diff``; its
        status is then ``stopped``). Recipes whose runs all succeeded rank before stopped and
        partial ones; equal scores rank the faster recipe first. Racing decides by the
        comparison's metric; ranking by another metric shows the same runs.
        """
        metric = metric or self.metric
        greater = self._greater_is_better(metric)
        shown = _shown(metric)
        stopped = self.stopped()
        rows = []
        for key in self.recipes:
            all_runs = self.runs_of(key, None)
            ok = [r for r in all_runs if r.status == "ok"]
            errors = [r for r in all_runs if r.status == "error"]
            skipped = [r for r in all_runs if r.status == "skipped"]
            status = (
                "ok" if ok and not errors else "partial" if ok else "error" if errors else "skipped"
            )
            if not all_runs:
                status = "not run"
            stop = stopped.get(key)
            if stop is not None:
                status = "stopped"
                stop = {**stop, "leader": self.label(stop["leader"])}
            stats = {}
            for m in shown:
                mean, std = _mean_std(list(self.scores(key, m).values()))
                stats[m] = {"mean": mean, "std": std}
            rows.append(
                {
                    "rank": None,
                    "recipe": key,
                    "spec": self.label(key),
                    "baseline": key == self.baseline,
                    "status": status,
                    "runs": len(ok),
                    "errors": len(errors),
                    "skipped": len(skipped),
                    "error": (errors or skipped)[0].error if (errors or skipped) else None,
                    "metrics": stats,
                    "score": stats[metric]["mean"],
                    "seconds": float(np.median([r.seconds for r in ok])) if ok else None,
                    "vs_baseline": self._vs_baseline(key, metric) if ok else None,
                    "stopped": stop,
                }
            )
        ranked = sorted(
            (r for r in rows if r["score"] is not None),
            key=lambda r: (
                r["status"] != "ok",
                -r["score"] if greater else r["score"],
                r["seconds"] or 0.0,
            ),
        )
        for i, row in enumerate(ranked, start=1):
            row["rank"] = i
        return ranked + [r for r in rows if r["score"] is None]

    def train_command(self, spec: str) -> str:
        """The ``unskew train`` command that trains ``spec`` on the whole dataset."""
        data = self.dataset.get("data") or self.dataset.get("name", "DATA")
        parts = ["unskew", "train", shlex.quote(str(data))]
        if self.dataset.get("target"):
            parts += ["--target", shlex.quote(str(self.dataset["target"]))]
        parts += ["--recipe", f'"{spec}"', "--model", str(self.options.get("model", "mlp"))]
        if self.options.get("epochs") is not None:
            parts += ["--epochs", str(self.options["epochs"])]
        parts += _reading_flags(self.options)
        parts += ["--out", "model"]
        return " ".join(parts)

    def recommendation(
        self,
        metric: str | None = None,
        rule: str | None = None,
        tie_break: str | None = None,
        k: int | None = None,
    ) -> dict[str, Any] | None:
        """The recipe to use, with the command that trains it; None when no recipe succeeded.

        ``rule`` (default: the comparison's ``options["rule"]``, else the modality's default,
        :func:`unskew.bench._rules.default_rule`) is one of
        (:func:`unskew.bench._rules.choose` states each precisely):

        * ``best_mean``: the best mean ``metric`` (ties: fewer seconds), the top of the
          leaderboard (``best`` is the same rule).
        * ``one_se``: the one-standard-error rule of Breiman et al. (*Classification and
          Regression Trees*, 1984; Hastie, Tibshirani and Friedman, *The Elements of Statistical
          Learning*, 2009, section 7.10): every recipe whose runs all succeeded and whose mean
          ``metric`` lies within one standard error (``std / sqrt(runs)`` of the best recipe's
          runs) of the best mean is tied with the best, and of those the one with the best mean
          ``tie_break`` wins (a threshold-free ranking metric; default ``roc_auc``, ``pr_auc``
          when ``metric`` is ``roc_auc``). With a single run per recipe there is no standard
          error and the best mean wins.
        * ``cheapest_one_se``: of the same tied recipes, the one with the fewest seconds per run.
        * ``stack_top_k``: the ``k`` (default 3; ``"stack_top_k:5"`` also says it) best recipes
          whose runs all succeeded, stacked into one model: a class-weighted logistic regression
          on their out-of-fold probabilities, fitted inside the training rows
          (:class:`unskew.ensemble.RecipeStack`, the strategy ``stack_recipes:recipes=[...]``);
          the stack itself was not cross-validated, so its ``score`` and ``vs_baseline`` are
          None.

        Returns ``spec``, ``recipe`` (the canonical key), ``metric``, ``score``,
        ``vs_baseline``, ``train_command``, ``rule``, ``tied`` (the specs the rule chose among,
        best first: those within one standard error, the stacked members, or the best alone),
        ``tie_break`` (the metric that decided among them, ``seconds`` for the cheapest, or None),
        ``members`` (a stack's recipes, best first; empty for a single recipe) and ``reason``
        (one sentence).
        """
        from unskew.bench._rules import check_rule, choose
        from unskew.catalogue import STACK_RECIPES
        from unskew.recipes import parse_recipe

        name, default_k = check_rule(
            rule if rule is not None else self.options.get("rule"),
            self.dataset.get("modality"),
        )
        if tie_break is not None:
            from unskew.metrics import get_metric

            get_metric(tie_break)  # an unknown name is refused with the closest one
        metric = metric or self.metric
        board = self.leaderboard(metric)
        if not board or board[0]["rank"] is None:
            return None
        pick = choose(
            board,
            metric,
            name,
            greater=self._greater_is_better,
            mean_of=lambda key, m: _mean_std(list(self.scores(key, m).values()))[0],
            tie_break=tie_break,
            k=int(k) if k is not None else default_k,
            stacker=STACK_RECIPES,
        )
        row = pick.row
        return {
            "spec": pick.spec,
            "recipe": row["recipe"] if row is not None else parse_recipe(pick.spec).to_spec(),
            "metric": metric,
            "score": None if row is None else row["score"],
            "vs_baseline": None if row is None else row["vs_baseline"],
            "train_command": self.train_command(pick.spec),
            "rule": name,
            "tied": pick.tied,
            "tie_break": pick.tie_break,
            "members": pick.members,
            "reason": pick.reason,
        }

    # -- output ------------------------------------------------------------------------------------
    def verdict(self, metric: str | None = None) -> dict[str, Any]:
        """Whether any remedy beats the baseline significantly, then what is recommended and why.

        ``significant``, ``finding``, ``advice`` and ``text`` (both sentences), built by one
        function from the leaderboard and :meth:`recommendation`, so the terminal, ``to_json``
        and the HTML report say the same words. The finding comes first: "No remedy beats plain
        cross-entropy significantly on this data (best: X, p=...)" when none does.
        """
        metric = metric or self.metric
        return build_verdict(self.leaderboard(metric), self.recommendation(metric), metric)

    def to_json(self, metric: str | None = None) -> dict[str, Any]:
        """``{"dataset", "options", "metric", "leaderboard", "verdict", "recommendation",
        "not_run", "store"}``, JSON-ready; the leaderboard rows carry every metric."""
        metric = metric or self.metric
        options = {k: v for k, v in self.options.items() if k != "labels"}
        return {
            "dataset": self.dataset,
            "options": options,
            "metric": metric,
            "leaderboard": self.leaderboard(metric),
            "verdict": self.verdict(metric),
            "recommendation": self.recommendation(metric),
            "not_run": self.not_run,
            "store": None if self.out is None else str(self.out / "results.sqlite"),
        }

    def headline(self, metric: str | None = None) -> str:
        """Two lines saying what was compared: the dataset and its classes; the recipes, the
        folds (or the test split) and the ranking metric."""
        metric = metric or self.metric
        d, o = self.dataset, self.options
        counts = [c for c in d.get("class_counts", []) if c > 0]
        ratio = f", imbalance ratio {max(counts) / min(counts):.1f}" if counts else ""
        features = f" x {d['n_features']:,} features" if d.get("n_features") else ""
        data = (
            f"{d.get('name', 'data')}: {int(d.get('n_rows', 0)):,} rows{features} "
            f"({d.get('modality', 'table')}), {len(counts)} classes{ratio}"
        )
        n, repeats = len(self.recipes), int(o.get("repeats") or 1)
        if o.get("split") == "test split":
            plan = (
                f"scored on the test split ({int(d.get('test_rows') or 0):,} rows), {repeats} seed"
            )
            plan += "s" if repeats > 1 else ""
        else:
            plan = f"{o.get('folds')}-fold stratified cross-validation"
            plan += f" x {repeats} repeats" if repeats > 1 else ""
        return f"{data}\n{n} recipes, {plan}, ranked by {metric}{self._metric_note(metric)}"

    def _metric_note(self, metric: str) -> str:
        """Why ``metric`` ranks when the user named none."""
        if not self.options.get("metric_default") or metric != self.options.get("metric"):
            return ""
        classes = "two classes" if metric == "gmean" else "more than two classes"
        return f" (the default for {classes}; --metric to change)"

    def report_path(self, metric: str | None = None) -> Path:
        """The report of ``metric`` in the output folder: ``report.html`` for the metric the
        folder was first ranked by, ``report-<metric>.html`` for another (never replacing it)."""
        if self.out is None:
            raise InputError("the result was not stored (no out folder); pass a path instead")
        return self.out / report_name(metric or self.metric, self.options.get("report_metric"))

    def board(self, metric: str | None = None, *, wide: bool = False) -> Board:
        """The leaderboard as a rich renderable that fits the width it is printed at
        (:class:`unskew.bench._board.Board`): rank, recipe, ``metric`` with its spread, the verdict
        against the baseline, seconds per run; every metric with ``wide=True``."""
        metric = metric or self.metric
        return Board(self.leaderboard(metric), metric, _shown(metric), wide=wide)

    def table(self, metric: str | None = None, *, wide: bool = False) -> Any:
        """The leaderboard as a rich Table laid out for 160 columns (see :meth:`board`)."""
        return self.board(metric, wide=wide).table(160)

    def _note(self, metric: str, wide: bool) -> str:
        runs = int(self.options.get("n_splits") or 0)
        over = "seeds" if self.options.get("split") == "test split" else "test folds"
        return (
            f"{metric}: mean ± std over {runs} {over}. vs baseline: corrected resampled t-test "
            "(Nadeau & Bengio 2003), alpha 0.05."
            + ("" if wide else " Every metric: --wide, --json and the report.")
        )

    def _parts(self, metric: str, wide: bool) -> tuple[list[Any], str | None, list[Any]]:
        """What the terminal shows before the train command, the command, and what follows it."""
        from rich.text import Text

        head, body = self.headline(metric).split("\n")
        parts: list[Any] = [
            Text(head, style="bold"),
            Text(body),
            Text(""),
            self.board(metric, wide=wide),
            Text(self._note(metric, wide), style="dim"),
        ]
        for row in self.leaderboard(metric):
            if row["status"] in ("error", "partial", "skipped") and row["error"]:
                parts.append(
                    Text(f"{row['spec']}: {row['status']} - {row['error']}", style="yellow")
                )
            if row["stopped"] is not None:
                parts.append(Text(_stopped_line(row), style="dim"))
        if self.not_run:
            parts.append(
                Text(
                    f"{self.not_run} runs did not fit in the time budget; run again with "
                    "--resume to finish them",
                    style="yellow",
                )
            )
        said = self.verdict(metric)
        rec = self.recommendation(metric)
        advice = Text(said["advice"])
        if rec is not None:  # a stack's members, else the recipe
            advice.highlight_words(
                rec["members"] or [rec["spec"]], "bold green", case_sensitive=True
            )
        parts += [
            Text(""),
            Text(said["finding"], style="bold " + ("green" if said["significant"] else "yellow")),
            advice,
        ]
        if rec is not None:
            parts.append(Text("Train it on the whole dataset:", style="dim"))
        tail: list[Any] = []
        if self.out is not None:
            report = self.report_path(metric)
            where = f"report: {report}" if report.exists() else f"results: {self.out}"
            tail.append(Text(where, style="dim"))
        return parts, None if rec is None else rec["train_command"], tail

    def renderable(self, metric: str | None = None, *, wide: bool = False) -> Any:
        """What was compared, the leaderboard, failures, the verdict, the recommendation with its
        train command, and where the report is (a rich Group). :meth:`show` prints the same with
        the command kept on one line."""
        from rich.console import Group
        from rich.text import Text

        parts, command, tail = self._parts(metric or self.metric, wide)
        if command is not None:
            parts.append(Text(command, style="bold", overflow="fold"))
        return Group(*parts, *tail)

    def natural_width(self, metric: str | None = None, *, wide: bool = False) -> int:
        """The width at which every recipe name fits on one line of the leaderboard."""
        return self.board(metric, wide=wide).natural_width()

    def show(self, console: Any = None, *, metric: str | None = None, wide: bool = False) -> None:
        """Print :meth:`renderable` to ``console`` (default: a rich Console on stdout), with the
        ``unskew train`` command whole on one line: it is printed with soft wrapping, so a
        terminal narrower than the command folds it visually but copying it gives one line. With
        ``wide=True`` the console is widened, for the table only, to show every name whole."""
        from rich.console import Console
        from rich.text import Text

        console = console or Console(highlight=False)
        metric = metric or self.metric
        parts, command, tail = self._parts(metric, wide)
        for part in parts:
            if isinstance(part, Board) and wide:
                _print_wider(console, part, part.natural_width())
            else:
                console.print(part)
        if command is not None:
            console.print(Text(command, style="bold"), soft_wrap=True)
        for part in tail:
            console.print(part)

    def __rich__(self) -> Any:
        return self.renderable()


@dataclass
class SuiteResult:
    """Several datasets compared over the same recipes: per-dataset results and the ranking across
    datasets (mean rank, Friedman test, Nemenyi critical difference)."""

    results: list[CompareResult]
    metric: str = "gmean"
    out: Path | None = None

    def common_recipes(self) -> list[str]:
        """Recipes with a score on every dataset, in the first dataset's order."""
        return [
            k
            for k in self.results[0].recipes
            if all(k in r.recipes and r.scores(k, self.metric) for r in self.results)
        ]

    def score_matrix(self) -> tuple[np.ndarray, list[str], list[str]]:
        """Mean scores (datasets x recipes), the recipe keys and the dataset names."""
        keys = self.common_recipes()
        matrix = np.array(
            [[np.mean(list(r.scores(k, self.metric).values())) for k in keys] for r in self.results]
        )
        return matrix, keys, self.dataset_names()

    def dataset_names(self) -> list[str]:
        """The datasets' names, numbered where two share one (``data #1``, ``data #2``)."""
        names = [str(r.dataset.get("name")) for r in self.results]
        return [
            f"{n} #{names[: i + 1].count(n)}" if names.count(n) > 1 else n
            for i, n in enumerate(names)
        ]

    def ranking(self) -> dict[str, Any]:
        """Mean ranks, the Friedman test and the Nemenyi critical difference over datasets."""
        from unskew.bench.stats import friedman_test, nemenyi_cd

        matrix, keys, names = self.score_matrix()
        greater = self.results[0]._greater_is_better(self.metric)
        out: dict[str, Any] = {"datasets": names, "recipes": keys, "metric": self.metric}
        if len(keys) < 2:
            out.update(mean_ranks={k: 1.0 for k in keys}, friedman=None, cd=None)
            return out
        test = friedman_test(matrix, greater_is_better=greater)
        out["mean_ranks"] = dict(zip(keys, (float(v) for v in test.mean_ranks), strict=True))
        enough = len(names) >= 2
        out["friedman"] = {"statistic": test.statistic, "p": test.pvalue} if enough else None
        out["cd"] = nemenyi_cd(len(keys), len(names)) if enough else None
        return out

    def cd_diagram(self) -> Any:
        """The critical-difference diagram of the mean ranks (a matplotlib Figure)."""
        from unskew.bench.stats import cd_diagram

        ranking = self.ranking()
        if ranking["cd"] is None:
            raise InputError(
                "a critical-difference diagram needs at least 2 datasets and 2 recipes"
            )
        labels = {k: self.results[0].label(k) for k in ranking["recipes"]}
        return cd_diagram({labels[k]: v for k, v in ranking["mean_ranks"].items()}, ranking["cd"])

    def report_path(self) -> Path:
        """The suite's report in the output folder (``report-<metric>.html`` when the folder was
        first ranked by another metric)."""
        if self.out is None:
            raise InputError("the suite was not stored (no out folder); pass a path instead")
        first = self.results[0].options.get("report_metric") if self.results else None
        return self.out / report_name(self.metric, first)

    def recommendation(self) -> dict[str, Any] | None:
        ranking = self.ranking()
        if not ranking["mean_ranks"]:
            return None
        best = min(ranking["mean_ranks"], key=ranking["mean_ranks"].get)
        return {
            "spec": self.results[0].label(best),
            "recipe": best,
            "mean_rank": ranking["mean_ranks"][best],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "ranking": self.ranking(),
            "recommendation": self.recommendation(),
            "datasets": [r.to_json(self.metric) for r in self.results],
        }

    def board(self) -> SuiteBoard:
        """The ranking as a rich renderable that fits the width it is printed at: recipe (names
        wrapped, never cut), mean rank, and as many datasets' mean scores as fit."""
        ranking = self.ranking()
        matrix, keys, names = self.score_matrix()
        order = sorted(keys, key=lambda k: ranking["mean_ranks"][k])
        return SuiteBoard(
            [self.results[0].label(k) for k in order],
            [ranking["mean_ranks"][k] for k in order],
            names,
            [[float(matrix[i, keys.index(k)]) for i in range(len(names))] for k in order],
        )

    def natural_width(self, *, wide: bool = False) -> int:
        """The width at which every recipe name and every dataset fit on one line."""
        return self.board().natural_width()

    def table(self) -> Any:
        """The ranking as a rich Table laid out for 160 columns."""
        return self.board().table(160)

    def _parts(self) -> list[Any]:
        from rich.text import Text

        ranking = self.ranking()
        parts: list[Any] = [
            Text(
                f"{len(self.results)} datasets, {len(ranking['recipes'])} recipes run on every "
                f"one, ranked by mean rank of {self.metric}",
                style="bold",
            ),
            Text(""),
            self.board(),
        ]
        f = ranking.get("friedman")
        if f is not None:
            parts.append(
                Text(
                    f"Friedman chi2 {f['statistic']:.2f}, p={f['p']:.3g}; Nemenyi critical "
                    f"difference {ranking['cd']:.2f} (Demšar 2006).",
                    style="dim",
                )
            )
        rec = self.recommendation()
        if rec is not None:
            parts.append(
                Text.assemble(
                    ("recommended across datasets: ", "bold"), (rec["spec"], "bold green")
                )
            )
        if self.out is not None:
            report = self.report_path()
            where = f"report: {report}" if report.exists() else f"results: {self.out}"
            parts.append(Text(where, style="dim"))
        return parts

    def renderable(self) -> Any:
        """The ranking across datasets, the Friedman test and the recommendation (a rich
        Group)."""
        from rich.console import Group

        return Group(*self._parts())

    def show(self, console: Any = None, *, wide: bool = False) -> None:
        """Print :meth:`renderable` to ``console`` (default: a rich Console on stdout); with
        ``wide=True`` the table is widened to show every dataset."""
        from rich.console import Console

        console = console or Console(highlight=False)
        for part in self._parts():
            if isinstance(part, SuiteBoard) and wide:
                _print_wider(console, part, part.natural_width())
            else:
                console.print(part)

    def __rich__(self) -> Any:
        return self.renderable()


def _reading_flags(options: dict[str, Any]) -> list[str]:
    """The train command's flags that read the data and build the network as the comparison did
    (``--text``, ``--image-size``, ``--skip-bad-images``, ``--pretrained``, ``--precision``)."""
    flags: list[str] = []
    reading = options.get("data_options") or {}
    for key, flag in (("text", "--text"), ("image_size", "--image-size")):
        if reading.get(key) is not None:
            value = reading[key]
            value = "x".join(map(str, value)) if isinstance(value, list | tuple) else value
            flags += [flag, shlex.quote(str(value))]
    if reading.get("skip_bad_images"):
        flags.append("--skip-bad-images")
    params = options.get("params") or {}
    if params.get("pretrained") is not None:
        flags += ["--pretrained", shlex.quote(str(params["pretrained"]))]
    if params.get("precision") not in (None, "32"):
        flags += ["--precision", str(params["precision"])]
    return flags
