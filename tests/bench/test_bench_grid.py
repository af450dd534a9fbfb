"""run_grid on real KEEL data: honest folds (no leakage), the store, the leaderboard, JSON and the
HTML report."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from unskew.bench import (
    CompareResult,
    RunRecord,
    Store,
    make_folds,
    rerender,
    run_grid,
    run_seed,
    score_predictions,
    write_report,
)
from unskew.bench._rules import stack_spec
from unskew.datasets import load
from unskew.exceptions import InputError
from unskew.training import ImbalancedClassifier

RECIPES = ["smote+cross_entropy", "cross_entropy+weights:inverse"]
OPTIONS = {"cv": 3, "epochs": 5, "progress": False}


@pytest.fixture(scope="module")
def glass(tmp_path_factory):
    """keel:glass4 (214 rows, 13 minority), 3 recipes x 3 folds, with every fit's rows recorded."""
    out = tmp_path_factory.mktemp("glass") / "cmp"
    fits = []
    original_fit = ImbalancedClassifier.fit

    def spy(self, X, y, sample_weight=None):
        fits.append((str(self.recipe), int(self.random_state), X.index.to_numpy().copy()))
        return original_fit(self, X, y, sample_weight)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ImbalancedClassifier, "fit", spy)
        result = run_grid("keel:glass4", RECIPES, out=out, **OPTIONS)
    return result, fits, out


def test_every_recipe_runs_on_every_fold(glass):
    result, _, out = glass
    assert result.recipes == [
        "cross_entropy",
        "smote+cross_entropy",
        "cross_entropy+weights:scheme=inverse",
    ]
    assert sorted(r.key for r in result.runs) == sorted(
        (k, 0, f) for k in result.recipes for f in range(3)
    )
    assert all(r.status == "ok" for r in result.runs), [r.error for r in result.runs]
    assert (out / "results.sqlite").is_file()
    for r in result.runs:
        assert set(r.metrics) >= {
            "balanced_accuracy",
            "gmean",
            "macro_f1",
            "mcc",
            "roc_auc",
            "pr_auc",
            "minority_recall",
            "minority_f1",
        }
        assert len(r.per_class["recall"]) == 2
        assert r.metrics["balanced_accuracy"] == pytest.approx(np.mean(r.per_class["recall"]))


def test_no_leakage_test_folds_hold_only_original_rows_never_seen_in_training(glass):
    result, fits, _ = glass
    data = load("keel:glass4")
    folds = {(f.repeat, f.fold): f for f in make_folds(data.y, 3, 1, 0)}
    by_seed = {run_seed(0, r, k): folds[(r, k)] for r, k in folds}
    # the classifier was fitted on exactly the fold's training rows: never a test row
    assert len(fits) == 9
    for recipe, seed, index in fits:
        fold = by_seed[seed]
        assert sorted(index.tolist()) == sorted(fold.train.tolist()), recipe
        assert set(index.tolist()).isdisjoint(fold.test.tolist())
    # the stored test rows of the SMOTE runs are the original rows of the fold, no synthetic row
    for run in result.runs_of("smote+cross_entropy"):
        fold = folds[(run.repeat, run.fold)]
        p = run.predictions
        assert np.array_equal(p["index"], fold.test)
        assert np.array_equal(p["y_true"], data.y[fold.test])
        assert len(p["y_pred"]) == len(p["proba"]) == run.n_test == len(fold.test)
        assert run.n_train == len(fold.train)


def test_a_leaky_protocol_scores_visibly_higher_than_the_honest_one(glass):
    """SMOTE on the whole dataset before splitting puts rows made from test rows into training and
    synthetic rows into the test folds: the same folds of the original rows then look far better
    than they are."""
    from unskew.resampling import SMOTE

    result, _, _ = glass
    data = load("keel:glass4")
    X, y = data.X.to_numpy(dtype=float), np.asarray(data.y)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)  # originals first, then synthetic
    synthetic = np.arange(len(X), len(X_res))
    share = np.random.default_rng(0).permutation(len(synthetic)) % 3
    leaky = []
    for fold in make_folds(y, 3, 1, 0):  # the same folds of the original rows
        train = np.r_[fold.train, synthetic[share != fold.fold]]
        test = np.r_[fold.test, synthetic[share == fold.fold]]
        clf = ImbalancedClassifier(
            "mlp", "cross_entropy", epochs=5, random_state=run_seed(0, 0, fold.fold)
        ).fit(X_res[train], y_res[train])
        metrics, _ = score_predictions(
            y_res[test], clf.predict(X_res[test]), clf.predict_proba(X_res[test]), 2, 1
        )
        leaky.append(metrics["gmean"])
    honest = list(result.scores("smote+cross_entropy", "gmean").values())
    assert len(honest) == 3
    assert np.mean(leaky) > np.mean(honest) + 0.1, (leaky, honest)


