"""A stack of whole recipes: each member trained with its own recipe, combined by a class-weighted
logistic regression on their out-of-fold probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from unskew.ensemble._base import BalancedScoreMixin
from unskew.ensemble._heterogeneous import HeterogeneousEnsemble
from unskew.exceptions import InputError

__all__ = ["RecipeStack"]


def _template(estimator: Any) -> Any:
    """The classifier whose settings (model, epochs, widths, ...) every member shares."""
    from unskew.catalogue import BASELINE
    from unskew.recipes import parse_recipe
    from unskew.training.estimator import ImbalancedClassifier

    if estimator is None:
        return ImbalancedClassifier()
    rest = parse_recipe(estimator.get_params()["recipe"]).to_spec()
    if rest != BASELINE:
        raise InputError(
            f"a stack of recipes names each member's recipe itself; drop {rest!r} from the recipe "
            "and put it in the list instead, e.g. stack_recipes:recipes=[focal;ldam+drw]"
        )
    return estimator


class RecipeStack(BalancedScoreMixin, ClassifierMixin, BaseEstimator):
    """Whole recipes stacked: every member is a classifier trained with one of ``recipes``, and a
    class-weighted logistic regression learns from their out-of-fold probabilities.

    Rule (Wolpert, "Stacked Generalization", Neural Networks 5(2), 1992): each member's class
    probabilities for every training row are predicted by a copy of it trained without that row
    (stratified K-fold inside the training rows, 5 folds, fewer when a class has fewer rows; for
    two classes only the second class's column); ``LogisticRegression(class_weight="balanced")``
    is fitted on those columns; the members are then refitted on every training row and, at
    prediction time, the learner reads their probabilities. It is
    :class:`HeterogeneousEnsemble` ``(method="stacking")`` over members built from recipes, so a
    comparison's top recipes (``compare --rule stack_top_k``) train, save and predict as one
    model.

    Parameters
    ----------
    recipes : list of str
        The members' recipes (spec strings), at least one.
    estimator : ImbalancedClassifier, default=None
        The settings every member shares (model, epochs, hidden widths, ...); its recipe is
        replaced by each member's. In a recipe, the classifier of the rest of the recipe, which
        must be empty (plain ``cross_entropy``). None: ``ImbalancedClassifier()``.
    n_jobs : int or None, default=None
        Members and their fold copies fitted in parallel by joblib.
    random_state : int, RandomState or None, default=None
        Seeds the members and the folds.

    Attributes
    ----------
    ensemble_ : HeterogeneousEnsemble
        The fitted stack; its ``named_estimators_`` are the members by recipe.
    classes_ : ndarray of shape (K,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from unskew.training import ImbalancedClassifier
    >>> X, y = make_classification(300, 6, weights=[0.85], random_state=0)
    >>> net = ImbalancedClassifier(epochs=2, hidden=(8,))
    >>> stack = RecipeStack(["cross_entropy", "cross_entropy+weights:inverse"], estimator=net,
    ...                     random_state=0).fit(X, y)
    >>> list(stack.ensemble_.named_estimators_), stack.predict_proba(X[:2]).shape
    (['cross_entropy', 'cross_entropy+weights:inverse'], (2, 2))
    """

    def __init__(
        self,
        recipes: list[str] | None = None,
        *,
        estimator: Any = None,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.recipes = recipes
        self.estimator = estimator
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _members(self) -> list[tuple[str, Any]]:
        from unskew.recipes import check_recipe_list

        recipes = self.recipes
        if not isinstance(recipes, list | tuple) or not recipes:
            raise InputError(
                f"recipes must be a non-empty list of recipe specs, e.g. ['focal', 'ldam+drw'], "
                f"got {recipes!r}"
            )
        check_recipe_list(list(recipes))
        template = _template(self.estimator)
        return [(str(spec), clone(template).set_params(recipe=str(spec))) for spec in recipes]

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RecipeStack:
        """Fit the members out of fold, the learner on their probabilities, then the members on
        every row."""
        stack = HeterogeneousEnsemble(
            self._members(),
            method="stacking",
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        self.ensemble_ = stack.fit(X, y, sample_weight=sample_weight)
        self.classes_ = stack.classes_
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(stack, name):
                setattr(self, name, getattr(stack, name))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The learner's class probabilities (N, K)."""
        check_is_fitted(self, "ensemble_")
        return self.ensemble_.predict_proba(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """The learner's decision values."""
        check_is_fitted(self, "ensemble_")
        return self.ensemble_.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest probability."""
        check_is_fitted(self, "ensemble_")
        return self.ensemble_.predict(X)
