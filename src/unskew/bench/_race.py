"""Racing: stop a recipe once it is significantly worse than the current leader.

The decisions are a pure function of the stored runs, so a comparison resumed from its store (or
run with another ``jobs``) takes the same decisions: nothing about the race is stored besides the
runs themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MIN_FOLDS", "race_stops"]

#: Folds every recipe runs before racing may stop it.
MIN_FOLDS = 3

Split = tuple[int, int]


def _leader(
    alive: Sequence[str],
    scores: Mapping[str, Mapping[Split, float]],
    done: Sequence[Split],
    greater_is_better: bool,
) -> str | None:
    """The alive recipe with the best mean over ``done`` among those scored on every split of it
    (ties: the earlier recipe)."""
    best, best_mean = None, None
    sign = 1.0 if greater_is_better else -1.0
    for key in alive:
        mine = scores.get(key, {})
        if not all(s in mine for s in done):
            continue
        mean = sign * sum(mine[s] for s in done) / len(done)
        if best_mean is None or mean > best_mean:
            best, best_mean = key, mean
    return best


def race_stops(
    recipes: Sequence[str],
    scores: Mapping[str, Mapping[Split, float]],
    ran: Mapping[str, set[Split]],
    splits: Sequence[Split],
    ratios: Mapping[Split, float],
    *,
    greater_is_better: bool = True,
    alpha: float = 0.05,
    keep: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """Which recipes a race stops, and after how many splits.

    Rule (racing, Maron & Moore, "Hoeffding Races", NIPS 1993, with the corrected resampled t-test
    of Nadeau & Bengio 2003 as the test): after each completed split ``k`` (the first ``k`` of
    ``splits``, every recipe still racing holds a run on each), from ``k = MIN_FOLDS`` on and
    while a split is left to run, the *leader* is the racing recipe with the best mean score over
    those ``k`` splits (ties: the earlier recipe; only recipes scored on all ``k``). Every other
    racing recipe that has not run split ``k + 1`` yet, with at least ``MIN_FOLDS`` splits scored
    alongside the leader, is tested against it (:func:`unskew.bench.stats.compare_paired`); one
    that is ``worse`` at ``alpha`` stops and runs no later split. A split some racing recipe has
    not run ends the replay there: the race has not got further. The recipes in ``keep`` are never
    stopped: the baseline, against which every remedy's verdict is tested on every fold (a
    baseline stopped after 3 folds would leave each verdict 3 paired folds instead of 5).

    Parameters
    ----------
    recipes : sequence of str
        The recipes, in the comparison's order (the baseline first).
    scores : mapping
        Recipe -> ``{split: score}`` of its successful runs.
    ran : mapping
        Recipe -> the splits it holds a run on (any status: ok, error, skipped).
    splits : sequence of (repeat, fold)
        Every split, in the order they run.
    ratios : mapping
        Split -> ``n_test / n_train``.
    greater_is_better : bool, default=True
    alpha : float, default=0.05
    keep : sequence of str, default=()
        Recipes that run every split whatever their score (a comparison passes its baseline).

    Returns
    -------
    dict
        Stopped recipe -> ``after`` (splits it ran), ``of`` (splits in all), ``leader``, ``p``
        and ``diff`` (its mean difference from the leader over the common splits).

    Examples
    --------
    >>> splits = [(0, f) for f in range(5)]
    >>> scores = {"good": dict(zip(splits[:3], [0.9, 0.85, 0.88])),
    ...           "bad": dict(zip(splits[:3], [0.1, 0.12, 0.0]))}
    >>> ran = {k: set(v) for k, v in scores.items()}
    >>> stops = race_stops(["good", "bad"], scores, ran, splits, dict.fromkeys(splits, 0.25))
    >>> stops["bad"]["after"], stops["bad"]["leader"]
    (3, 'good')
    """
    from unskew.bench.stats import compare_paired

    stopped: dict[str, dict[str, Any]] = {}
    alive = list(recipes)
    for k in range(MIN_FOLDS, len(splits)):
        done = list(splits[:k])
        if any(s not in ran.get(key, set()) for key in alive for s in done):
            break
        leader = _leader(alive, scores, done, greater_is_better)
        if leader is None:
            continue
        lead = {s: scores[leader][s] for s in done}
        for key in alive:
            mine = {s: v for s, v in scores.get(key, {}).items() if s in lead}
            if key == leader or key in keep or splits[k] in ran.get(key, set()):
                continue
            if len(mine) < MIN_FOLDS:
                continue
            ratio = sum(ratios[s] for s in mine) / len(mine)
            test = compare_paired(
                mine,
                lead,
                test_train_ratio=ratio,
                greater_is_better=greater_is_better,
                alpha=alpha,
            )
            if test is not None and test["verdict"] == "worse":
                stopped[key] = {
                    "after": k,
                    "of": len(splits),
                    "leader": leader,
                    "p": test["p"],
                    "diff": test["diff"],
                }
        alive = [key for key in alive if key not in stopped]
    return stopped
