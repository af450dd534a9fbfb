"""``suggest``: pick the rows of an unlabelled pool to label next."""

from __future__ import annotations

from typing import Any

import numpy as np

from unskew._validation import minority_class
from unskew.exceptions import InputError

__all__ = ["STRATEGIES", "minority_index", "suggest"]

STRATEGIES = ("minority", "uncertainty", "hybrid")


def minority_index(model: Any, minority: Any = None) -> int:
    """The position in ``model.classes_`` of the class ``suggest`` seeks: ``minority`` when
    given, else the smallest class of the labels the model was fitted on (``label_counts_``, or
    ``class_counts_`` for a model without them; :func:`unskew._validation.minority_class`). The
    labels' own counts, not the trained rows': after a balancing part (SMOTE) the trained counts
    tie, and the tie would go to whichever class sorts last.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> model = SimpleNamespace(classes_=["fraud", "ok"], label_counts_=[10, 90],
    ...                         class_counts_=[90, 90])
    >>> minority_index(model), minority_index(model, "ok")
    (0, 1)
    """
    classes = list(getattr(model, "classes_", []))
    if not classes:
        raise InputError(
            "the model is not fitted (it has no classes_); fit it on the labelled rows"
        )
    if minority is not None:
        if minority not in classes:
            raise InputError(
                f"minority={minority!r} is not a class of the model; classes: {classes}"
            )
        return classes.index(minority)
    counts = getattr(model, "label_counts_", None)
    if counts is None:
        counts = getattr(model, "class_counts_", None)
    if counts is None:
        raise InputError(
            "cannot tell which class is the minority for this model; pass minority=<label>"
        )
    return minority_class(counts)


def _check_pool(model: Any, pool: Any) -> None:
    names = getattr(model, "feature_names_in_", None)
    if names is None or not hasattr(pool, "columns"):
        return
    missing = [str(c) for c in names if c not in pool.columns]
    if missing:
        extra = [str(c) for c in pool.columns if c not in set(names)]
        raise InputError(
            f"the pool lacks the training column(s) {missing}"
            + (f" and has column(s) the model never saw {extra}" if extra else "")
            + "; give it the columns the model was trained on"
        )


def _threshold(model: Any) -> float:
    rule = getattr(model, "decision_", None)
    return float(getattr(rule, "threshold_", 0.5))


def _k_center(features: np.ndarray, order: np.ndarray, n: int) -> np.ndarray:
    """Greedy k-center among ``order`` (best first): start from the best candidate, then add the
    candidate farthest from everything chosen (ties to the better-ranked one)."""
    cand = features[order].astype(np.float64)
    chosen = [0]
    dist = np.linalg.norm(cand - cand[0], axis=1)
    for _ in range(1, n):
        dist[chosen] = -1.0
        nxt = int(np.argmax(dist))  # argmax returns the first (best-ranked) of equal distances
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(cand - cand[nxt], axis=1))
    return order[np.array(chosen)]


def suggest(
    model: Any,
    pool: Any,
    n: int,
    strategy: str = "minority",
    *,
    diversity: bool = True,
    minority: Any = None,
    candidates: int = 5,
    return_scores: bool = False,
) -> Any:
    """Positions in ``pool`` of the ``n`` rows to label next: best first, or, with
    ``diversity``, in k-center pick order (the best-scored row first, then each the farthest from
    those before it), not sorted by score.

    Scores use the model's probability ``p`` of the minority class:

    - ``"minority"``: ``p`` (label the rows most likely to be minority: search, not just learn);
    - ``"uncertainty"``: ``-|p - t|`` with ``t`` the model's tuned threshold (0.5 without one):
      rows the model is least sure about;
    - ``"hybrid"``: alternately the best remaining row of each list, so half of the batch each.

    With ``diversity`` the batch is picked by greedy k-center selection in the model's feature
    space (``model.embed`` when it has one, else the pool's numeric columns) among the
    ``candidates * n`` best-scored rows, so it is not ``n`` near-copies of one pattern.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` and ``classes_``
        An :class:`~unskew.training.ImbalancedClassifier` knows its minority class (fewest training
        rows); for other models pass ``minority``.
    pool : array-like, DataFrame or Dataset
        Unlabelled rows as the model's ``predict_proba`` takes them: a table with the training
        columns, texts, image arrays or a Dataset of images (an image folder).
    n : int
    strategy : {"minority", "uncertainty", "hybrid"}
    diversity : bool, default=True
    minority : label, optional
    candidates : int, default=5
    return_scores : bool, default=False
        Also return each chosen row's score under ``strategy``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(300, 4, weights=[0.9, 0.1], random_state=0)
    >>> model = LogisticRegression().fit(X[:100], y[:100])
    >>> picks = suggest(model, X[100:], 10, minority=1, diversity=False)
    >>> len(picks), y[100:][picks].mean() > y[100:].mean()
    (10, np.True_)
    """
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    size = len(pool)
    if not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive integer, got {n!r}")
    if n > size:
        raise InputError(f"n={n} is larger than the pool ({size} rows); ask for at most {size}")
    if candidates < 1:
        raise InputError(f"candidates must be >= 1, got {candidates}")
    _check_pool(model, pool)
    column = minority_index(model, minority)
    proba = np.asarray(model.predict_proba(pool), dtype=np.float64)
    p = proba[:, column]
    by_minority = np.argsort(-p, kind="stable")
    by_uncertainty = np.argsort(np.abs(p - _threshold(model)), kind="stable")
    if strategy == "minority":
        order, score = by_minority, p
    elif strategy == "uncertainty":
        order, score = by_uncertainty, -np.abs(p - _threshold(model))
    else:
        seen: set[int] = set()
        merged = []
        for a, b in zip(by_minority, by_uncertainty, strict=True):
            for i in (int(a), int(b)):
                if i not in seen:
                    seen.add(i)
                    merged.append(i)
        order = np.array(merged)
        score = np.empty(size)
        score[order] = -np.arange(size, dtype=np.float64)  # the merged rank
    if diversity and n > 1:
        top = order[: min(size, candidates * n)]
        if hasattr(model, "embed"):
            features = np.asarray(model.embed(pool))
        else:
            values = pool.to_numpy() if hasattr(pool, "to_numpy") else np.asarray(pool)
            try:
                features = values.astype(np.float64).reshape(size, -1)
            except (TypeError, ValueError):
                features = proba
            spread = features.std(0)
            features = (features - features.mean(0)) / np.where(spread > 0, spread, 1.0)
        picks = _k_center(features, top, n)
    else:
        picks = order[:n]
    picks = np.asarray(picks, dtype=np.int64)
    return (picks, score[picks]) if return_scores else picks
