"""Each evaluation plot saves a valid, non-empty PNG (and SVG)."""

from __future__ import annotations

import numpy as np
import pytest

from unskew.metrics import plots

RNG = np.random.default_rng(0)
Y = (RNG.random(300) < 0.1).astype(int)
S = np.clip(0.3 * Y + RNG.random(300) * 0.7, 0, 1)
P = (S >= 0.5).astype(int)
YM = RNG.integers(0, 4, 200)
PM = np.where(RNG.random(200) < 0.7, YM, RNG.integers(0, 4, 200))

FIGURES = {
    "pr_curve": lambda: plots.pr_curve(Y, S),
    "roc_curve": lambda: plots.roc_curve(Y, S),
    "confusion_matrix": lambda: plots.confusion_matrix_plot(YM, PM),
    "threshold_curve": lambda: plots.threshold_curve(Y, S, "f1"),
    "class_distribution": lambda: plots.class_distribution(["a", "b", "c"], [900, 60, 12]),
    "per_class_recall": lambda: plots.per_class_recall(YM, PM),
}


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_saves_a_valid_file(tmp_path, name, suffix):
    path = tmp_path / f"{name}.{suffix}"
    plots.save(FIGURES[name](), path)
    data = path.read_bytes()
    assert len(data) > 2000
    assert data.startswith(b"\x89PNG\r\n\x1a\n") if suffix == "png" else b"<svg" in data[:2000]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
