"""make_folds: stratified, shuffled, repeated; fewer folds for a small class, with a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from unskew.bench import make_folds, run_seed
from unskew.exceptions import InputError


def test_folds_partition_the_rows_and_keep_the_class_shares():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    folds = make_folds(y, cv=5, repeats=2, random_state=3)
    assert [(f.repeat, f.fold) for f in folds] == [(r, k) for r in range(2) for k in range(5)]
    for r in range(2):
        tests = [f.test for f in folds if f.repeat == r]
        assert sorted(np.concatenate(tests).tolist()) == list(range(len(y)))
    for f in folds:
        assert set(f.train).isdisjoint(f.test)
        assert len(f.train) + len(f.test) == len(y)
        assert np.bincount(y[f.test], minlength=3).tolist() == [12, 6, 2]
    assert not np.array_equal(folds[0].test, folds[5].test)  # each repeat reshuffles


def test_folds_are_shuffled_and_reproducible():
    y = np.array([0] * 40 + [1] * 10)
    a, b = make_folds(y, 5, random_state=7), make_folds(y, 5, random_state=7)
    assert all(np.array_equal(x.test, z.test) for x, z in zip(a, b, strict=True))
    assert not np.array_equal(np.sort(a[0].test), np.arange(10))  # not the first rows in order
    assert not all(
        np.array_equal(x.test, z.test)
        for x, z in zip(a, make_folds(y, 5, random_state=8), strict=True)
    )


def test_a_small_class_lowers_the_folds_with_a_warning_naming_it():
    y = np.array([0] * 20 + [1] * 3)
    with pytest.warns(UserWarning, match=r"class 'rare' has only 3 rows.*cv=5; using 3 folds"):
        folds = make_folds(y, cv=5, classes=np.array(["common", "rare"]))
    assert len(folds) == 3
    assert all((y[f.test] == 1).sum() == 1 for f in folds)


def test_no_warning_when_every_class_fills_the_folds():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(make_folds([0] * 10 + [1] * 5, cv=5)) == 5


def test_a_class_with_a_single_row_is_refused_with_the_reason():
    y = np.array(["a"] * 10 + ["b"])
    with pytest.raises(InputError, match="class 'b' has a single row.*training and a test fold"):
        make_folds(y, cv=5)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"cv": 1}, "cv must be"), ({"repeats": 0}, "repeats")]
)
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        make_folds([0, 0, 1, 1], **kwargs)
    with pytest.raises(InputError, match="single class"):
        make_folds([0, 0, 0])


def test_run_seeds_are_shared_by_recipes_and_differ_across_folds():
    seeds = {run_seed(0, r, k) for r in range(3) for k in range(5)}
    assert len(seeds) == 15
    assert run_seed(1, 0, 0) != run_seed(0, 0, 0)
