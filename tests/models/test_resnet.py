"""ResNet-32 and ResNet-18: the published architectures (parameter counts, torchvision's names and
shapes), the input they refuse, the backbone table, and every model-stage part trained for real
on tiny images through the Trainer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.models import (
    BACKBONES,
    MLP,
    BilateralBranchNetwork,
    CosineClassifier,
    GroupExperts,
    LearnableWeightScaling,
    NearestClassMean,
    SmallCNN,
    SqueezeExcitation,
    TauNormalizedLinear,
    WithAuxiliaryHeads,
    build_backbone,
    resnet18,
    resnet32,
)
from unskew.models.attention import CBAM
from unskew.training import Callback, Trainer

pytestmark = pytest.mark.usefixtures("single_thread")


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------ the architectures


def test_resnet32_is_he_et_al_cifar_network():
    net = resnet32(3, 10)
    # He et al. 2016, Table 6: ResNet-32 has 0.46 M parameters; 31 convolutions + 1 linear layer
    assert _params(net) == 464_154
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 31 and all(c.kernel_size == (3, 3) for c in convs)
    assert [len(getattr(net, f"layer{k}")) for k in (1, 2, 3)] == [5, 5, 5]
    assert not hasattr(net, "layer4") and net.feature_dim == 64
    # option A: the shortcuts have no parameters; option B adds two 1x1 projections + batch norm
    projections = _params(resnet32(3, 10, shortcut="B")) - _params(net)
    assert projections == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
    x = torch.randn(2, 3, 32, 32)
    stages = [net.layer1, net.layer2, net.layer3]
    shapes = []
    hooks = [s.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape))) for s in stages]
    assert net(x).shape == (2, 10) and net.features(x).shape == (2, 64)
    for h in hooks:
        h.remove()
    assert shapes[:3] == [(2, 16, 32, 32), (2, 32, 16, 16), (2, 64, 8, 8)]


def test_resnet18_has_torchvisions_names_and_shapes():
    net = resnet18(3, 1000)
    assert _params(net) == 11_689_512  # torchvision.models.resnet18().parameters()
    state = net.state_dict()
    assert len(state) == 122  # as torchvision's, with its `fc` called `head`
    expected = {
        "conv1.weight": (64, 3, 7, 7),
        "bn1.running_var": (64,),
        "layer1.0.conv1.weight": (64, 64, 3, 3),
        "layer2.0.downsample.0.weight": (128, 64, 1, 1),
        "layer3.1.bn2.weight": (256,),
        "layer4.0.downsample.1.running_mean": (512,),
        "layer4.1.conv2.weight": (512, 512, 3, 3),
        "head.weight": (1000, 512),
    }
    assert {k: tuple(state[k].shape) for k in expected} == expected
    assert not any("downsample" in k for k in state if k.startswith("layer1."))
    assert net(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
    with torch.no_grad():
        assert net.layer4(net.layer3(net.layer2(net.layer1(net.maxpool(net.relu(net.bn1(
            net.conv1(torch.randn(1, 3, 224, 224))))))))).shape == (1, 512, 7, 7)  # fmt: skip


@pytest.mark.parametrize("kind", ["se", "cbam"])
def test_attention_sits_in_every_residual_branch(kind):
    for net, blocks in ((resnet32(1, 4, attention=kind), 15), (resnet18(1, 4, attention=kind), 8)):
        found = [m for m in net.modules() if isinstance(m, SqueezeExcitation | CBAM)]
        assert len(found) == blocks
        assert all(b.attention is not None for s in (net.layer1, net.layer2) for b in s)
    # it acts on the forward (removing the blocks changes the output) and learns
    net = resnet32(1, 4, attention=kind).eval()
    x = torch.randn(2, 1, 16, 16)
    out = net(x)
    out.sum().backward()
    assert all(p.grad is not None for p in net.layer3[4].attention.parameters())
    for stage in (net.layer1, net.layer2, net.layer3):
        for block in stage:
            block.attention = None
    assert not torch.allclose(net(x), out)


@pytest.mark.parametrize(
    ("build", "side"), [(resnet32, 8), (resnet18, 64)], ids=["resnet32", "resnet18"]
)
def test_smallest_input_and_refusals(build, side):
    net = build(1, 3).eval()
    assert net.min_size == side == BACKBONES[net.arch].min_size
    assert net(torch.zeros(2, 1, side, side)).shape == (2, 3)
    with pytest.raises(InputError, match=rf"at least {side}x{side} pixels, got {side - 1}x{side}"):
        net(torch.zeros(2, 1, side - 1, side))
    with pytest.raises(InputError, match=r"C=1, H, W\), got \(2, 3, .*in_channels=C"):
        net(torch.zeros(2, 3, side, side))
    with pytest.raises(InputError, match="a table needs the mlp backbone"):
        net(torch.zeros(2, 20))
    with pytest.raises(InputError, match="attention must be None, 'se' or 'cbam'"):
        build(1, 3, attention="transformer")
    with pytest.raises(InputError, match="n_classes to be an int >= 2"):
        build(1, 1)
    with pytest.raises(InputError, match="in_channels to be an int >= 1, got 0"):
        build(0, 3)


# ------------------------------------------------------------------------ the backbone table


def test_build_backbone_builds_each_and_refuses_what_does_not_fit():
    kinds = {"mlp": MLP, "cnn": SmallCNN}
    for name, spec in BACKBONES.items():
        if spec.modality == "table":
            net = build_backbone(name, in_features=7, n_classes=3)
            assert net(torch.zeros(2, 7)).shape == (2, 3)
        else:
            net = build_backbone(name, in_channels=3, n_classes=3, image_size=spec.min_size)
            side = spec.recommended_size
            assert net.eval()(torch.zeros(1, 3, side, side)).shape == (1, 3)
        assert isinstance(net, kinds.get(name, nn.Module)) and hasattr(net, "features")
        assert isinstance(net.head, nn.Linear) and net.head.in_features == net.feature_dim
    assert build_backbone("resnet32", in_channels=1, n_classes=2, attention="se").layer1[0]
    with pytest.raises(InputError, match=r"at least 64x64 pixels, got 48x80; .*resnet32 or cnn"):
        build_backbone("resnet18", in_channels=3, n_classes=2, image_size=(48, 80))
    with pytest.raises(InputError, match=r"at least 8x8 pixels, got 4x4; .* or use cnn"):
        build_backbone("resnet32", in_channels=3, n_classes=2, image_size=4)
    with pytest.raises(InputError, match=r"resnet18 takes images .*got a table \(20 columns\)"):
        build_backbone("resnet18", in_features=20, n_classes=2)
    with pytest.raises(InputError, match="mlp takes a table"):
        build_backbone("mlp", in_channels=3, n_classes=2, image_size=32)
    with pytest.raises(InputError, match="image_size must be a positive int"):
        build_backbone("resnet32", in_channels=3, n_classes=2, image_size=0)
    with pytest.raises(InputError, match="unknown backbone 'resnet50'; choose one of mlp, cnn"):
        build_backbone("resnet50", in_channels=3, n_classes=2)


# ------------------------------------------------------------------------ learning, and every part


def test_resnet32_learns_real_digits(tiny_digits):
    x, y = tiny_digits["x32"], tiny_digits["y"]
    xt, yt = tiny_digits["x32_test"], tiny_digits["y_test"]
    torch.manual_seed(0)
    net = resnet32(1, 3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(30):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    with torch.no_grad():
        assert float((net(x).argmax(1) == y).float().mean()) == 1.0  # fits the 16 images
        # 30 steps leave the running batch-norm statistics behind the weights; re-estimate them
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # a cumulative average
        net(x)
        net.eval()
        # 90 held-out digits: measured 0.73, chance is 0.33
        assert float((net(xt).argmax(1) == yt).float().mean()) > 0.6


BACKBONE_INPUTS = {"resnet32": (resnet32, 1, "x32"), "resnet18": (resnet18, 3, "x64")}

#: recipe -> (network type after fit, head type after fit)
PARTS = {
    "cross_entropy": (None, nn.Linear),
    "ldam+drw": (None, CosineClassifier),
    "cross_entropy+cosine": (None, CosineClassifier),
    "balanced_softmax+crt": (None, nn.Linear),
    "cross_entropy+tau_norm": (None, TauNormalizedLinear),
    "cross_entropy+lws": (None, LearnableWeightScaling),
    "cross_entropy+ncm": (None, NearestClassMean),
    "cross_entropy+bbn": (BilateralBranchNetwork, nn.Linear),
    "cross_entropy+experts": (GroupExperts, None),
    "cross_entropy+aux_head:layer=layer2": (None, nn.Linear),
    "cross_entropy+aux_head": (None, nn.Linear),  # the default layer
    "cross_entropy+attention:kind=se": (None, nn.Linear),
    "cross_entropy+attention:kind=cbam": (None, nn.Linear),
    "cross_entropy+smote_batch": (None, nn.Linear),
}


def _fit(arch: str, recipe: str, data: dict, **kw):
    build, channels, key = BACKBONE_INPUTS[arch]
    kind = recipe.split("attention:kind=")[1] if "attention:kind=" in recipe else None
    torch.manual_seed(0)
    net = build(channels, 3, attention=kind)
    before = net.layer1[0].conv1.weight.detach().clone()
    options = {"epochs": 2, "batch_size": 8, "validation": None, "verbose": 0, **kw}
    trainer = Trainer(net, recipe, **options).fit(data[key], data["y"])
    return trainer, net, before


@pytest.mark.parametrize("arch", list(BACKBONE_INPUTS))
@pytest.mark.parametrize("recipe", list(PARTS))
def test_every_model_stage_part_trains_on_the_backbone(tiny_digits, arch, recipe):
    seen: list[bool] = []

    class Watch(Callback):
        def on_batch_end(self, trainer, step, loss):
            seen.append(isinstance(trainer.network_, WithAuxiliaryHeads))

    trainer, net, before = _fit(arch, recipe, tiny_digits, callbacks=[Watch()])
    network, head = PARTS[recipe]
    assert len(seen) == 4  # 2 epochs of 2 real optimiser steps
    assert not torch.equal(net.layer1[0].conv1.weight, before)  # the body trained
    model = trainer.model_
    assert isinstance(model, network or type(net))
    if network is not None:
        assert model.backbone is net and isinstance(net.head, nn.Identity)
    if head is not None:
        assert type(model.head) is head
    if "aux_head" in recipe:
        assert all(seen) and model is net  # watched while training, dropped after
    if "attention" in recipe:
        assert sum(isinstance(m, SqueezeExcitation | CBAM) for m in net.modules()) > 0
    _, _, key = BACKBONE_INPUTS[arch]
    proba = trainer.predict_proba(tiny_digits[key])
    assert proba.shape == (16, 3) and torch.isfinite(torch.as_tensor(proba)).all()


def test_aux_layer_default_is_a_stage_whose_width_is_known_without_a_dry_run():
    for net, width in ((resnet32(1, 3), 32), (resnet18(3, 3), 128)):
        wrapped = WithAuxiliaryHeads(net, [net.aux_layer], n_classes=3)
        assert net.aux_layer == "layer2" and wrapped.aux_heads[0].linear.in_features == width


def test_parts_that_do_not_apply_say_why(tiny_digits):
    x32, x64, y = tiny_digits["x32"], tiny_digits["x64"], tiny_digits["y"]
    with pytest.raises(InputError, match=r"resnet18 needs images of at least 64x64 pixels"):
        Trainer(resnet18(1, 3), epochs=1, verbose=0).fit(x32, y)
    with pytest.raises(InputError, match="a table needs the mlp backbone"):
        Trainer(resnet32(1, 3), epochs=1, verbose=0).fit(x32.flatten(1), y)
    with pytest.raises(InputError, match="attention is built into the backbone"):
        Trainer(resnet32(1, 3), "cross_entropy+attention:kind=se", epochs=1).fit(x32, y)
    with pytest.raises(InputError, match="re-scales a linear classifier"):
        Trainer(resnet18(3, 3), "ldam+tau_norm", epochs=1, verbose=0).fit(x64, y)
    with pytest.raises(InputError, match="no sub-module named 'layer5'; did you mean"):
        Trainer(resnet18(3, 3), "cross_entropy+aux_head:layer=layer5", epochs=1).fit(x64, y)
