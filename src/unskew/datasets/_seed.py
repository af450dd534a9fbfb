"""The seed article's example dataset: 1,000 rows, 900 vs 100."""

from __future__ import annotations

from unskew.data import DataBundle, load_table

__all__ = ["seed_example"]


def seed_example() -> DataBundle:
    """The imbalanced example of the seed article, the default dataset of every unskew command.

    Generated with scikit-learn (no file, no network)::

        make_classification(n_samples=1000, weights=[0.9, 0.1], n_features=20, n_informative=3,
                            n_redundant=1, class_sep=2, n_clusters_per_class=1, flip_y=0,
                            random_state=42)

    giving 900 rows of class 0 and 100 of class 1 (imbalance ratio 9), features ``x0``..``x19``.

    Examples
    --------
    >>> data = seed_example()
    >>> data.class_counts.tolist(), data.imbalance_ratio
    ([900, 100], 9.0)
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=1000,
        weights=[0.9, 0.1],
        n_features=20,
        n_informative=3,
        n_redundant=1,
        class_sep=2,
        n_clusters_per_class=1,
        flip_y=0,
        random_state=42,
    )
    return load_table(X, y, name="seed")
