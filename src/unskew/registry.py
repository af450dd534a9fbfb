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
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from unskew._validation import closest_name, format_list
from unskew.exceptions import InputError

__all__ = ["MODALITIES", "STAGES", "Registry", "Strategy", "get_registry"]

#: The stages a strategy acts at, in the order a recipe applies them (see DESIGN.md).
STAGES = ("data", "batch", "objective", "model", "decision", "meta")
MODALITIES = ("table", "image", "text")


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
    factory : str
        ``"module:attribute"`` of the class or function that builds it; imported lazily.
    params : mapping
        Parameter names and their defaults.
    modalities : tuple of str
        Data modalities it applies to.
    exclusive : bool
        True when it fills its stage's exclusive slot (one loss, one resampler, one sampler, one
        head, one decision rule, one wrapper per recipe); False for modifiers (``weights``, ``drw``,
        ``mixup``, ...).
    tags : tuple of str
        Free-form labels for filtering ("loss", "oversampling", ...).
    needs : tuple of str
        Arguments the factory needs from the data rather than from the user, e.g. ``class_counts``:
        :meth:`build` requires them besides the parameters.
    """

    name: str
    stage: str
    summary: str
    reference: str
    factory: str
    params: Mapping[str, Any] = field(default_factory=dict)
    modalities: tuple[str, ...] = MODALITIES
    exclusive: bool = True
    tags: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(
                f"strategy {self.name!r}: stage must be one of {STAGES}, got {self.stage!r}"
            )
        unknown = set(self.modalities) - set(MODALITIES)
        if unknown:
            raise ValueError(f"strategy {self.name!r}: unknown modalities {sorted(unknown)}")
        if ":" not in self.factory:
            raise ValueError(f"strategy {self.name!r}: factory must be 'module:attribute'")

    def load(self) -> Any:
        """Import and return the factory (a class or function)."""
        module, _, attr = self.factory.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj

    def build(self, **params: Any) -> Any:
        """Call the factory with the defaults updated by ``params``.

        ``params`` may also carry the data-derived arguments named in ``needs`` (all of them are
        required); any other unknown name is refused.
        """
        unknown = set(params) - set(self.params) - set(self.needs)
        if unknown:
            raise InputError(
                f"{self.name} has no parameter(s) {format_list(sorted(unknown))}; its parameters: "
                f"{format_list(self.params) or '(none)'}"
            )
        missing = [n for n in self.needs if params.get(n) is None]
        if missing:
            raise InputError(
                f"{self.name} needs {format_list(missing)} from the training data (e.g. "
                f"class_counts=np.bincount(y)); pass {', '.join(f'{m}=...' for m in missing)}"
            )
        return self.load()(**{**self.params, **params})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as printed by ``unskew strategies --json``)."""
        out = asdict(self)
        out["params"] = dict(self.params)
        out["modalities"] = list(self.modalities)
        out["tags"] = list(self.tags)
        out["needs"] = list(self.needs)
        return out


class Registry:
    """A name -> :class:`Strategy` catalogue with lookup, listing and wildcard filtering."""

    def __init__(self) -> None:
        self._entries: dict[str, Strategy] = {}

    def register(self, strategy: Strategy) -> Strategy:
        """Add ``strategy``; a second entry with the same name is an error."""
        if strategy.name in self._entries:
            raise ValueError(f"a strategy named {strategy.name!r} is already registered")
        self._entries[strategy.name] = strategy
        return strategy

    def get(self, name: str) -> Strategy:
        """The strategy called ``name``; an unknown name raises with the closest suggestion."""
        try:
            return self._entries[name]
        except KeyError:
            hint = closest_name(name, self._entries)
            raise InputError(
                f"unknown strategy '{name}'"
                + (f"; did you mean '{hint}'?" if hint else "")
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


def get_registry() -> Registry:
    """The process-wide registry, filled from :mod:`unskew.catalogue` on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        from unskew.catalogue import build_registry

        _REGISTRY = build_registry()
    return _REGISTRY
