"""Decoupled classifier learning (cRT, tau-norm, LWS, NCM) on MNIST-LT: re-building the classifier on
frozen features raises the tail classes' recall over the jointly trained model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import recall_score

from unskew.datasets import mnist_lt
from unskew.exceptions import InputError
from unskew.models import MLP, SmallCNN
from unskew.models.heads import LearnableWeightScaling, NearestClassMean, TauNormalizedLinear
from unskew.registry import get_registry
from unskew.training import Trainer

PROTOCOL = {"optimizer": "sgd", "lr": 0.05, "batch_size": 64, "epochs": 20, "verbose": 0}


@pytest.fixture(scope="module")
def data():
    return mnist_lt()


def tail_recall(trainer, data) -> float:
    recall = recall_score(data.test.y, trainer.predict(data.test.X), average=None)
    return float(recall[7:].mean())  # the three rarest classes: 11, 6 and 4 training images


def fit(spec, data, **kw):
    torch.manual_seed(0)
    trainer = Trainer(SmallCNN(1, 10), spec, **{**PROTOCOL, "validation": None, **kw})
    return trainer.fit(data.X, data.y)


@pytest.fixture(scope="module")
def joint(data):
    return tail_recall(fit("cross_entropy", data), data)  # measured: 0.60


@pytest.mark.parametrize(
    ("spec", "head_type"),
    [
        ("cross_entropy+crt", torch.nn.Linear),  # measured tail recall 0.71
        ("cross_entropy+tau_norm:tau=1", TauNormalizedLinear),  # 0.77
        ("cross_entropy+lws", LearnableWeightScaling),  # 0.72
        ("cross_entropy+ncm", NearestClassMean),  # 0.73
    ],
)
def test_decoupled_heads_raise_tail_recall(data, joint, spec, head_type):
    trainer = fit(spec, data)
    assert type(trainer.model_.head) is head_type
    assert tail_recall(trainer, data) > joint + 0.05, spec


def test_crt_trains_only_the_classifier_and_tau_is_tuned_on_validation(data):
    torch.manual_seed(0)
    model = SmallCNN(1, 10)
    trainer = Trainer(model, "cross_entropy", **{**PROTOCOL, "epochs": 3, "validation": None})
    trainer.fit(data.X, data.y)
    body = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("head")}
    crt = get_registry().get("crt").build(epochs=2)
    old_head = model.head.weight.detach().clone()
    trainer.retrain_head(data.X, np.asarray(data.y), None, parts=[crt])
    after = {k: v for k, v in model.state_dict().items() if not k.startswith("head")}
    assert all(torch.equal(body[k], after[k]) for k in body)  # features frozen
    assert not torch.equal(model.head.weight, old_head)

    X = np.concatenate([data.X, data.test.X[::2]])
    y = np.concatenate([data.y, data.test.y[::2]])
    tuned = Trainer(
        SmallCNN(1, 10), "cross_entropy+tau_norm", **{**PROTOCOL, "epochs": 4, "validation": 0.3}
    ).fit(X, y)
    assert tuned.model_parts_[-1].tau_ in [round(t, 1) for t in np.arange(0, 2.01, 0.1)]
    assert isinstance(tuned.model_.head, TauNormalizedLinear)


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(200, 5)).astype(np.float32)
    y = np.array([0] * 180 + [1] * 20)
    with pytest.raises(InputError, match="the model's head is CosineClassifier"):
        Trainer(MLP(5, 2), "ldam+tau_norm", epochs=1).fit(X, y)
    with pytest.raises(InputError, match="needs a `features\\(x\\)` method and a `head`"):
        Trainer(torch.nn.Linear(5, 2), "cross_entropy+crt", epochs=1).fit(X, y)
