"""The comparison's verdict in words: does any remedy beat the baseline, and what to use and why.

One function builds the sentences, so the terminal, ``--json`` and the HTML report say the same
thing. It reads the leaderboard and a recommendation already made; which rule made it does not
matter here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["format_p", "verdict"]


def format_p(p: float) -> str:
    """A p-value as the leaderboard prints it: three decimals, ``p<0.001`` below that.

    Examples
    --------
    >>> format_p(0.0123), format_p(0.00004), format_p(0.5)
    ('p=0.012', 'p<0.001', 'p=0.500')
    """
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _baseline_name(spec: str) -> str:
    from unskew.catalogue import BASELINE

    return "plain cross-entropy" if spec == BASELINE else f"the baseline ({spec})"


def _finding(remedies: list[dict[str, Any]], baseline: str, metric: str) -> tuple[str, bool]:
    """The first sentence: how many remedies beat the baseline significantly, and the best one."""
    tested = [r for r in remedies if r["vs_baseline"] is not None]
    if not remedies:
        return f"only {baseline} was run: there is no remedy to test against it.", False
    if not tested:
        return (
            f"no remedy could be tested against {baseline} (a test needs at least 2 folds "
            "both succeeded on).",
            False,
        )
    better = [r for r in tested if r["vs_baseline"]["verdict"] == "better"]
    worse = sum(r["vs_baseline"]["verdict"] == "worse" for r in tested)
    tail = ""
    if worse:
        tail = f"; {worse} of {len(tested)} {'is' if worse == 1 else 'are'} significantly worse"
    if not better:
        best = tested[0]
        return (
            f"no remedy beats {baseline} significantly on this data (best: {best['spec']}, "
            f"{format_p(best['vs_baseline']['p'])}){tail}.",
            False,
        )
    best = better[0]
    verb = "beats" if len(better) == 1 else "beat"
    return (
        f"{len(better)} of {len(tested)} remedies {verb} {baseline} significantly on this data "
        f"(best: {best['spec']}, {best['vs_baseline']['diff']:+.3f} {metric}, "
        f"{format_p(best['vs_baseline']['p'])}){tail}.",
        True,
    )


def _seconds(row: dict[str, Any] | None) -> str:
    return "" if row is None or row["seconds"] is None else f"{row['seconds']:.1f} s per run"


def _advice(
    rec: dict[str, Any],
    base_row: dict[str, Any] | None,
    chosen: dict[str, Any] | None,
    baseline: str,
    best: str,
) -> str:
    """The second sentence: the recommended recipe, the rule's reason, and what the test says
    (``chosen`` is its leaderboard row; None for a recipe the comparison did not run itself,
    such as a stack of its best recipes; ``best`` is the top of the leaderboard)."""
    metric = rec["metric"]
    score = "" if rec["score"] is None else f" ({metric} {rec['score']:.3f})"
    head = f"recommended: {rec['spec']}{score}: {rec['reason']}"
    if rec.get("members"):  # a stack: its members say what it is
        return (
            f"recommended: {rec['reason']}. The stack itself was not cross-validated, so no test "
            f"against {baseline} is made (--rule best_mean recommends {best} alone)."
        )
    if chosen is None:
        return f"{head}; it was not cross-validated itself, so no test against {baseline} is made."
    if chosen["baseline"]:
        return f"{head}; no remedy is needed on this evidence."
    vs = rec["vs_baseline"]
    if vs is None:
        return f"{head}; it could not be tested against {baseline}."
    diff, p = f"{vs['diff']:+.3f}", format_p(vs["p"])
    if vs["verdict"] == "better":
        return f"{head}; it beats {baseline} by {diff} {metric} ({p})."
    if vs["verdict"] == "worse":
        return f"{head}; note that it is significantly worse than {baseline} ({diff}, {p})."
    cheaper = ""
    faster = base_row is not None and base_row["seconds"] and chosen["seconds"]
    if faster and round(base_row["seconds"], 1) < round(chosen["seconds"], 1):  # as printed
        cheaper = f" and cheaper ({_seconds(base_row)} against {chosen['seconds']:.1f})"
    return (
        f"{head}; its difference from {baseline} ({diff}) is within fold-to-fold noise ({p}), "
        f"so {baseline} is as good a choice on this evidence{cheaper}."
    )


def verdict(
    board: Sequence[dict[str, Any]], recommendation: dict[str, Any] | None, metric: str
) -> dict[str, Any]:
    """The verdict of a comparison: whether any remedy beats the baseline, then the advice.

    Rule: a remedy *beats* the baseline when the corrected resampled t-test of the paired fold
    scores (Nadeau & Bengio, "Inference for the Generalization Error", *Machine Learning* 52,
    2003) finds it better at alpha 0.05 (the leaderboard's ``vs_baseline``). The finding comes
    first, so "nothing helps" is never hidden behind a recommendation; the advice then names the
    recommended recipe with the reason its rule gave, and what the test says about it.

    Parameters
    ----------
    board : sequence of dict
        :meth:`CompareResult.leaderboard` rows, best first; the baseline row has
        ``baseline=True``.
    recommendation : dict or None
        :meth:`CompareResult.recommendation` (any rule), or None when nothing trained.
    metric : str
        The ranking metric.

    Returns
    -------
    dict
        ``significant`` (some remedy beats the baseline), ``finding`` (first sentence),
        ``advice`` (second sentence) and ``text`` (both).

    Examples
    --------
    >>> base = {"recipe": "cross_entropy", "spec": "cross_entropy", "baseline": True,
    ...         "rank": 2, "seconds": 1.0, "vs_baseline": None}
    >>> test = {"p": 0.4, "diff": 0.01, "verdict": "tie"}
    >>> focal = {"recipe": "focal", "spec": "focal", "baseline": False, "rank": 1,
    ...          "seconds": 2.0, "vs_baseline": test}
    >>> rec = {"recipe": "focal", "spec": "focal", "metric": "gmean", "score": 0.71,
    ...        "reason": "the best mean gmean", "vs_baseline": test}
    >>> v = verdict([focal, base], rec, "gmean")
    >>> v["finding"]
    'No remedy beats plain cross-entropy significantly on this data (best: focal, p=0.400).'
    >>> v["significant"]
    False
    """
    ranked = [r for r in board if r["rank"] is not None]
    base_row = next((r for r in board if r["baseline"]), None)
    baseline = _baseline_name(base_row["spec"]) if base_row else "the baseline (it did not run)"
    remedies = [r for r in ranked if not r["baseline"]]
    if not ranked and board:
        finding, significant = "every run failed: there is nothing to compare.", False
    else:
        finding, significant = _finding(remedies, baseline, metric)
    if recommendation is None:
        advice = "nothing to recommend; the failures are listed above."
    else:
        chosen = next((r for r in board if r["recipe"] == recommendation["recipe"]), None)
        best = ranked[0]["spec"] if ranked else recommendation["spec"]
        advice = _advice(recommendation, base_row, chosen, baseline, best)
    finding = finding[0].upper() + finding[1:]
    advice = advice[0].upper() + advice[1:]
    return {
        "significant": significant,
        "finding": finding,
        "advice": advice,
        "text": f"{finding} {advice}",
    }