def test_leaderboard_json_shape_and_recommendation(glass):
    result, _, out = glass
    payload = result.to_json()
    json.dumps(payload)  # JSON-ready
    assert set(payload) == {
        "dataset",
        "options",
        "metric",
        "leaderboard",
        "verdict",
        "recommendation",
        "not_run",
        "store",
    }
    assert payload["metric"] == "gmean"
    assert payload["store"] == str(out / "results.sqlite")
    assert payload["dataset"]["name"] == "glass4"
    assert payload["dataset"]["class_counts"] == [201, 13]
    board = payload["leaderboard"]
    assert [row["rank"] for row in board] == [1, 2, 3]
    assert {row["recipe"] for row in board} == set(result.recipes)
    for row in board:
        assert set(row["metrics"]["gmean"]) == {"mean", "std"}
        assert row["runs"] == 3 and row["status"] == "ok" and row["seconds"] > 0
        if row["baseline"]:
            assert row["vs_baseline"] is None
        else:
            assert set(row["vs_baseline"]) == {"t", "p", "diff", "verdict"}
            assert row["vs_baseline"]["verdict"] in ("better", "worse", "tie")
    means = [row["metrics"]["gmean"]["mean"] for row in board]
    assert means == sorted(means, reverse=True)
    rec = payload["recommendation"]  # a table's default: a stack of the three best
    assert rec["rule"] == "stack_top_k" and rec["tied"] == [row["spec"] for row in board]
    assert rec["spec"] == stack_spec("stack_recipes", rec["tied"]) and rec["score"] is None
    best = result.recommendation(rule="best_mean")
    assert best["spec"] == board[0]["spec"]  # the top of the board
    assert best["tied"] == [board[0]["spec"]] and best["tie_break"] is None
    # the one-standard-error rule: the recipes within one SE of the best mean G-mean are tied,
    # and the best mean ROC AUC among them is recommended
    one_se = result.recommendation(rule="one_se")
    se = board[0]["metrics"]["gmean"]["std"] / np.sqrt(board[0]["runs"])
    tied = [r for r in board if r["score"] >= board[0]["score"] - se]
    assert one_se["tied"] == [r["spec"] for r in tied]
    top = max(tied, key=lambda r: r["metrics"]["roc_auc"]["mean"])
    assert one_se["spec"] == top["spec"] and one_se["score"] == top["score"]
    assert ("recipes lie within one standard error" in one_se["reason"]) == (len(tied) > 1)
    by_pr = result.recommendation(rule="one_se", tie_break="pr_auc")
    assert by_pr["spec"] == max(tied, key=lambda r: r["metrics"]["pr_auc"]["mean"])["spec"]
    with pytest.raises(InputError, match="one_se"):
        result.recommendation(rule="median")
    assert rec["train_command"] == (
        f'unskew train keel:glass4 --target Class --recipe "{rec["spec"]}" --model mlp '
        "--epochs 5 --out model"
    )
    # ranking by another metric, including one computed from the stored predictions
    for metric in ("pr_auc", "cost:10/1", "f1"):
        other = result.leaderboard(metric)
        assert len(other) == 3 and other[0]["rank"] == 1
        assert all(row["metrics"][metric]["mean"] is not None for row in other)
    costs = [row["score"] for row in result.leaderboard("cost:10/1")]
    assert costs == sorted(costs)  # lower is better


def test_one_standard_error_rule_on_known_scores():
    """Three recipes over 5 folds with set scores: B has the best mean G-mean (0.80, SE 0.0152),
    A lies within one SE (0.79), C does not (0.75)."""
    gmeans = {
        "A": [0.77, 0.81, 0.78, 0.80, 0.79],
        "B": [0.76, 0.84, 0.79, 0.83, 0.78],
        "C": [0.74, 0.76, 0.75, 0.75, 0.75],
    }
    other = {  # (roc_auc, pr_auc, balanced_log_loss), the same on every fold
        "A": (0.90, 0.60, 0.50),
        "B": (0.85, 0.70, 0.40),
        "C": (0.95, 0.90, 0.10),
    }
    runs = [
        RunRecord(
            key,
            0,
            fold,
            "ok",
            metrics={
                "gmean": g,
                "roc_auc": other[key][0],
                "pr_auc": other[key][1],
                "balanced_log_loss": other[key][2],
            },
            seconds=1.0,
            n_train=80,
            n_test=20,
        )
        for key, values in gmeans.items()
        for fold, g in enumerate(values)
    ]
    result = CompareResult({"name": "made-up"}, {"recipes": ["A", "B", "C"]}, runs, "x")
    assert result.recommendation(rule="best_mean")["spec"] == "B"
    rec = result.recommendation(rule="one_se")
    assert rec["tied"] == ["B", "A"] and rec["tie_break"] == "roc_auc" and rec["spec"] == "A"
    assert "2 recipes lie within one standard error (0.015)" in rec["reason"]
    assert result.recommendation(rule="one_se", tie_break="pr_auc")["spec"] == "B"
    # a lower-is-better tie-break is minimised
    assert result.recommendation(rule="one_se", tie_break="balanced_log_loss")["spec"] == "B"
    with pytest.raises(InputError, match="unknown metric 'roc'"):
        result.recommendation(rule="one_se", tie_break="roc")
    # one run per recipe: no standard error, the best mean
    single = CompareResult({}, {"recipes": ["A", "B", "C"]}, [r for r in runs if r.fold == 1], "x")
    rec = single.recommendation(rule="one_se")
    assert rec["spec"] == "B" and "no standard error" in rec["reason"]


