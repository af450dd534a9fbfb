"""What a user reads at the end of a comparison: the leaderboard laid out for 80, 100 and 160
columns with every recipe name whole, the train command on one line, and the verdict that says
first whether any remedy beats the baseline, the same words in the terminal, JSON and report."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from unskew.bench import CompareResult, RunRecord, compare, write_report
from unskew.bench._board import SuiteBoard, name_lines
from unskew.bench._verdict import verdict
from unskew.data import load_table

LONG = "balanced_sampler+cross_entropy+threshold:f1"
RECIPES = ["focal:gamma=2", LONG]
FINDING = "No remedy beats plain cross-entropy significantly on this data (best: "


def noise_frame(seed: int = 1, n: int = 240) -> pd.DataFrame:
    """Four random features and random labels, 20% "yes": nothing can be learned."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=[f"f{i}" for i in range(4)])
    frame["label"] = np.where(rng.random(n) < 0.2, "yes", "no")
    return frame


@pytest.fixture(scope="module")
def noise(tmp_path_factory):
    """A real comparison on labels that are noise: 3 recipes x 3 folds, tiny nets."""
    frame = noise_frame()
    out = tmp_path_factory.mktemp("noise") / "cmp"
    table = load_table(frame.drop(columns="label"), frame["label"].to_numpy())
    return compare(
        table,
        recipes=RECIPES,
        cv=3,
        epochs=2,
        params={"hidden": (8,)},
        progress=False,
        out=out,
    )


def render(result, width: int, wide: bool = False) -> str:
    console = Console(width=width, file=io.StringIO(), record=True)
    result.show(console, wide=wide)
    return console.export_text()


def board_names(text: str) -> list[str]:
    """The recipe names read back from a rendered leaderboard: a row starts where the rank cell
    is filled, and the recipe cell's continuation lines are joined to it."""
    names: list[str] = []
    for line in text.splitlines():
        if "│" not in line:
            continue
        rank, recipe = (cell.strip() for cell in line.split("│")[:2])
        if rank:
            names.append(recipe)
        else:
            names[-1] += recipe
    return names


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_leaderboard_fits_the_width_with_every_name_whole(noise, width):
    text = render(noise, width)
    board = noise.leaderboard()
    assert board_names(text) == [row["spec"] for row in board]
    command = noise.recommendation()["train_command"]
    lines = text.splitlines()
    assert command in lines  # whole, on one line of its own
    assert len(command) > 80  # so at 80 and 100 columns the exception is real
    assert all(len(line) <= width for line in lines if line != command), text
    assert "…" not in text
    # the columns: rank, recipe, the metric with its spread, the verdict with p, seconds
    header = next(line for line in lines if "┃" in line)
    assert [h.strip() for h in header.split("┃")] == [
        "#",
        "recipe",
        "gmean",
        "vs baseline",
        "s/run",
    ]
    assert "±" in text and "p=" in text and "baseline" in text
    assert "roc_auc" not in text  # the other metrics need --wide
    # the long name wraps after a "+" at 80 columns, and fits on one line at 160
    rows = [line for line in lines if "│" in line]
    assert (len(rows) > len(board)) == (width == 80)
    if width == 80:
        assert any(line.split("│")[1].strip().endswith("+") for line in rows)


def test_wide_shows_every_metric_with_names_whole(noise):
    text = render(noise, 80, wide=True)
    header = next(line for line in text.splitlines() if "┃" in line)
    for metric in ("gmean ▼", "balanced_accuracy", "macro_f1", "mcc", "roc_auc", "pr_auc"):
        assert metric in header
    assert board_names(text) == [row["spec"] for row in noise.leaderboard()]
    table = [line for line in text.splitlines() if set("│┃━") & set(line)]
    assert len(table) == 2 + len(noise.leaderboard())  # widened: every name on one line
    prose = [line for line in text.splitlines() if line not in table]
    command = noise.recommendation()["train_command"]
    assert all(len(line) <= 80 for line in prose if line != command)  # only the table widens


def test_the_header_says_dataset_folds_and_metric(noise):
    text = render(noise, 80)
    first = text.splitlines()[0]
    assert first.startswith("data: 240 rows x 4 features (table), 2 classes, imbalance ratio")
    assert flat(text).startswith(
        f"{first} 3 recipes, 3-fold stratified cross-validation, ranked by gmean (the default "
        "for two classes; --metric to change)"
    )


