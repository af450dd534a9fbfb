"""Recipes: one choice per stage, written as data (a dict) or as a spec string.

Grammar (``docs/recipes.md``)::

    spec := part ("+" part)*
    part := name [":" arg ("," arg)*]
    arg  := key "=" value          when it starts with an identifier followed by "="
          | value                  otherwise: the part's main (first) parameter

so ``threshold:f1``, ``threshold:precision>=0.9`` and ``threshold:fbeta:2`` give ``threshold`` its
``objective``, and ``focal:gamma=2,alpha=0.25`` is keyword form. Lists and matrices are written in
brackets (``cost_sensitive:cost_matrix=[[0,1],[5,0]]``); ``+`` and ``,`` inside brackets do not
split. Every value is read with the type and range the catalogue declares for the parameter
(:class:`~unskew._params.Param`), so ``focal:gamma=abc`` or ``smote:k_neighbors=0`` fail here, before
any training, naming the parameter and what it takes. Parsing validates every part against the
strategy registry (suggesting the closest name for a typo), its parameters, the data's modality, and
the exclusive slots: at most one resampler, sampler, loss, head, decision rule and wrapper per
recipe. ``parse_recipe(recipe.to_spec()) == recipe`` for every recipe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unskew._params import format_value, split_outside
from unskew._validation import closest_name, format_list
from unskew.exceptions import InputError
from unskew.registry import STAGES, Registry, Strategy, get_registry

__all__ = ["Part", "Recipe", "check_recipe_list", "parse_recipe"]

_KEYWORD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Part:
    """One strategy of a recipe with its parameters (only those given; defaults live in the
    registry)."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def strategy(self) -> Strategy:
        return get_registry().get(self.name)

    def to_spec(self) -> str:
        """``name:key=value,...`` with values written so that they parse back (lists in
        brackets)."""
        if not self.params:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in self.params.items())


