"""Racing: a recipe clearly worse than the leader stops after the third fold and stays on the
leaderboard as stopped; --no-race runs everything; a race cut by the time budget and resumed
takes the same decisions as one run straight through, whatever the number of jobs."""

from __future__ import annotations

import json
import subprocess
import sys
from time import perf_counter

import numpy as np
import pandas as pd
import pytest

from unskew.bench import Store, _evaluate, _runner, run_grid
from unskew.bench._race import race_stops
from unskew.registry import Param, Strategy, get_registry

#: A whole model that always predicts the majority class (G-mean 0 on every fold).
MAJORITY = Strategy(
    name="always_majority",
    stage="meta",
    summary="predicts the majority class",
    reference="",
    factory="sklearn.dummy:DummyClassifier",
    params={"strategy": Param("most_frequent", "str")},
    modalities=("table",),
)
GOOD = "balanced_random_forest:n=20"
RECIPES = ["always_majority", GOOD]
OPTIONS = {"cv": 5, "epochs": 5, "params": {"hidden": (8,)}, "progress": False, "race": True}


@pytest.fixture
def majority(monkeypatch):
    """``always_majority`` registered for one test (and shipped to parallel workers)."""
    monkeypatch.setitem(get_registry()._entries, MAJORITY.name, MAJORITY)


@pytest.fixture(scope="module")
def table(make_table):
    return make_table(seed=1, n=200)


def keys(result) -> set[tuple[str, int, int]]:
    return {(r.recipe, r.repeat, r.fold) for r in result.runs}


def row_of(result, spec: str) -> dict:
    return next(r for r in result.leaderboard() if r["spec"] == spec)


def test_a_clearly_worse_recipe_stops_after_the_third_fold(majority, table):
    result = run_grid(table, RECIPES, **OPTIONS)
    row = row_of(result, "always_majority")
    assert row["status"] == "stopped" and row["runs"] == 3
    assert row["stopped"]["after"] == 3 and row["stopped"]["of"] == 5
    assert row["stopped"]["leader"] == GOOD and row["stopped"]["p"] < 0.05
    assert row["metrics"]["gmean"]["mean"] == 0.0 and row["rank"] is not None
    assert {f for r, _, f in keys(result) if r == "always_majority"} == {0, 1, 2}
    good = row_of(result, GOOD)
    assert good["status"] == "ok" and good["runs"] == 5 and good["stopped"] is None
    assert result.not_run == 0 and result.options["race"] is True
    assert result.recommendation(rule="best_mean")["spec"] == GOOD
    assert "always_majority" not in result.recommendation()["tied"]  # a stack of full runs only
    text = "\n".join(str(part) for part in result._parts("gmean", False)[0])
    assert "always_majority: stopped after 3 of 5 folds, worse than the leader" in text


def test_no_race_runs_every_recipe_on_every_fold(majority, table):
    result = run_grid(table, RECIPES, **{**OPTIONS, "race": False})
    assert len(result.runs) == 3 * 5
    assert result.stopped() == {} and result.options["race"] is False
    assert {row["status"] for row in result.leaderboard()} == {"ok"}
    # off by default
    default = run_grid(table, RECIPES, **{k: v for k, v in OPTIONS.items() if k != "race"})
    assert default.options["race"] is False and keys(default) == keys(result)


