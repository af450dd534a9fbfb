"""The proposed meta-stage registry entries, tried through ImbalancedClassifier recipes: the
recipe's rest trains every deep member, and the tabular baselines stay tabular."""

from __future__ import annotations

import numpy as np
import pytest

from unskew.catalogue import ENSEMBLES
from unskew.ensemble import (
    BalancedBaggingClassifier,
    BoostingClassifier,
    EasyEnsembleClassifier,
    HeterogeneousEnsemble,
    TabularBaseline,
)
from unskew.exceptions import InputError
from unskew.registry import get_registry
from unskew.training import ImbalancedClassifier, load_model

#: What unskew.catalogue could register (the catalogue itself is edited elsewhere).
PROPOSED = ENSEMBLES  # registered in unskew.catalogue


@pytest.fixture
def registered(monkeypatch):
    entries = get_registry()._entries
    for strategy in PROPOSED:
        monkeypatch.setitem(entries, strategy.name, strategy)


@pytest.mark.parametrize("strategy", PROPOSED, ids=lambda s: s.name)
def test_every_factory_builds_with_its_defaults(strategy):
    built = strategy.build()
    assert hasattr(built, "fit") and hasattr(built, "predict_proba")
    assert "random_state" in built.get_params(deep=False)


@pytest.mark.parametrize(
    ("spec", "cls", "n"),
    [
        ("easy_ensemble:3+weights:inverse", EasyEnsembleClassifier, 3),
        ("balanced_bagging:n=3", BalancedBaggingClassifier, 3),
        ("boosting:n=3+focal", BoostingClassifier, None),
        ("voting+weights:inverse", HeterogeneousEnsemble, None),
    ],
)
def test_recipes_wrap_the_net_trained_with_the_rest(registered, table, spec, cls, n):
    X, y = table
    clf = ImbalancedClassifier(recipe=spec, epochs=30, hidden=(16,), validation=None)
    clf.set_params(random_state=0).fit(X, y)
    ens = clf.meta_
    assert isinstance(ens, cls) and isinstance(ens.random_state, int)
    deep = [m for m in ens.estimators_ if isinstance(m, ImbalancedClassifier)]
    assert deep and all(m.epochs == 30 and m.hidden == (16,) for m in deep)
    rest = spec.split("+", 1)[1] if "+" in spec else "cross_entropy"
    assert all(rest.split(":")[0] in m.recipe for m in deep)
    if n is not None:
        assert len(ens.estimators_) == n
    if cls is not HeterogeneousEnsemble:
        assert len({m.random_state for m in deep}) == len(deep)  # members seeded apart
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_a_recipe_ensemble_saves_and_loads(registered, table, tmp_path):
    X, y = table
    clf = ImbalancedClassifier(recipe="easy_ensemble:n=2", epochs=3, hidden=(8,), random_state=0)
    folder = clf.fit(X, y).save(tmp_path / "model")
    assert np.allclose(load_model(folder).predict_proba(X), clf.predict_proba(X))


def test_a_tabular_baseline_stays_tabular(registered, table):
    X, y = table
    clf = ImbalancedClassifier(recipe="rus_boost:n=5", random_state=0).fit(X, y)
    assert isinstance(clf.meta_, TabularBaseline)
    assert type(clf.meta_.estimator_).__name__ == "RUSBoostClassifier"
    with pytest.raises(InputError, match="whole model of its own"):
        ImbalancedClassifier(recipe="rus_boost+focal").fit(X, y)
