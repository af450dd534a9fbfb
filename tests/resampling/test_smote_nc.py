"""SMOTE-NC on tables as unskew reads them: text, object, category and boolean columns are the
categories (imbalanced-learn's own "auto" sees only pandas ``category`` columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTENC as ImblearnSMOTENC

from unskew.data import categorical_columns
from unskew.exceptions import InputError
from unskew.registry import get_registry
from unskew.resampling import SMOTENC


def _table(n: int = 200, minority: int = 20, dtype: str = "str", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(size=n),
            "region": rng.choice(["north", "south", "east"], n),
            "age": rng.normal(40, 10, size=n),
            "online": rng.random(n) > 0.5,
        }
    )
    frame.loc[n - minority :, "region"] = rng.choice(["north", "west"], minority)  # own mix
    frame["region"] = frame["region"].astype(dtype)
    return frame


def _labels(n: int = 200, minority: int = 20) -> np.ndarray:
    return np.r_[np.zeros(n - minority, int), np.ones(minority, int)]


@pytest.mark.parametrize("dtype", ["str", "object", "category"])
def test_text_columns_are_categories_and_new_rows_hold_real_ones(dtype):
    X, y = _table(dtype=dtype), _labels()
    X_res, y_res = SMOTENC(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [180, 180]
    pd.testing.assert_frame_equal(X_res.iloc[:200], X, check_dtype=False)  # originals first
    new = X_res.iloc[200:]
    minority = X[y == 1]
    # every categorical value of a new row is a value the minority class really holds
    assert set(new["region"]) <= set(minority["region"]) == {"north", "west"}
    assert set(new["online"]) <= {True, False}
    assert new["amount"].between(minority["amount"].min(), minority["amount"].max()).all()
    # the same rows as imbalanced-learn told the columns by name
    names = categorical_columns(X)
    assert names == ["region", "online"]
    ref, ref_y = ImblearnSMOTENC(categorical_features=names, random_state=0).fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res, ref)
    assert (y_res == ref_y).all()


def test_the_recipe_part_is_unskews_smote_nc():
    part = get_registry().get("smote_nc").build(None, random_state=0)
    X_res, _ = part.fit_resample(_table(), _labels())
    assert isinstance(part, SMOTENC) and len(X_res) == 360
    assert part.categorical_features_.tolist() == [1, 3]  # fitted state is kept


def test_missing_values_stay_in_the_original_rows_and_new_rows_are_complete():
    X, y = _table(dtype="str"), _labels()
    X.loc[[3, 195], "age"] = np.nan
    X["region"] = X["region"].astype("string")  # pandas' NA, which the encoder refuses as is
    X.loc[[4, 196], "region"] = pd.NA
    X["visits"] = pd.array(np.arange(200), dtype="Int64")  # nullable: new rows are not integers
    X.loc[5, "visits"] = pd.NA
    X_res, _ = SMOTENC(random_state=0).fit_resample(X, y)
    assert len(X_res) == 360
    assert X_res["age"].iloc[:200].isna().sum() == 2 and X_res["age"].iloc[200:].notna().all()
    assert X_res["visits"].dtype == np.float64 and np.isnan(X_res["visits"].iloc[5])
    assert set(X_res["region"].iloc[200:].dropna()) <= {"north", "west"}


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"a": np.arange(40.0), "b": np.ones(40)}),
            "no categorical column.*use smote",
        ),
        (
            pd.DataFrame({"a": ["x", "y"] * 20, "b": [True, False] * 20}),
            "no numeric column.*use random_oversampling",
        ),
        (
            pd.DataFrame({"a": [np.inf] + [1.0] * 39, "b": ["x", "y"] * 20}),
            "infinite numbers: column 'a' has 1",
        ),
    ],
)
def test_tables_smote_nc_cannot_resample_are_one_line_errors(frame, message):
    with pytest.raises(InputError, match=message):
        SMOTENC().fit_resample(frame, [0] * 30 + [1] * 10)


def test_bad_parameters_are_one_line_errors():
    X, y = _table(), _labels()
    with pytest.raises(InputError, match="class 1 has 4 rows but SMOTE-NC with k_neighbors=5"):
        SMOTENC().fit_resample(X.iloc[:184], y[:184])
    with pytest.raises(InputError, match="sampling_strategy=0.01"):
        SMOTENC(sampling_strategy=0.01).fit_resample(X, y)
    with pytest.raises(InputError, match="'online' is not numeric.*categorical_features"):
        SMOTENC(categorical_features=["region"]).fit_resample(X, y)
    with pytest.raises(InputError, match="did you mean 'region'"):
        SMOTENC(categorical_features=["regoin", "online"]).fit_resample(X, y)
    X_res, _ = SMOTENC(categorical_features=[1, "online"], random_state=0).fit_resample(X, y)
    assert len(X_res) == 360
