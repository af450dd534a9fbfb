"""Text tables: the free-text rule, text= overrides, several text columns, and the bad cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unskew.data import free_text_columns, load_table, load_text_table, profile
from unskew.datasets import load
from unskew.exceptions import InputError

WORDS = ["the", "parcel", "arrived", "late", "broken", "box", "seller", "refund", "never", "great"]


def reviews(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """A table with one free-text column, an ID, a date, a category, a number and a rare label."""
    rng = np.random.default_rng(seed)
    text = [" ".join(rng.choice(WORDS, rng.integers(3, 12))) for _ in range(n)]
    return pd.DataFrame(
        {
            "id": [f"A{i:04d}" for i in range(n)],
            "when": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%B %d, %Y"),
            "shop": rng.choice(["north", "south"], n),
            "stars": rng.integers(1, 6, n),
            "review": text,
            "label": ["complaint" if i % 10 == 0 else "ok" for i in range(n)],
        }
    )


def test_the_rule_finds_free_text_and_nothing_else():
    found = free_text_columns(reviews())
    assert [c.name for c in found] == ["review"]  # not the ID, the date, the category
    assert found[0].distinct_share >= 0.5 and found[0].median_words >= 3


def test_load_detects_the_text_column_and_drops_the_others(tmp_path):
    path = tmp_path / "reviews.csv"
    reviews().to_csv(path, index=False)
    with pytest.warns(UserWarning, match=r"reads column\(s\) 'review' only: 4 other column"):
        bundle = load(path)
    assert bundle.modality == "text" and bundle.feature_names == ["review"]
    assert bundle.X.tolist() == reviews()["review"].tolist()
    assert bundle.class_counts.tolist() == [8, 72]
    assert bundle.detection.startswith("text (comma-separated text): free-text column(s) 'review'")
    assert "median" in bundle.detection and "distinct" in bundle.detection


def test_text_none_reads_a_table_and_warns_about_one_hot_encoding(tmp_path):
    path = tmp_path / "reviews.csv"
    reviews().to_csv(path, index=False)
    with pytest.warns(UserWarning, match="'review' .* looks like free text: .* one-hot encoded"):
        bundle = load(path, text="none")
    assert bundle.modality == "table" and "review" in bundle.categorical
    assert bundle.detection.endswith("free-text detection off (text='none')")
    kinds = [w.kind for w in profile(bundle).warnings]
    assert "free_text_as_category" in kinds
    with pytest.warns(UserWarning, match="looks like free text"):
        load_table(path)  # the table loader itself warns too


def test_several_text_columns_are_joined(tmp_path):
    frame = reviews().assign(title=lambda f: "about " + f["shop"] + " order " + f["id"])
    frame.loc[3, "title"] = None
    path = tmp_path / "two.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(UserWarning, match="4 other column"):
        bundle = load(path, text="title, review")
    assert bundle.feature_names == ["title", "review"]
    assert bundle.X[0] == f"{frame.title[0]} | {frame.review[0]}"
    assert bundle.X[3] == frame.review[3]  # a missing part is skipped, not written as 'nan'
    assert "named by text=" in bundle.detection


def test_text_overrides_and_bad_text_columns(tmp_path):
    frame = reviews()
    with pytest.raises(InputError, match="text column 'reveiw' not found.*did you mean 'review'"):
        load_text_table(frame, text="reveiw")
    empty = frame.assign(review=np.nan)
    with pytest.raises(InputError, match="text column 'review' of the DataFrame is empty in every"):
        load_text_table(empty, text="review")
    path = tmp_path / "blank.csv"
    frame.assign(review="  ").to_csv(path, index=False)
    with pytest.raises(InputError, match="'review' of .*blank.csv is empty in every row"):
        load(path, text="review")
    with pytest.raises(InputError, match="text must name column"):
        load(path, text=",")


def test_text_table_from_csv(tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "review": ["great product", "broke after a day", None, "fine"],
            "label": ["pos", "neg", "pos", "pos"],
        }
    ).to_csv(path, index=False)
    with pytest.warns(UserWarning, match="'id'"):
        data = load_text_table(path)
    assert data.modality == "text" and data.feature_names == ["review"]
    assert data.X.tolist() == ["great product", "broke after a day", "", "fine"]
    assert data.labels().tolist() == ["pos", "neg", "pos", "pos"]
    warnings = {w.kind for w in profile(data).warnings}
    assert "empty_texts" in warnings


def test_text_column_choice():
    frame = pd.DataFrame({"body": ["a", "b"], "title": ["x", "y"], "y": [0, 1]})
    with pytest.warns(UserWarning):
        assert load_text_table(frame).feature_names == ["body"]
        assert load_text_table(frame, text="title").X.tolist() == ["x", "y"]
    with pytest.raises(InputError, match="cannot tell which column"):
        load_text_table(pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "y": [0, 1]}))
