"""HybridClassifier: deep features learned under an imbalance recipe, read by a classical head.

A deep network trained with any recipe learns a representation; a class-balanced random forest,
SVM, boosted trees or logistic regression then classifies its penultimate features. The head
sees the class imbalance again through its own balancing, and tree heads capture interactions a
linear softmax layer misses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from unskew._validation import format_list
from unskew.exceptions import InputError
from unskew.training.batches import eval_batches
from unskew.training.estimator import ImbalancedClassifier

__all__ = ["HEADS", "BalancedSVC", "HybridClassifier", "make_head"]


class BalancedSVC(ClassifierMixin, BaseEstimator):
    """An SVM with class-balanced weights whose probabilities agree with its predictions.

    The SVC is trained with ``class_weight="balanced"`` (every row weighted ``n / (K n_c)``);
    ``predict_proba`` is a sigmoid (Platt) map of its decision values fit out of fold under the
    same weights, so the probabilities assume a balanced prior and ``predict`` (their argmax)
    keeps the balanced decision. This is what ``SVC(class_weight="balanced", probability=True)``
    gave, without its inconsistency (Platt fit on unweighted rows, ``predict`` from the weighted
    sign) and without the ``probability`` parameter scikit-learn 1.9 deprecates. Reference:
    Platt, "Probabilistic Outputs for Support Vector Machines", 1999.

    Parameters
    ----------
    C, kernel, gamma, degree : as for ``sklearn.svm.SVC``
    cv : int, default=5
        Folds of the out-of-fold calibration (fewer when the smallest class has fewer rows).
    random_state : int or None, default=None

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, 6, weights=[0.9], random_state=0)
    >>> svc = BalancedSVC(random_state=0).fit(X, y)
    >>> bool((svc.predict(X) == svc.classes_[svc.predict_proba(X).argmax(1)]).all())
    True
    """

    def __init__(
        self,
        C: float = 1.0,
        kernel: str = "rbf",
        gamma: str | float = "scale",
        degree: int = 3,
        cv: int = 5,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> BalancedSVC:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import SVC
        from sklearn.utils.class_weight import compute_sample_weight

        y = np.asarray(y)
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < 2:
            raise InputError(
                "BalancedSVC calibrates out of fold and needs at least 2 rows of every class; "
                f"the smallest class has {smallest}"
            )
        svc = SVC(
            C=self.C,
            kernel=self.kernel,
            gamma=self.gamma,
            degree=self.degree,
            random_state=self.random_state,
        )
        folds = StratifiedKFold(min(self.cv, smallest), shuffle=True, random_state=0)
        self.model_ = CalibratedClassifierCV(svc, method="sigmoid", cv=folds, ensemble=False)
        self.model_.fit(X, y, sample_weight=compute_sample_weight("balanced", y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _random_forest(**params: Any) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(**{"class_weight": "balanced", **params})


def _svm(**params: Any) -> Any:
    return BalancedSVC(**params)


def _gradient_boosting(**params: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**{"class_weight": "balanced", **params})


def _balanced_random_forest(**params: Any) -> Any:
    from imblearn.ensemble import BalancedRandomForestClassifier

    return BalancedRandomForestClassifier(**params)


def _logistic_regression(**params: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**{"class_weight": "balanced", "max_iter": 1000, **params})


#: Head names and the classifier each builds (all balance the classes).
HEADS: dict[str, Callable[..., Any]] = {
    "random_forest": _random_forest,
    "svm": _svm,
    "gradient_boosting": _gradient_boosting,
    "balanced_random_forest": _balanced_random_forest,
    "logistic_regression": _logistic_regression,
}


def make_head(head: Any, random_state: int | None = None, **params: Any) -> Any:
    """The unfitted classical head: a name of :data:`HEADS` or a clone of a classifier instance,
    with ``params`` set and, for a named head that takes one, ``random_state``.

    ========================== ==========================================================
    ``random_forest``          ``RandomForestClassifier(class_weight="balanced")``
    ``svm``                    :class:`BalancedSVC` (balanced SVC, Platt probabilities)
    ``gradient_boosting``      ``HistGradientBoostingClassifier(class_weight="balanced")``
    ``balanced_random_forest`` imbalanced-learn's ``BalancedRandomForestClassifier``
    ``logistic_regression``    ``LogisticRegression(class_weight="balanced", max_iter=1000)``
    ========================== ==========================================================

    Examples
    --------
    >>> make_head("random_forest", random_state=0, n_estimators=50).get_params()["class_weight"]
    'balanced'
    """
    if isinstance(head, str):
        if head not in HEADS:
            raise InputError(
                f"unknown head {head!r}; heads: {format_list(HEADS)}, or pass a scikit-learn "
                "classifier instance"
            )
        built = HEADS[head](**params)
        if (
            random_state is not None
            and "random_state" in built.get_params()
            and ("random_state" not in params)
        ):
            built.set_params(random_state=random_state)
        return built
    if not (hasattr(head, "fit") and hasattr(head, "predict") and is_classifier(head)):
        raise InputError(
            f"head must be one of {format_list(HEADS)} or a scikit-learn classifier instance, "
            f"got {head!r}"
        )
    return clone(head).set_params(**params)


def _head_has(name: str) -> Callable[[Any], bool]:
    """For ``available_if``: the fitted head (before ``fit``, the head asked for) has ``name``."""

    def check(self: HybridClassifier) -> bool:
        head = getattr(self, "head_", None)
        if head is None:
            known = isinstance(self.head, str) and self.head in HEADS
            head = HEADS[self.head]() if known else self.head
        return isinstance(head, str) or hasattr(head, name)

    return check


class HybridClassifier(ClassifierMixin, BaseEstimator):
    """Deep features from an imbalance-aware network, classified by a classical balanced head.

    ``fit`` trains the feature extractor (by default ``ImbalancedClassifier(model="mlp",
    recipe=recipe, epochs=epochs)``, or a clone of ``feature_extractor``) on ``(X, y)``, takes its
    network's penultimate features ``h(x) = model_.features(inputs(x))`` (optionally concatenated
    with the preprocessed inputs), standardises them on the training rows and fits ``head`` on
    them. ``predict``, ``predict_proba`` and ``decision_function`` are the head's. ``score`` is
    the balanced accuracy.

    References: Huang et al., "Learning Deep Representation for Imbalanced Classification",
    CVPR 2016 (a classical classifier on deep features); Kang et al., "Decoupling Representation
    and Classifier for Long-Tailed Recognition", ICLR 2020 (re-balance the classifier, keep the
    representation).

    Parameters
    ----------
    feature_extractor : ImbalancedClassifier or None, default=None
        An unfitted (it is cloned) deep classifier whose network has ``features``; None builds
        the default from ``recipe``, ``epochs`` and ``random_state``, which are then ignored.
    head : str or classifier, default="random_forest"
        A name of :data:`HEADS` or any scikit-learn classifier (cloned).
    recipe : str or dict, default="cross_entropy+weights:inverse"
        Recipe of the default feature extractor.
    epochs : int, default=30
        Epochs of the default feature extractor.
    include_inputs : bool, default=False
        Also give the head the preprocessed inputs, next to the features.
    head_params : dict or None, default=None
        Parameters set on the head (``{"n_estimators": 500}``).
    random_state : int or None, default=None
        Seeds the default extractor and a named head.

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted.
    extractor_ : ImbalancedClassifier
        The fitted feature extractor; ``extractor_.score(X, y)`` is the deep single-model
        baseline the hybrid replaces.
    head_ : classifier
        The fitted head (trained on codes ``0..K-1``).
    scaler_ : StandardScaler
        Standardises the head's inputs.
    n_head_features_ : int
        Width of what the head sees.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, 8, weights=[0.9], random_state=0)
    >>> clf = HybridClassifier(head="logistic_regression", epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape, clf.n_head_features_
    ((3,), (3, 2), 64)
    """

    def __init__(
        self,
        feature_extractor: ImbalancedClassifier | None = None,
        head: Any = "random_forest",
        recipe: Any = "cross_entropy+weights:inverse",
        epochs: int = 30,
        *,
        include_inputs: bool = False,
        head_params: dict[str, Any] | None = None,
        random_state: int | None = None,
    ) -> None:
        self.feature_extractor = feature_extractor
        self.head = head
        self.recipe = recipe
        self.epochs = epochs
        self.include_inputs = include_inputs
        self.head_params = head_params
        self.random_state = random_state

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _extractor(self) -> ImbalancedClassifier:
        if self.feature_extractor is None:
            return ImbalancedClassifier(
                model="mlp", recipe=self.recipe, epochs=self.epochs, random_state=self.random_state
            )
        if not isinstance(self.feature_extractor, ImbalancedClassifier):
            raise InputError(
                "feature_extractor must be an ImbalancedClassifier (its network's features feed "
                "the head) or None for the default MLP, got "
                f"{type(self.feature_extractor).__name__}"
            )
        return clone(self.feature_extractor)

    def _features(self, X: Any) -> np.ndarray:
        extractor = self.extractor_
        inputs = extractor._inputs(X, fit=False)
        model = extractor.model_.eval()
        if not hasattr(model, "features"):
            raise InputError(
                f"the extractor's network {type(model).__name__} has no `features` method; give "
                "your nn.Module a features(x) returning its penultimate representation"
            )
        parts = []
        with torch.no_grad():
            for chunk in eval_batches(inputs, 1024):  # a tensor or a Dataset (images on disk)
                part = model.features(chunk).float().reshape(len(chunk), -1)
                if self.include_inputs:
                    part = torch.cat([part, chunk.float().reshape(len(chunk), -1)], dim=1)
                parts.append(part)
        return torch.cat(parts).numpy().astype(np.float64)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HybridClassifier:
        """Train the extractor, then the head on its features of the same rows.

        ``sample_weight`` goes to the extractor only (the named heads balance classes themselves).
        """
        from sklearn.preprocessing import StandardScaler

        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        head = make_head(self.head, self.random_state, **(self.head_params or {}))
        extractor = self._extractor()  # both checked before the costly training
        self.extractor_ = extractor.fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.extractor_.classes_
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.extractor_, name):
                setattr(self, name, getattr(self.extractor_, name))
        codes = np.searchsorted(self.classes_, y)
        features = self._features(X)
        self.scaler_ = StandardScaler().fit(features)
        self.head_ = head.fit(self.scaler_.transform(features), codes)
        self.n_head_features_ = features.shape[1]
        return self

    def _head_input(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "head_")
        return self.scaler_.transform(self._features(X))

    def predict(self, X: Any) -> np.ndarray:
        """The head's labels."""
        return self.classes_[np.asarray(self.head_.predict(self._head_input(X)), dtype=np.int64)]

    @available_if(_head_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """The head's class probabilities (n_samples, n_classes), in the order of ``classes_``."""
        return self.head_.predict_proba(self._head_input(X))

    @available_if(_head_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The head's decision function (only for heads that have one)."""
        return self.head_.decision_function(self._head_input(X))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Balanced accuracy (mean per-class recall) of :meth:`predict` on ``(X, y)``."""
        from sklearn.metrics import balanced_accuracy_score

        return float(balanced_accuracy_score(y, self.predict(X), sample_weight=sample_weight))
