"""HybridClassifier: every head trains on real deep features, and on KEEL yeast4 the hybrid with a
balanced head is compared against its own deep single model (printed with ``pytest -s``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from unskew.datasets import keel
from unskew.exceptions import InputError
from unskew.hybrid import HEADS, BalancedSVC, HybridClassifier, make_head
from unskew.training.estimator import ImbalancedClassifier


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small networks train much faster on one torch thread than on two contended ones."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def small():
    X, y = make_classification(
        400, 8, n_informative=4, weights=[0.85], class_sep=1.5, random_state=0
    )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.parametrize("head", sorted(HEADS))
def test_every_named_head_trains_on_the_deep_features(head, small):
    X_train, X_test, y_train, y_test = small
    clf = HybridClassifier(head=head, epochs=5, random_state=0).fit(X_train, y_train)
    assert clf.classes_.tolist() == [0, 1]
    assert clf.n_head_features_ == 64  # the MLP's penultimate width
    assert clf.predict(X_test).shape == (len(X_test),)
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2) and np.allclose(proba.sum(1), 1.0)
    assert clf.score(X_test, y_test) > 0.7


def test_a_classifier_instance_as_head_is_cloned_and_takes_head_params(small):
    X_train, X_test, y_train, _ = small
    knn = KNeighborsClassifier()
    clf = HybridClassifier(head=knn, head_params={"n_neighbors": 3}, epochs=3, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.head_ is not knn and clf.head_.n_neighbors == 3 and knn.n_neighbors == 5
    assert not hasattr(knn, "classes_")
    assert not hasattr(clf, "decision_function")  # k-NN has none
    assert clf.predict(X_test).shape == (len(X_test),)


def test_decision_function_follows_the_head(small):
    X_train, X_test, y_train, _ = small
    assert not hasattr(HybridClassifier(head="random_forest"), "decision_function")
    clf = HybridClassifier(head="logistic_regression", epochs=3, random_state=0)
    assert hasattr(clf, "decision_function")
    clf.fit(X_train, y_train)
    decision = clf.decision_function(X_test)
    assert np.array_equal(clf.predict(X_test), (decision > 0).astype(int))


def test_a_given_extractor_is_cloned_and_include_inputs_widens_the_features(small):
    X_train, X_test, y_train, _ = small
    extractor = ImbalancedClassifier(hidden=(16, 8), epochs=3, random_state=0)
    clf = HybridClassifier(extractor, head="logistic_regression", include_inputs=True)
    clf.fit(X_train, y_train)
    assert not hasattr(extractor, "model_") and clf.extractor_ is not extractor
    assert clf.n_head_features_ == 8 + X_train.shape[1]
    assert clf.n_features_in_ == X_train.shape[1]
    assert clf.predict(X_test).shape == (len(X_test),)


def test_image_features_from_a_cnn_extractor():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 8, 8)[:500]
    extractor = ImbalancedClassifier(model="cnn", epochs=2, random_state=0)
    clf = HybridClassifier(extractor, head="logistic_regression").fit(images[:400], y[:400])
    assert clf.classes_.tolist() == list(range(10))
    assert clf.score(images[400:], y[400:500]) > 0.6  # chance is 0.1


def test_include_inputs_on_a_dataset_of_images_streams_the_pixels_with_the_features():
    """A Dataset (what an image folder on disk becomes) has no array form; the pixels join the
    features batch by batch, in the same rows."""
    import torch
    from sklearn.datasets import load_digits
    from torch.utils.data import TensorDataset

    X, y = load_digits(return_X_y=True)
    images = torch.tensor(X.reshape(-1, 1, 8, 8)[:300], dtype=torch.float32)
    data = TensorDataset(images, torch.tensor(y[:300]))
    extractor = ImbalancedClassifier(model="cnn", epochs=2, random_state=0)
    clf = HybridClassifier(extractor, head="logistic_regression", include_inputs=True)
    clf.fit(data, y[:300])
    features = clf._features(data)
    assert clf.n_head_features_ == features.shape[1] > 64
    assert np.allclose(features[:, -64:], X[:300])  # the pixels, row for row, after the features
    assert clf.score(data, y[:300]) > 0.6


def test_string_labels_and_three_classes():
    X, y = make_classification(
        450, 6, n_informative=4, n_classes=3, weights=[0.7, 0.2], random_state=1
    )
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = HybridClassifier(head="balanced_random_forest", epochs=5, random_state=0)
    clf.fit(X, labels)
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}
    assert clf.predict_proba(X).shape == (450, 3)
    assert clf.score(X, labels) > 0.6


def test_scikit_learn_conventions():
    X, y = load_breast_cancer(return_X_y=True)
    clf = HybridClassifier(head="svm", epochs=3, head_params={"C": 2.0}, random_state=0)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert copy.set_params(head="random_forest").head == "random_forest"
    assert clf.fit(X, y) is clf and not hasattr(copy, "head_")
    assert clf.head_.C == 2.0 and clf.head_.random_state == 0
    assert clf.score(X, y) > 0.9


def test_balanced_svc_predictions_agree_with_its_probabilities():
    X, y = make_classification(300, 5, weights=[0.9], random_state=0)
    svc = BalancedSVC(random_state=0).fit(X, y)
    assert np.array_equal(svc.predict(X), svc.predict_proba(X).argmax(1))
    assert (svc.predict(X) == 1).sum() >= (y == 1).sum() * 0.5  # the minority is predicted


def test_keel_hybrid_with_a_balanced_head_against_its_deep_single_model():
    """The same trained network decides twice: with its own softmax head (the deep single-model
    baseline, ``extractor_``) and through a balanced random forest on its features."""
    data = keel("yeast4")
    hybrid, deep = [], []
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(
            data.X, data.y, test_size=0.3, stratify=data.y, random_state=seed
        )
        clf = HybridClassifier(head="balanced_random_forest", random_state=seed)
        clf.fit(X_train, y_train)
        hybrid.append(clf.score(X_test, y_test))
        deep.append(clf.extractor_.score(X_test, y_test))
    print(
        f"yeast4 balanced accuracy over 3 splits: hybrid {np.round(hybrid, 3).tolist()} "
        f"(mean {np.mean(hybrid):.3f}), deep {np.round(deep, 3).tolist()} "
        f"(mean {np.mean(deep):.3f})"
    )
    assert np.mean(hybrid) > 0.7  # chance is 0.5
    assert np.mean(hybrid) >= np.mean(deep) - 0.04


def test_bad_heads_and_extractors_are_refused(small):
    X_train, _, y_train, _ = small
    with pytest.raises(InputError, match="unknown head 'forest'; heads: 'random_forest', 'svm'"):
        HybridClassifier(head="forest").fit(X_train, y_train)
    with pytest.raises(InputError, match="scikit-learn classifier instance"):
        make_head(object())
    with pytest.raises(InputError, match="feature_extractor must be an ImbalancedClassifier"):
        HybridClassifier(feature_extractor=KNeighborsClassifier()).fit(X_train, y_train)
    with pytest.raises(InputError, match="only one class"):
        HybridClassifier(epochs=1).fit(X_train, np.zeros(len(X_train), dtype=int))
