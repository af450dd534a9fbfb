"""Our metrics agree with scikit-learn / imbalanced-learn to 1e-9, degenerate cases included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.metrics import geometric_mean_score as imb_gmean
from imblearn.metrics import specificity_score as imb_specificity

import unskew.metrics as um
from unskew.exceptions import InputError


def _labels(n_classes):
    return st.lists(st.integers(0, n_classes - 1), min_size=1, max_size=60)


@st.composite
def label_pairs(draw, max_classes=4):
    n_classes = draw(st.integers(2, max_classes))
    y_true = draw(_labels(n_classes))
    y_pred = draw(
        st.lists(st.integers(0, n_classes - 1), min_size=len(y_true), max_size=len(y_true))
    )
    return np.array(y_true), np.array(y_pred)


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    label_pairs(),
    st.sampled_from(["micro", "macro", "weighted", None]),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from([0.5, 1.0, 2.0]),
)
def test_precision_recall_fbeta(pair, average, zero_division, beta):
    y_true, y_pred = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = um.precision_recall_fscore_support(
            y_true, y_pred, beta=beta, average=average, zero_division=zero_division
        )
        theirs = skm.precision_recall_fscore_support(
            y_true, y_pred, beta=beta, average=average, zero_division=zero_division
        )
    for a, b in zip(ours[:3], theirs[:3], strict=True):
        _close(a, b)
    if average is None:
        _close(ours[3], theirs[3])


@settings(max_examples=150, deadline=None)
@given(label_pairs(max_classes=2))
def test_binary_scores_and_torch_inputs(pair):
    y_true, y_pred = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(np.union1d(y_true, y_pred)) == 2 or 1 in np.union1d(y_true, y_pred):
            for name in ("f1_score", "precision_score", "recall_score"):
                _close(
                    getattr(um, name)(y_true, y_pred, zero_division=0.0),
                    getattr(skm, name)(y_true, y_pred, zero_division=0.0),
                )
                _close(
                    getattr(um, name)(
                        torch.from_numpy(y_true), torch.from_numpy(y_pred), zero_division=0.0
                    ),
                    getattr(skm, name)(y_true, y_pred, zero_division=0.0),
                )


@settings(max_examples=150, deadline=None)
@given(label_pairs())
def test_count_metrics(pair):
    y_true, y_pred = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(um.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))
        for normalize in ("true", "pred", "all"):
            _close(
                um.confusion_matrix(y_true, y_pred, normalize=normalize),
                skm.confusion_matrix(y_true, y_pred, normalize=normalize),
            )
        _close(
            um.balanced_accuracy_score(y_true, y_pred), skm.balanced_accuracy_score(y_true, y_pred)
        )
        if len(np.unique(y_true)) > 1:
            _close(
                um.balanced_accuracy_score(y_true, y_pred, adjusted=True),
                skm.balanced_accuracy_score(y_true, y_pred, adjusted=True),
            )
        _close(um.matthews_corrcoef(y_true, y_pred), skm.matthews_corrcoef(y_true, y_pred))
        _close(um.geometric_mean_score(y_true, y_pred), imb_gmean(y_true, y_pred))
        _close(
            um.geometric_mean_score(y_true, y_pred, correction=0.001),
            imb_gmean(y_true, y_pred, correction=0.001),
        )
        for average in ("macro", "weighted", None):
            _close(
                um.specificity_score(y_true, y_pred, average=average),
                imb_specificity(y_true, y_pred, average=average),
            )


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 80), st.booleans())
def test_ranking_metrics_binary(seed, n, ties):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n)
    if len(np.unique(y_true)) < 2:
        y_true[0], y_true[-1] = 0, 1
    scores = rng.integers(0, 5, n) / 4 if ties else rng.random(n)
    weights = rng.random(n)
    _close(um.roc_auc_score(y_true, scores), skm.roc_auc_score(y_true, scores))
    _close(um.average_precision_score(y_true, scores), skm.average_precision_score(y_true, scores))
    _close(
        um.roc_auc_score(y_true, scores, sample_weight=weights),
        skm.roc_auc_score(y_true, scores, sample_weight=weights),
    )
    _close(
        um.average_precision_score(y_true, scores, sample_weight=weights),
        skm.average_precision_score(y_true, scores, sample_weight=weights),
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["macro", "weighted"]))
def test_ranking_metrics_multiclass(seed, average):
    rng = np.random.default_rng(seed)
    y_true = np.r_[0, 1, 2, rng.integers(0, 3, 40)]
    logits = rng.normal(size=(len(y_true), 3))
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    _close(
        um.roc_auc_score(y_true, proba, multi_class="ovr", average=average),
        skm.roc_auc_score(y_true, proba, multi_class="ovr", average=average),
    )
    onehot = np.eye(3)[y_true]
    _close(
        um.average_precision_score(y_true, proba, average=average),
        skm.average_precision_score(onehot, proba, average=average),
    )


def test_degenerate_cases_documented():
    # a class never predicted: precision 0 by zero_division, as scikit-learn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(um.precision_score([0, 1, 1], [0, 0, 0], zero_division=0.0), 0.0)
        # a class absent from y_true: recall is undefined for it, balanced accuracy skips it
        _close(
            um.balanced_accuracy_score([0, 0, 1], [0, 2, 1]),
            skm.balanced_accuracy_score([0, 0, 1], [0, 2, 1]),
        )
    with pytest.warns(UserWarning, match="ill-defined"):
        um.precision_score([0, 1, 1], [0, 0, 0])


def test_bad_input():
    with pytest.raises(InputError, match="y_true has 3 entries but y_pred has 2"):
        um.f1_score([0, 1, 1], [0, 1])
    with pytest.raises(InputError, match="NaN"):
        um.roc_auc_score([0, 1], [0.2, np.nan])
    with pytest.raises(InputError, match="summing to 1"):
        um.roc_auc_score([0, 1, 2], np.full((3, 3), 0.5), multi_class="ovr")
    with pytest.raises(InputError, match="needs both classes"):
        um.roc_auc_score([1, 1, 1], [0.2, 0.3, 0.4], labels=[0, 1])
    with pytest.raises(InputError, match="exactly two classes"):
        um.roc_auc_score([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(InputError, match="average='binary' needs two classes"):
        um.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(InputError, match="unknown average 'macr'; did you mean 'macro'"):
        um.f1_score([0, 1], [0, 1], average="macr")


def test_string_labels_take_the_general_path():
    y_true = np.array(["ok", "fraud", "ok", "ok", "fraud", "other"])
    y_pred = np.array(["ok", "ok", "ok", "fraud", "fraud", "other"])
    _close(um.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))
    _close(
        um.f1_score(y_true, y_pred, average="macro"), skm.f1_score(y_true, y_pred, average="macro")
    )
    _close(
        um.f1_score(y_true, y_pred, average=None, labels=["other", "ok"]),
        skm.f1_score(y_true, y_pred, average=None, labels=["other", "ok"]),
    )


@settings(max_examples=80, deadline=None)
@given(label_pairs(max_classes=4), st.sampled_from(["micro", "macro", "weighted", None]))
def test_label_subsets(pair, average):
    y_true, y_pred = pair
    subset = [2, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = um.precision_recall_fscore_support(
            y_true, y_pred, labels=subset, average=average, zero_division=0.0
        )
        theirs = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=subset, average=average, zero_division=0.0
        )
    for a, b in zip(ours[:3], theirs[:3], strict=True):
        _close(a, b)
