"""Minority-seeking data collection versus random labelling (issue 9).

Labels of the pool are hidden and revealed only when a row is queried. Every run starts from 3
minority and 30 majority labelled rows, then 5 rounds of 20 queries; after each round the model is
retrained on everything labelled so far. Reported: minority rows found per labelling budget for each
strategy and for random selection (the ratio is the target: at least 2x, averaged over datasets),
and the minority F1 on a held-out test split (30 %, never queried) after the last round.

Datasets: five KEEL datasets and MNIST-LT with the three rarest digits (7, 8, 9: 21 of 988 images)
as the minority. Model: ``ImbalancedClassifier`` (MLP, inverse-frequency weights).

    python benchmarks/active_collection.py            # 3 seeds
    python benchmarks/active_collection.py --seeds 1 --datasets yeast4
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from unskew.active import suggest
from unskew.datasets import keel, mnist_lt
from unskew.training import ImbalancedClassifier

KEEL = ("yeast4", "yeast5", "vowel0", "page-blocks0", "abalone9-18")
ROUNDS, QUERIES, START_MINORITY, START_MAJORITY = 5, 20, 3, 30


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "mnist-lt":
        data = mnist_lt()
        return data.X.reshape(len(data.X), -1), (np.asarray(data.y) >= 7).astype(int)
    data = keel(name)
    y = np.asarray(data.y)
    minority = int(np.argmin(np.bincount(y)))
    return data.X, (y == minority).astype(
        int
    )  # a DataFrame: categorical columns are one-hot encoded


def model(seed: int) -> ImbalancedClassifier:
    return ImbalancedClassifier(
        recipe="cross_entropy+weights:inverse",
        hidden=(32,),
        epochs=60,
        lr=1e-2,
        batch_size=32,
        validation=None,
        random_state=seed,
    )


def take(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def simulate(X, y, strategy: str, seed: int) -> tuple[list[int], float]:
    """Minority rows found after each round, and the final minority F1 on the test split."""
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    rng = np.random.default_rng(seed)
    labelled = np.concatenate(
        [
            rng.choice(np.flatnonzero(y_pool == 1), START_MINORITY, replace=False),
            rng.choice(np.flatnonzero(y_pool == 0), START_MAJORITY, replace=False),
        ]
    )
    found = []
    clf = model(seed).fit(take(X_pool, labelled), y_pool[labelled])
    for _ in range(ROUNDS):
        rest = np.setdiff1d(np.arange(len(y_pool)), labelled)
        if strategy == "random":
            picks = rng.choice(rest, QUERIES, replace=False)
        else:
            picks = rest[suggest(clf, take(X_pool, rest), QUERIES, strategy=strategy)]
        labelled = np.concatenate([labelled, picks])
        found.append(int(y_pool[labelled].sum()) - START_MINORITY)
        clf = model(seed).fit(take(X_pool, labelled), y_pool[labelled])
    return found, float(f1_score(y_test, clf.predict(X_test)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=[*KEEL, "mnist-lt"])
    parser.add_argument("--strategies", nargs="*", default=["minority", "hybrid", "uncertainty"])
    args = parser.parse_args()
    budget = ROUNDS * QUERIES
    header = "| dataset | rows | minority share | random: found / F1 |"
    header += "".join(f" {s}: found / F1 | {s} / random |" for s in args.strategies)
    print(header)
    print("|" + "---|" * (3 + 1 + 2 * len(args.strategies)))
    ratios: dict[str, list[float]] = {s: [] for s in args.strategies}
    start = time.perf_counter()
    for name in args.datasets:
        X, y = load(name)
        results = {}
        for strategy in ["random", *args.strategies]:
            runs = [simulate(X, y, strategy, seed) for seed in range(args.seeds)]
            results[strategy] = (
                float(np.mean([r[0][-1] for r in runs])),
                float(np.mean([r[1] for r in runs])),
            )
        rnd = results["random"]
        row = f"| {name} | {len(y)} | {y.mean():.3f} | {rnd[0]:.1f} / {rnd[1]:.2f} |"
        for s in args.strategies:
            ratio = results[s][0] / max(rnd[0], 1.0)
            ratios[s].append(ratio)
            row += f" {results[s][0]:.1f} / {results[s][1]:.2f} | {ratio:.1f}x |"
        print(row, flush=True)
    print()
    for s in args.strategies:
        mean = float(np.mean(ratios[s]))
        print(
            f"{s}: {mean:.1f}x the minority rows random selection finds with {budget} queries, "
            f"averaged over {len(args.datasets)} datasets (target 2x: {'met' if mean >= 2 else 'NOT met'})"
        )
    print(f"({args.seeds} seeds, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
