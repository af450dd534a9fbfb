"""Columns that leak the label: found, reported by profile, refused unless allowed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unskew.data import check_leaks, find_leaks, load_table, profile
from unskew.exceptions import InputError


@pytest.fixture
def sorted_table() -> pd.DataFrame:
    """Rows ordered by class, as exports often are."""
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.integers(0, 5, n), "label": ["no"] * 50 + ["yes"] * 10}
    )


def test_clean_table_has_no_leak(sorted_table, frame):
    assert find_leaks(load_table(sorted_table)) == []
    assert find_leaks(load_table(frame)) == []
    assert check_leaks(load_table(frame)) == []


def test_a_saved_pandas_index_is_found(tmp_path, sorted_table):
    path = tmp_path / "with_index.csv"
    sorted_table.to_csv(path)  # index=True: a leading unnamed column 0..n-1
    (leak,) = find_leaks(load_table(path))
    assert leak.startswith("column 'Unnamed: 0' is 0..59, a saved row index")
    assert "--allow-leak" in leak
    one_based = sorted_table.assign(row=np.arange(1, 61))[["row", "a", "b", "label"]]
    assert "is 1..60" in find_leaks(load_table(one_based))[0]
    shuffled = sorted_table.sample(frac=1, random_state=0)
    shuffled.to_csv(path)  # the saved index is now a permutation
    assert "a shuffled 0..59" in find_leaks(load_table(path))[0]
    later = sorted_table.assign(idx=np.arange(60))  # 0..n-1 but not the leading column
    assert find_leaks(load_table(later)) == []


@pytest.mark.parametrize(
    ("column", "what"),
    [
        (lambda y: y, "identical to"),
        (lambda y: np.where(y == "yes", 1, 0), "a one-to-one recoding of"),
        (lambda y: np.where(y == "yes", "Y", "N"), "a one-to-one recoding of"),
    ],
    ids=["copy", "codes", "letters"],
)
def test_copies_and_recodings_of_the_label(sorted_table, column, what):
    table = sorted_table.assign(answer=column(sorted_table["label"].to_numpy()))
    (leak,) = find_leaks(load_table(table))
    assert leak.startswith(f"column 'answer' is {what} the target 'label'")
    with pytest.raises(InputError, match="column 'answer' .* --allow-leak"):
        check_leaks(load_table(table))
    assert check_leaks(load_table(table), allow_leak=True) == [leak]
    kinds = [w.kind for w in profile(load_table(table)).warnings]
    assert kinds.count("leak") == 1


def test_near_recoding_is_not_a_leak(sorted_table):
    almost = np.where(sorted_table["label"] == "yes", 1, 0)
    almost[0] = 1  # one row disagrees
    assert find_leaks(load_table(sorted_table.assign(answer=almost))) == []


def test_small_tables_and_other_modalities_are_not_checked():
    tiny = pd.DataFrame({"copy": [0, 1] * 4, "label": [0, 1] * 4})
    assert find_leaks(load_table(tiny)) == []
    images = load_table(np.zeros((20, 8, 8)), [0, 1] * 10)
    assert find_leaks(images) == []
