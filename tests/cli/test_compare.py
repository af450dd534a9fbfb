"""`unskew compare` and `unskew report` in real subprocesses: JSON leaderboard, recommendation, the
store and the report, refusals, and the report in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from unskew.bench import Store

ARGS = ["keel:glass4", "--strategies", "cross_entropy,focal:gamma=2", "--cv", "2", "--epochs", "3"]


def test_compare_json_store_report_and_refusals(tmp_path, cli):
    out = tmp_path / "run"
    result = cli("compare", *ARGS, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    specs = [row["spec"] for row in doc["leaderboard"]]
    assert sorted(specs) == ["cross_entropy", "focal:gamma=2"]
    assert doc["recommendation"]["rule"] == "stack_top_k"  # a table's default
    assert sorted(doc["recommendation"]["tied"]) == sorted(specs)
    best = cli("compare", *ARGS, "--out", str(out), "--json", "--rule", "best_mean")
    assert json.loads(best.stdout)["recommendation"]["spec"] in specs  # the same store
    assert doc["recommendation"]["train_command"].startswith("unskew train keel:glass4")
    assert (out / "results.sqlite").exists() and (out / "report.html").exists()

    again = cli("compare", *ARGS, "--out", str(out), "--json")  # the same command resumes
    assert again.returncode == 0 and "resuming the comparison stored in" in again.stderr
    assert json.loads(again.stdout)["leaderboard"] == doc["leaderboard"]
    resumed = cli("compare", *ARGS, "--out", str(out), "--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["leaderboard"] == doc["leaderboard"]  # nothing run twice

    other = cli(
        "compare",
        "keel:ecoli4",
        "--strategies",
        "cross_entropy",
        "--cv",
        "2",
        "--epochs",
        "2",
        "--out",
        str(out),
    )
    assert other.returncode == 2 and "--force" in other.stderr

    (out / "report.html").unlink()
    rendered = cli("report", str(out))
    assert rendered.returncode == 0 and (out / "report.html").exists()


def test_bad_input_is_one_line(cli, tmp_path):
    bad = cli("compare", "keel:glass4", "--strategies", "focall", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "focal" in bad.stderr and "Traceback" not in bad.stderr
    assert cli("compare", "--time-budget", "soon").returncode == 2
    assert cli("compare", "--metric", "acuracy", "--cv", "2").returncode == 2


def test_an_unknown_name_after_a_comma_is_named_with_a_suggestion(cli, tmp_path):
    out = tmp_path / "x"
    bad = cli("compare", "--strategies", "cross_entropy,smoteee", "--out", str(out))
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "Traceback" not in bad.stderr
    assert lines[0].startswith("error: unknown strategy 'smoteee'")
    assert "did you mean 'smote'?" in lines[0] and not out.exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_loads_in_headless_chromium(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("compare", *ARGS, "--out", str(out)).returncode == 0
    report = out / "report.html"
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count("<tr") >= 3 and 'id="leaderboard"' in dom
    # every image decoded: none reports a zero natural width
    probe = report.with_name("probe.html")
    probe.write_text(
        report.read_text()
        + "<script>document.title = [...document.images].filter(i => !i.naturalWidth).length"
        " + ' broken of ' + document.images.length;</script>"
    )
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "<title>0 broken of" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000


def _piped(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """``unskew ARGS`` with stdout a pipe and no $COLUMNS: what ``unskew compare > file`` gets."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    env.update(NO_COLOR="1", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "unskew", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def test_redirected_output_keeps_names_whole_and_says_nothing_helps_on_noise(tmp_path, cli):
    """Labels that are noise, output to a pipe: every recipe name whole on one line of the
    leaderboard (the pipe is not cut at 80 columns), the train command whole on one line, and
    "no remedy beats plain cross-entropy" said first, with the same words in --json and the
    report."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(240, 4)), columns=[f"f{i}" for i in range(4)])
    frame["label"] = np.where(rng.random(240) < 0.2, "yes", "no")
    frame.to_csv(tmp_path / "noise.csv", index=False)
    recipes = "focal:gamma=2,balanced_sampler+cross_entropy+threshold:f1+weights:inverse"
    args = ["compare", "noise.csv", "--strategies", recipes, "--cv", "3", "--epochs", "2"]
    run = _piped(*args, "--out", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    doc = json.loads(cli(*args, "--out", "out", "--resume", "--json", cwd=tmp_path).stdout)
    specs = [row["spec"] for row in doc["leaderboard"]]
    rows = [line for line in lines if "│" in line]
    assert [row.split("│")[1].strip() for row in rows] == specs  # one line each, whole
    assert max(len(line) for line in lines if "│" in line) > 80  # so 80 would have cut them
    assert "…" not in run.stdout
    command = doc["recommendation"]["train_command"]
    assert command in lines
    text = " ".join(run.stdout.split())
    verdict = doc["verdict"]
    assert verdict["finding"].startswith(
        "No remedy beats plain cross-entropy significantly on this data (best: "
    )
    assert verdict["finding"] in text and verdict["advice"] in text
    assert text.index(verdict["finding"]) < text.index(verdict["advice"]) < text.index(command)
    assert lines[-1] == f"report: {Path('out') / 'report.html'}"
    page = (tmp_path / "out" / "report.html").read_text()
    assert verdict["finding"] in page and verdict["advice"] in page
    # the other metrics: with --wide in the terminal, always in --json
    assert {"balanced_accuracy", "macro_f1", "mcc", "roc_auc", "pr_auc"} <= set(
        doc["leaderboard"][0]["metrics"]
    )
    assert "roc_auc" not in run.stdout
    wide = _piped(*args, "--out", "out", "--resume", "--wide", cwd=tmp_path)
    assert wide.returncode == 0, wide.stderr
    header = next(line for line in wide.stdout.splitlines() if "┃" in line)
    assert "roc_auc" in header and "pr_auc" in header and "mcc" in header


def test_a_suite_prints_its_ranking_and_writes_its_report(tmp_path, cli):
    out = tmp_path / "suite"
    run = cli(
        "compare",
        "keel:glass4",
        "keel:ecoli4",
        "--strategies",
        "cross_entropy+weights:inverse",
        "--cv",
        "2",
        "--epochs",
        "2",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    assert "recommended across datasets:" in run.stdout
    rows = [line.split("│")[0].strip() for line in run.stdout.splitlines() if "│" in line]
    assert sorted(rows) == ["cross_entropy", "cross_entropy+weights:inverse"]  # whole, one line
    assert (out / "report.html").exists()
    assert run.stdout.splitlines()[-1] == f"report: {out / 'report.html'}"


@pytest.mark.slow  # five interpreters, about 2 minutes on a loaded machine; the same in-process:
# tests/bench/test_bench_defaults.py
def test_defaults_keep_runs_in_runs_dataset_resume_and_rank_by_another_metric(tmp_path, cli):
    """Without --out the runs go to runs/<dataset> (said first on stderr, and last on stdout);
    the same command again resumes it; other options go to runs/<dataset>-2; --resume with
    another --metric re-ranks the stored runs into report-<metric>.html."""
    args = ["compare", "keel:glass4", "--strategies", "focal:gamma=2", "--cv", "2", "--epochs", "2"]
    first = cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folder = Path("runs") / "glass4"
    assert first.stderr.splitlines()[0] == f"runs and report go to {folder}"
    assert first.stdout.splitlines()[-1] == f"report: {folder / 'report.html'}"
    assert "ranked by gmean (the default for two classes" in " ".join(first.stdout.split())
    with Store.open_existing(tmp_path / folder) as store:
        stored = {r.key: r.seconds for r in store.runs(store.fingerprints()[0])}

    again = cli(*args, "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"resuming the comparison stored in {folder}" in again.stderr
    doc = json.loads(again.stdout)
    assert all(row["status"] == "ok" for row in doc["leaderboard"])
    page = (tmp_path / folder / "report.html").read_bytes()

    ranked = cli(*args, "--resume", "--metric", "pr_auc", cwd=tmp_path)
    assert ranked.returncode == 0, ranked.stderr
    assert ranked.stdout.splitlines()[-1] == f"report: {folder / 'report-pr_auc.html'}"
    assert (tmp_path / folder / "report.html").read_bytes() == page  # not replaced
    with Store.open_existing(tmp_path / folder) as store:  # nothing was trained again
        assert {r.key: r.seconds for r in store.runs(store.fingerprints()[0])} == stored
    assert len(stored) == 4  # 2 recipes x 2 folds

    other = cli(*args[:-1], "3", cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    assert other.stderr.splitlines()[0].endswith(f"go to {folder.with_name('glass4-2')}")


def test_smote_nc_runs_on_a_text_category_and_is_an_error_row_without_one(tmp_path, cli):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    frame["region"] = rng.choice(["north", "south", "east"], 300)
    frame["label"] = np.where(np.arange(300) % 10 == 0, "yes", "no")
    frame.to_csv(tmp_path / "tab.csv", index=False)
    frame.drop(columns="region").to_csv(tmp_path / "num.csv", index=False)
    args = ["--strategies", "smote_nc+cross_entropy", "--cv", "2", "--epochs", "1", "--json"]
    rows = {}
    for name in ("tab", "num"):
        result = cli("compare", str(tmp_path / f"{name}.csv"), *args, "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        board = json.loads(result.stdout)["leaderboard"]
        rows[name] = next(row for row in board if row["spec"] == "smote_nc+cross_entropy")
    assert rows["tab"]["status"] == "ok" and rows["tab"]["errors"] == 0
    assert rows["num"]["status"] == "error"
    assert (
        "no categorical column" in rows["num"]["error"] and "Traceback" not in rows["num"]["error"]
    )
