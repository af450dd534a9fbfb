"""Transfer learning: start from pretrained weights, freeze and unfreeze, discriminative rates.

Nothing is downloaded: weights come from a ``state_dict`` file, a dict, or a module you already
have (a timm or torchvision model whose weights you cached yourself works the same way through
:class:`EncoderClassifier`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from unskew.exceptions import InputError

__all__ = [
    "EncoderClassifier",
    "FineTuneSchedule",
    "LoadReport",
    "discriminative_param_groups",
    "freeze",
    "load_pretrained",
    "unfreeze",
]


@dataclass
class LoadReport:
    """What :func:`load_pretrained` did: tensors loaded, and the keys it left out and why."""

    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def _preview(keys: list[str], limit: int = 6) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > limit else "")


def _state_dict_of(source: Any) -> dict[str, torch.Tensor]:
    if isinstance(source, nn.Module):
        return source.state_dict()
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise InputError(f"pretrained weights file {path} not found")
        try:
            source = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:
            raise InputError(
                f"cannot read {path} as a state_dict with weights_only=True "
                f"({type(err).__name__}: {err}); save weights with torch.save(model.state_dict())"
            ) from err
    if not isinstance(source, dict):
        raise InputError(
            f"pretrained weights must be a state_dict file, a dict or an nn.Module, got "
            f"{type(source).__name__}"
        )
    for key in ("state_dict", "model"):  # common checkpoint layouts
        if key in source and isinstance(source[key], dict):
            source = source[key]
    if source and all(k.startswith("module.") for k in source):  # saved from DDP/DataParallel
        source = {k[len("module.") :]: v for k, v in source.items()}
    return source


def load_pretrained(
    model: nn.Module,
    source: Any,
    *,
    exclude: tuple[str, ...] = (),
    strict: bool = True,
    skip_mismatched_head: bool = True,
) -> LoadReport:
    """Copy pretrained weights into ``model`` and say exactly what matched.

    Keys are compared by name and shape. ``exclude`` drops keys starting with any of the given
    prefixes (e.g. ``("head",)`` to keep a new classifier). With ``skip_mismatched_head`` (default) a
    ``head.*`` tensor whose shape differs (a new task with another number of classes) is left out
    rather than refused. With ``strict`` any other missing, unexpected or mismatched key is an
    :class:`~unskew.exceptions.InputError` listing them; ``strict=False`` loads what matches and
    returns the report.

    Parameters
    ----------
    model : nn.Module
    source : path, dict or nn.Module
        A ``torch.save(state_dict)`` file (read with ``weights_only=True``), a state_dict (also
        inside ``{"state_dict": ...}`` or ``{"model": ...}``, ``module.`` prefixes removed), or a
        module.
    exclude : tuple of str
    strict : bool, default=True
    skip_mismatched_head : bool, default=True

    Returns
    -------
    LoadReport

    Examples
    --------
    >>> from unskew.models import MLP
    >>> source = MLP(4, 5, hidden=(8,))          # pretrained on a 5-class task
    >>> report = load_pretrained(MLP(4, 2, hidden=(8,)), source)
    >>> report.mismatched, len(report.loaded)
    (['head.weight', 'head.bias'], 7)
    """
    state = _state_dict_of(source)
    own = model.state_dict()
    report = LoadReport()
    to_load: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if any(key.startswith(p) for p in exclude):
            report.excluded.append(key)
        elif key not in own:
            report.unexpected.append(key)
        elif tuple(own[key].shape) != tuple(value.shape):
            report.mismatched.append(key)
        else:
            to_load[key] = value
    report.missing = [
        k for k in own if k not in state and not any(k.startswith(p) for p in exclude)
    ]
    problems = list(report.unexpected) + [
        k for k in report.mismatched if not (skip_mismatched_head and k.startswith("head."))
    ]
    problems += [k for k in report.missing if not (skip_mismatched_head and k.startswith("head."))]
    if strict and problems:
        parts = []
        if report.missing:
            parts.append(f"missing in the weights: {_preview(report.missing)}")
        if report.unexpected:
            parts.append(f"unexpected (not in the model): {_preview(report.unexpected)}")
        bad_shapes = [
            f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in report.mismatched
        ]
        if bad_shapes:
            parts.append(f"shape mismatch (weights vs model): {_preview(bad_shapes)}")
        raise InputError(
            "the pretrained weights do not match the model; "
            + "; ".join(parts)
            + ". Build the same architecture, drop keys with exclude=(...), or pass strict=False"
        )
    model.load_state_dict(to_load, strict=False)
    report.loaded = list(to_load)
    return report


def freeze(model: nn.Module, keep: tuple[str, ...] = ("head",)) -> list[str]:
    """Stop gradients for every parameter except those whose name starts with a ``keep`` prefix;
    returns the frozen names.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> m = MLP(4, 2, hidden=(8,))
    >>> len(freeze(m)), [n for n, p in m.named_parameters() if p.requires_grad]
    (4, ['head.weight', 'head.bias'])
    """
    frozen = []
    for name, p in model.named_parameters():
        if not any(name.startswith(k) for k in keep):
            p.requires_grad_(False)
            frozen.append(name)
    return frozen


def unfreeze(model: nn.Module) -> None:
    """Let every parameter train again.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> m = MLP(4, 2, hidden=(8,)); _ = freeze(m); unfreeze(m)
    >>> all(p.requires_grad for p in m.parameters())
    True
    """
    for p in model.parameters():
        p.requires_grad_(True)


def discriminative_param_groups(
    model: nn.Module, lr: float, backbone_lr_scale: float = 0.1, head: str = "head"
) -> list[dict[str, Any]]:
    """Optimiser parameter groups with a smaller rate for the pretrained body: ``lr`` for the
    parameters under ``head``, ``lr * backbone_lr_scale`` for the rest (discriminative fine-tuning,
    Howard & Ruder, ULMFiT, ACL 2018).

    Examples
    --------
    >>> from unskew.models import MLP
    >>> groups = discriminative_param_groups(MLP(4, 2, hidden=(8,)), lr=0.1, backbone_lr_scale=0.1)
    >>> [round(g["lr"], 3) for g in groups], [len(g["params"]) for g in groups]
    ([0.01, 0.1], [4, 2])
    """
    if backbone_lr_scale < 0:
        raise InputError(f"backbone_lr_scale must be >= 0, got {backbone_lr_scale}")
    body = [p for n, p in model.named_parameters() if not n.startswith(head)]
    top = [p for n, p in model.named_parameters() if n.startswith(head)]
    groups = []
    if body:
        groups.append({"params": body, "lr": lr * backbone_lr_scale})
    if top:
        groups.append({"params": top, "lr": lr})
    return groups


@dataclass
class FineTuneSchedule:
    """The ``finetune`` recipe part: the body (everything but ``head``) is frozen for the first
    ``freeze_epochs`` epochs, then trained at ``backbone_lr_scale`` times the head's rate.

    Examples
    --------
    >>> FineTuneSchedule(freeze_epochs=2).frozen_at(1), FineTuneSchedule(freeze_epochs=2).frozen_at(2)
    (True, False)
    """

    freeze_epochs: int = 0
    backbone_lr_scale: float = 0.1

    def __post_init__(self) -> None:
        if self.freeze_epochs < 0:
            raise InputError(f"freeze_epochs must be >= 0, got {self.freeze_epochs}")
        if self.backbone_lr_scale < 0:
            raise InputError(f"backbone_lr_scale must be >= 0, got {self.backbone_lr_scale}")

    def frozen_at(self, epoch: int) -> bool:
        """Whether the body is frozen during ``epoch`` (0-based)."""
        return epoch < self.freeze_epochs


class EncoderClassifier(nn.Module):
    """Any encoder (a pretrained module mapping inputs to (N, D) features, e.g. a timm or
    torchvision model with its classifier removed, or your own) plus a linear ``head``, with the
    ``features``/``head``/``feature_dim`` interface the Trainer's heads and re-training use.

    The width D is read from ``feature_dim`` or the encoder's ``num_features``/``out_features``
    attribute, or measured by running ``example_input`` through it; when none is available the
    error says to pass ``feature_dim=``.

    Examples
    --------
    >>> enc = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU())
    >>> model = EncoderClassifier(enc, num_classes=3, example_input=torch.zeros(1, 8, 8))
    >>> model.feature_dim, tuple(model(torch.zeros(2, 8, 8)).shape)
    (32, (2, 3))
    """

    def __init__(
        self,
        encoder: nn.Module,
        num_classes: int,
        feature_dim: int | None = None,
        example_input: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        if feature_dim is None:
            feature_dim = getattr(encoder, "feature_dim", None) or getattr(
                encoder, "num_features", None
            )
        if feature_dim is None and example_input is not None:
            was = encoder.training
            encoder.eval()
            with torch.no_grad():
                out = encoder(example_input)
            encoder.train(was)
            if out.dim() != 2:
                raise InputError(
                    f"the encoder returns shape {tuple(out.shape)}; it must return (N, D) features "
                    "(add pooling and flatten at its end)"
                )
            feature_dim = int(out.shape[1])
        if feature_dim is None:
            raise InputError(
                f"cannot infer the feature width of {type(encoder).__name__}; pass "
                "feature_dim=D (the width of its output) or example_input=a batch of inputs"
            )
        self.feature_dim = int(feature_dim)
        self.head: nn.Module = nn.Linear(self.feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
