"""Transfer learning: start from pretrained weights, freeze and unfreeze, discriminative rates.

Nothing is downloaded: weights come from a ``state_dict`` file, a dict, or a module you already
have (a timm or torchvision model whose weights you cached yourself works the same way through
:class:`EncoderClassifier`).
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
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
    """What :func:`load_pretrained` did: the tensors loaded, and the keys it left out and why.

    Attributes
    ----------
    architecture : str
        The model the weights went into (``resnet32``, or the class name).
    model_tensors : int
        Entries of the model's state_dict.
    loaded : list of str
        Model keys filled from the file.
    missing, unexpected : list of str
        Model keys the file lacks; file keys the model lacks.
    mismatched : list of str
        Keys in both with different shapes; ``shapes`` holds (file shape, model shape) of each.
    reinitialised : list of str
        ``head.*`` keys left out because the file's classifier has another shape (another number
        of classes): the model's head was re-initialised.
    renamed : dict
        File key -> model key for a classifier saved under another name (torchvision's ``fc.``).
    excluded : list of str
        File keys dropped by ``exclude``.
    """

    architecture: str = ""
    model_tensors: int = 0
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    reinitialised: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a user: counts of matched, missing and unexpected keys, and the head.

        Examples
        --------
        >>> LoadReport("resnet32", 2, loaded=["conv1.weight"], missing=["head.weight"]).summary()
        'pretrained weights: 1 of 2 tensors loaded into resnet32; 1 missing (head.weight)'
        """
        parts = [
            f"pretrained weights: {len(self.loaded)} of {self.model_tensors} tensors loaded into "
            f"{self.architecture}"
        ]
        if self.reinitialised:
            weight = next((k for k in self.reinitialised if k.endswith("weight")), None)
            detail = ""
            if weight is not None:
                old, new = self.shapes[weight]
                detail = f" (file {old[0]} classes, model {new[0]})"
            parts.append(f"classifier head re-initialised{detail}")
        others = [k for k in self.mismatched if k not in self.reinitialised]
        for what, keys in (
            ("missing", self.missing),
            ("unexpected", self.unexpected),
            ("shape mismatches", others),
            ("excluded", self.excluded),
        ):
            if keys:
                parts.append(f"{len(keys)} {what} ({_preview(keys, 3)})")
        if self.renamed:
            pairs = sorted({_prefix(a) + " as " + _prefix(b) for a, b in self.renamed.items()})
            parts.append("read " + ", ".join(pairs))
        return "; ".join(parts)


def _prefix(key: str) -> str:
    return key.split(".", 1)[0] + ".*"


def _preview(keys: list[str], limit: int = 6) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > limit else "")


_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")  # common checkpoint layouts


def _read_file(path: Path) -> Any:
    """``torch.load(path, weights_only=True)``, every failure as one InputError line."""
    if not path.is_file():
        raise InputError(f"pretrained weights file {path} not found")
    with open(path, "rb") as f:
        magic = f.read(2)
    if not zipfile.is_zipfile(path) and magic[:1] != b"\x80":
        raise InputError(
            f"{path} is not a file written by torch.save (neither its zip format nor a pickle); "
            "save the weights with torch.save(model.state_dict(), path)"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"GLOBAL (\S+)", str(err))
        what = f" ({found.group(1)})" if found else ""
        raise InputError(
            f"{path} holds pickled Python objects{what} that loading with weights_only=True "
            "refuses to run (a whole model saved with torch.save(model)?); save the weights "
            "alone with torch.save(model.state_dict(), path)"
        ) from None
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise InputError(
            f"cannot read {path} as a state_dict with weights_only=True "
            f"({type(err).__name__}: {first}); save the weights with "
            "torch.save(model.state_dict(), path)"
        ) from None


