"""The seed article's example dataset (1,000 rows, 900 vs 100), and a harder one from the same
generator, where the remedies differ (the demo's)."""

from __future__ import annotations

from unskew.data import DataBundle, load_table

__all__ = ["hard_example", "seed_example"]


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


def hard_example() -> DataBundle:
    """The seed article's generator made harder: more overlap, a rarer minority and two clusters
    per class, so that plain cross-entropy misses the minority and the remedies differ (what
    ``make demo`` compares on; built-in ``seed-hard``).

    Generated with scikit-learn (no file, no network)::

        make_classification(n_samples=2000, weights=[0.97, 0.03], n_features=10,
                            n_informative=4, n_redundant=2, class_sep=0.7,
                            n_clusters_per_class=2, flip_y=0, random_state=0)

    giving 1,940 rows of class 0 and 60 of class 1 (imbalance ratio 32.3), features
    ``x0``..``x9``. Measured with ``benchmarks/demo_candidates.py`` (5-fold CV, G-mean): plain
    cross-entropy scores 0.06 (it finds the minority in one fold of five), class weights, balanced
    softmax and a balanced random forest about 0.65, each better with p < 0.01.

    Examples
    --------
    >>> data = hard_example()
    >>> data.class_counts.tolist(), round(data.imbalance_ratio, 1)
    ([1940, 60], 32.3)
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=2000,
        weights=[0.97, 0.03],
        n_features=10,
        n_informative=4,
        n_redundant=2,
        class_sep=0.7,
        n_clusters_per_class=2,
        flip_y=0,
        random_state=0,
    )
    return load_table(X, y, name="seed-hard")
