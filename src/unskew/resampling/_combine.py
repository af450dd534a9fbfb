"""imbalanced-learn's SMOTE + cleaning combinations with their SMOTE's ``k_neighbors`` exposed, so a
recipe (and the Trainer, for tiny classes) can set it."""

from __future__ import annotations

from typing import Any

from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.over_sampling import SMOTE as _SMOTE

__all__ = ["smote_enn", "smote_tomek"]


def _smote(k_neighbors: int, sampling_strategy: Any, random_state: Any) -> Any:
    if int(k_neighbors) == 5:
        return None  # imbalanced-learn's own default SMOTE (k=5) inside the combination
    return _SMOTE(
        k_neighbors=int(k_neighbors), sampling_strategy=sampling_strategy, random_state=random_state
    )


def smote_tomek(
    k_neighbors: int = 5, sampling_strategy: Any = "auto", random_state: Any = None
) -> SMOTETomek:
    """imbalanced-learn's ``SMOTETomek`` (Batista et al., SIGKDD Explorations 2004): SMOTE with
    ``k_neighbors``, then removal of Tomek links.

    Examples
    --------
    >>> smote_tomek(3, random_state=0).smote.k_neighbors
    3
    """
    smote = _smote(k_neighbors, sampling_strategy, random_state)
    return SMOTETomek(sampling_strategy=sampling_strategy, random_state=random_state, smote=smote)


def smote_enn(
    k_neighbors: int = 5, sampling_strategy: Any = "auto", random_state: Any = None
) -> SMOTEENN:
    """imbalanced-learn's ``SMOTEENN`` (Batista et al., SIGKDD Explorations 2004): SMOTE with
    ``k_neighbors``, then edited-nearest-neighbours cleaning.

    Examples
    --------
    >>> smote_enn(random_state=0).smote is None  # the default SMOTE, k=5
    True
    """
    smote = _smote(k_neighbors, sampling_strategy, random_state)
    return SMOTEENN(sampling_strategy=sampling_strategy, random_state=random_state, smote=smote)
