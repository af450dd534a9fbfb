"""Model-stage recipe parts that reshape the network: a cosine head, bilateral branches,
class-group experts, auxiliary heads, attention, a fine-tuning schedule; and the batch-stage
``augment`` factory. Each implements the model stage's hooks (``docs/architecture.md``):
``wrap(model, context)`` when the network is built (and again, with ``context.inference``, when a
saved model is rebuilt), ``unwrap(model)`` after training, and the optional ``on_epoch``,
``param_groups``, ``paired_sampler``, ``training_loss`` and ``backbone_options``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError
from unskew.models.transfer import FineTuneSchedule

__all__ = [
    "Attention",
    "AuxiliaryHeads",
    "BilateralBranches",
    "ClassGroupExperts",
    "CosineHead",
    "FineTune",
    "cosine_head",
]


def _example(context: Any) -> Any:
    example = getattr(context, "extra", {}).get("example")
    return example if torch.is_tensor(example) else None


def cosine_head(model: nn.Module, n_classes: int, scale: float) -> nn.Module:
    """Replace ``model.head`` by a :class:`~unskew.models.heads.CosineClassifier` (kept when the
    head is one already). The model needs ``head`` and ``feature_dim``."""
    from unskew.models.heads import CosineClassifier

    if not hasattr(model, "head") or not hasattr(model, "feature_dim"):
        raise InputError(
            "a cosine head needs a model with `head` and `feature_dim` (the built-in backbones "
            "have them) so its head can be replaced"
        )
    if not isinstance(model.head, CosineClassifier):
        model.head = CosineClassifier(model.feature_dim, n_classes, scale=scale)
    return model


class CosineHead:
    """The ``cosine`` part: the classifier becomes ``scale * cos(w_c, features)`` (Gidaris &
    Komodakis, CVPR 2018). With a loss that expects cosine logits (``ldam``) the head is already a
    cosine classifier of scale 1 and is kept.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> from unskew.stages import RunContext
    >>> net = CosineHead(scale=8.0).wrap(MLP(4, 3, hidden=(8,)), RunContext([5, 3, 2]))
    >>> type(net.head).__name__, net.head.scale
    ('CosineClassifier', 8.0)
    """

    def __init__(self, scale: float = 16.0) -> None:
        self.scale = float(scale)

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        return cosine_head(model, context.n_classes, self.scale)


class BilateralBranches:
    """The ``bbn`` part: wrap the backbone in a :class:`~unskew.models.BilateralBranchNetwork`
    (Zhou et al., CVPR 2020). The conventional branch takes the recipe's batches, the re-balancing
    branch rows drawn with reversed sampling (p_c proportional to 1/n_c, :meth:`paired_sampler`),
    and the loss mixes the two with the cumulative weight alpha = 1 - (epoch / epochs)^2.

    Examples
    --------
    >>> BilateralBranches().branch_hidden is None
    True
    """

    #: the reversed-sampling rows have no weights
    takes_sample_weight = True

    def __init__(self, branch_hidden: int | None = None, generator: Any = None) -> None:
        self.branch_hidden = branch_hidden
        self.generator = generator
        self.alpha = 1.0

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        from unskew.models.branches import BilateralBranchNetwork

        self.epochs = int(context.epochs)
        return BilateralBranchNetwork(
            model,
            context.n_classes,
            branch_hidden=self.branch_hidden,
            example_input=_example(context),
        )

    def paired_sampler(self, labels: Any) -> Any:
        """Reversed sampling over the training labels, for the second stream of rows."""
        from unskew.sampling import ClassBalancedSampler

        return ClassBalancedSampler(labels, power=-1.0, generator=self.generator)

    def on_epoch(self, epoch: int, model: nn.Module) -> None:
        from unskew.models.branches import cumulative_alpha

        self.alpha = cumulative_alpha(epoch, self.epochs)

    def training_loss(self, model: nn.Module, batch: Any, loss_fn: Any) -> torch.Tensor:
        """``alpha * l(z, y) + (1 - alpha) * l(z, y_reversed)`` on the mixed branch features."""
        if batch.pair is None:
            raise InputError("bbn needs a second stream of rows (in-memory tensors, not a Dataset)")
        x_rev, y_rev = batch.pair
        alpha = self.alpha
        logits = model.forward_pair(batch.x, x_rev, alpha)
        return alpha * loss_fn(logits, batch.y, batch.weight) + (1.0 - alpha) * loss_fn(
            logits, y_rev, None
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

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        from unskew.models.branches import GroupExperts, head_tail_groups

        groups = head_tail_groups(context.class_counts, tail_share=self.tail_share)
        return GroupExperts(model, context.n_classes, groups, example_input=_example(context))


_DEFAULT_LAYERS = ("conv1", "body.2", "embedding")


class AuxiliaryHeads:
    """The ``aux_head`` part: a classifier on an intermediate layer (``layer``; default the
    network's own ``aux_layer`` when it names one (``layer2`` of the ResNets), else the first
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

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        """The network with the auxiliary head attached (unchanged when rebuilding a saved model:
        the head was dropped after training)."""
        from unskew.models.auxiliary import WithAuxiliaryHeads

        if context.inference:
            return model
        layer = self.layer
        if layer is None:
            names = dict(model.named_modules())
            own = getattr(model, "aux_layer", None)
            candidates = ((own,) if own is not None else ()) + _DEFAULT_LAYERS
            layer = next((n for n in candidates if n in names), None)
            if layer is None:
                raise InputError(
                    f"aux_head cannot guess an intermediate layer of {type(model).__name__}; name "
                    "one: aux_head:layer=NAME (a name from model.named_modules())"
                )
        return WithAuxiliaryHeads(
            model, {layer: self.weight}, context.n_classes, example_input=_example(context)
        )

    def unwrap(self, model: nn.Module) -> nn.Module:
        """The plain network: the auxiliary head is dropped after training."""
        return getattr(model, "model", model)


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

    def backbone_options(self) -> dict[str, Any]:
        """What a built-in backbone is built with (``ImbalancedClassifier`` reads it)."""
        return dict(attention=self.kind)

    def wrap(self, model: nn.Module, context: Any) -> nn.Module:
        """Check that the network holds attention blocks (they are built into the backbone)."""
        if not has_attention(model):
            raise InputError(
                "attention is built into the backbone: build it with SmallCNN(..., "
                "attention='se'), resnet32(..., attention='se'), resnet18(..., attention='se'), "
                "MLP(..., attention=True) or BagOfEmbeddings(..., pooling='attention'), or let "
                "ImbalancedClassifier build the model"
            )
        return model


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


class FineTune(FineTuneSchedule):
    """The ``finetune`` part (:class:`~unskew.models.transfer.FineTuneSchedule` with the model
    stage's hooks): the body is frozen for ``freeze_epochs`` epochs, then trained at
    ``backbone_lr_scale`` times the head's learning rate (discriminative fine-tuning).

    Examples
    --------
    >>> FineTune(freeze_epochs=2).frozen_at(1)
    True
    """

    def on_epoch(self, epoch: int, model: nn.Module) -> None:
        if not hasattr(model, "head"):
            return
        from unskew.models.transfer import freeze, unfreeze

        if self.frozen_at(epoch):
            freeze(model)
        else:
            unfreeze(model)

    def param_groups(self, model: nn.Module, lr: float) -> Any:
        if not hasattr(model, "head"):
            return model.parameters()
        from unskew.models.transfer import discriminative_param_groups

        return discriminative_param_groups(model, lr, self.backbone_lr_scale)


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
    generator: Any = None,
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
    return MinorityAugment(
        augment, class_counts, p_max=p_max, p_min=p_min, power=power, generator=generator
    )
