"""Auxiliary classifiers on intermediate layers (deep supervision), dropped at inference."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from unskew.exceptions import InputError
from unskew.models._infer import dry_run
from unskew.models.attention import CBAM, SqueezeExcitation

__all__ = ["AuxiliaryHead", "WithAuxiliaryHeads"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: Weight of each auxiliary loss when ``layers`` is a list (GoogLeNet's discount weight).
DEFAULT_AUX_WEIGHT = 0.3

_SAME_WIDTH = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.GELU,
    nn.SiLU,
    nn.ELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Dropout,
    nn.Dropout2d,
    nn.Identity,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
)


_CONV = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)
_BATCH_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def _pool(h: torch.Tensor) -> torch.Tensor:
    """(N, C, ...) -> (N, C) by averaging every axis after the channel axis; (N, D) unchanged."""
    return h.flatten(2).mean(dim=2) if h.ndim > 2 else h


def _first_tensor(out: Any) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def _layer_width(name: str, modules: dict[str, nn.Module]) -> int | None:
    """:func:`_output_width` of a layer, or for a width-preserving layer (an activation, dropout,
    pooling) inside an ``nn.Sequential``, of the siblings up to it."""
    module = modules[name]
    width = _output_width(module)
    if width is not None or not isinstance(module, _SAME_WIDTH):
        return width
    parent_name, _, own = name.rpartition(".")
    parent = modules.get(parent_name)
    if not isinstance(parent, nn.Sequential) or not own.isdigit():
        return None
    return _output_width(nn.Sequential(*list(parent)[: int(own) + 1]))


def _output_width(module: nn.Module) -> int | None:
    """Channels of the module's output read from its type, or None when the type does not say."""
    if isinstance(module, nn.Linear):
        return module.out_features
    if isinstance(module, _CONV):
        return module.out_channels
    if isinstance(module, _BATCH_NORM):
        return module.num_features
    if isinstance(module, nn.GroupNorm):
        return module.num_channels
    if isinstance(module, (SqueezeExcitation, CBAM)):
        return module.channels
    out_channels = getattr(module, "out_channels", None)  # a residual block says its width
    if isinstance(out_channels, int) and not isinstance(out_channels, bool):
        return out_channels
    if isinstance(module, nn.Sequential):
        for child in reversed(list(module)):
            width = _output_width(child)
            if width is not None:
                return width
            if not isinstance(child, _SAME_WIDTH):
                return None
    return None


class AuxiliaryHead(nn.Module):
    """An auxiliary classifier on an intermediate output: global average pooling, then a linear layer.

    The rule: a channels-first output (N, C, ...) of 3 or more axes is averaged over every axis
    after C (global average pooling, as GoogLeNet's auxiliary classifiers start with average
    pooling); a 2-D output (N, C) is used as is; then ``logits = W h + b``.

    Parameters
    ----------
    in_channels : int
        C.
    n_classes : int

    Shape
    -----
    (N, C, ...) or (N, C) -> (N, n_classes)

    Examples
    --------
    >>> head = AuxiliaryHead(16, 3)
    >>> tuple(head(torch.randn(2, 16, 5, 5)).shape), tuple(head(torch.randn(2, 16)).shape)
    ((2, 3), (2, 3))
    """

    def __init__(self, in_channels: int, n_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_channels, n_classes)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.linear(_pool(h))


def _parse_layers(
    layers: Mapping[str, Any] | Sequence[str],
) -> list[tuple[str, float, LossFn | None]]:
    if isinstance(layers, str):
        raise InputError(
            f"layers must be a list of layer names or a dict name -> weight, got the string "
            f"{layers!r}; write layers=[{layers!r}]"
        )
    if isinstance(layers, Mapping):
        items = list(layers.items())
    else:
        items = [(name, DEFAULT_AUX_WEIGHT) for name in layers]
    if not items:
        raise InputError(
            "layers is empty; name at least one sub-module, e.g. layers=['conv1'] (see "
            "[name for name, _ in model.named_modules()])"
        )
    parsed = []
    for name, spec in items:
        weight, loss = spec, None
        if isinstance(spec, (tuple, list)):
            if len(spec) != 2:
                raise InputError(
                    f"layer {name!r}: give a weight or a (weight, loss) pair, got {spec!r}"
                )
            weight, loss = spec
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise InputError(
                f"layer {name!r}: the weight must be a number, got {weight!r}"
            ) from None
        if not 0 <= weight < float("inf"):
            raise InputError(f"layer {name!r}: the weight must be finite and >= 0, got {weight}")
        if loss is not None and not callable(loss):
            raise InputError(
                f"layer {name!r}: the loss must be callable as loss(logits, y), got {loss!r}"
            )
        parsed.append((str(name), weight, loss))
    names = [name for name, _, _ in parsed]
    if len(set(names)) != len(names):
        raise InputError(f"layers names a sub-module twice: {names}")
    return parsed