@dataclass(frozen=True)
class Recipe:
    """A validated recipe: its parts in stage order.

    Examples
    --------
    >>> r = parse_recipe("balanced_sampler+focal:gamma=2+threshold:f1")
    >>> r.loss.name, r.loss.params, r.slot("decision").params
    ('focal', {'gamma': 2.0}, {'objective': 'f1'})
    >>> r.to_spec()
    'balanced_sampler+focal:gamma=2+threshold:objective=f1'
    """

    parts: tuple[Part, ...]

    def stage(self, stage: str) -> list[Part]:
        """Every part acting at ``stage``."""
        return [p for p in self.parts if p.strategy.stage == stage]

    def slot(self, stage: str) -> Part | None:
        """The part in ``stage``'s exclusive slot, if any."""
        return next((p for p in self.stage(stage) if p.strategy.exclusive), None)

    def modifiers(self, stage: str) -> list[Part]:
        """The non-exclusive parts of ``stage`` (``weights``, ``drw``, ``smote_batch``, ...)."""
        return [p for p in self.stage(stage) if not p.strategy.exclusive]

    @property
    def loss(self) -> Part:
        """The loss; ``cross_entropy`` when the recipe names none."""
        return self.slot("objective") or Part("cross_entropy")

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.parts)

    def to_spec(self) -> str:
        """The canonical spec string (parts in stage order, keyword form)."""
        return "+".join(p.to_spec() for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        """``{"parts": [{"name": ..., "params": {...}}, ...]}``, JSON-ready."""
        return {"parts": [{"name": p.name, "params": dict(p.params)} for p in self.parts]}


def _split_part(text: str) -> tuple[str, list[str]]:
    name, _, rest = text.partition(":")
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(
            f"'{text.strip()}' does not start with a strategy name (letters, digits, _), e.g. "
            "'focal:gamma=2'"
        )
    args = [a.strip() for a in split_outside(rest, ",")] if rest else []
    if any(not a for a in args):
        raise InputError(f"'{text.strip()}' has an empty parameter; write key=value,key=value")
    return name, args


def _strategy(name: str, registry: Registry) -> Strategy:
    if not isinstance(name, str) or name not in registry:
        hint = closest_name(str(name), registry.names())
        raise InputError(
            f"unknown strategy '{name}' in the recipe"
            + (f"; did you mean '{hint}'?" if hint else ";")
            + " `unskew strategies` lists them all; a strategy of your own needs "
            "unskew.register(...) (or --plugin MODULE) first"
        )
    return registry.get(name)


def _param_key(strategy: Strategy, key: str) -> str:
    key = strategy.aliases.get(key, key)
    if key not in strategy.params:
        hint = closest_name(key, strategy.params)
        raise InputError(
            f"{strategy.name} has no parameter '{key}'"
            + (f"; did you mean '{hint}'?" if hint else "")
            + f" Its parameters: {format_list(strategy.params) or '(none)'}"
        )
    return key


def _part_from_text(name: str, args: list[str], registry: Registry) -> Part:
    strategy = _strategy(name, registry)
    params: dict[str, Any] = {}
    main = next(iter(strategy.params), None)
    for arg in args:
        m = _KEYWORD.match(arg)
        key, value = (m.group(1), m.group(2)) if m else (main, arg)
        if key is None:
            raise InputError(f"{name} takes no parameters, got '{arg}'")
        key = _param_key(strategy, key)
        if key in params:
            raise InputError(f"{name} got '{key}' twice (main parameter and keyword?)")
        try:
            params[key] = strategy.params[key].parse(name, key, value)
        except InputError:
            numeric = strategy.params[key].kind in _NUMBER_WORDS
            if m or not numeric or not _NAME.match(arg):
                raise
            raise _not_a_parameter(strategy, key, arg) from None
    return Part(name, params)


_NUMBER_WORDS = {"int": "a whole number", "float": "a number"}


def _not_a_parameter(strategy: Strategy, main: str, word: str) -> InputError:
    """``cross_entropy:foo``: a bare word that is neither a parameter's name nor a value of the
    (numeric) main parameter."""
    hint = closest_name(word, strategy.params)
    return InputError(
        f"{strategy.name}:{word}: {strategy.name} has no parameter '{word}'"
        + (f" (did you mean '{hint}'?)" if hint else "")
        + f", and '{word}' is not {_NUMBER_WORDS[strategy.params[main].kind]} for its main "
        f"parameter {main}; write {strategy.name}:KEY=VALUE with KEY one of "
        f"{format_list(strategy.params)}, e.g. {strategy.name}:{main}=..."
    )


def _part_from_values(name: Any, values: Any, registry: Registry) -> Part:
    strategy = _strategy(name, registry)
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise InputError(
            f"the parameters of '{name}' must be a dict such as {{'gamma': 2}}, got {values!r}"
        )
    params: dict[str, Any] = {}
    for key, value in values.items():
        key = _param_key(strategy, str(key))
        param = strategy.params[key]
        params[key] = (
            param.parse(strategy.name, key, value)
            if isinstance(value, str)
            else param.coerce(strategy.name, key, value)
        )
    return Part(strategy.name, params)


def _parts_from_mapping(spec: Mapping[str, Any], registry: Registry) -> list[Part]:
    if "parts" in spec:
        items = spec["parts"]
        if not isinstance(items, list | tuple):
            raise InputError("a recipe's 'parts' must be a list of {'name': ..., 'params': {...}}")
        parts = []
        for item in items:
            if not isinstance(item, Mapping) or "name" not in item:
                raise InputError(
                    f"each of a recipe's 'parts' needs a 'name' (and optional 'params'), got "
                    f"{item!r}"
                )
            if extra := sorted(set(map(str, item)) - {"name", "params"}):
                raise InputError(
                    f"a recipe part takes 'name' and 'params' only, got {format_list(extra)} in "
                    f"{item!r}; put parameters under 'params': {{'name': ..., 'params': {{...}}}}"
                )
            parts.append(_part_from_values(item["name"], item.get("params"), registry))
        return parts
    return [_part_from_values(k, v, registry) for k, v in spec.items()]


def parse_recipe(
    spec: str | Mapping[str, Any] | Recipe,
    *,
    modality: str | None = None,
    registry: Registry | None = None,
) -> Recipe:
    """Parse and validate a recipe (spec string, dict or Recipe).

    Parameters
    ----------
    spec : str, dict or Recipe
        ``"smote:k_neighbors=5+focal:gamma=2+threshold:f1"``, or ``{"parts": [{"name": ...,
        "params": {...}}]}``, or ``{"focal": {"gamma": 2}, "threshold": {"objective": "f1"}}``.
    modality : {"table", "image", "text"}, optional
        Refuse parts that do not apply to this kind of data, with the reason.

    Raises
    ------
    InputError
        Unknown names (with the closest suggestion), unknown parameters, two parts in one exclusive
        slot, a part repeated, a part that does not apply to the modality, an empty recipe.

    Examples
    --------
    >>> parse_recipe("threshold:precision>=0.9").parts[0].params
    {'objective': 'precision>=0.9'}
    >>> parse_recipe("threshold:fbeta:2").parts[0].params
    {'objective': 'fbeta:2'}
    """
    registry = registry or get_registry()
    if isinstance(spec, Recipe):
        parts = [_part_from_values(p.name, dict(p.params), registry) for p in spec.parts]
    elif isinstance(spec, Mapping):
        parts = _parts_from_mapping(spec, registry)
    elif isinstance(spec, str):
        texts = [t.strip() for t in split_outside(spec, "+")]
        if not spec.strip() or any(not t for t in texts):
            raise InputError(
                f"recipe '{spec}' has an empty part; write parts joined by '+', e.g. "
                "'smote+focal:gamma=2+threshold:f1'"
            )
        parts = [_part_from_text(*_split_part(t), registry) for t in texts]
    else:
        raise InputError(f"a recipe is a spec string or a dict, got {type(spec).__name__}")
    if not parts:
        raise InputError("the recipe is empty; name at least one strategy, e.g. 'cross_entropy'")
    seen: dict[str, str] = {}
    slots: dict[str, str] = {}
    for part in parts:
        s = registry.get(part.name)
        if part.name in seen:
            raise InputError(f"'{part.name}' appears twice in the recipe; keep one")
        seen[part.name] = s.stage
        if s.exclusive:
            if s.stage in slots:
                raise InputError(
                    f"'{slots[s.stage]}' and '{part.name}' both fill the {s.stage} stage's single "
                    f"slot; a recipe takes one of them"
                )
            slots[s.stage] = part.name
        if modality is not None and modality not in s.modalities:
            raise InputError(
                f"'{part.name}' applies to {'/'.join(s.modalities)} data, not {modality} data; "
                "drop it from the recipe"
            )
    parts.sort(key=lambda p: STAGES.index(registry.get(p.name).stage))
    return Recipe(tuple(parts))


def check_recipe_list(specs: list[str]) -> None:
    """Refuse a list of recipes (a ``strs`` parameter such as ``stack_recipes:recipes=[...]``)
    holding a text that is not a valid recipe, or the same recipe twice.

    Examples
    --------
    >>> check_recipe_list(["focal:gamma=2", "ldam+drw"])
    >>> check_recipe_list(["focal:2", "focal:gamma=2"])
    Traceback (most recent call last):
    ...
    unskew.exceptions.InputError: the recipe list names focal:gamma=2 twice; list each recipe once
    """
    seen: set[str] = set()
    for spec in specs:
        try:
            key = parse_recipe(spec).to_spec()
        except InputError as err:
            raise InputError(
                f"{spec!r} in the recipe list is not a recipe ({err}); separate recipes with ';', "
                "e.g. [focal:gamma=2;ldam+drw]"
            ) from None
        if key in seen:
            raise InputError(f"the recipe list names {key} twice; list each recipe once")
        seen.add(key)
