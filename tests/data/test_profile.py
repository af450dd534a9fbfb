"""profile(): class facts, every data warning, suggestions, JSON and the plot."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from unskew.data import load_table, profile
from unskew.datasets import mnist_lt, seed_example


def test_seed_example_facts():
    p = profile(seed_example())
    assert [(c.label, c.count) for c in p.classes] == [(0, 900), (1, 100)]
    assert p.imbalance_ratio == 9.0
    expected_h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1)) / math.log(2)
    assert p.normalized_entropy == pytest.approx(expected_h)
    assert p.majority == 0 and p.minority == 1
    assert p.groups is None and p.warnings == []
    recipes = [s.recipe for s in p.suggestions]
    assert "cross_entropy+weights:inverse" in recipes and "smote+cross_entropy" in recipes
    assert all(s.reason for s in p.suggestions)


def test_long_tail_groups_on_mnist_lt():
    p = profile(mnist_lt())
    assert p.groups == {"many": [0, 1, 2], "medium": [3, 4, 5], "few": [6, 7, 8, 9]}
    assert p.imbalance_ratio == 100.0
    kinds = {w.kind for w in p.warnings}
    assert kinds == {"too_small_for_smote", "too_small_for_cv"}  # class 9 has 4 rows
    assert "balanced_softmax" in [s.recipe for s in p.suggestions]
    custom = profile(mnist_lt(), many_threshold=200, few_threshold=10)
    assert custom.groups["many"] == [0, 1] and custom.groups["few"] == [8, 9]


def test_every_data_warning():
    frame = pd.DataFrame(
        {
            "a": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 1.0, 1.0],
            "const": [7.0] * 8,
            "cat": ["u", "v", "u", "v", "u", "v", "u", "u"],
            "label": [0, 0, 0, 0, 0, 1, 0, 1],
        }
    )
    # rows 0 and 6 are identical with the same label (duplicate);
    # rows 0/6 and 7 are identical features with different labels (conflict)
    p = profile(load_table(frame))
    by_kind = {w.kind: w for w in p.warnings}
    assert by_kind["missing_values"].details == {"columns": {"a": 1}}
    assert by_kind["constant_features"].details == {"columns": ["const"]}
    assert by_kind["duplicate_rows"].details == {"rows": 1}
    assert by_kind["conflicting_labels"].details == {"groups": 1, "rows": 3}
    assert by_kind["too_small_for_smote"].details["classes"] == [1]
    assert by_kind["too_small_for_cv"].details["classes"] == [1]
    assert "random_oversampling+cross_entropy" in [s.recipe for s in p.suggestions]


def test_categorical_data_suggests_smote_nc(frame):
    recipes = [s.recipe for s in profile(load_table(frame)).suggestions]
    assert "smote_nc+cross_entropy" in recipes


def test_an_all_categorical_table_is_not_offered_smote_nc(frame):
    """SMOTE-NC interpolates numbers; with none it would refuse the table, so profile suggests
    repeating minority rows."""
    recipes = [
        s.recipe for s in profile(load_table(frame[["city", "online", "label"]])).suggestions
    ]
    assert "random_oversampling+cross_entropy" in recipes
    assert not any(r.startswith(("smote_nc", "smote+")) for r in recipes)


def test_balanced_data_gets_a_single_baseline():
    data = load_table(np.random.default_rng(0).normal(size=(40, 2)), [0, 1] * 20)
    p = profile(data)
    assert p.imbalance_ratio == 1.0 and p.normalized_entropy == pytest.approx(1.0)
    assert [s.recipe for s in p.suggestions] == ["cross_entropy"]


def test_to_dict_is_json(frame):
    d = profile(load_table(frame)).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["classes"][0] == {
        "label": "fraud",
        "code": 0,
        "count": 10,
        "share": 10 / 60,
        "group": None,
    }


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_writes_a_real_image(tmp_path, suffix):
    path = tmp_path / f"chart.{suffix}"
    profile(mnist_lt()).plot(path)
    head = path.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<?xml" in head
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_unlabeled_data_is_refused(frame):
    with pytest.raises(ValueError, match="unlabeled"):
        profile(load_table(frame, target=None))