def _state_dict_of(source: Any) -> dict[str, torch.Tensor]:
    """The state_dict held by ``source`` (a module, a path, or a dict), checked to be one."""
    if isinstance(source, nn.Module):
        return source.state_dict()
    where = "the dict given as weights"
    if isinstance(source, str | os.PathLike):
        where = str(source)
        source = _read_file(Path(source))
    if not isinstance(source, dict):
        raise InputError(
            f"{where} holds {type(source).__name__}, not a state_dict (a dict of parameter "
            "names to tensors); save the weights with torch.save(model.state_dict(), path)"
        )
    for key in _CHECKPOINT_KEYS:
        if key in source and isinstance(source[key], dict):
            source = source[key]
            break
    if not source:
        raise InputError(f"{where} holds an empty state_dict; it has no weights to load")
    bad = next(((k, v) for k, v in source.items() if not isinstance(v, torch.Tensor)), None)
    if bad is not None:
        nested = [k for k, v in source.items() if isinstance(v, dict)]
        hint = f"; the weights may be under {', '.join(map(repr, nested[:3]))}" if nested else ""
        raise InputError(
            f"{where} is not a state_dict: its entry {bad[0]!r} holds "
            f"{type(bad[1]).__name__}, not a tensor{hint}; save the weights with "
            "torch.save(model.state_dict(), path)"
        )
    if all(str(k).startswith("module.") for k in source):  # saved from DDP/DataParallel
        source = {k[len("module.") :]: v for k, v in source.items()}
    return source


def _architecture(model: nn.Module) -> str:
    return str(getattr(model, "arch", type(model).__name__))


