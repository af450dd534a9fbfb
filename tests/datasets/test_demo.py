"""`make demo` compares on a dataset where remedies differ: the best recipe beats plain
cross-entropy significantly and the ranking metric spans at least 0.05 across the leaderboard."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from unskew.bench import split_specs
from unskew.datasets import load

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def demo_commands() -> list[list[str]]:
    """The unskew commands ``make demo`` runs, as ``make -n`` prints them (nothing is run)."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), "demo"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [shlex.split(line)[1:] for line in printed.splitlines() if "bin/unskew " in line]


def demo_recipes() -> list[str]:
    compare = next(c for c in demo_commands() if c[0] == "compare")
    return split_specs(compare[compare.index("--strategies") + 1])


def test_the_demo_profiles_the_seed_example_then_compares_seed_hard():
    profile, compare = demo_commands()
    assert profile == ["profile"] and compare[:2] == ["compare", "seed-hard"]
    recipes = demo_recipes()
    assert len(recipes) == 9 and "balanced_random_forest" in recipes
    data = load("seed-hard")
    assert data.class_counts.tolist() == [1940, 60] and data.n_features == 10


@pytest.mark.slow  # 50 runs: about 30 s of CPU, 3 minutes on a loaded 2-core machine
def test_on_the_demo_data_the_best_recipe_beats_the_baseline_and_scores_spread():
    from unskew.bench import run_grid

    result = run_grid("seed-hard", demo_recipes(), jobs=2, progress=False)
    board = result.leaderboard()
    # racing (the default) may stop a recipe clearly worse than the leader after 3 of 5 folds
    assert result.metric == "gmean" and all(row["status"] == "ok" for row in board)
    best = board[0]
    assert not best["baseline"] and best["vs_baseline"]["verdict"] == "better", best
    assert best["vs_baseline"]["p"] < 0.01
    assert best["score"] - board[-1]["score"] >= 0.05
