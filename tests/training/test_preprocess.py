"""Table preprocessing learns only from the training rows and keeps the training layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unskew.datasets import keel
from unskew.exceptions import InputError
from unskew.training import TablePreprocessor


def test_statistics_come_from_training_rows_only():
    train = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0], "c": ["a", "b", "a", None]})
    test = pd.DataFrame({"x": [np.nan, 100.0], "c": ["zzz", "b"], "extra": [1, 2]})
    prep = TablePreprocessor(categorical=["c"]).fit(train)
    out = prep.transform(test)
    assert out.dtype == np.float32 and out.shape == (2, 3)
    assert prep.feature_names_out_ == ["x", "c_a", "c_b"]
    # the missing test value is imputed with the training median (2.0), then scaled with training stats
    mean, std = np.mean([1, 2, 2, 3]), np.std([1, 2, 2, 3])
    assert out[0, 0] == pytest.approx((2.0 - mean) / std, rel=1e-5)
    assert out[0, 1:].tolist() == [0.0, 0.0]  # an unseen category encodes as all zeros
    assert out[1, 1:].tolist() == [0.0, 1.0]
    with pytest.raises(InputError, match=r"lacks the training column\(s\) \['c'\]"):
        prep.transform(test.drop(columns="c"))


def test_keel_table_with_a_categorical_column():
    data = keel("abalone19")
    out = TablePreprocessor(categorical=data.categorical).fit_transform(data.X)
    assert out.shape == (len(data), 7 + 3) and np.isfinite(out).all()
