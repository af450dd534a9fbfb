"""The strategy registry, tested over every registered entry (as timm tests its model registry)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from unskew.catalogue import STRATEGIES
from unskew.exceptions import InputError
from unskew.registry import STAGES, Expr, Param, Registry, Strategy, get_registry
from unskew.stages import RunContext

REGISTRY = get_registry()

# what the training engine supplies from the data and the run, and the few parameters without a
# usable default
CONTEXT = RunContext(
    class_counts=[90, 10],
    labels=np.array([0] * 90 + [1] * 10),
    epochs=30,
    batch_size=64,
    random_state=0,
    generator=torch.Generator().manual_seed(0),
)
REQUIRED = {
    "cost_sensitive": {"fn_cost": 5.0},
    "distributed_balanced_sampler": {"num_replicas": 2, "rank": 0},
    "stack_recipes": {"recipes": ["focal", "ldam+drw"]},
}


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_entry_is_complete_and_builds(name):
    s = REGISTRY.get(name)
    assert s.stage in STAGES and s.summary and s.modalities
    factory = s.load()
    assert callable(factory)
    built = s.build(CONTEXT, **REQUIRED.get(name, {}))
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
    with pytest.raises(InputError, match=r"drw's start_epoch defaults to int\(0.6 \* epochs\)"):
        REGISTRY.get("drw").build(class_counts=[9, 1])


def test_run_dependent_defaults_come_from_the_context_only():
    """The values the Trainer used to hold now live in the catalogue as expressions."""
    drw = REGISTRY.get("drw").build(CONTEXT)
    assert drw.start_epoch == 18  # 0.6 x 30 epochs
    pk = REGISTRY.get("balanced_batch_sampler").build(CONTEXT)
    assert (pk.classes_per_batch, pk.samples_per_class) == (2, 32)  # n_classes, 64 // 2
    assert REGISTRY.get("progressive_sampler").build(CONTEXT).total_epochs == 30
    assert REGISTRY.get("undersampling_sampler").build(CONTEXT).random_state == 0
    assert REGISTRY.get("smote").build(CONTEXT).random_state == 0
    assert str(REGISTRY.get("drw").params["start_epoch"].default) == "int(0.6 * epochs)"


def test_expressions_are_arithmetic_on_context_names_only():
    assert Expr("max(1, batch_size // n_classes)").evaluate({"batch_size": 5, "n_classes": 10}) == 1
    with pytest.raises(ValueError, match="not allowed"):
        Expr("epochs.real")
    with pytest.raises(ValueError, match="only int/float/round/max/min"):
        Expr("open('x')")
    with pytest.raises(InputError, match="needs epochs"):
        Expr("epochs").evaluate({})


def test_param_kinds_are_read_from_bare_defaults():
    s = Strategy(
        "x", "objective", "s", "", "m:a", params={"k": 3, "p": 0.5, "on": True, "h": [4, 2]}
    )
    assert [s.params[n].kind for n in ("k", "p", "on", "h")] == ["int", "float", "bool", "ints"]
    assert isinstance(s.params["k"], Param)


def test_invalid_entries_are_refused():
    with pytest.raises(ValueError, match="stage must be one of"):
        Strategy("x", "loss", "s", "", "m:a")
    with pytest.raises(ValueError, match="module:attribute"):
        Strategy("x", "objective", "s", "", "nocolon")
    with pytest.raises(ValueError, match="unknown modalities"):
        Strategy("x", "objective", "s", "", "m:a", modalities=("audio",))