def _apply_aliases(
    state: dict[str, torch.Tensor], own: dict[str, torch.Tensor], aliases: dict[str, str]
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Rename file keys under an alias prefix (``fc.`` -> ``head.``) when the model has the new
    key and not the old one."""
    out, renamed = {}, {}
    for key, value in state.items():
        new = key
        for old_prefix, new_prefix in aliases.items():
            candidate = new_prefix + key[len(old_prefix) :]
            if key.startswith(old_prefix) and key not in own and candidate in own:
                new = candidate
                renamed[key] = new
                break
        out[new] = value
    return out, renamed


def _reinitialise(module: nn.Module) -> None:
    for m in module.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()


def _fits_builtin(state: dict[str, torch.Tensor]) -> str | None:
    """The built-in image backbone whose keys and shapes (classifier aside) are the file's, as
    ``"resnet18 (in_channels=3)"``, or None. Candidates are built on the meta device (no
    memory, no initialisation cost)."""
    from unskew.models.backbones import BACKBONES

    body = {k: tuple(v.shape) for k, v in state.items() if not k.startswith("head.")}
    for name, spec in BACKBONES.items():
        if spec.modality != "image":
            continue
        for attention in (None, "se", "cbam"):
            with torch.device("meta"):
                probe = spec.builder(1, 2, attention=attention)
            own = probe.state_dict()
            aliases = getattr(probe, "pretrained_aliases", {})
            keys = {k for k in _apply_aliases(state, own, aliases)[0] if not k.startswith("head.")}
            if keys != {k for k in own if not k.startswith("head.")}:
                continue
            first = next(k for k, v in own.items() if v.ndim == 4)
            channels = body[first][1]
            with torch.device("meta"):
                probe = spec.builder(channels, 2, attention=attention)
            shapes = {k: tuple(v.shape) for k, v in probe.state_dict().items() if k in body}
            if all(shapes[k] == body[k] for k in shapes):
                extra = "" if attention is None else f", attention={attention!r}"
                return f"{name} (in_channels={channels}{extra})"
    return None


def _refusal(report: LoadReport, state: dict[str, torch.Tensor], problems: list[str]) -> InputError:
    parts = []
    missing = [k for k in report.missing if k in problems]
    if missing:
        parts.append(f"{len(missing)} missing in the weights: {_preview(missing, 3)}")
    if report.unexpected:
        parts.append(
            f"{len(report.unexpected)} unexpected (not in the model): "
            f"{_preview(report.unexpected, 3)}"
        )
    bad_shapes = [
        f"{k} {report.shapes[k][0]} vs {report.shapes[k][1]}"
        for k in report.mismatched
        if k in problems
    ]
    if bad_shapes:
        parts.append(f"shape mismatch (weights vs model): {_preview(bad_shapes, 3)}")
    fit = _fits_builtin(state)
    verdict = (
        f"They fit {fit}: build that one"
        if fit
        else "They fit no built-in image backbone (cnn, resnet32, resnet18): load them into the "
        "architecture they were saved from"
    )
    return InputError(
        f"the pretrained weights do not fit {report.architecture}: "
        + "; ".join(parts)
        + f". {verdict}, or pass strict=False to load only the matching keys"
    )


def load_pretrained(
    model: nn.Module,
    source: Any,
    *,
    exclude: tuple[str, ...] = (),
    strict: bool = True,
    skip_mismatched_head: bool = True,
) -> LoadReport:
    """Copy pretrained weights into ``model`` and say exactly what matched.

    The rule: a file is read with ``torch.load(weights_only=True)`` only, so it can hold tensors
    but never run code; a file holding other pickled objects, or anything but a state_dict (a
    whole module, a list, a tensor), is refused in one line. Keys are compared by name and shape,
    after reading a classifier saved under another name as ``head.`` (the model's
    ``pretrained_aliases``, e.g. torchvision's ``fc.``). ``exclude`` drops keys starting with any
    of the given prefixes. With ``skip_mismatched_head`` (default) a ``head.*`` of another shape
    (a task with another number of classes) is left out and the model's head re-initialised
    (``reinitialised`` in the report); a head missing from the file is kept. With ``strict`` any
    other missing, unexpected or mis-shaped key is an :class:`~unskew.exceptions.InputError`
    listing the first of them with their shapes, and naming the built-in backbone the weights do
    fit, if any; nothing is loaded then. ``strict=False`` loads what matches.

    Parameters
    ----------
    model : nn.Module
    source : path, dict or nn.Module
        A ``torch.save(state_dict)`` file, a state_dict (also inside ``{"state_dict": ...}``,
        ``{"model_state_dict": ...}`` or ``{"model": ...}``, ``module.`` prefixes removed), or a
        module.
    exclude : tuple of str
    strict : bool, default=True
    skip_mismatched_head : bool, default=True

    Returns
    -------
    LoadReport
        Its ``summary()`` is one line for the user.

    Examples
    --------
    >>> from unskew.models import MLP, resnet32
    >>> source = MLP(4, 5, hidden=(8,))          # pretrained on a 5-class task
    >>> report = load_pretrained(MLP(4, 2, hidden=(8,)), source)
    >>> report.reinitialised, len(report.loaded)
    (['head.weight', 'head.bias'], 7)
    >>> print(load_pretrained(resnet32(3, 2), resnet32(3, 10)).summary())
    pretrained weights: 186 of 188 tensors loaded into resnet32; classifier head re-initialised (file 10 classes, model 2)
    """
    state = _state_dict_of(source)
    own = model.state_dict()
    report = LoadReport(architecture=_architecture(model), model_tensors=len(own))
    state, report.renamed = _apply_aliases(state, own, getattr(model, "pretrained_aliases", {}))
    to_load: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if any(key.startswith(p) for p in exclude):
            report.excluded.append(key)
        elif key not in own:
            report.unexpected.append(key)
        elif tuple(own[key].shape) != tuple(value.shape):
            report.mismatched.append(key)
            report.shapes[key] = (tuple(value.shape), tuple(own[key].shape))
        else:
            to_load[key] = value
    report.missing = [
        k for k in own if k not in state and not any(k.startswith(p) for p in exclude)
    ]
    is_head = lambda k: skip_mismatched_head and k.startswith("head.")  # noqa: E731
    problems = list(report.unexpected)
    problems += [k for k in report.mismatched + report.missing if not is_head(k)]
    if strict and problems:
        raise _refusal(report, state, problems)
    if any(is_head(k) for k in report.mismatched):
        report.reinitialised = [k for k in own if is_head(k) and k in state]
        to_load = {k: v for k, v in to_load.items() if not is_head(k)}
    model.load_state_dict(to_load, strict=False)
    if report.reinitialised:
        _reinitialise(model.head)
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
    >>> model = EncoderClassifier(enc, n_classes=3, example_input=torch.zeros(1, 8, 8))
    >>> model.feature_dim, tuple(model(torch.zeros(2, 8, 8)).shape)
    (32, (2, 3))
    """

    def __init__(
        self,
        encoder: nn.Module,
        n_classes: int,
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
        self.head: nn.Module = nn.Linear(self.feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
