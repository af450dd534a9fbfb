"""The command line in a real subprocess."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image


def test_profile_default_is_the_seed_example(cli):
    result = cli("profile")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "seed: 1,000 rows x 20 features, 2 classes" in out
    assert "900" in out and "100" in out and "imbalance ratio 9.00" in out
    assert "cross_entropy+weights:inverse" in out


def test_profile_json(cli):
    result = cli("profile", "--json")
    assert result.returncode == 0
    d = json.loads(result.stdout)
    assert [c["count"] for c in d["classes"]] == [900, 100]
    assert d["imbalance_ratio"] == 9.0 and d["n_features"] == 20


def test_profile_csv_with_target_and_plot(tmp_path, cli):
    path = tmp_path / "claims.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "amount": rng.normal(size=200),
            "region": rng.choice(["n", "s"], 200),
            "is_fraud": ["yes"] * 12 + ["no"] * 188,
        }
    ).to_csv(path, index=False)
    plot = tmp_path / "classes.png"
    result = cli("profile", str(path), "--target", "is_fraud", "--plot", str(plot), "--json")
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert {c["label"]: c["count"] for c in d["classes"]} == {"no": 188, "yes": 12}
    assert d["imbalance_ratio"] == pytest.approx(188 / 12)
    assert "smote_nc+cross_entropy" in [s["recipe"] for s in d["suggestions"]]
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_profile_of_one_feature_says_feature(tmp_path, cli):
    path = tmp_path / "one.csv"
    pd.DataFrame({"x": np.arange(60.0), "label": [0] * 50 + [1] * 10}).to_csv(path, index=False)
    result = cli("profile", str(path))
    assert result.returncode == 0, result.stderr
    assert "one: 60 rows x 1 feature, 2 classes" in result.stdout


def test_profile_builtins(cli):
    result = cli("profile", "keel:yeast-1_vs_7", "--json")
    assert json.loads(result.stdout)["n_samples"] == 459
    result = cli("profile", "digits-lt:20", "--json")
    d = json.loads(result.stdout)
    assert d["imbalance_ratio"] == pytest.approx(140 / 7) and d["groups"] is not None
    result = cli("profile", "mnist-lt")
    assert result.returncode == 0 and "few" in result.stdout and "(log)" in result.stdout


def test_profile_image_folder(tmp_path, cli):
    for cls, n in [("good", 5), ("scratch", 2)]:
        (tmp_path / cls).mkdir()
        for i in range(n):
            Image.new("RGB", (3, 3)).save(tmp_path / cls / f"{i}.png")
    result = cli("profile", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert {c["label"]: c["count"] for c in d["classes"]} == {"good": 5, "scratch": 2}


def test_strategies(cli):
    result = cli("strategies", "--json")
    entries = json.loads(result.stdout)
    assert "cross_entropy" in [e["name"] for e in entries]
    table = cli("strategies", "--stage", "objective")
    assert table.returncode == 0 and "cross_entropy" in table.stdout
    assert "Param(" not in table.stdout and "kind=" not in table.stdout  # defaults, not reprs
    bad = cli("strategies", "--stage", "loss")
    assert bad.returncode == 2 and "unknown stage 'loss'" in bad.stderr


def test_datasets_listing(cli):
    result = cli("datasets", "--json", "--no-keel")
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["seed"]["rows"] == 1000 and rows["seed"]["ratio"] == 9.0
    assert rows["mnist-lt"]["rows"] == 988 and rows["mnist-lt"]["test_rows"] == 1000


def test_datasets_lists_every_keel_dataset(cli):
    result = cli("datasets")
    assert result.returncode == 0
    assert result.stdout.count("keel:") == 100
    assert "keel:abalone19" in result.stdout


def test_installed_console_script():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "unskew"
    result = subprocess.run([str(script), "profile", "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["imbalance_ratio"] == 9.0


@pytest.mark.parametrize(
    "command", ["profile", "strategies", "datasets", "train", "predict", "suggest", "compare"]
)
def test_help_reads_whole_at_80_columns(cli, command):
    # rich cuts a word longer than its column with an ellipsis: every help text must wrap whole
    result = cli(command, "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_version_help_and_usage_errors(cli):
    assert cli("--version").stdout.startswith("unskew ")
    help_ = cli("--help")
    assert help_.returncode == 0 and "profile" in help_.stdout
    usage = cli("profile", "--no-such-option")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
