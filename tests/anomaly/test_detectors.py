"""The four minority detectors train for real and are compared with single-model baselines.

Three kinds of data: normal rows on a 3-dimensional manifold in 10 dimensions with minority rows
off it (the minority is anomalous, a linear model cannot separate it); minority rows of a kind
never seen in training ("novel" anomalies, where supervised models fail); and the KEEL dataset
shuttle-c0-vs-c4. Measured numbers are printed (``pytest -s``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from unskew.anomaly import (
    AutoencoderDetector,
    DeepSVDDDetector,
    IsolationForestDetector,
    OneClassSVMDetector,
)
from unskew.datasets import keel
from unskew.exceptions import InputError
from unskew.training.estimator import ImbalancedClassifier

DETECTORS = {
    "isolation_forest": IsolationForestDetector,
    "one_class_svm": OneClassSVMDetector,
    "autoencoder": AutoencoderDetector,
    "deep_svdd": DeepSVDDDetector,
}


def _normal(rng: np.random.Generator, n: int, W: np.ndarray) -> np.ndarray:
    return rng.normal(size=(n, W.shape[0])) @ W + 0.3 * rng.normal(size=(n, W.shape[1]))


def _off_manifold(seed: int = 0, n: int = 1000, m: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Normal rows near a 3-d plane in 10-d; minority rows isotropic, twice the normal spread."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, 10))
    normal = _normal(rng, n, W)
    minority = rng.normal(size=(m, 10)) * normal.std(0) * 2.0
    X = np.vstack([normal, minority]) + 2.0
    return X, np.r_[np.zeros(n, int), np.ones(m, int)]


def _novel(seed: int = 0):
    """Training minority: a cluster on one side of the normal class; test minority: the mirror
    cluster on the other side, a kind of anomaly never labelled."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, 10))
    direction = rng.normal(size=10)
    direction /= np.linalg.norm(direction)
    sd = _normal(rng, 1000, W).std(0)

    def cluster(sign: float, m: int) -> np.ndarray:
        return sign * 6 * direction * sd + rng.normal(size=(m, 10)) * sd * 0.5

    X_train = np.vstack([_normal(rng, 1000, W), cluster(1, 50)])
    X_test = np.vstack([_normal(rng, 500, W), cluster(-1, 25)])
    return X_train, np.r_[[0] * 1000, [1] * 50], X_test, np.r_[[0] * 500, [1] * 25]


def _baselines(X_train, y_train, X_test, y_test) -> dict[str, float]:
    logistic = make_pipeline(
        StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000)
    ).fit(X_train, y_train)
    deep = ImbalancedClassifier(recipe="cross_entropy+weights:inverse", random_state=0)
    deep.fit(X_train, y_train)
    return {
        "logistic": balanced_accuracy_score(y_test, logistic.predict(X_test)),
        "deep": deep.score(X_test, y_test),
    }


@pytest.fixture(scope="module")
def off_manifold():
    X, y = _off_manifold()
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def novel():
    data = _novel()
    return data, _baselines(*data)


@pytest.fixture(scope="module")
def shuttle():
    bundle = keel("shuttle-c0-vs-c4")
    X_tr, X_te, y_tr, y_te = train_test_split(
        bundle.X, bundle.y, test_size=0.3, stratify=bundle.y, random_state=0
    )
    return (X_tr, y_tr, X_te, y_te), _baselines(X_tr, y_tr, X_te, y_te)


@pytest.mark.parametrize("name", DETECTORS)
def test_detects_novel_anomalies_where_supervised_single_models_fail(name, novel):
    (X_train, y_train, X_test, y_test), baselines = novel
    detector = DETECTORS[name](random_state=0).fit(X_train, y_train)
    score = detector.score(X_test, y_test)
    print(f"novel anomalies, balanced accuracy: {name} {score:.3f}, baselines {baselines}")
    assert score > 0.85
    assert score > max(baselines.values()) + 0.25


@pytest.mark.parametrize("name", DETECTORS)
def test_detects_an_anomalous_minority_a_linear_model_misses(name, off_manifold):
    X_train, X_test, y_train, y_test = off_manifold
    linear = make_pipeline(
        StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000)
    ).fit(X_train, y_train)
    baseline = balanced_accuracy_score(y_test, linear.predict(X_test))
    detector = DETECTORS[name](random_state=0).fit(X_train, y_train)
    score = detector.score(X_test, y_test)
    auc = roc_auc_score(y_test, detector.anomaly_score(X_test))
    print(f"off-manifold minority: {name} BA {score:.3f} AUC {auc:.3f}; logistic BA {baseline:.3f}")
    assert score > 0.75 and auc > 0.9
    assert score > baseline + 0.15


