"""Torch-native SMOTE family against imbalanced-learn: contract, semantics, shapes, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn import over_sampling as imb
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

from unskew.exceptions import InputError
from unskew.resampling import (
    ADASYN,
    SMOTE,
    SMOTEENN,
    BorderlineSMOTE,
    EasyEnsembleSubsets,
    RandomUnderSampler,
    TomekLinks,
    smote_batch,
)


@parametrize_with_checks(
    [
        SMOTE(random_state=0),
        BorderlineSMOTE(random_state=0),
        BorderlineSMOTE(kind="borderline-2", random_state=0),
        ADASYN(random_state=0),
    ]
)
def test_imbalanced_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.8, 0.15, 0.05],
        n_clusters_per_class=1,
        class_sep=0.8,
        random_state=1,
    )
    return X, y


def _on_segments(X_class: np.ndarray, new: np.ndarray, k: int, tol: float = 1e-8) -> bool:
    """Every new row equals x_i + lam (x_j - x_i) for a row i, one of its k nearest same-class
    neighbours j, and lam in [0, 1]."""
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X_class).kneighbors(X_class, return_distance=False)
    origins = np.repeat(np.arange(len(X_class)), k)
    ends = nn[:, 1:].reshape(-1)
    a, d = X_class[origins], X_class[ends] - X_class[origins]
    for row in new:
        lam = np.clip(((row - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300), 0, 1)
        residual = np.linalg.norm(a + lam[:, None] * d - row, axis=1)
        if residual.min() > tol * (1 + np.abs(row).max()):
            return False
    return True


@pytest.mark.parametrize("strategy", ["auto", "minority", "all", {1: 150, 2: 100}])
def test_smote_counts_match_imbalanced_learn_and_rows_lie_on_segments(data, strategy):
    X, y = data
    ours_X, ours_y = SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    _, theirs_y = imb.SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert np.bincount(ours_y).tolist() == np.bincount(theirs_y).tolist()
    np.testing.assert_array_equal(ours_X[: len(X)], X)  # originals first, unchanged
    for c in np.unique(y):
        new = ours_X[len(X) :][ours_y[len(X) :] == c]
        assert _on_segments(X[y == c], new, k=5), c


def test_smote_float_strategy_binary():
    X, y = make_classification(n_samples=300, weights=[0.9, 0.1], random_state=0)
    _, ours = SMOTE(sampling_strategy=0.5, random_state=0).fit_resample(X, y)
    _, theirs = imb.SMOTE(sampling_strategy=0.5, random_state=0).fit_resample(X, y)
    assert np.bincount(ours).tolist() == np.bincount(theirs).tolist()


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_borderline_counts_match_imbalanced_learn(data, kind):
    X, y = data
    ours_X, ours_y = BorderlineSMOTE(kind=kind, random_state=0).fit_resample(X, y)
    _, theirs_y = imb.BorderlineSMOTE(kind=kind, random_state=0).fit_resample(X, y)
    if kind == "borderline-1":
        assert np.bincount(ours_y).tolist() == np.bincount(theirs_y).tolist()
        for c in (1, 2):
            new = ours_X[len(X) :][ours_y[len(X) :] == c]
            assert _on_segments(X[y == c], new, k=5)
    else:  # the Beta(10, 10) split rounds, as in imbalanced-learn: at most one row apart
        assert np.abs(np.bincount(ours_y) - np.bincount(theirs_y)).max() <= 1


def test_adasyn_counts_match_imbalanced_learn(data):
    X, y = data
    ours_X, ours_y = ADASYN(random_state=0).fit_resample(X, y)
    _, theirs_y = imb.ADASYN(random_state=0).fit_resample(X, y)
    assert np.bincount(ours_y).tolist() == np.bincount(theirs_y).tolist()
    for c in (1, 2):
        new = ours_X[len(X) :][ours_y[len(X) :] == c]
        assert _on_segments(X[y == c], new, k=5)


def test_chunk_size_does_not_change_the_result(data):
    X, y = data
    a = SMOTE(random_state=3, chunk_size=7).fit_resample(X, y)[0]
    b = SMOTE(random_state=3).fit_resample(X, y)[0]
    np.testing.assert_allclose(a, b)


def test_images_numpy_and_torch_keep_type_and_shape():
    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 6, 6)).astype(np.float32)
    labels = np.array([0] * 32 + [1] * 8)
    X_res, y_res = SMOTE(random_state=0).fit_resample(images, labels)
    assert isinstance(X_res, np.ndarray) and X_res.shape == (64, 1, 6, 6)
    assert X_res.dtype == np.float32 and np.bincount(y_res).tolist() == [32, 32]
    flat = X_res.reshape(64, -1).astype(np.float64)
    assert _on_segments(
        images[labels == 1].reshape(8, -1).astype(np.float64), flat[40:], k=5, tol=1e-5
    )  # float32 interpolation
    t_images, t_labels = torch.from_numpy(images).double(), torch.from_numpy(labels)
    T_res, ty_res = SMOTE(random_state=0).fit_resample(t_images, t_labels)
    assert isinstance(T_res, torch.Tensor) and isinstance(ty_res, torch.Tensor)
    assert T_res.shape == (64, 1, 6, 6) and T_res.dtype == torch.float64
    assert _on_segments(
        images[labels == 1].reshape(8, -1).astype(np.float64),
        T_res[40:].reshape(24, -1).numpy(),
        k=5,
    )


def test_dataframes_round_trip_and_pipelines(data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    X_res, y_res = SMOTE(random_state=0).fit_resample(frame, pd.Series(y, name="target"))
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(frame.columns)
    assert isinstance(y_res, pd.Series)
    for sampler in (
        SMOTE(random_state=0),
        ADASYN(random_state=0),
        TomekLinks(),
        RandomUnderSampler(random_state=0),
        SMOTEENN(random_state=0),
    ):
        model = Pipeline([("resample", sampler), ("clf", LogisticRegression(max_iter=500))])
        model.fit(X, y)
        assert model.predict(X).shape == y.shape


def test_bad_input(data):
    X, y = data
    small = np.r_[y[y != 2], [2, 2, 2]]
    X_small = np.r_[X[y != 2], X[y == 2][:3]]
    with pytest.raises(InputError, match="class 2 has 3 rows but SMOTE with k_neighbors=5 needs 6"):
        SMOTE().fit_resample(X_small, small)
    with pytest.raises(InputError, match="class 2 has 3 rows.*lower n_neighbors"):
        ADASYN().fit_resample(X_small, small)
    with pytest.raises(ValueError, match="sampling_strategy"):
        SMOTE(sampling_strategy="everything").fit_resample(X, y)
    with pytest.raises(ValueError, match="sampling_strategy"):  # the n-d path lists the forms too
        SMOTE(sampling_strategy="everything").fit_resample(
            torch.randn(20, 2, 2), torch.tensor([0, 1] * 10)
        )
    with pytest.raises(ValueError, match="more than 1 class"):
        SMOTE().fit_resample(torch.randn(10, 3, 2), torch.zeros(10, dtype=torch.long))
    with pytest.raises(InputError, match="floating-point"):
        SMOTE().fit_resample(torch.zeros(10, 3, 2, dtype=torch.long), torch.tensor([0, 1] * 5))


def test_easy_ensemble_subsets():
    y = np.array([0] * 200 + [1] * 20 + [2] * 50)
    subsets = list(EasyEnsembleSubsets(n_subsets=8, random_state=0).split(y))
    assert len(subsets) == 8
    for idx in subsets:
        assert np.bincount(y[idx]).tolist() == [20, 20, 20]
        assert set(np.flatnonzero(y == 1)) <= set(idx)
        assert len(set(idx)) == len(idx)
    assert len({tuple(s) for s in subsets}) == 8  # independent draws
    covered = set(np.concatenate(subsets)) & set(range(200))
    assert len(covered) > 100
    X = np.arange(len(y)).reshape(-1, 1)
    X_sub, y_sub = next(EasyEnsembleSubsets(n_subsets=1, random_state=0).resample(X, y))
    np.testing.assert_array_equal(y[X_sub[:, 0]], y_sub)


def test_smote_batch_is_differentiable_and_skips_single_rows():
    features = torch.randn(12, 3, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0] * 8 + [1] * 3 + [2])
    out, out_labels = smote_batch(features, labels, generator=torch.Generator().manual_seed(0))
    assert torch.bincount(out_labels).tolist() == [8, 8, 1]
    out.sum().backward()
    assert features.grad is not None and features.grad[8:11].abs().sum() > 0
    assert _on_segments(features.detach()[8:11].numpy(), out.detach()[12:].numpy(), k=2)
