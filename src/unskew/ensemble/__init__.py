"""Meta-stage ensembles: many models, each trained on balanced data or a different algorithm.

* :class:`EasyEnsembleClassifier` - members on all minority rows plus a different random majority
  subset each (Liu, Wu & Zhou 2009), probabilities averaged;
* :class:`BalancedBaggingClassifier` - bootstrap bags, each balanced by under-sampling (Hido et
  al. 2009), soft voting;
* :class:`BoostingClassifier` - RUSBoost-style SAMME: each round a random under-sampling of the
  weighted rows (Seiffert et al. 2010; Zhu et al. 2009);
* :class:`HeterogeneousEnsemble` - different algorithms (a deep net, a balanced random forest, a
  class-weighted logistic regression) by soft voting or stacking;
* :class:`RecipeStack` - whole recipes stacked by a class-weighted logistic regression on their
  out-of-fold probabilities (what ``compare --rule stack_top_k`` recommends);
* :func:`tabular_baseline` / :class:`TabularBaseline` - the classical tabular models to compare
  against: imbalanced-learn's ensembles, class-weighted logistic regression and histogram gradient
  boosting.

All are scikit-learn classifiers (labels of any values, ``classes_``, ``clone``), take any
scikit-learn classifier as members (by default the deep
:class:`~unskew.training.ImbalancedClassifier`), derive every member's seed from
``random_state``, and fit members in parallel with joblib (``n_jobs``) with the same result as
sequentially. The lower-case functions build them from recipe parameters for the registry.
"""

from unskew.ensemble._bagging import BalancedBaggingClassifier
from unskew.ensemble._baselines import TABULAR_BASELINES, TabularBaseline, tabular_baseline
from unskew.ensemble._boosting import BoostingClassifier
from unskew.ensemble._easy_ensemble import EasyEnsembleClassifier
from unskew.ensemble._factories import (
    balanced_bagging,
    balanced_random_forest,
    boosting,
    easy_ensemble,
    easy_ensemble_adaboost,
    hist_gradient_boosting,
    logistic_regression,
    rus_boost,
    stacking,
    voting,
)
from unskew.ensemble._heterogeneous import METHODS, HeterogeneousEnsemble, default_members
from unskew.ensemble._recipe_stack import RecipeStack

__all__ = [
    "METHODS",
    "TABULAR_BASELINES",
    "BalancedBaggingClassifier",
    "BoostingClassifier",
    "EasyEnsembleClassifier",
    "HeterogeneousEnsemble",
    "RecipeStack",
    "TabularBaseline",
    "balanced_bagging",
    "balanced_random_forest",
    "boosting",
    "default_members",
    "easy_ensemble",
    "easy_ensemble_adaboost",
    "hist_gradient_boosting",
    "logistic_regression",
    "rus_boost",
    "stacking",
    "tabular_baseline",
    "voting",
]
