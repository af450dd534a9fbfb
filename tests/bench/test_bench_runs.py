"""run_grid's bookkeeping on tiny tables: failures, skips, force, time budget, held-out test
splits, suites, and the parallel backends (loky, Dask)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from unskew.bench import Store, compare, rerender, run_grid, run_suite
from unskew.exceptions import InputError, MissingDependencyError


def _render(result) -> str:
    from rich.console import Console

    console = Console(width=160, record=True, file=io.StringIO())
    console.print(result.renderable())
    return console.export_text()


def _metrics(result):
    return {r.key: r.metrics for r in result.runs}


def test_a_failing_run_is_recorded_with_its_error_and_the_grid_goes_on(
    make_table, tiny_options, tmp_path
):
    result = run_grid(
        make_table(),
        ["cost_sensitive", "focal"],  # cost_sensitive without a cost matrix fails in every run
        out=tmp_path / "cmp",
        **tiny_options,
    )
    assert result.recipes[1] == "cost_sensitive"
    failed = result.runs_of(result.recipes[1], status=None)
    assert [r.status for r in failed] == ["error", "error"]
    assert all("needs a cost matrix" in r.error for r in failed)
    assert all(r.predictions is None and r.metrics == {} for r in failed)
    assert len(result.runs_of("cross_entropy")) == len(result.runs_of("focal")) == 2
    row = next(r for r in result.leaderboard() if r["status"] == "error")
    assert row["rank"] is None and "cost matrix" in row["error"]
    assert result.leaderboard()[-1] == row  # ranked after every recipe that ran
    assert result.recommendation(rule="best_mean")["spec"] in ("cross_entropy", "focal")
    assert sorted(result.recommendation()["tied"]) == ["cross_entropy", "focal"]  # the stack
    with Store.open_existing(tmp_path / "cmp") as store:
        statuses = sorted(r.status for r in store.runs(result.fingerprint))
    assert statuses == ["error", "error", "ok", "ok", "ok", "ok"]


def test_a_recipe_that_does_not_apply_is_skipped_with_the_reason(make_table, tiny_options):
    result = run_grid(
        make_table(weights=(0.6, 0.3, 0.1), n=150),
        ["dice", "cross_entropy+threshold:f1", "cross_entropy+logit_adjust"],
        **tiny_options,
    )
    reasons = {r.recipe: r.error for r in result.runs if r.status == "skipped"}
    assert "image data" in reasons["dice"]
    assert "is for two classes" in reasons["cross_entropy+threshold:objective=f1"]
    assert {r.recipe for r in result.runs if r.status == "ok"} == {
        "cross_entropy",
        "cross_entropy+logit_adjust",
    }
    statuses = {row["recipe"]: row["status"] for row in result.leaderboard()}
    assert statuses["dice"] == "skipped"
    with pytest.raises(InputError, match="did you mean 'focal'"):
        run_grid(make_table(), ["focl"], **tiny_options)


def test_force_starts_a_folder_afresh_with_the_new_dataset(make_table, tiny_options, tmp_path):
    out = tmp_path / "cmp"
    first = run_grid(make_table(seed=1), [], out=out, **tiny_options)
    with pytest.raises(InputError, match="another dataset"):
        run_grid(make_table(seed=2), [], out=out, **tiny_options)
    second = run_grid(make_table(seed=2), [], out=out, force=True, **tiny_options)
    with Store.open_existing(out) as store:
        assert store.fingerprints() == [second.fingerprint] != [first.fingerprint]
        assert store.count() == 2


def test_the_time_budget_leaves_runs_for_resume(make_table, tiny_options, tmp_path):
    out = tmp_path / "cmp"
    table = make_table()
    cut = run_grid(table, ["focal"], out=out, time_budget=1e-6, **tiny_options)
    assert cut.not_run == 4 and cut.runs == []
    assert cut.recommendation() is None
    assert [row["status"] for row in cut.leaderboard()] == ["not run", "not run"]
    assert "time budget" in _render(cut)
    done = run_grid(table, ["focal"], out=out, resume=True, **tiny_options)
    assert done.not_run == 0 and len(done.runs) == 4
    with Store.open_existing(out) as store:
        assert store.count() == 4


def test_a_dataset_with_a_test_split_is_scored_on_it_with_repeated_seeds():
    result = run_grid(
        "digits-lt:5",
        [],
        repeats=2,
        epochs=1,
        params={"batch_size": 256},
        progress=False,
    )
    assert result.options["model"] == "cnn" and result.options["split"] == "test split"
    assert sorted({(r.repeat, r.fold) for r in result.runs}) == [(0, 0), (1, 0)]
    test_rows = result.dataset["test_rows"]
    assert all(r.n_test == test_rows and r.n_train == result.dataset["n_rows"] for r in result.runs)
    assert len({r.seed for r in result.runs}) == 2
    assert len(result.runs[0].per_class["recall"]) == 10


def test_a_suite_ranks_recipes_across_datasets(make_table, tiny_options, tmp_path):
    out = tmp_path / "suite"
    tables = [make_table(seed=s) for s in (1, 2, 3)]
    suite = run_suite(tables, ["cross_entropy+weights:inverse", "focal"], out=out, **tiny_options)
    ranking = suite.ranking()
    assert sorted(ranking["mean_ranks"]) == sorted(suite.results[0].recipes)
    assert sum(ranking["mean_ranks"].values()) == pytest.approx(6.0)  # 1 + 2 + 3 per dataset
    assert ranking["friedman"]["p"] <= 1 and ranking["cd"] == pytest.approx(
        2.343 * np.sqrt(3 * 4 / (6 * 3))
    )
    payload = suite.to_json()
    assert len(payload["datasets"]) == 3 and payload["recommendation"]["mean_rank"] >= 1
    assert suite.table().row_count == 3
    with Store.open_existing(out) as store:
        assert len(store.fingerprints()) == 3 and store.count() == 3 * 3 * 2
    page = rerender(out).read_text()
    assert 'id="leaderboard"' in page and 'id="leaderboard-3"' in page and "CD = " not in page
    assert "Friedman chi-square" in page


def test_compare_writes_the_report_next_to_the_store(tmp_path):
    result = compare(
        "seed",
        recipes=["focal"],
        cv=2,
        epochs=1,
        params={"hidden": (8,)},
        out=tmp_path / "cmp",
        progress=False,
    )
    assert (tmp_path / "cmp" / "report.html").is_file()
    assert result.recommendation()["train_command"].startswith("unskew train seed --recipe")


def test_bad_execution_options_are_refused_before_training(make_table, tiny_options):
    table = make_table()
    with pytest.raises(InputError, match="backend must be one of"):
        run_grid(table, [], backend="spark", **tiny_options)
    with pytest.raises(InputError, match="jobs must be"):
        run_grid(table, [], jobs=0, **tiny_options)
    with pytest.raises(InputError, match="with backend='dask'"):
        run_grid(table, [], scheduler="tcp://127.0.0.1:8786", **tiny_options)
    with pytest.raises(InputError, match="unknown metric"):
        run_grid(table, [], metric="accuracy", **tiny_options)


def test_dask_backend_without_dask_names_the_install(make_table, tiny_options, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    with pytest.raises(MissingDependencyError, match=r'pip install "dask\[distributed\]"'):
        run_grid(make_table(), [], backend="dask", **tiny_options)


@pytest.fixture(scope="module")
def sequential(make_table, tiny_options):
    """The reference: a tiny grid in this process, one run at a time."""
    table = make_table()
    return table, tiny_options, run_grid(table, ["focal"], **tiny_options)


def test_loky_workers_give_the_same_runs_as_one_process(sequential):
    table, options, one = sequential
    two = run_grid(table, ["focal"], jobs=2, **options)
    assert _metrics(two) == _metrics(one)


def test_dask_cluster_gives_the_same_runs_as_one_process(sequential):
    distributed = pytest.importorskip(
        "dask.distributed", reason='needs pip install "dask[distributed]"'
    )
    table, tiny_options, one = sequential
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        on_dask = run_grid(
            table, ["focal"], backend="dask", scheduler=cluster.scheduler_address, **tiny_options
        )
    assert _metrics(on_dask) == _metrics(one)


@pytest.mark.slow
@pytest.mark.parametrize(("data", "n_classes"), [("keel:ecoli4", 2), ("digits-lt", 10)])
def test_every_quick_recipe_runs_on_real_data(data, n_classes, tmp_path):
    result = compare(data, recipes="quick", cv=5, epochs=10, out=tmp_path / "cmp", progress=False)
    failed = {r.recipe: r.error for r in result.runs if r.status != "ok"}
    assert not failed
    assert len(result.dataset["classes"]) == n_classes
    assert result.recommendation() is not None
    assert (tmp_path / "cmp" / "report.html").is_file()
