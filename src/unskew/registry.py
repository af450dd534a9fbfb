"""The strategy registry: one catalogue of every strategy unskew knows, by stage.

An entry holds a unique name, its stage, a one-line summary, the paper, its parameters with defaults,
the modalities it applies to, whether it fills its stage's exclusive slot, and a *lazy* factory: a
``"module:attribute"`` string imported only when the strategy is built, so importing the registry
imports no torch. Entries are declared explicitly in :mod:`unskew.catalogue`, in one place; nothing
registers itself as a side effect of an import.

Examples
--------
>>> from unskew.registry import get_registry
>>> reg = get_registry()
>>> reg.get("cross_entropy").stage
'objective'
>>> [s.name for s in reg.list("*focal")]
['focal', 'sigmoid_focal']
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from unskew._params import REQUIRED, Expr, Param, as_param
from unskew._validation import closest_name, format_list
from unskew.exceptions import InputError

__all__ = [
    "MODALITIES",
    "STAGES",
    "Expr",
    "Param",
    "Registry",
    "Strategy",
    "get_registry",
    "register",
]

#: The stages a strategy acts at, in the order a recipe applies them (see DESIGN.md).
STAGES = ("data", "batch", "objective", "model", "decision", "meta")
MODALITIES = ("table", "image", "text")
#: Which class counts a strategy applies to.
CLASS_COUNTS = ("any", "binary", "multiclass")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Strategy:
    """One registered strategy.

    Parameters
    ----------
    name : str
        Unique name used in recipe specs (``focal``, ``smote``, ``threshold``).
    stage : str
        One of :data:`STAGES`.
    summary : str
        One line: what it does.
    reference : str
        The paper (authors, title, venue, year) or "" for plain baselines.
    factory : str or callable
        ``"module:attribute"`` of the class or function that builds it, imported lazily; a user's
        own strategy may give the class itself. What it builds implements its stage's interface
        (``docs/architecture.md``).
    params : mapping
        Parameter name -> :class:`~unskew._params.Param` (kind, range, default) or a bare default
        (the kind is read from its type). A default may be an :class:`~unskew._params.Expr` of the
        run's context (``Expr("int(0.6 * epochs)")``); the first parameter is the part's main one
        (``threshold:f1``).
    modalities : tuple of str
        Data modalities it applies to.
    exclusive : bool
        True when it fills its stage's exclusive slot (one loss, one resampler, one sampler, one
        head, one decision rule, one wrapper per recipe); False for modifiers (``weights``, ``drw``,
        ``mixup``, ...).
    tags : tuple of str
        Free-form labels for filtering ("loss", "oversampling", ...).
    needs : tuple of str
        Values :meth:`build` takes from the run's context rather than from the user, e.g.
        ``class_counts``, ``labels``, ``generator`` (:class:`~unskew.stages.RunContext`).
    classes : {"any", "binary", "multiclass"}
        The class counts it applies to (``threshold`` tunes a binary threshold).
    not_compared : str
        Why ``compare --strategies all`` leaves it out ("" when it runs there).
    aliases : mapping
        Old parameter name -> current one; recipes written with the old name still parse.
    acts_on : {"features", "texts", "table"}
        Data stage: what the part resamples. ``features`` (the numeric inputs the network takes,
        inside the Trainer); ``texts`` and ``table`` act on the raw input before it is encoded, so
        :class:`~unskew.training.ImbalancedClassifier` applies them (EDA on texts, SMOTE-NC on a
        table with categorical columns).

    Examples
    --------
    >>> s = Strategy("my_loss", "objective", "A loss of mine", "", "torch.nn:CrossEntropyLoss",
    ...              params={"label_smoothing": 0.0})
    >>> s.params["label_smoothing"].kind, s.build()
    ('float', CrossEntropyLoss())
    """

    name: str
    stage: str
    summary: str
    reference: str
    factory: str | Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    modalities: tuple[str, ...] = MODALITIES
    exclusive: bool = True
    tags: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    classes: str = "any"
    not_compared: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    acts_on: str = "features"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(
                f"strategy name must be letters, digits and _ (not starting with a digit), got "
                f"{self.name!r}"
            )
        if self.stage not in STAGES:
            raise ValueError(
                f"strategy {self.name!r}: stage must be one of {STAGES}, got {self.stage!r}"
            )
        unknown = set(self.modalities) - set(MODALITIES)
        if unknown:
            raise ValueError(f"strategy {self.name!r}: unknown modalities {sorted(unknown)}")
        if isinstance(self.factory, str) and ":" not in self.factory:
            raise ValueError(f"strategy {self.name!r}: factory must be 'module:attribute'")
        if not isinstance(self.factory, str) and not callable(self.factory):
            raise ValueError(
                f"strategy {self.name!r}: factory must be 'module:attribute' or a callable"
            )
        if self.acts_on not in ("features", "texts", "table"):
            raise ValueError(f"strategy {self.name!r}: acts_on must be features, texts or table")
        if self.classes not in CLASS_COUNTS:
            raise ValueError(f"strategy {self.name!r}: classes must be one of {CLASS_COUNTS}")
        object.__setattr__(
            self, "params", {str(k): as_param(v) for k, v in dict(self.params).items()}
        )
        object.__setattr__(self, "modalities", tuple(self.modalities))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "needs", tuple(self.needs))

    @property
    def defaults(self) -> dict[str, Any]:
        """Parameter -> default as declared (an :class:`~unskew._params.Expr` stays one)."""
        return {k: p.default for k, p in self.params.items()}

    def load(self) -> Any:
        """Import and return the factory (a class or function)."""
        if not isinstance(self.factory, str):
            return self.factory
        module, _, attr = self.factory.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj

    def applies_to(self, n_classes: int) -> str | None:
        """Why the strategy does not apply to data of ``n_classes`` classes (None when it does)."""
        if self.classes == "binary" and n_classes != 2:
            return f"{self.name} is for two classes; the data has {n_classes} classes" + (
                " (use logit_adjust or bias_tuning)" if self.stage == "decision" else ""
            )
        if self.classes == "multiclass" and n_classes < 3:
            return f"{self.name} is for three or more classes; the data has {n_classes}"
        return None

    def resolve(self, params: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """The factory's keyword arguments: ``params`` over the declared defaults (expressions
        computed from ``context``, a :class:`~unskew.stages.RunContext` or a mapping), plus the
        ``needs`` taken from ``params`` or the context."""
        params = {self.aliases.get(k, k): v for k, v in params.items()}
        unknown = set(params) - set(self.params) - set(self.needs)
        if unknown:
            raise InputError(
                f"{self.name} has no parameter(s) {format_list(sorted(unknown))}; its parameters: "
                f"{format_list(self.params) or '(none)'}"
            )
        values = _context_values(context)
        kwargs: dict[str, Any] = {}
        for name, param in self.params.items():
            if name in params:
                kwargs[name] = params[name]
            elif param.default is REQUIRED:
                raise InputError(
                    f"{self.name} needs {name}= (it has no default); e.g. '{self.name}:{name}=...'"
                )
            elif isinstance(param.default, Expr):
                if context is None:
                    raise InputError(
                        f"{self.name}'s {name} defaults to {param.default} (computed from the run); "
                        f"pass {name}=... or build it with context="
                    )
                kwargs[name] = param.default.evaluate(values)
            else:
                kwargs[name] = param.default
        for need in self.needs:
            value = params.get(need, values.get(need))
            if value is None:
                raise InputError(
                    f"{self.name} needs {need!r} from the training data (e.g. "
                    f"class_counts=np.bincount(y)); pass {need}=... or context="
                )
            kwargs[need] = value
        return kwargs

    def build(self, context: Any = None, **params: Any) -> Any:
        """Call the factory with the defaults updated by ``params``.

        ``context`` (a :class:`~unskew.stages.RunContext` or a mapping) supplies the values named in
        ``needs`` and the run-dependent defaults; ``params`` may also carry the needs themselves.
        Any other unknown name is refused.
        """
        return self.load()(**self.resolve(params, context))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as printed by ``unskew strategies --json``)."""
        return {
            "name": self.name,
            "stage": self.stage,
            "summary": self.summary,
            "reference": self.reference,
            "factory": self.factory
            if isinstance(self.factory, str)
            else f"{self.factory.__module__}:{self.factory.__qualname__}",
            "params": {k: _json_default(p) for k, p in self.params.items()},
            "param_kinds": {k: p.kind for k, p in self.params.items()},
            "modalities": list(self.modalities),
            "exclusive": self.exclusive,
            "tags": list(self.tags),
            "needs": list(self.needs),
            "classes": self.classes,
        }


