"""Model-stage parts in recipes: bilateral branches, class-group experts, auxiliary heads and
attention, trained for real on long-tailed digits, saved and reloaded."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import recall_score

from unskew.datasets import digits_lt
from unskew.exceptions import InputError
from unskew.models import MLP, BilateralBranchNetwork, GroupExperts, WithAuxiliaryHeads
from unskew.training import Callback, ImbalancedClassifier, Trainer, load_model


@pytest.fixture(scope="module")
def digits():
    data = digits_lt(imbalance_ratio=50)
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    return flat(data.X), np.asarray(data.y), flat(data.test.X), np.asarray(data.test.y)


def tail_recall(clf, X, y) -> float:
    return float(recall_score(y, clf.predict(X), average=None)[-5:].mean())


@pytest.fixture(scope="module")
def plain(digits):
    X, y, Xt, yt = digits
    clf = ImbalancedClassifier(epochs=30, validation=None, random_state=0).fit(X, y)
    return tail_recall(clf, Xt, yt)  # measured 0.22 on the five rarest digits


@pytest.mark.parametrize(
    ("part", "network"),
    [("bbn", BilateralBranchNetwork), ("experts", GroupExperts)],  # measured 0.49 and 0.47
)
def test_multi_branch_parts_raise_tail_recall(digits, plain, tmp_path, part, network):
    X, y, Xt, yt = digits
    clf = ImbalancedClassifier(
        recipe=f"cross_entropy+{part}", epochs=30, validation=None, random_state=0
    ).fit(X, y)
    assert isinstance(clf.model_, network)
    assert tail_recall(clf, Xt, yt) > plain + 0.1
    again = load_model(clf.save(tmp_path / part))
    assert isinstance(again.model_, network)
    np.testing.assert_array_equal(again.predict(Xt), clf.predict(Xt))


def test_auxiliary_head_trains_then_is_dropped(digits, tmp_path):
    X, y, _, _ = digits
    seen = []

    class Watch(Callback):
        def on_batch_end(self, trainer, step, loss):
            seen.append(isinstance(trainer.network_, WithAuxiliaryHeads))

    torch.manual_seed(0)
    trainer = Trainer(
        MLP(64, 10, hidden=(32,)),
        "cross_entropy+aux_head:weight=0.5",
        epochs=2,
        validation=None,
        callbacks=[Watch()],
    ).fit(X, y)
    assert seen and all(seen)  # the auxiliary loss was part of every step
    assert type(trainer.model_) is MLP  # and the head is gone at inference
    clf = ImbalancedClassifier(recipe="cross_entropy+aux_head", epochs=3, random_state=0).fit(X, y)
    again = load_model(clf.save(tmp_path / "aux"))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


@pytest.mark.parametrize(("model", "kind"), [("cnn", "se"), ("cnn", "cbam"), ("mlp", "se")])
def test_attention_is_built_into_the_backbone(digits, tmp_path, model, kind):
    X, y, Xt, yt = digits
    X = X.reshape(-1, 8, 8) if model == "cnn" else X
    Xt = Xt.reshape(-1, 8, 8) if model == "cnn" else Xt
    clf = ImbalancedClassifier(
        model, f"balanced_softmax+attention:kind={kind}", epochs=15, random_state=0
    ).fit(X, y)
    assert clf.network_config_["attention"] == kind
    assert clf.score(Xt, yt) > 0.6
    again = load_model(clf.save(tmp_path / f"{model}-{kind}"))
    np.testing.assert_array_equal(again.predict(Xt), clf.predict(Xt))


def test_bad_input(digits):
    X, y, _, _ = digits
    with pytest.raises(InputError, match="attention is built into the backbone"):
        Trainer(MLP(64, 10), "cross_entropy+attention", epochs=1).fit(X, y)
    with pytest.raises(InputError, match="aux_head cannot guess"):
        Trainer(
            torch.nn.Sequential(torch.nn.Linear(64, 10)), "cross_entropy+aux_head", epochs=1
        ).fit(X, y)
    with pytest.raises(InputError, match="tail_share must be < 1"):
        Trainer(MLP(64, 10), "cross_entropy+experts:tail_share=2", epochs=1).fit(X, y)
