"""`unskew compare` and `unskew report` in real subprocesses: JSON leaderboard, recommendation, the
store and the report, refusals, and the report in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

ARGS = ["keel:glass4", "--strategies", "cross_entropy,focal:gamma=2", "--cv", "2", "--epochs", "3"]


def test_compare_json_store_report_and_refusals(tmp_path, cli):
    out = tmp_path / "run"
    result = cli("compare", *ARGS, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    specs = [row["spec"] for row in doc["leaderboard"]]
    assert sorted(specs) == ["cross_entropy", "focal:gamma=2"]
    assert doc["recommendation"]["spec"] in specs
    assert doc["recommendation"]["train_command"].startswith("unskew train keel:glass4")
    assert (out / "results.sqlite").exists() and (out / "report.html").exists()

    again = cli("compare", *ARGS, "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr and "Traceback" not in again.stderr
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
