"""The defaults of a comparison: the ranking metric by class count, ``runs/<dataset>`` resumed by
the same comparison and ``-2`` for another, a report per metric, and the threads of each run."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import make_classification

from unskew.bench import compare, run_grid
from unskew.bench._defaults import (
    choose_folder,
    default_jobs,
    default_metric,
    report_name,
    request_of,
)
from unskew.data import load_table
from unskew.training import ImbalancedClassifier

TINY = {"cv": 2, "epochs": 1, "params": {"hidden": (8,)}, "progress": False}


def table(n_classes: int = 2, seed: int = 0):
    weights = [0.8, 0.2] if n_classes == 2 else [0.6, 0.3, 0.1]
    X, y = make_classification(
        150,
        4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        weights=weights,
        random_state=seed,
    )
    return load_table(X, y, name="toy")


@pytest.fixture
def fits(monkeypatch):
    """The torch threads of every fit made in this process (the grid runs with jobs=1)."""
    seen: list[int] = []
    original = ImbalancedClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen.append(torch.get_num_threads())
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(ImbalancedClassifier, "fit", spy)
    return seen


def test_the_metric_defaults_to_gmean_for_two_classes_and_balanced_accuracy_for_more():
    assert default_metric(2) == "gmean" and default_metric(3) == "balanced_accuracy"
    two = run_grid(table(2), ["focal"], **TINY)
    many = run_grid(table(3), ["focal"], **TINY)
    assert two.metric == "gmean" and many.metric == "balanced_accuracy"
    assert "ranked by gmean (the default for two classes" in two.headline()
    assert "ranked by balanced_accuracy (the default for more than two classes" in many.headline()
    top = many.leaderboard()[0]
    assert top["score"] == top["metrics"]["balanced_accuracy"]["mean"]
    named = run_grid(table(3), ["focal"], metric="macro_f1", **TINY)
    assert named.metric == "macro_f1" and "(the default" not in named.headline()


def test_runs_dataset_resumes_the_same_comparison_and_numbers_another(tmp_path, fits):
    template = tmp_path / "runs" / "<dataset>"
    said: list[str] = []
    first = compare(table(), recipes=["focal"], out=template, say=said.append, **TINY)
    assert first.out == tmp_path / "runs" / "toy" and len(fits) == 4
    assert said == [f"runs and report go to {first.out}"]
    report = first.out / "report.html"
    page = report.read_bytes()

    again = compare(table(), recipes=["focal"], out=template, say=said.append, **TINY)
    assert len(fits) == 4  # nothing retrained
    assert again.out == first.out and said[-1].startswith("resuming the comparison stored in")
    assert {r.key: r.metrics for r in again.runs} == {r.key: r.metrics for r in first.runs}

    # another metric re-ranks the stored runs into a report of its own
    ranked = compare(table(), recipes=["focal"], out=template, resume=True, metric="pr_auc", **TINY)
    assert len(fits) == 4 and ranked.out == first.out and ranked.metric == "pr_auc"
    assert (first.out / "report-pr_auc.html").exists() and report.read_bytes() == page
    assert ranked.report_path() == first.out / "report-pr_auc.html"

    longer = {**TINY, "epochs": 2}
    other = compare(table(), recipes=["focal"], out=template, say=said.append, **longer)
    assert other.out == tmp_path / "runs" / "toy-2" and len(fits) == 8
    assert said[-1] == f"{first.out} holds another comparison: runs and report go to {other.out}"
    third = compare(table(seed=1), recipes=["focal"], out=template, **TINY)  # other data
    assert third.out == tmp_path / "runs" / "toy-3"
    back = compare(table(), recipes=["focal"], out=template, **longer)
    assert back.out == other.out and len(fits) == 12  # found again, not retrained


def test_folder_names_requests_and_report_names(tmp_path):
    request = request_of("focal:2, ldam+drw", "auto", 3, {})
    assert request["strategies"] == ["cross_entropy", "focal:gamma=2", "ldam+drw"]
    assert request_of(["ldam+drw", "focal:gamma=2"], "auto", 3, {}) == request
    assert request_of("Quick", "auto", None, {})["strategies"] == "quick"
    folder, state = choose_folder(tmp_path / "<dataset>", "digits lt/10", ["f"], request)
    assert folder == tmp_path / "digits-lt-10" and state == "free"
    assert report_name("gmean", "gmean") == "report.html"
    assert report_name("pr_auc", "gmean") == "report-pr_auc.html"


def test_each_run_trains_on_one_thread_and_restores_the_count(fits):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        run_grid(table(), ["focal"], jobs=1, **TINY)
        assert set(fits) == {1} and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert default_jobs() >= 1


def test_a_suite_under_runs_dataset_is_named_after_its_first_dataset(tmp_path):
    from unskew.bench import run_suite

    said: list[str] = []
    tables = [table(seed=0), table(seed=1)]
    suite = run_suite(tables, ["focal"], out=tmp_path / "<dataset>", say=said.append, **TINY)
    assert suite.out == tmp_path / "toy-and-1-more" and suite.metric == "gmean"
    assert said == [f"runs and report go to {suite.out}"]
    again = run_suite(tables, ["focal"], out=tmp_path / "<dataset>", say=said.append, **TINY)
    assert again.out == suite.out and said[-1].startswith("resuming")