@pytest.mark.parametrize("name", DETECTORS)
def test_detects_the_minority_of_a_keel_dataset(name, shuttle):
    (X_train, y_train, X_test, y_test), baselines = shuttle
    score = DETECTORS[name](random_state=0).fit(X_train, y_train).score(X_test, y_test)
    print(f"KEEL shuttle-c0-vs-c4: {name} BA {score:.3f}, baselines {baselines}")
    assert score > 0.9
    assert score > baselines["logistic"] - 0.05


@pytest.mark.parametrize("name", DETECTORS)
def test_scores_point_at_the_minority_and_the_threshold_decides(name, off_manifold):
    X_train, X_test, y_train, y_test = off_manifold
    detector = DETECTORS[name](random_state=0).fit(X_train, y_train)
    scores = detector.anomaly_score(X_test)
    assert scores[y_test == 1].mean() > scores[y_test == 0].mean()
    decision = detector.decision_function(X_test)
    assert np.allclose(decision, scores - detector.threshold_)
    predicted = detector.predict(X_test)
    assert np.array_equal(decision > 0, predicted == detector.minority_class_)
    assert 0 < (decision > 0).sum() < len(decision)  # the threshold cuts inside the scores
    proba = detector.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2) and np.allclose(proba.sum(1), 1.0)
    order = np.argsort(decision)
    assert (np.diff(proba[order, 1]) >= -1e-12).all()  # Platt: monotone in the score
    assert proba[y_test == 1, 1].mean() > 0.5 > proba[y_test == 0, 1].mean()


@pytest.mark.parametrize("name", DETECTORS)
def test_fit_on_all_rows_also_detects_the_minority(name, off_manifold):
    X_train, X_test, y_train, y_test = off_manifold
    detector = DETECTORS[name](fit_on="all", random_state=0).fit(X_train, y_train)
    auc = roc_auc_score(y_test, detector.anomaly_score(X_test))
    score = detector.score(X_test, y_test)
    print(f"fit_on='all': {name} BA {score:.3f} AUC {auc:.3f}")
    assert auc > 0.85 and score > 0.6
    majority = DETECTORS[name](random_state=0).fit(X_train, y_train)
    assert detector.n_train_rows_ > majority.n_train_rows_  # it saw the minority rows too


def test_fit_on_all_passes_the_minority_share_as_contamination(off_manifold):
    X_train, _, y_train, _ = off_manifold
    share = y_train.mean()
    forest = IsolationForestDetector(fit_on="all", random_state=0).fit(X_train, y_train).forest_
    assert forest.contamination == pytest.approx(share, abs=0.01)
    svm = OneClassSVMDetector(nu=0.01, fit_on="all", random_state=0).fit(X_train, y_train).svm_
    assert svm.nu == pytest.approx(share, abs=0.01)
    assert OneClassSVMDetector(nu=0.01).fit(X_train, y_train).svm_.nu == 0.01


def test_the_objective_moves_the_threshold():
    bundle = keel("yeast4")
    X, y = bundle.X, bundle.y
    fits = {
        objective: IsolationForestDetector(threshold=objective, random_state=0).fit(X, y)
        for objective in ("recall>=1.0", "f1", "precision>=1.0")
    }
    assert np.allclose(
        fits["f1"].anomaly_score(X[:50]), fits["recall>=1.0"].anomaly_score(X[:50])
    )  # same split and forest, only the cut differs
    low, mid, high = (fits[k].threshold_ for k in ("recall>=1.0", "f1", "precision>=1.0"))
    assert low < high and low <= mid <= high
    flagged = [int((fits[k].predict(X) == 1).sum()) for k in fits]
    assert flagged[0] > flagged[2]


def test_string_labels_with_the_minority_sorted_first(off_manifold):
    X_train, X_test, y_train, y_test = off_manifold
    labels = np.array(["normal", "anomaly"])
    detector = IsolationForestDetector(random_state=0).fit(X_train, labels[y_train])
    assert detector.classes_.tolist() == ["anomaly", "normal"]
    assert detector.minority_class_ == "anomaly" and detector.majority_class_ == "normal"
    predicted = detector.predict(X_test)
    assert set(predicted) <= {"anomaly", "normal"}
    assert np.array_equal(detector.margin(X_test) > 0, predicted == "anomaly")
    # scikit-learn's binary sign: positive for classes_[1] ("normal"), so roc_auc scorers, which
    # read decision_function first, rank the anomalies the right way round
    assert np.array_equal(detector.decision_function(X_test) > 0, predicted == "normal")
    from sklearn.model_selection import cross_val_score

    auc = cross_val_score(detector, X_test, labels[y_test], cv=3, scoring="roc_auc")
    assert auc.min() > 0.5, auc
    proba = detector.predict_proba(X_test)  # columns follow classes_: minority first
    assert proba[y_test == 1, 0].mean() > proba[y_test == 0, 0].mean()
    assert detector.score(X_test, labels[y_test]) > 0.75


def test_on_a_tie_the_second_label_is_the_minority():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.array(["a", "b"] * 40)
    assert IsolationForestDetector(random_state=0).fit(X, y).minority_class_ == "b"


