"""Model-stage recipe parts that reshape the network: bilateral branches, class-group experts,
auxiliary heads, attention. The Trainer calls :func:`apply_model_parts` before training, and
:func:`~unskew.training.load_model` calls it again to rebuild a saved network's structure."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.recipes import Recipe

__all__ = [
    "Attention",
    "AuxiliaryHeads",
    "BilateralBranches",
    "ClassGroupExperts",
    "apply_model_parts",
]


class BilateralBranches:
    """The ``bbn`` part: wrap the backbone in a :class:`~unskew.models.BilateralBranchNetwork`
    (Zhou et al., CVPR 2020). The Trainer feeds the conventional branch with the recipe's batches
    and the re-balancing branch with reversed sampling (p_c proportional to 1/n_c), mixing the two
    losses with the cumulative weight alpha = 1 - (epoch / epochs)^2.

    Examples
    --------
    >>> BilateralBranches().branch_hidden is None
    True
    """

    def __init__(self, branch_hidden: int | None = None) -> None:
        self.branch_hidden = branch_hidden

    def wrap(
        self, model: nn.Module, num_classes: int, counts: np.ndarray, example: Any
    ) -> nn.Module:
        from unskew.models.branches import BilateralBranchNetwork

        return BilateralBranchNetwork(
            model, num_classes, branch_hidden=self.branch_hidden, example_input=example
        )


class ClassGroupExperts:
    """The ``experts`` part: one expert head per class group (head classes and tail classes, split
    by count at ``tail_share`` of the classes) on shared features; each expert also learns from its
    own group's rows (:class:`~unskew.models.GroupExperts`).

    Examples
    --------
    >>> ClassGroupExperts(tail_share=0.3).tail_share
    0.3
    """

    def __init__(self, tail_share: float = 0.5) -> None:
        if not 0.0 < tail_share < 1.0:
            raise InputError(f"tail_share must be in (0, 1), got {tail_share}")
        self.tail_share = float(tail_share)

    def wrap(
        self, model: nn.Module, num_classes: int, counts: np.ndarray, example: Any
    ) -> nn.Module:
        from unskew.models.branches import GroupExperts, head_tail_groups

        groups = head_tail_groups(counts, tail_share=self.tail_share)
        return GroupExperts(model, num_classes, groups, example_input=example)


_DEFAULT_LAYERS = ("conv1", "body.2", "embedding")


class AuxiliaryHeads:
    """The ``aux_head`` part: a classifier on an intermediate layer (``layer``; default the first
    block: ``conv1`` of the CNN, the first hidden activation ``body.2`` of the MLP) whose loss,
    times ``weight``, is added during training (Szegedy et al., CVPR 2015). The extra head is
    dropped after training, so inference and saved models are the plain network.

    Examples
    --------
    >>> AuxiliaryHeads(weight=0.5).weight
    0.5
    """

    def __init__(self, layer: str | None = None, weight: float = 0.3) -> None:
        if weight < 0:
            raise InputError(f"aux_head weight must be >= 0, got {weight}")
        self.layer, self.weight = layer, float(weight)

    def wrap(
        self, model: nn.Module, num_classes: int, counts: np.ndarray, example: Any
    ) -> nn.Module:
        from unskew.models.auxiliary import WithAuxiliaryHeads

        layer = self.layer
        if layer is None:
            names = dict(model.named_modules())
            layer = next((n for n in _DEFAULT_LAYERS if n in names), None)
            if layer is None:
                raise InputError(
                    f"aux_head cannot guess an intermediate layer of {type(model).__name__}; name "
                    "one: aux_head:layer=NAME (a name from model.named_modules())"
                )
        return WithAuxiliaryHeads(model, {layer: self.weight}, num_classes, example_input=example)


class Attention:
    """The ``attention`` part: attention blocks inside the built-in backbones (squeeze-and-
    excitation ``se`` or ``cbam`` after each CNN block, feature-token attention for the MLP,
    attention pooling for the text model). It is a backbone option, applied when
    :class:`~unskew.training.ImbalancedClassifier` builds the network; for your own module build it
    in (``SmallCNN(..., attention="se")``).

    Examples
    --------
    >>> Attention("cbam").kind
    'cbam'
    """

    def __init__(self, kind: str = "se") -> None:
        if kind not in ("se", "cbam"):
            raise InputError(f"attention kind must be 'se' or 'cbam', got {kind!r}")
        self.kind = kind


def has_attention(model: nn.Module) -> bool:
    """Whether the model holds an attention block (SE, CBAM, feature tokens, attention pooling)."""
    from unskew.models.attention import (
        CBAM,
        AttentionPooling,
        FeatureTokenAttention,
        SqueezeExcitation,
    )

    blocks = (CBAM, AttentionPooling, FeatureTokenAttention, SqueezeExcitation)
    return any(isinstance(m, blocks) for m in model.modules())


def apply_model_parts(
    model: nn.Module,
    recipe: Recipe,
    num_classes: int,
    counts: np.ndarray,
    example: Any,
    *,
    inference: bool = False,
) -> nn.Module:
    """The network the recipe's model-stage modifiers call for (``model`` unchanged when none).
    With ``inference`` (rebuilding a saved model) parts dropped after training are skipped."""
    from unskew.registry import get_registry

    for part in recipe.modifiers("model"):
        if part.name == "attention":
            if not has_attention(model):
                raise InputError(
                    "attention is built into the backbone: build it with SmallCNN(..., "
                    "attention='se'), MLP(..., attention=True) or BagOfEmbeddings(..., "
                    "pooling='attention'), or let ImbalancedClassifier build the model"
                )
            continue
        if part.name not in ("bbn", "experts", "aux_head") or (
            inference and part.name == "aux_head"
        ):
            continue
        strategy = get_registry().get(part.name).build(**part.params)
        example_input = example if torch.is_tensor(example) else None
        model = strategy.wrap(model, num_classes, counts, example_input)
    return model


def minority_augment(
    class_counts: Any,
    rotation: float = 15.0,
    scale: float = 0.1,
    crop_padding: int = 0,
    noise_std: float = 0.0,
    cutout: int = 0,
    hflip: bool = False,
    p_max: float = 1.0,
    p_min: float = 0.0,
    power: float = 1.0,
) -> Any:
    """The ``augment`` part: image augmentation applied to each batch on the model's device, rarer
    classes with higher probability p_c = p_min + (p_max - p_min) (1 - (n_c / n_max)^power)
    (:class:`~unskew.augment.MinorityAugment`). ``p_min=p_max=1`` augments every class alike.

    Examples
    --------
    Shifting by ``crop_padding`` pixels suits larger images (2 on 28x28); on 8x8 digits a 2-pixel
    shift cuts off a quarter of the digit, so it is off by default.

    >>> aug = minority_augment([100, 10], p_min=0.0)
    >>> [round(float(p), 2) for p in aug.probabilities]
    [0.0, 0.9]
    """
    from unskew.augment import ImageAugment, MinorityAugment

    augment = ImageAugment(
        rotation=rotation,
        scale=(1.0 - scale, 1.0 + scale),
        crop_padding=crop_padding,
        noise_std=noise_std,
        cutout=cutout,
        hflip=hflip,
    )
    return MinorityAugment(augment, class_counts, p_max=p_max, p_min=p_min, power=power)