def _json_default(param: Param) -> Any:
    if param.default is REQUIRED:
        return None
    if isinstance(param.default, Expr):
        return str(param.default)
    return param.default


def _context_values(context: Any) -> dict[str, Any]:
    if context is None:
        return {}
    if isinstance(context, Mapping):
        return dict(context)
    return context.values()


class Registry:
    """A name -> :class:`Strategy` catalogue with lookup, listing and wildcard filtering."""

    def __init__(self) -> None:
        self._entries: dict[str, Strategy] = {}
        self._builtin: set[str] = set()

    def register(self, strategy: Strategy, *, builtin: bool = False) -> Strategy:
        """Add ``strategy``; a second entry with the same name is an error."""
        if not isinstance(strategy, Strategy):
            raise InputError(f"register takes a Strategy, got {type(strategy).__name__}")
        if strategy.name in self._entries:
            raise ValueError(
                f"a strategy named {strategy.name!r} is already registered; choose another name"
            )
        self._entries[strategy.name] = strategy
        if builtin:
            self._builtin.add(strategy.name)
        return strategy

    def user_strategies(self) -> tuple[Strategy, ...]:
        """The entries registered by users and plugins (not the built-in catalogue)."""
        return tuple(s for n, s in self._entries.items() if n not in self._builtin)

    def get(self, name: str) -> Strategy:
        """The strategy called ``name``; an unknown name raises with the closest suggestion."""
        try:
            return self._entries[name]
        except KeyError:
            hint = closest_name(name, self._entries)
            raise InputError(
                f"unknown strategy '{name}'"
                + (f"; did you mean '{hint}'?" if hint else ";")
                + " `unskew strategies` lists them all"
            ) from None

    def list(
        self,
        pattern: str | None = None,
        *,
        stage: str | None = None,
        modality: str | None = None,
        tag: str | None = None,
    ) -> list[Strategy]:
        """Strategies in stage order then name, filtered by a wildcard ``pattern`` (``"*smote*"``),
        ``stage``, ``modality`` and ``tag``."""
        if stage is not None and stage not in STAGES:
            raise InputError(f"unknown stage '{stage}'; stages: {', '.join(STAGES)}")
        out = [
            s
            for s in self._entries.values()
            if (pattern is None or fnmatch.fnmatchcase(s.name, pattern))
            and (stage is None or s.stage == stage)
            and (modality is None or modality in s.modalities)
            and (tag is None or tag in s.tags)
        ]
        return sorted(out, key=lambda s: (STAGES.index(s.stage), s.name))

    def names(self) -> list[str]:
        """All registered names."""
        return [s.name for s in self.list()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Strategy]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._entries)


