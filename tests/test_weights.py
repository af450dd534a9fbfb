"""Class-weight schemes against scikit-learn and the papers' formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from unskew.exceptions import InputError
from unskew.weights import (
    WeightScheme,
    class_weights,
    keras_class_weight,
    sample_weight,
)

LABELS = st.lists(st.integers(0, 4), min_size=2, max_size=200).filter(lambda v: len(set(v)) >= 2)


@settings(max_examples=50, deadline=None)
@given(LABELS)
def test_inverse_is_sklearn_balanced(labels):
    y = np.array(labels)
    present = np.unique(y)
    ours = class_weights(y, "inverse", dtype=torch.float64).numpy()
    theirs = compute_class_weight("balanced", classes=present, y=y)
    np.testing.assert_allclose(ours[present], theirs, rtol=1e-12)
    np.testing.assert_allclose(sample_weight(y), compute_sample_weight("balanced", y), rtol=1e-12)
    assert keras_class_weight(y) == {c: float(w) for c, w in enumerate(ours)}


@settings(max_examples=50, deadline=None)
@given(LABELS, st.sampled_from(["inverse", "sqrt_inverse", "effective_number", "none"]))
def test_normalisations(labels, scheme):
    y = np.array(labels)
    counts = np.bincount(y)
    per_sample = class_weights(y, scheme, dtype=torch.float64).numpy()
    assert (per_sample * counts).sum() == pytest.approx(counts.sum())  # mean over rows is 1
    per_class = class_weights(y, scheme, normalize="classes", dtype=torch.float64).numpy()
    assert per_class[counts > 0].sum() == pytest.approx((counts > 0).sum())
    assert np.all(per_class[counts == 0] == 0)  # absent classes get no weight


def test_raw_formulas():
    counts = np.array([900, 100, 25])

    def raw(scheme, **kw):
        return class_weights(
            counts, scheme, counts=True, normalize=None, dtype=torch.float64, **kw
        ).numpy()

    np.testing.assert_allclose(raw("inverse"), 1 / counts)
    np.testing.assert_allclose(raw("sqrt_inverse"), 1 / np.sqrt(counts))
    np.testing.assert_allclose(raw("effective_number", beta=0.99), (1 - 0.99) / (1 - 0.99**counts))
    np.testing.assert_allclose(raw("none"), [1, 1, 1])
    # effective number interpolates: beta -> 0 is uniform, beta -> 1 inverse frequency
    near_one = class_weights(
        counts, "effective_number", beta=0.999999, counts=True, normalize="classes"
    )
    inverse = class_weights(counts, "inverse", counts=True, normalize="classes")
    torch.testing.assert_close(near_one, inverse, rtol=1e-3, atol=1e-4)


def test_user_mappings_and_sequences():
    y = [0, 0, 1, 2]
    assert class_weights(y, {1: 3.0}).tolist() == [1.0, 3.0, 1.0]
    assert class_weights(y, [0.5, 1.0, 2.0]).tolist() == [0.5, 1.0, 2.0]
    assert WeightScheme("inverse")([2, 1, 1]).tolist() == class_weights(y).tolist()
    assert class_weights(y, n_classes=5).tolist()[3:] == [0.0, 0.0]
    assert class_weights(torch.tensor(y)).dtype == torch.float32


def test_bad_input():
    with pytest.raises(InputError, match="unknown weight scheme 'inverse_sqrt'; did you mean"):
        class_weights([0, 1], "inverse_sqrt")
    with pytest.raises(InputError, match="got 2 class weights for 3 classes"):
        class_weights([0, 1, 2], [1.0, 2.0])
    with pytest.raises(InputError, match="outside the class codes"):
        class_weights([0, 1], {5: 2.0})
    with pytest.raises(InputError, match="beta must be in"):
        class_weights([0, 1], "effective_number", beta=1.0)
    with pytest.raises(InputError, match="label 3 is out of range for n_classes=2"):
        class_weights([0, 3], n_classes=2)
    with pytest.raises(InputError, match="got 3 class counts but n_classes=2"):
        class_weights([5, 5, 5], counts=True, n_classes=2)
    with pytest.raises(InputError, match="integer class codes"):
        class_weights([0.5, 1.0])


def test_counts_passed_as_labels_are_refused_not_misread():
    # [4000, 300, 25] as labels is three rows of classes 4000, 300 and 25: a (4001,) tensor of
    # zeros with three weights, silently; as counts it is what the caller meant
    from unskew.exceptions import InputError

    with pytest.raises(InputError, match="pass counts=True"):
        class_weights([4000, 300, 25], "inverse")
    weights = class_weights([4000, 300, 25], "inverse", counts=True)
    assert weights.shape == (3,) and weights[2] > weights[1] > weights[0]
    assert class_weights([0, 50], n_classes=51).shape == (51,)  # labels on purpose: n_classes says
    assert class_weights([0, 4]).shape == (5,)  # a gap in few classes stays labels
    assert class_weights([2, 0, 1]).tolist() == [1.0, 1.0, 1.0]  # every class has its row
