"""Recommendation rules: which recipe of a leaderboard to recommend.

Each rule reads the leaderboard rows (best mean first) and returns a :class:`Choice`; the verdict
(:mod:`unskew.bench._verdict`) words any of them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unskew.exceptions import InputError

__all__ = [
    "DEFAULT_K",
    "DEFAULT_RULES",
    "RULES",
    "Choice",
    "check_rule",
    "choose",
    "default_rule",
    "stack_spec",
]

#: The rules, in the order the documentation lists them.
RULES = ("best_mean", "one_se", "cheapest_one_se", "stack_top_k")
#: The rule a comparison uses unless told otherwise, by modality. Tables: ``stack_top_k``, the
#: winner of the measurement on 22 KEEL datasets the suite never saw (docs/compare.md, "Which
#: rule"). Images and texts keep ``best_mean``: the measurement ran on tables only, and a stack
#: trains each of its k members 6 times (5 out-of-fold copies and a refit), which for a network
#: on images or texts multiplies ``train``'s time by 18 on a rule nobody has measured there.
DEFAULT_RULES = {"table": "stack_top_k", "image": "best_mean", "text": "best_mean"}
#: How many recipes ``stack_top_k`` stacks unless told otherwise (``stack_top_k:5``).
DEFAULT_K = 3
_ALIASES = {"best": "best_mean"}

Row = dict[str, Any]
MeanOf = Callable[[str, str], "float | None"]


@dataclass
class Choice:
    """What a rule chose: ``spec`` to train, the leaderboard ``row`` it is (None for a stack of
    several), the ``tied`` specs it chose among, the metric that broke the tie (None when none
    did) and the ``reason`` in one sentence."""

    spec: str
    row: Row | None
    tied: list[str]
    tie_break: str | None
    reason: str
    members: list[str] = field(default_factory=list)


def default_rule(modality: str | None) -> str:
    """The rule a comparison of ``modality`` data uses unless told otherwise
    (:data:`DEFAULT_RULES`; a modality it does not name, or None, is a table's).

    Examples
    --------
    >>> default_rule("table"), default_rule("image")
    ('stack_top_k', 'best_mean')
    """
    return DEFAULT_RULES.get(modality, DEFAULT_RULES["table"])


def check_rule(rule: str | None, modality: str | None = None) -> tuple[str, int]:
    """``(rule, k)`` for a rule as written: a name of :data:`RULES` (``best`` is ``best_mean``),
    ``stack_top_k:K`` giving ``k``; None is the default of ``modality``
    (:func:`default_rule`).

    Examples
    --------
    >>> check_rule("stack_top_k:5"), check_rule("best"), check_rule(None, "image")
    (('stack_top_k', 5), ('best_mean', 3), ('best_mean', 3))
    """
    if rule is None:
        return default_rule(modality), DEFAULT_K
    name, _, k = str(rule).strip().partition(":")
    name = _ALIASES.get(name, name)
    if name not in RULES:
        raise InputError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    if not k:
        return name, DEFAULT_K
    if name != "stack_top_k" or not k.isdigit() or int(k) < 2:
        raise InputError(
            f"rule {rule!r}: only stack_top_k takes a number, the recipes to stack (at least 2), "
            "e.g. stack_top_k:3"
        )
    return name, int(k)


def stack_spec(strategy: str, specs: list[str]) -> str:
    """The recipe that stacks ``specs`` with the stacking strategy named ``strategy``.

    Examples
    --------
    >>> stack_spec("stack_recipes", ["focal:gamma=2", "ldam+drw"])
    'stack_recipes:recipes=[focal:gamma=2;ldam+drw]'
    """
    from unskew.recipes import Part

    return Part(strategy, {"recipes": list(specs)}).to_spec()


def _one_se_set(board: list[Row], metric: str, greater: bool) -> tuple[list[Row], float | None]:
    """The rows whose runs all succeeded and whose mean lies within one standard error of the
    best (the best first), and that standard error (None with one run: no error to weigh)."""
    best = board[0]
    std = best["metrics"][metric]["std"]
    if std is None or best["runs"] < 2:
        return [best], None
    se = std / math.sqrt(best["runs"])
    sign = 1.0 if greater else -1.0
    tied = [best] + [
        r
        for r in board[1:]
        if r["rank"] is not None
        and r["status"] == "ok"
        and sign * (best["score"] - r["score"]) <= se
    ]
    return tied, se


def _alone(best: Row, metric: str, se: float | None) -> Choice:
    if se is None:
        why = f"the best mean {metric} (one run per recipe: no standard error to weigh)"
    else:
        why = f"the best mean {metric}; no other recipe lies within one standard error ({se:.3f})"
    return Choice(best["spec"], best, [best["spec"]], None, why)


def _best_mean(board: list[Row], metric: str, **_: Any) -> Choice:
    best = board[0]
    return Choice(best["spec"], best, [best["spec"]], None, f"the best mean {metric}")


def _one_se(
    board: list[Row],
    metric: str,
    *,
    greater: Callable[[str], bool],
    mean_of: MeanOf,
    tie_break: str | None,
    **_: Any,
) -> Choice:
    tied, se = _one_se_set(board, metric, greater(metric))
    best = board[0]
    if len(tied) == 1:
        return _alone(best, metric, se)
    tie_break = tie_break or ("pr_auc" if metric == "roc_auc" else "roc_auc")
    by = {r["recipe"]: mean_of(r["recipe"], tie_break) for r in tied}
    ranked = [r for r in tied if by[r["recipe"]] is not None]
    specs = [r["spec"] for r in tied]
    if not ranked:
        why = (
            f"the best mean {metric}: {len(tied)} recipes lie within one standard error "
            f"({se:.3f}), but no {tie_break} could be computed to separate them"
        )
        return Choice(best["spec"], best, specs, None, why)
    pick = max if greater(tie_break) else min
    chosen = pick(ranked, key=lambda r: by[r["recipe"]])
    why = (
        f"{len(tied)} recipes lie within one standard error ({se:.3f}) of the best mean "
        f"{metric} ({best['spec']}, {best['score']:.3f}); of those it has the best mean "
        f"{tie_break} ({by[chosen['recipe']]:.3f})"
    )
    return Choice(chosen["spec"], chosen, specs, tie_break, why)


def _cheapest_one_se(
    board: list[Row], metric: str, *, greater: Callable[[str], bool], **_: Any
) -> Choice:
    tied, se = _one_se_set(board, metric, greater(metric))
    best = board[0]
    if len(tied) == 1:
        return _alone(best, metric, se)
    chosen = min(tied, key=lambda r: math.inf if r["seconds"] is None else r["seconds"])
    why = (
        f"{len(tied)} recipes lie within one standard error ({se:.3f}) of the best mean "
        f"{metric} ({best['spec']}, {best['score']:.3f}); of those it takes the fewest seconds "
        f"per run ({chosen['seconds']:.1f}"
        + ("" if chosen is best else f" against {best['seconds']:.1f} for the best")
        + ")"
    )
    return Choice(chosen["spec"], chosen, [r["spec"] for r in tied], "seconds", why)


def _stack_top_k(board: list[Row], metric: str, *, k: int, stacker: str, **_: Any) -> Choice:
    top = [r for r in board if r["rank"] is not None and r["status"] == "ok"][:k]
    if len(top) < 2:
        best = board[0]
        why = f"the best mean {metric}; fewer than 2 recipes ran every fold, so there is no stack"
        return Choice(best["spec"], best, [best["spec"]], None, why)
    specs = [r["spec"] for r in top]
    why = (
        f"a stack of the {len(top)} recipes with the best mean {metric} ({', '.join(specs)}), "
        "combined by a logistic regression on their out-of-fold probabilities"
    )
    return Choice(stack_spec(stacker, specs), None, specs, None, why, members=specs)


_CHOOSERS: dict[str, Callable[..., Choice]] = {
    "best_mean": _best_mean,
    "one_se": _one_se,
    "cheapest_one_se": _cheapest_one_se,
    "stack_top_k": _stack_top_k,
}


def choose(
    board: list[Row],
    metric: str,
    rule: str,
    *,
    greater: Callable[[str], bool],
    mean_of: MeanOf,
    tie_break: str | None = None,
    k: int = DEFAULT_K,
    stacker: str,
) -> Choice:
    """Apply ``rule`` (a name of :data:`RULES`) to the leaderboard ``board`` (rows best first,
    the first one ranked).

    * ``best_mean``: the top row (the best mean ``metric``; ties to the faster).
    * ``one_se``: the one-standard-error rule (Breiman et al., *Classification and Regression
      Trees*, 1984; Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2009,
      7.10): the rows whose runs all succeeded and whose mean lies within one standard error
      (``std / sqrt(runs)`` of the best row's runs) of the best mean are tied; of those the best
      mean ``tie_break`` wins (default ``roc_auc``; ``pr_auc`` when ``metric`` is ``roc_auc``).
    * ``cheapest_one_se``: the same tied rows; the one with the fewest seconds per run wins.
    * ``stack_top_k``: the ``k`` best rows whose runs all succeeded, stacked by the strategy
      ``stacker`` (a class-weighted logistic regression on their out-of-fold probabilities,
      fitted inside the training rows; Wolpert, "Stacked Generalization", 1992); the best row
      alone when fewer than two qualify.

    With one run per recipe there is no standard error and the one-SE rules return the best.
    ``greater(metric)`` says whether a metric is better higher, ``mean_of(recipe, metric)`` gives
    a recipe's mean of another metric (or None).

    Examples
    --------
    >>> row = lambda spec, score, secs: {"recipe": spec, "spec": spec, "rank": 1, "status": "ok",
    ...     "score": score, "seconds": secs, "runs": 5,
    ...     "metrics": {"gmean": {"mean": score, "std": 0.05}}}
    >>> board = [row("slow", 0.80, 9.0), row("fast", 0.79, 1.0), row("bad", 0.60, 0.5)]
    >>> pick = choose(board, "gmean", "cheapest_one_se", greater=lambda m: True,
    ...               mean_of=lambda r, m: None, stacker="stack_recipes")
    >>> pick.spec, pick.tied
    ('fast', ['slow', 'fast'])
    """
    return _CHOOSERS[rule](
        board,
        metric,
        greater=greater,
        mean_of=mean_of,
        tie_break=tie_break,
        k=k,
        stacker=stacker,
    )