def test_on_noise_the_verdict_says_nothing_beats_the_baseline_everywhere(noise):
    said = noise.verdict()
    board = noise.leaderboard()
    best = next(row for row in board if not row["baseline"])
    assert said["significant"] is False
    assert said["finding"] == (f"{FINDING}{best['spec']}, p={best['vs_baseline']['p']:.3f}).")
    rec = noise.recommendation()  # a table's default rule: a stack of the best three
    assert rec["rule"] == "stack_top_k" and said["advice"].startswith(
        "Recommended: a stack of the 3 recipes with the best mean gmean ("
    )
    assert rec["reason"] in said["advice"]
    assert said["advice"].endswith(f"(--rule best_mean recommends {rec['tied'][0]} alone).")
    best = noise.recommendation(rule="best_mean")
    advice = verdict(board, best, "gmean")["advice"]
    assert advice.startswith(f"Recommended: {best['spec']} (gmean {best['score']:.3f}): ")
    # the terminal says it first, before the recommendation
    text = flat(render(noise, 80))
    assert flat(said["finding"]) in text and flat(said["advice"]) in text
    assert text.index(FINDING) < text.index("Recommended:")
    # --json and the report carry the same sentences
    payload = noise.to_json()
    json.dumps(payload)
    assert payload["verdict"] == said
    page = (noise.out / "report.html").read_text()
    assert said["finding"] in page and said["advice"] in page
    assert page.index(FINDING) < page.index("Recommended:")


def _known(
    scores: dict[str, list[float]],
    seconds: dict[str, float],
    roc_auc: dict[str, float] | None = None,
) -> CompareResult:
    """A result over 5 folds with set G-means (the first key is the baseline)."""
    runs = [
        RunRecord(
            key,
            0,
            fold,
            "ok",
            metrics={"gmean": value, "roc_auc": (roc_auc or {}).get(key, 0.5)},
            seconds=seconds[key],
            n_train=80,
            n_test=20,
        )
        for key, values in scores.items()
        for fold, value in enumerate(values)
    ]
    options = {"recipes": list(scores), "metric": "gmean", "rule": "best_mean"}
    return CompareResult({"name": "made-up"}, options, runs, "x")


def test_verdict_when_a_remedy_wins_loses_or_the_baseline_is_best():
    base = [0.70, 0.72, 0.71, 0.69, 0.70]
    up = [0.80, 0.83, 0.81, 0.80, 0.82]  # +0.108, far beyond the fold noise
    down = [0.60, 0.61, 0.62, 0.60, 0.59]
    said = _known(
        {"cross_entropy": base, "focal": up, "ldam": down},
        {"cross_entropy": 1.0, "focal": 2.0, "ldam": 1.0},
    ).verdict()
    assert said["significant"] is True
    assert said["finding"].startswith(
        "1 of 2 remedies beats plain cross-entropy significantly on this data (best: focal, "
        "+0.108 gmean, p<0.001); "
    )
    assert said["finding"].endswith("; 1 of 2 is significantly worse.")
    assert said["advice"].startswith("Recommended: focal (gmean 0.812): the best mean gmean; it")
    assert said["advice"].endswith("beats plain cross-entropy by +0.108 gmean (p<0.001).")

    noisy = [0.73, 0.68, 0.74, 0.69, 0.71]  # +0.006 on the baseline, within the noise
    said = _known(
        {"cross_entropy": base, "focal": noisy}, {"cross_entropy": 1.0, "focal": 3.0}
    ).verdict()
    assert said["finding"].startswith(FINDING + "focal, p=")
    assert said["advice"].endswith(
        "so plain cross-entropy is as good a choice on this evidence and cheaper "
        "(1.0 s per run against 3.0)."
    )
    said = _known(  # 1.00 against 1.04 s print alike: not "cheaper (1.0 against 1.0)"
        {"cross_entropy": base, "focal": noisy}, {"cross_entropy": 1.0, "focal": 1.04}
    ).verdict()
    assert said["advice"].endswith("so plain cross-entropy is as good a choice on this evidence.")

    said = _known({"cross_entropy": up, "focal": base}, {"cross_entropy": 1.0, "focal": 1.0})
    said = said.verdict()
    assert said["advice"] == (
        "Recommended: cross_entropy (gmean 0.812): the best mean gmean; no remedy is needed on "
        "this evidence."
    )
    alone = _known({"cross_entropy": base}, {"cross_entropy": 1.0}).verdict()
    assert alone["finding"].startswith("Only plain cross-entropy was run")
    other = _known({"focal": base, "ldam": up}, {"focal": 1.0, "ldam": 1.0}).verdict()
    assert "beats the baseline (focal) significantly" in other["finding"]


