"""The strategy registry, tested over every registered entry (as timm tests its model registry)."""

from __future__ import annotations

import json

import pytest

from unskew.catalogue import STRATEGIES
from unskew.exceptions import InputError
from unskew.registry import STAGES, Registry, Strategy, get_registry

REGISTRY = get_registry()

# what the training engine supplies from the data, and the few parameters without a usable default
CONTEXT = {
    "class_counts": [90, 10],
    "labels": [0] * 90 + [1] * 10,
    "in_features": 16,  # heads: the Trainer takes these from the model
    "num_classes": 2,
}
REQUIRED = {
    "cost_sensitive": {"fn_cost": 5.0},
    "distributed_balanced_sampler": {"num_replicas": 2, "rank": 0},
}


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_entry_is_complete_and_builds(name):
    s = REGISTRY.get(name)
    assert s.stage in STAGES and s.summary and s.modalities
    factory = s.load()
    assert callable(factory)
    built = s.build(**{n: CONTEXT[n] for n in s.needs}, **REQUIRED.get(name, {}))
    assert built is not None
    assert json.loads(json.dumps(s.to_dict()))["name"] == name


def test_cross_entropy_baseline_really_computes_the_loss():
    import torch

    loss = REGISTRY.get("cross_entropy").build()
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    target = torch.tensor([0, 0])
    expected = -torch.log_softmax(logits, 1)[[0, 1], [0, 0]].mean()
    assert torch.allclose(loss(logits, target), expected)


def test_names_are_unique_and_registration_is_explicit():
    names = [s.name for s in STRATEGIES]
    assert len(names) == len(set(names)) == len(REGISTRY)
    reg = Registry()
    reg.register(STRATEGIES[0])
    with pytest.raises(ValueError, match="already registered"):
        reg.register(STRATEGIES[0])


def test_lookup_and_filters():
    with pytest.raises(InputError, match="did you mean 'cross_entropy'"):
        REGISTRY.get("cross_entropyy")
    assert [s.name for s in REGISTRY.list("cross*")] == ["cross_entropy"]
    assert {"isolation_forest", "hybrid"} <= {s.name for s in REGISTRY.list(stage="meta")}
    assert [s.name for s in REGISTRY.list(tag="baseline", stage="objective")] == ["cross_entropy"]
    assert {s.name for s in REGISTRY.list(modality="image", tag="segmentation")} == {
        "dice",
        "tversky",
    }
    assert "dice" not in {s.name for s in REGISTRY.list(modality="table")}
    assert REGISTRY.list(modality="text")
    with pytest.raises(InputError, match="unknown stage 'objectiv'"):
        REGISTRY.list(stage="objectiv")


def test_build_refuses_unknown_parameters_and_asks_for_needs():
    with pytest.raises(InputError, match="has no parameter.*'gamma'.*'label_smoothing'"):
        REGISTRY.get("cross_entropy").build(gamma=2)
    with pytest.raises(InputError, match="ldam needs 'class_counts' from the training data"):
        REGISTRY.get("ldam").build()


def test_invalid_entries_are_refused():
    with pytest.raises(ValueError, match="stage must be one of"):
        Strategy("x", "loss", "s", "", "m:a")
    with pytest.raises(ValueError, match="module:attribute"):
        Strategy("x", "objective", "s", "", "nocolon")
    with pytest.raises(ValueError, match="unknown modalities"):
        Strategy("x", "objective", "s", "", "m:a", modalities=("audio",))
