"""Every strategy unskew ships, declared in one place.

Each later capability adds its entries here (losses, samplers, resamplers, heads, decision rules,
wrappers); the recipe parser, ``unskew strategies`` and ``unskew compare`` read them through
:func:`unskew.registry.get_registry`. Factories are ``"module:attribute"`` strings, imported only
when a strategy is built.
"""

from __future__ import annotations

from unskew.registry import Registry, Strategy

__all__ = ["STRATEGIES", "build_registry"]

STRATEGIES: tuple[Strategy, ...] = (
    Strategy(
        name="cross_entropy",
        stage="objective",
        summary="Plain softmax cross-entropy: the baseline every remedy is measured against",
        reference="",
        factory="torch.nn:CrossEntropyLoss",
        params={"label_smoothing": 0.0},
        tags=("loss", "baseline"),
    ),
)


def build_registry() -> Registry:
    """A registry holding every entry of :data:`STRATEGIES`.

    Examples
    --------
    >>> "cross_entropy" in build_registry()
    True
    """
    registry = Registry()
    for strategy in STRATEGIES:
        registry.register(strategy)
    return registry