class Clock:
    """``time.time()`` that advances one second per call: the runner reads it once for the
    deadline, each run once before it starts, so a budget of ``n - 0.5`` starts ``n`` runs."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        self.now += 1.0
        return self.now

    perf_counter = staticmethod(perf_counter)


def test_a_race_cut_by_the_time_budget_resumes_where_it_stopped(majority, table, tmp_path):
    straight = run_grid(table, RECIPES, out=tmp_path / "straight", **OPTIONS)
    clock = Clock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_runner, "time", clock)
        patch.setattr(_evaluate, "time", clock)
        cut = run_grid(table, RECIPES, out=tmp_path / "cut", time_budget=9.5, **OPTIONS)
    assert len(cut.runs) == 9 and {f for _, _, f in keys(cut)} == {0, 1, 2}  # three folds
    assert cut.stopped() == straight.stopped()  # decided on the three stored folds
    assert "always_majority" in cut.stopped()
    survivors = 3 - len(cut.stopped())
    assert cut.not_run == 2 * survivors  # the survivors' last two folds; the stopped owe none
    done = run_grid(table, RECIPES, out=tmp_path / "cut", resume=True, **OPTIONS)
    assert keys(done) == keys(straight) and len(done.runs) == 9 + 2 * survivors
    assert done.stopped() == straight.stopped() and done.not_run == 0
    with Store.open_existing(tmp_path / "cut") as store:
        assert store.count() == len(done.runs)  # nothing run twice, nothing of the stopped one


def test_the_race_replays_from_stored_runs_only():
    """The decisions depend on the runs alone: a split not complete for every racing recipe ends
    the replay; a recipe that already ran a later split is never stopped."""
    splits = [(0, f) for f in range(5)]
    good = dict(zip(splits, [0.9, 0.85, 0.88, 0.9, 0.87], strict=True))
    bad = dict(zip(splits, [0.1, 0.12, 0.0, 0.1, 0.1], strict=True))
    ratios = dict.fromkeys(splits, 0.25)

    def stops(bad_ran: int, good_ran: int = 5) -> dict:
        scores = {
            "good": dict(list(good.items())[:good_ran]),
            "bad": dict(list(bad.items())[:bad_ran]),
        }
        ran = {k: set(v) for k, v in scores.items()}
        return race_stops(["good", "bad"], scores, ran, splits, ratios)

    assert stops(3)["bad"]["after"] == 3  # after the third fold
    assert stops(2, good_ran=2) == {}  # two folds: too early to decide
    assert stops(5) == {}  # it ran every fold already (a grid run without racing)
    assert stops(3, good_ran=3)["bad"]["leader"] == "good"


@pytest.mark.slow
def test_racing_decides_the_same_with_two_jobs(majority, table):
    one = run_grid(table, RECIPES, **OPTIONS)
    two = run_grid(table, RECIPES, jobs=2, **OPTIONS)
    assert keys(one) == keys(two) and one.stopped().keys() == two.stopped().keys()


def test_the_compare_command_races_only_when_told(tmp_path):
    """``--race`` through a real CLI process, with a plugin registering the bad recipe."""
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 6, n_informative=3, weights=[0.8], random_state=1)
    pd.DataFrame(X).assign(label=y).to_csv(tmp_path / "data.csv", index=False)
    plugin = tmp_path / "majority.py"
    plugin.write_text(
        "import unskew\nfrom unskew.registry import Param\n"
        "unskew.register(name='always_majority', stage='meta', summary='majority', "
        "reference='', factory='sklearn.dummy:DummyClassifier', "
        "params={'strategy': Param('most_frequent', 'str')}, modalities=('table',))\n"
    )
    base = ["compare", "data.csv", "--plugin", str(plugin), "--strategies", ",".join(RECIPES)]
    base += ["--cv", "5", "--epochs", "3", "--json"]

    def cli(*flags: str) -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "unskew", *base, *flags],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout)

    raced = {row["spec"]: row for row in cli("--race")["leaderboard"]}
    assert raced["always_majority"]["status"] == "stopped"
    assert raced["always_majority"]["stopped"]["after"] == 3
    everything = cli("--rule", "stack_top_k:2")  # no race by default
    assert {row["runs"] for row in everything["leaderboard"]} == {5}
    assert everything["recommendation"]["rule"] == "stack_top_k"
    assert everything["recommendation"]["spec"].startswith("stack_recipes:recipes=[")
    assert np.isfinite(everything["leaderboard"][0]["score"])


def test_the_baseline_runs_every_fold_however_far_behind():
    """Every verdict is a paired test against the baseline, so racing never stops it: a baseline
    far behind the leader after 3 of 5 folds is kept, while a remedy as far behind stops."""
    splits = [(0, f) for f in range(5)]
    scores = {
        "base": dict(zip(splits[:3], [0.1, 0.0, 0.05], strict=True)),
        "good": dict(zip(splits[:3], [0.9, 0.85, 0.88], strict=True)),
        "bad": dict(zip(splits[:3], [0.12, 0.02, 0.04], strict=True)),
    }
    ran = {k: set(v) for k, v in scores.items()}
    ratios = dict.fromkeys(splits, 0.25)
    stops = race_stops(["base", "good", "bad"], scores, ran, splits, ratios, keep=("base",))
    assert set(stops) == {"bad"} and stops["bad"]["leader"] == "good"
    assert set(race_stops(["base", "good", "bad"], scores, ran, splits, ratios)) == {"base", "bad"}