def test_dataframes_with_missing_values_and_categories():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "amount": np.r_[rng.normal(0, 1, 300), rng.normal(6, 1, 30)],
            "city": rng.choice(["x", "y"], 330),
        }
    )
    frame.loc[::17, "amount"] = np.nan
    y = np.r_[[0] * 300, [1] * 30]
    detector = OneClassSVMDetector(random_state=0).fit(frame, y)
    assert detector.feature_names_in_.tolist() == ["amount", "city"]
    assert detector.predict(frame).shape == (330,)
    assert detector.score(frame, y) > 0.75


@pytest.mark.parametrize("name", ["autoencoder", "deep_svdd"])
def test_deep_detectors_are_reproducible_and_leave_the_global_rng_alone(name, off_manifold):
    X_train, X_test, y_train, _ = off_manifold
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = DETECTORS[name](epochs=5, random_state=7).fit(X_train, y_train)
    assert torch.equal(torch.rand(3), expected)
    b = DETECTORS[name](epochs=5, random_state=7).fit(X_train, y_train)
    assert np.array_equal(a.anomaly_score(X_test), b.anomaly_score(X_test))
    assert len(a.history_) == 5 and a.history_[-1] < a.history_[0]


@pytest.mark.parametrize("name", DETECTORS)
def test_scikit_learn_conventions(name, off_manifold):
    X_train, _, y_train, _ = off_manifold
    detector = DETECTORS[name](fit_on="all", threshold="balanced_accuracy", random_state=3)
    copy = clone(detector)
    assert copy.get_params() == detector.get_params()
    assert copy.set_params(validation=0.3).validation == 0.3
    assert not hasattr(copy, "classes_")
    if name in ("isolation_forest", "one_class_svm"):
        scores = cross_val_score(detector, X_train, y_train, cv=3)
        assert scores.mean() > 0.7  # score is the balanced accuracy
    fitted = detector.fit(X_train, y_train)
    assert fitted is detector and detector.n_features_in_ == 10
    assert detector.classes_.tolist() == [0, 1] and detector.minority_class_ == 1


# -- bad input -----------------------------------------------------------------------------------
X3 = np.random.default_rng(0).normal(size=(60, 3))


@pytest.mark.parametrize("name", DETECTORS)
def test_more_than_two_classes_is_refused(name):
    with pytest.raises(InputError, match="binary detector.*3 classes.*one against the rest"):
        DETECTORS[name]().fit(X3, np.arange(60) % 3)


def test_a_single_class_is_refused():
    with pytest.raises(InputError, match="only the class 1: .*needs majority"):
        IsolationForestDetector().fit(X3, np.ones(60, dtype=int))


def test_no_majority_rows_in_the_training_split_is_refused(monkeypatch):
    import sklearn.model_selection

    y = np.r_[[0] * 50, [1] * 10]

    def everything_to_validation(idx, **_):  # what a degenerate split would do
        return idx[y == 1][:5], np.r_[idx[y == 0], idx[y == 1][5:]]

    monkeypatch.setattr(sklearn.model_selection, "train_test_split", everything_to_validation)
    with pytest.raises(InputError, match="no majority \\(0\\) rows .*fit_on='all'"):
        IsolationForestDetector().fit(X3, y)


def test_other_bad_parameters_and_inputs_are_refused():
    y = np.r_[[0] * 50, [1] * 10]
    with pytest.raises(InputError, match="fit_on must be one of 'majority', 'all'"):
        IsolationForestDetector(fit_on="normal").fit(X3, y)
    with pytest.raises(InputError, match="validation must be a share in \\(0, 1\\)"):
        OneClassSVMDetector(validation=0.0).fit(X3, y)
    with pytest.raises(InputError, match="unknown objective 'f2'"):
        IsolationForestDetector(threshold="f2").fit(X3, y)
    with pytest.raises(InputError, match="minority class 1 has 1 row"):
        IsolationForestDetector().fit(X3, np.r_[[0] * 59, [1]])
    with pytest.raises(InputError, match="contamination"):
        IsolationForestDetector(contamination=0.9).fit(X3, y)
    with pytest.raises(InputError, match="nu must be"):
        OneClassSVMDetector(nu=0).fit(X3, y)
    with pytest.raises(InputError, match="hidden must be a non-empty sequence"):
        AutoencoderDetector(hidden=()).fit(X3, y)
    with pytest.raises(InputError, match="epochs must be a positive integer"):
        DeepSVDDDetector(epochs=2.5).fit(X3, y)
    with pytest.raises(InputError, match="X has 60 rows but y has 59"):
        IsolationForestDetector().fit(X3, y[:-1])
    with pytest.raises(InputError, match="leave too few rows"):
        IsolationForestDetector(validation=0.99).fit(X3, y)
    fitted = IsolationForestDetector(random_state=0).fit(X3, y)
    with pytest.raises(ValueError, match="3 features"):
        fitted.predict(X3[:, :2])