def test_rich_table_has_one_row_per_recipe(glass):
    from rich.console import Console

    result, _, _ = glass
    assert result.table().row_count == 3
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(result.renderable())
    text = console.export_text()
    assert "Recommended:" in text and "unskew train keel:glass4" in text
    assert result.verdict()["finding"] in " ".join(text.split())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.depth = 0  # inside the element with id="leaderboard"
        self.rows = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.links += [attrs[k] for k in ("src", "href") if attrs.get(k) is not None]
        if self.depth:
            self.depth += 1
            self.rows += tag == "tr"
        elif attrs.get("id") == "leaderboard":
            self.depth = 1
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def test_html_report_is_self_contained_with_one_leaderboard_row_per_recipe(glass, tmp_path):
    result, _, _ = glass
    path = write_report(result, tmp_path / "report.html")
    page = path.read_text()
    parser = _Collector()
    parser.feed(page)
    assert parser.rows == 3
    assert parser.links and all(link.startswith("data:image/png;base64,") for link in parser.links)
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert "link" not in parser.tags
    for section in ("Data", "Leaderboard", "Curves", "Confusion matrices", "Recall per class"):
        assert f">{section}" in page
    env = result.options["environment"]
    for key in ("python", "torch", "scikit-learn", "unskew"):
        assert f">{key}<" in page and env[key] in page
    assert "unskew train keel:glass4" in page
    assert len(re.findall("data:image/png;base64,", page)) >= 5


def test_rerender_rebuilds_the_report_from_the_store(glass):
    result, _, out = glass
    path = rerender(out)
    assert path == out / "report.html"
    parser = _Collector()
    parser.feed(path.read_text())
    assert parser.rows == 3
    with Store.open_existing(out) as store:
        again = CompareResult.from_store(store, result.fingerprint)
    assert [r["recipe"] for r in again.leaderboard("gmean")] == [
        r["recipe"] for r in result.leaderboard("gmean")
    ]
    assert again.label("cross_entropy+weights:scheme=inverse") == "cross_entropy+weights:inverse"


def test_resume_on_a_finished_grid_trains_nothing_and_returns_the_same_results(glass):
    result, _, out = glass
    again = run_grid("keel:glass4", RECIPES, out=out, resume=True, **OPTIONS)
    assert {r.key: r.metrics for r in again.runs} == {r.key: r.metrics for r in result.runs}


def test_the_same_comparison_resumes_and_other_strategies_need_resume_or_force(glass):
    result, _, out = glass
    again = run_grid("keel:glass4", RECIPES, out=out, **OPTIONS)  # no resume=True needed
    assert {r.key: r.metrics for r in again.runs} == {r.key: r.metrics for r in result.runs}
    with pytest.raises(InputError, match=r"already holds 9 runs.*other strategies.*--resume"):
        run_grid("keel:glass4", RECIPES[:1], out=out, **OPTIONS)


def test_a_folder_of_another_dataset_or_split_is_refused(glass):
    _, _, out = glass
    with pytest.raises(InputError, match=r"another dataset.*glass4.*--force.*another --out"):
        run_grid("keel:ecoli4", RECIPES, out=out, resume=True, **OPTIONS)
    with pytest.raises(InputError, match="another dataset or split"):
        run_grid("keel:glass4", RECIPES, out=out, resume=True, **{**OPTIONS, "cv": 4})
    with pytest.raises(InputError, match="epochs=5.*epochs=6"):
        run_grid("keel:glass4", RECIPES, out=out, resume=True, **{**OPTIONS, "epochs": 6})
    with Store.open_existing(out) as store:
        assert store.count() == 9  # nothing was added or removed