_REGISTRY: Registry | None = None
#: The entry-point group installed packages declare their strategies under.
ENTRY_POINT_GROUP = "unskew.strategies"


def get_registry() -> Registry:
    """The process-wide registry: the catalogue (:mod:`unskew.catalogue`), then the strategies
    installed packages declare under the entry-point group ``unskew.strategies`` (each entry point
    names a :class:`Strategy`, a sequence of them, or a function that registers its own)."""
    global _REGISTRY
    if _REGISTRY is None:
        from unskew.catalogue import build_registry

        _REGISTRY = build_registry()
        _load_entry_points(_REGISTRY)
    return _REGISTRY


def _load_entry_points(registry: Registry) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as err:  # a broken plugin must not break unskew
            import warnings

            warnings.warn(
                f"the strategy plugin {ep.name!r} ({ep.value}) failed to load: {err}",
                UserWarning,
                stacklevel=2,
            )
            continue
        if isinstance(obj, Strategy):
            registry.register(obj)
        elif isinstance(obj, list | tuple):
            for s in obj:
                registry.register(s)
        elif callable(obj):
            obj()


def register(strategy: Strategy | None = None, /, **fields: Any) -> Strategy:
    """Add a strategy of your own to the process-wide registry, after which it works in recipes,
    ``compare`` (parallel workers included), ``train``, saving and ``predict`` like the built-ins.

    Give a :class:`Strategy`, or its fields as keywords (``factory`` may be the class itself).
    What the factory builds implements its stage's interface (``docs/architecture.md``): a loss
    ``nn.Module`` for the objective stage, a ``Sampler`` over the training labels (``needs=
    ("labels",)``) for the batch stage, ``fit_resample`` for the data stage, and so on.

    Examples
    --------
    >>> import torch
    >>> class Squared(torch.nn.Module):
    ...     def __init__(self, scale=1.0):
    ...         super().__init__()
    ...         self.scale = scale
    ...     def forward(self, logits, y):
    ...         p = logits.softmax(1).gather(1, y[:, None])
    ...         return (self.scale * (1 - p) ** 2).mean()
    >>> s = register(name="doc_squared", stage="objective", summary="(1 - p_y)^2",
    ...              reference="", factory=Squared, params={"scale": 1.0})
    >>> from unskew.recipes import parse_recipe
    >>> parse_recipe("doc_squared:scale=2").to_spec()
    'doc_squared:scale=2'
    """
    if strategy is None:
        strategy = Strategy(**fields)
    elif fields:
        raise InputError("register takes a Strategy or its fields as keywords, not both")
    return get_registry().register(strategy)
