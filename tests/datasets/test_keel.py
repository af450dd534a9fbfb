"""Every one of the 100 KEEL datasets loads, with finite features and two classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unskew.datasets import keel, keel_names, keel_path, load
from unskew.datasets._keel import _keel_root, _normalise
from unskew.exceptions import InputError

NAMES = keel_names()


def test_exactly_the_100_keel_folders():
    assert len(NAMES) == 100
    folders = [p.name for p in _keel_root().iterdir() if p.is_dir()]
    skipped = sorted(set(folders) - set(NAMES))
    # the package's other folders hold non-KEEL formats (.data, .arff, .bin, ...)
    assert len(skipped) == 13
    for name in skipped:
        assert not any(f.suffix == ".dat" for f in (_keel_root() / name).iterdir())
    assert len({_normalise(n) for n in NAMES}) == 100  # matching ignoring case and -/_ is unique


def _null_cells(path) -> int:
    text = path.read_text(encoding="latin-1")
    data = text[text.lower().index("@data") :]
    return data.count("<null>") + sum(t.strip() == "?" for t in data.replace("\n", ",").split(","))


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_loads(name):
    data = keel(name)
    assert data.name == name
    expected = ["positive", "negative"] if name == "ecoli-0_vs_1" else ["negative", "positive"]
    assert data.classes.tolist() == expected
    counts = data.class_counts
    assert counts[1] < counts[0] and counts.min() > 0  # the minority is class 1
    assert len(data) == counts.sum() > 0
    numeric = data.X.drop(columns=data.categorical)
    values = numeric.to_numpy(dtype=np.float64)
    assert np.isinf(values).sum() == 0
    # finite wherever the file holds a value: the only NaNs are the file's <null>/? cells
    n_missing = int(np.isnan(values).sum() + data.X[data.categorical].isna().to_numpy().sum())
    assert n_missing == _null_cells(keel_path(name))
    for col in data.categorical:
        assert data.X[col].dropna().map(type).eq(str).all()


def test_missing_cells_only_in_cleveland():
    with_missing = [n for n in NAMES if _null_cells(keel_path(n))]
    assert with_missing == ["cleveland-0_vs_4"]
    assert int(keel("cleveland-0_vs_4").X.isna().to_numpy().sum()) == 4


def test_known_sizes_and_messy_labels():
    # ecoli1 has labels with trailing spaces and a stray '}' in the file
    assert keel("ecoli1").class_counts.tolist() == [259, 77]
    abalone = keel("abalone19")
    assert abalone.class_counts.tolist() == [4142, 32]
    assert abalone.categorical == ["Sex"]
    assert keel("new_thyroid1").class_counts.tolist() == [180, 35]  # file named new-thyroid1.dat


def test_names_match_ignoring_case_and_separators():
    a, b = keel("YEAST_1-vs-7"), keel("yeast-1_vs_7")
    pd.testing.assert_frame_equal(a.X, b.X)
    assert load("keel:yeast1vs7").name == "yeast-1_vs_7"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(InputError, match="did you mean 'yeast-2_vs_8'"):
        keel("yeast-2_vs_9")