class WithAuxiliaryHeads(nn.Module):
    """Wrap a model with auxiliary classifiers on named intermediate layers (deep supervision).

    The rule (GoogLeNet's auxiliary classifiers, Szegedy et al. 2015): in training mode a forward
    hook on each named sub-module catches its output, an :class:`AuxiliaryHead` (global average
    pooling, linear) turns it into class logits, stored in ``aux_logits`` (a list, in the order of
    ``layers``), and :meth:`auxiliary_loss` returns ``sum_k w_k * loss_k(aux_logits_k, y)``, which
    the training loop adds to the main loss. The extra gradients reach the early layers directly,
    and each head may use its own re-balanced loss. In eval mode no hook runs and nothing is
    stored: the output *is* the wrapped model's, and the heads are dropped at inference.

    ``features``, ``head`` and ``feature_dim`` are the wrapped model's (setting ``head`` sets the
    wrapped model's head), so head swaps such as the cosine classifier keep working. Only
    ``forward`` computes auxiliary logits; ``features(x)`` clears them.

    Parameters
    ----------
    model : nn.Module
    layers : list of str, or dict str -> weight or (weight, loss)
        Names from ``model.named_modules()``. A list gives every head the weight 0.3 (the paper's).
        A ``(weight, loss)`` pair gives that head its own loss ``loss(logits, y)``.
    n_classes : int
    loss : callable, optional
        The loss of every head without its own. By default a head uses the ``loss_fn`` passed to
        :meth:`auxiliary_loss` (the training loop's loss), else cross-entropy.
    example_input : Tensor or any input the model accepts, optional
        A small batch for a dry forward (eval mode, no gradients) that measures each layer's
        output width. Without it the width is read from the layer type: ``Linear``, ``Conv*d``,
        batch norm, a module with an int ``out_channels`` attribute (a residual block), or an
        ``nn.Sequential`` ending in one of them followed by activations,
        dropout or pooling; an activation, dropout or pooling layer inside an ``nn.Sequential``
        takes the width of the last such layer before it.

    Attributes
    ----------
    aux_logits : list of Tensor
        The auxiliary logits of the last training-mode forward (empty after an eval-mode one).
    aux_heads : nn.ModuleList of AuxiliaryHead
        One per layer, in the order of ``layers``.
    layers, aux_weights, aux_losses : list
        The layer names, their weights and their own losses (None: the default), in order.

    Shape
    -----
    forward: the wrapped model's; aux_logits[k]: (N, n_classes)

    References
    ----------
    C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015; C.-Y. Lee et al.,
    "Deeply-Supervised Nets", AISTATS 2015.

    Examples
    --------
    >>> from unskew.models import SmallCNN
    >>> net = WithAuxiliaryHeads(SmallCNN(1, 10), ["conv1", "conv2"], n_classes=10)
    >>> x, y = torch.randn(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    >>> logits = net(x)
    >>> [tuple(a.shape) for a in net.aux_logits], net.auxiliary_loss(y).ndim
    ([(4, 10), (4, 10)], 0)
    >>> _ = net.eval()(x)
    >>> net.aux_logits
    []
    """

    aux_logits: list[torch.Tensor]

    def __init__(
        self,
        model: nn.Module,
        layers: Mapping[str, Any] | Sequence[str],
        n_classes: int,
        loss: LossFn | None = None,
        *,
        example_input: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
            raise InputError(f"WithAuxiliaryHeads needs n_classes >= 2, got {n_classes!r}")
        if loss is not None and not callable(loss):
            raise InputError(f"loss must be callable as loss(logits, y), got {loss!r}")
        parsed = _parse_layers(layers)
        modules = dict(model.named_modules())
        for name, _, _ in parsed:
            if name == "" or name not in modules:
                valid = [n for n in modules if n]
                close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
                hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
                raise InputError(
                    f"{type(model).__name__} has no sub-module named {name!r}; {hint}valid names "
                    f"are: {', '.join(map(repr, valid[:20]))}"
                    + (f", ... ({len(valid)} in all)" if len(valid) > 20 else "")
                )
        self.model = model
        self.layers = [name for name, _, _ in parsed]
        self.aux_weights = [weight for _, weight, _ in parsed]
        self.aux_losses = [head_loss for _, _, head_loss in parsed]
        # losses that are modules (with class-count buffers, say) follow .to(device)
        self.loss_modules = nn.ModuleList(
            fn for fn in {id(f): f for f in self.aux_losses}.values() if isinstance(fn, nn.Module)
        )
        self.loss = loss
        self.n_classes = n_classes
        widths = self._widths(modules, example_input)
        self.aux_heads = nn.ModuleList(AuxiliaryHead(w, n_classes) for w in widths)
        self.aux_logits = []

    # ------------------------------------------------------------------ construction helpers

    def _widths(self, modules: dict[str, nn.Module], example_input: Any) -> list[int]:
        if example_input is not None:
            try:
                with dry_run(self.model), self._capture(modules) as caught:
                    self.model(example_input)
            except InputError:
                raise
            except Exception as err:
                raise InputError(
                    f"a dry forward of {type(self.model).__name__} on example_input failed "
                    f"({type(err).__name__}: {err}); pass a small batch the model accepts"
                ) from err
            return [int(_pool(caught[name]).shape[1]) for name in self.layers]
        widths = []
        for name in self.layers:
            width = _layer_width(name, modules)
            if width is None:
                raise InputError(
                    f"cannot tell the output width of layer {name!r} "
                    f"({type(modules[name]).__name__}) from its type; pass "
                    "example_input=<a small batch the model accepts, e.g. X[:2]>"
                )
            widths.append(width)
        return widths

    @contextmanager
    def _capture(self, modules: dict[str, nn.Module]) -> Iterator[dict[str, torch.Tensor]]:
        """Hooks on the named layers for one forward; yields name -> output, removed after."""
        caught: dict[str, torch.Tensor] = {}

        def hook_for(name: str) -> Callable[..., None]:
            def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
                tensor = _first_tensor(output)
                if tensor is not None:
                    caught[name] = tensor

            return hook

        handles = [modules[name].register_forward_hook(hook_for(name)) for name in self.layers]
        try:
            yield caught
        finally:
            for handle in handles:
                handle.remove()

    def __getstate__(self) -> dict[str, Any]:
        # the last auxiliary logits hold an autograd graph, which copy.deepcopy and pickle refuse
        state = super().__getstate__()
        state["aux_logits"] = []
        return state

    # ------------------------------------------------------------------ delegation

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "head" and "model" in self._modules:
            setattr(self.model, "head", value)  # noqa: B010 - the wrapped model owns the head
            return
        super().__setattr__(name, value)

    @property
    def head(self) -> nn.Module:
        """The wrapped model's ``head``."""
        try:
            return self.model.head
        except AttributeError:
            raise AttributeError(f"the wrapped {type(self.model).__name__} has no `head`") from None

    @property
    def feature_dim(self) -> int:
        """The wrapped model's ``feature_dim``."""
        try:
            return self.model.feature_dim
        except AttributeError:
            raise AttributeError(
                f"the wrapped {type(self.model).__name__} has no `feature_dim`"
            ) from None

    def features(self, x: Any) -> torch.Tensor:
        """The wrapped model's ``features(x)`` (no auxiliary logits are computed)."""
        self.aux_logits = []
        return self.model.features(x)

    # ------------------------------------------------------------------ forward and loss

    def forward(self, x: Any) -> Any:
        self.aux_logits = []
        if not self.training:
            return self.model(x)
        with self._capture(dict(self.model.named_modules())) as caught:
            out = self.model(x)
        missing = [name for name in self.layers if name not in caught]
        if missing:
            raise InputError(
                f"layer(s) {missing} did not run (or returned no tensor) in "
                f"{type(self.model).__name__}'s forward; put auxiliary heads on layers the "
                "forward uses"
            )
        self.aux_logits = [
            head(caught[n]) for head, n in zip(self.aux_heads, self.layers, strict=True)
        ]
        return out

    def auxiliary_loss(self, y: torch.Tensor, loss_fn: LossFn | None = None) -> torch.Tensor:
        """``sum_k w_k * loss_k(aux_logits_k, y)`` over the heads of the last training forward.

        ``loss_k`` is the head's own loss when ``layers`` gave one, else the wrapper's ``loss``,
        else ``loss_fn``, else cross-entropy; a per-row loss is averaged. After an eval-mode
        forward (or ``features``) there are no auxiliary logits and the result is 0.

        Parameters
        ----------
        y : LongTensor (N,)
        loss_fn : callable, optional
            ``loss_fn(logits, y)``, typically the training loop's loss.

        Returns
        -------
        Tensor, 0-d
        """
        if not self.aux_logits:
            return torch.zeros((), device=y.device)
        total = torch.zeros((), device=self.aux_logits[0].device)
        for logits, weight, own in zip(
            self.aux_logits, self.aux_weights, self.aux_losses, strict=True
        ):
            if logits.shape[0] != y.shape[0]:
                raise InputError(
                    f"auxiliary logits have {logits.shape[0]} rows but y has {y.shape[0]}; call "
                    "auxiliary_loss with the labels of the batch just passed to forward"
                )
            fn = next(f for f in (own, self.loss, loss_fn, F.cross_entropy) if f is not None)
            value = fn(logits.float(), y)  # float, as the main loss under autocast
            total = total + weight * (value.mean() if value.ndim else value)
        return total

    def extra_repr(self) -> str:
        pairs = ", ".join(f"{n}: {w:g}" for n, w in zip(self.layers, self.aux_weights, strict=True))
        return f"layers={{{pairs}}}, n_classes={self.n_classes}"
