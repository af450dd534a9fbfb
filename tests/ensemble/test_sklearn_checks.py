"""scikit-learn's estimator checks on every ensemble (fast tree and linear members)."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from unskew.ensemble import (
    BalancedBaggingClassifier,
    BoostingClassifier,
    EasyEnsembleClassifier,
    HeterogeneousEnsemble,
    TabularBaseline,
)

TREE = DecisionTreeClassifier(max_depth=3)
ESTIMATORS = [
    EasyEnsembleClassifier(TREE, n_estimators=3, random_state=0),
    BalancedBaggingClassifier(TREE, n_estimators=3, random_state=0),
    BoostingClassifier(TREE, n_estimators=3, random_state=0),
    HeterogeneousEnsemble([("tree", TREE), ("lr", LogisticRegression())], random_state=0),
    HeterogeneousEnsemble(
        [("tree", TREE), ("lr", LogisticRegression())], method="stacking", random_state=0
    ),
    TabularBaseline("balanced_random_forest", n_estimators=10, random_state=0),
]


# Resampling ensembles cannot pass these: a row of weight 2 is not the same as the row twice once
# rows are drawn at random (under-sampling, bootstraps, stacking folds draw different rows).
RESAMPLING = {
    name: "rows are drawn at random, so a row of weight 2 is not the row twice"
    for name in (
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    )
}


def _expected_failures(estimator):
    soft_voting = getattr(estimator, "method", None) == "soft_voting"
    return {} if soft_voting else RESAMPLING


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_scikit_learn_checks(estimator, check):
    check(estimator)
