"""Which recipes a comparison runs: the curated ``quick`` set, ``all`` registered strategies, or a
list of spec strings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from unskew._params import split_outside
from unskew._validation import format_list
from unskew.catalogue import BASELINE, QUICK
from unskew.exceptions import InputError
from unskew.recipes import Recipe, parse_recipe
from unskew.registry import MODALITIES, get_registry

__all__ = [
    "BASELINE",
    "QUICK",
    "recipe_skip_reason",
    "recipes_for",
    "skipped_strategies",
    "split_specs",
]


_KEYWORD = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
#: Whitespace between two recipes: after a word or a closing bracket, before a name.
_WORD_END = re.compile(r"[A-Za-z0-9_\])]$")
_NAME_START = re.compile(r"[A-Za-z_]")


def split_specs(text: str) -> list[str]:
    """Split a command-line list of recipes on commas and spaces, keeping a part's own parameters
    together.

    ``;`` always separates recipes. A comma, or spaces between two words (``focal ldam+drw``),
    separate recipes too, unless what follows belongs to the part before it in the recipe grammar
    (``docs/recipes.md``): a ``key=value`` parameter (``focal:gamma=2,alpha=0.25``), or a value
    the part takes (``focal:alpha=0.25,2``). A registered strategy name always starts a recipe,
    and so does a word the part before cannot take, so an unknown name is read (and refused) as a
    recipe of its own. Nothing inside brackets splits (``stack_recipes:recipes=[a;b]``); spaces
    around ``+``, ``:`` and ``=`` join.

    Examples
    --------
    >>> split_specs("focal:gamma=2,alpha=0.25,ldam+drw, smote:7,balanced_softmax")
    ['focal:gamma=2,alpha=0.25', 'ldam+drw', 'smote:7', 'balanced_softmax']
    >>> split_specs("threshold:fbeta:2;cross_entropy+crt")
    ['threshold:fbeta:2', 'cross_entropy+crt']
    >>> split_specs("focal balanced_softmax, cross_entropy,smoteee")
    ['focal', 'balanced_softmax', 'cross_entropy', 'smoteee']
    """
    specs: list[str] = []
    for chunk in split_outside(text, ";"):
        current: list[str] = []
        for token in _tokens(chunk):
            if current and _continues(current, token):
                current.append(token)
                continue
            if current:
                specs.append(",".join(current))
            current = [token]
        if current:
            specs.append(",".join(current))
    return specs


def _tokens(chunk: str) -> list[str]:
    """``chunk`` cut at commas and at spaces between two words, outside brackets; empty pieces
    (a trailing comma) dropped."""
    cuts: list[tuple[int, int]] = []  # (end of a piece, start of the next)
    depth, i = 0, 0
    while i < len(chunk):
        ch = chunk[i]
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        elif depth == 0 and ch == ",":
            cuts.append((i, i + 1))
        elif depth == 0 and ch.isspace():
            j = i
            while j < len(chunk) and chunk[j].isspace():
                j += 1
            last = cuts[-1][1] if cuts else 0
            before = chunk[last:i]
            if _WORD_END.search(before) and j < len(chunk) and _NAME_START.match(chunk[j]):
                cuts.append((i, j))
            i = j
            continue
        i += 1
    bounds = [0, *(b for cut in cuts for b in cut), len(chunk)]
    pieces = (chunk[a:b].strip() for a, b in zip(bounds[::2], bounds[1::2], strict=True))
    return [p for p in pieces if p]


def _continues(current: list[str], token: str) -> bool:
    """Whether ``token`` is one more parameter of the last part of ``current``."""
    if _KEYWORD.match(token):
        return True
    if re.split(r"[:+]", token, maxsplit=1)[0].strip() in get_registry():
        return False
    try:
        parse_recipe(",".join([*current, token]))
    except InputError:
        return False
    return True


def _check_context(modality: str, n_classes: int) -> None:
    if modality not in MODALITIES:
        raise InputError(f"modality must be one of {format_list(MODALITIES)}, got {modality!r}")
    if int(n_classes) < 2:
        raise InputError(
            f"a comparison needs labels of at least 2 classes, got n_classes={n_classes}"
        )


def _condition_holds(condition: str | None, n_classes: int) -> bool:
    return (
        condition is None
        or (condition == "binary" and n_classes == 2)
        or (condition == "multiclass" and n_classes > 2)
    )


def _dummy_context(n_classes: int) -> Any:
    import numpy as np
    import torch

    from unskew.stages import RunContext

    counts = np.arange(n_classes, 0, -1) * 10
    return RunContext(
        class_counts=counts,
        labels=np.repeat(np.arange(n_classes), counts),
        generator=torch.Generator(),
    )


def recipe_skip_reason(recipe: Recipe, modality: str, n_classes: int) -> str | None:
    """Why ``recipe`` cannot run on data of ``modality`` with ``n_classes`` classes (None when it
    can): a part for another modality or another class count.

    Examples
    --------
    >>> recipe_skip_reason(parse_recipe("cross_entropy+threshold:f1"), "table", 3)
    'threshold is for two classes; the data has 3 classes (use logit_adjust or bias_tuning)'
    """
    for part in recipe.parts:
        strategy = part.strategy
        if modality not in strategy.modalities:
            return (
                f"{part.name} applies to {'/'.join(strategy.modalities)} data, not {modality} data"
            )
        reason = strategy.applies_to(n_classes)
        if reason is not None:
            return reason
    return None


def skipped_strategies(modality: str, n_classes: int) -> dict[str, str]:
    """Registered strategies that ``recipes_for("all", ...)`` leaves out, with the reason.

    A strategy is left out when it does not apply to ``modality``, needs another class count
    (``threshold`` tunes a binary threshold), needs a parameter that has no default (its factory
    refuses the registered defaults, e.g. ``cost_sensitive`` without a cost matrix), needs a
    distributed process group (``distributed_balanced_sampler``) or pretrained weights
    (``finetune``), or is a segmentation or multi-label loss (``dice``, ``tversky``,
    ``sigmoid_focal``, ``asymmetric``).

    Examples
    --------
    >>> skipped = skipped_strategies("table", 3)
    >>> skipped["threshold"]
    'threshold is for two classes; the data has 3 classes (use logit_adjust or bias_tuning)'
    >>> "dice" in skipped, "focal" in skipped
    (True, False)
    """
    _check_context(modality, n_classes)
    out: dict[str, str] = {}
    context = _dummy_context(n_classes)
    for s in get_registry().list():
        reason = (
            f"{s.name} applies to {'/'.join(s.modalities)} data, not {modality} data"
            if modality not in s.modalities
            else s.applies_to(n_classes)
        )
        if reason is None and s.not_compared:
            reason = f"{s.name}: {s.not_compared}"
        if reason is None:
            try:
                s.build(context)
            except InputError as err:
                reason = f"{s.name} needs a parameter without a default: {err}"
        if reason is not None:
            out[s.name] = reason
    return out


def _all_specs(modality: str, n_classes: int) -> list[str]:
    skipped = skipped_strategies(modality, n_classes)
    specs = []
    for s in get_registry().list(modality=modality):
        if s.name in skipped or s.name == BASELINE:
            continue
        if s.stage == "objective" and s.exclusive:
            specs.append(s.name)  # a loss alone
        elif s.stage in ("data", "batch"):
            specs.append(f"{s.name}+{BASELINE}")
        else:
            specs.append(f"{BASELINE}+{s.name}")
    return specs


def recipes_for(
    strategies: str | Sequence[str], modality: str = "table", n_classes: int = 2
) -> list[str]:
    """The recipes a comparison runs, the baseline ``cross_entropy`` first.

    * ``"quick"``: a curated set per modality covering every stage in little time
      (:data:`QUICK`): class weights, focal, balanced softmax, LDAM + DRW, a balanced sampler,
      SMOTE (tables), over-sampling by augmentation (images: rotated and scaled copies; texts:
      EDA), undersampling, a tuned threshold (binary) or post-hoc logit adjustment (multi-class;
      images: always), classifier re-training, and (tables) stacking of the weighted net with a
      balanced random forest and a weighted logistic regression.
    * ``"all"``: every registered strategy that applies to ``modality`` and ``n_classes``, one
      recipe each around cross-entropy: a loss alone, ``RESAMPLER+cross_entropy``,
      ``SAMPLER+cross_entropy``, ``cross_entropy+RULE``, ``cross_entropy+HEAD``, ... Strategies
      that cannot run here are left out (:func:`skipped_strategies` says why).
    * a list of spec strings, or one string of them separated by commas (:func:`split_specs`),
      each validated with :func:`~unskew.recipes.parse_recipe`.

    Duplicates (the same canonical recipe written twice) are dropped, keeping the first.

    Parameters
    ----------
    strategies : "quick", "all", or a list of recipe specs
    modality : {"table", "image", "text"}
    n_classes : int

    Returns
    -------
    list of str
        Recipe specs as written (the curated ones in their short form).

    Raises
    ------
    InputError
        An unknown strategy (with the closest name), a bad parameter, or a part that does not apply
        to ``modality``.

    Examples
    --------
    >>> recipes_for("quick", "table", 2)[:3]
    ['cross_entropy', 'cross_entropy+weights:inverse', 'focal:gamma=2']
    >>> "cross_entropy+logit_adjust" in recipes_for("quick", "table", 5)
    True
    >>> recipes_for(["ldam+drw"], "table", 2)
    ['cross_entropy', 'ldam+drw']
    """
    _check_context(modality, n_classes)
    if isinstance(strategies, str) and strategies.strip().lower() == "quick":
        specs = [
            s
            for s, cond in QUICK[modality]
            if _condition_holds(cond, n_classes) and _applies(s, modality)
        ]
    elif isinstance(strategies, str) and strategies.strip().lower() == "all":
        specs = _all_specs(modality, n_classes)
    else:
        if isinstance(strategies, str):
            strategies = split_specs(strategies)
        specs = [str(s).strip() for s in strategies]
        if not specs:
            raise InputError(
                "no recipes given; pass 'quick', 'all' or a list such as ['focal', 'ldam+drw']"
            )
    out: list[str] = []
    seen: set[str] = set()
    for spec in [BASELINE, *specs]:
        recipe = _parse(spec, modality, n_classes)
        key = recipe.to_spec()
        if key not in seen:
            seen.add(key)
            out.append(spec)
    return out


def _applies(spec: str, modality: str) -> bool:
    registry = get_registry()
    return all(modality in registry.get(part.name).modalities for part in parse_recipe(spec).parts)


def _parse(spec: str, modality: str, n_classes: int) -> Recipe:
    recipe = parse_recipe(spec, modality=modality)
    reason = recipe_skip_reason(recipe, modality, n_classes)
    if reason is not None:
        raise InputError(f"recipe '{spec}': {reason}")
    return recipe


def canonical(spec: str) -> str:
    """The canonical form of ``spec`` (parts in stage order, keyword form): the key runs are stored
    under, so ``focal:2`` and ``focal:gamma=2`` are one recipe.

    Examples
    --------
    >>> canonical("threshold:f1+cross_entropy")
    'cross_entropy+threshold:objective=f1'
    """
    return parse_recipe(spec).to_spec()