def test_the_verdict_follows_whatever_rule_made_the_recommendation():
    """The sentence builder reads the recommendation it is given: under the one-standard-error
    rule A (within one SE of B's best mean, better ROC AUC) is recommended, and the advice names
    it with that rule's reason."""
    result = _known(
        {
            "cross_entropy": [0.70, 0.72, 0.71, 0.69, 0.70],
            "A": [0.77, 0.81, 0.78, 0.80, 0.79],
            "B": [0.76, 0.84, 0.79, 0.83, 0.78],
        },
        {"cross_entropy": 1.0, "A": 1.0, "B": 1.0},
        roc_auc={"A": 0.9, "B": 0.85},
    )
    rec = result.recommendation(rule="one_se")
    assert rec["spec"] == "A"
    said = verdict(result.leaderboard(), rec, "gmean")
    assert said["advice"].startswith(
        "Recommended: A (gmean 0.790): 2 recipes lie within one standard error"
    )
    assert "it beats plain cross-entropy by +0.086 gmean" in said["advice"]
    assert (
        said["finding"]
        == verdict(result.leaderboard(), result.recommendation(), "gmean")["finding"]
    )  # the finding does not depend on the rule


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="abc_:=,0.", min_size=1, max_size=12), min_size=1, max_size=5).map(
        "+".join
    ),
    st.integers(1, 40),
)
def test_name_lines_keep_the_whole_name_within_the_width(spec, width):
    lines = name_lines(spec, width)
    assert "".join(lines) == spec
    assert all(0 < len(line) <= width for line in lines)
    # a line ends at a part boundary ("+", then ":", "," or "="), or is cut at the full width
    assert all(line[-1] in "+:,=" or len(line) == width for line in lines[:-1]), lines


@pytest.mark.parametrize("width", [60, 80, 160])
def test_the_suite_board_keeps_names_whole_and_counts_the_datasets_left_out(width):
    specs = ["cross_entropy+weights:inverse+stacking", "cross_entropy"]
    names = ["glass4", "ecoli4", "yeast-1-2-8-9_vs_7"] * 4
    board = SuiteBoard(specs, [1.0, 2.0], names, [[0.8] * 12, [0.7] * 12])
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(board)
    text = console.export_text()
    assert all(len(line) <= width for line in text.splitlines())
    rows: list[str] = []
    for line in text.splitlines():
        if "│" not in line:
            continue
        recipe, rank = (c.strip() for c in line.split("│")[:2])
        if rank:
            rows.append(recipe)
        else:
            rows[-1] += recipe
    assert rows == specs
    shown = sum(1 for h in next(x for x in text.splitlines() if "┃" in x).split("┃")[2:])
    assert f"{shown} of 12 datasets shown" in flat(text)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_report_leaderboard_fits_1280_pixels(noise, tmp_path):
    """Long recipe names wrap after a "+" in the report, so the table needs no horizontal scroll
    in a 1280-pixel window; measured by the browser itself."""
    result = CompareResult(
        noise.dataset,
        {
            **noise.options,
            "labels": {
                **noise.options.get("labels", {}),
                noise.recipes[-1]: LONG + "+weights:inverse+crt+calibration:temperature",
            },
            "rule": "best_mean",  # the long label is not a recipe a stack could parse
        },
        noise.runs,
        noise.fingerprint,
    )
    page = write_report(result, tmp_path / "report.html")
    probe = page.with_name("probe.html")
    probe.write_text(
        page.read_text()
        + "<script>const box = document.getElementById('leaderboard').closest('table')"
        ".parentElement; document.title = box.scrollWidth + ' ' + box.clientWidth + ' '"
        " + document.documentElement.scrollWidth;</script>"
    )
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--window-size=1280,900",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    content, box, document = (int(v) for v in dom.split("<title>")[1].split("<")[0].split())
    assert content <= box and document <= 1280, (content, box, document)
