"""Class-aware samplers: distributions converge, determinism, coverage, DataLoader use, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Subset, TensorDataset

from unskew.exceptions import InputError
from unskew.sampling import (
    BalancedBatchSampler,
    ClassBalancedSampler,
    DistributedClassBalancedSampler,
    ProgressivelyBalancedSampler,
    UnderSamplingSampler,
)

LABELS = np.array([0] * 800 + [1] * 150 + [2] * 50)


def _shares(labels, indices):
    return np.bincount(labels[np.asarray(indices)], minlength=3) / len(indices)


@pytest.mark.parametrize(
    "power, expected",
    [
        (0.0, [1 / 3, 1 / 3, 1 / 3]),
        (1.0, [0.8, 0.15, 0.05]),
        (0.5, np.sqrt([800, 150, 50]) / np.sqrt([800, 150, 50]).sum()),
    ],
)
def test_class_frequencies_converge_to_the_target(power, expected):
    sampler = ClassBalancedSampler(
        LABELS, power=power, num_samples=60_000, generator=torch.Generator().manual_seed(0)
    )
    indices = list(sampler)
    assert len(indices) == len(sampler) == 60_000
    np.testing.assert_allclose(_shares(LABELS, indices), expected, atol=0.01)
    # rows inside a class are uniform: every minority row is drawn, about equally often
    minority = np.asarray(indices)[LABELS[indices] == 2]
    counts = np.bincount(minority - 950, minlength=50)
    assert counts.min() > 0.6 * counts.mean()


def test_without_replacement_exhausts_a_class_before_repeating():
    sampler = ClassBalancedSampler(
        LABELS, num_samples=3000, replacement=False, generator=torch.Generator().manual_seed(1)
    )
    indices = np.asarray(list(sampler))
    minority = indices[LABELS[indices] == 2]
    for start in range(0, len(minority) - 50, 50):  # each pass of 50 draws is a permutation
        assert len(set(minority[start : start + 50])) == 50
    majority = indices[LABELS[indices] == 0]
    assert len(majority) > 800 and len(set(majority[:800])) == 800  # a full pass before any repeat


def test_generator_makes_epochs_reproducible_and_different():
    a = ClassBalancedSampler(LABELS, generator=torch.Generator().manual_seed(3))
    b = ClassBalancedSampler(LABELS, generator=torch.Generator().manual_seed(3))
    first = list(a)
    assert first == list(b)
    assert first != list(a)  # the next epoch continues the generator


def test_labels_from_datasets_and_dataloader():
    x = torch.arange(1000, dtype=torch.float32).unsqueeze(1)
    dataset = TensorDataset(x, torch.from_numpy(LABELS))
    sampler = ClassBalancedSampler(dataset, generator=torch.Generator().manual_seed(0))
    labels = torch.cat([y for _, y in DataLoader(dataset, batch_size=100, sampler=sampler)])
    assert len(labels) == 1000
    assert abs(int((labels == 2).sum()) - 333) < 60
    sub = Subset(dataset, list(range(700, 1000)))  # labels 0 (100 rows), 1 (150), 2 (50)
    drawn = torch.tensor(list(ClassBalancedSampler(sub, num_samples=3000)))
    assert drawn.max() < 300


def test_progressive_sampler_moves_from_natural_to_balanced():
    sampler = ProgressivelyBalancedSampler(
        LABELS, total_epochs=4, num_samples=40_000, generator=torch.Generator().manual_seed(0)
    )
    shares = []
    for epoch in range(5):
        sampler.set_epoch(epoch)
        shares.append(_shares(LABELS, list(sampler))[2])
    assert shares == sorted(shares)
    assert shares[0] == pytest.approx(0.05, abs=0.01) and shares[-1] == pytest.approx(
        1 / 3, abs=0.01
    )


def test_balanced_batches():
    sampler = BalancedBatchSampler(
        LABELS,
        classes_per_batch=2,
        samples_per_class=60,
        num_batches=20,
        generator=torch.Generator().manual_seed(0),
    )
    batches = list(sampler)
    assert len(batches) == len(sampler) == 20
    for batch in batches:
        counts = np.bincount(LABELS[batch], minlength=3)
        assert sorted(counts.tolist())[1:] == [60, 60] and sorted(counts.tolist())[0] == 0
        for c in np.flatnonzero(counts):
            rows = [i for i in batch if LABELS[i] == c]
            if c != 2:  # enough rows: drawn without replacement
                assert len(set(rows)) == 60
    dataset = TensorDataset(torch.zeros(1000, 1), torch.from_numpy(LABELS))
    loader = DataLoader(dataset, batch_sampler=sampler)
    assert all(len(y) == 120 for _, y in loader)


def test_undersampling_cycles_through_every_majority_row():
    sampler = UnderSamplingSampler(LABELS, random_state=5)
    kept = sampler.kept.tolist()
    assert kept == [50, 50, 50] and len(sampler) == 150
    epochs_to_cover = int(np.ceil(800 / 50))
    seen: list[int] = []
    for epoch in range(epochs_to_cover):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        assert np.bincount(LABELS[indices], minlength=3).tolist() == [50, 50, 50]
        assert set(range(950, 1000)) <= set(indices)  # the whole minority every epoch
        seen += [i for i in indices if LABELS[i] == 0]
    assert sorted(seen) == list(range(800))  # every majority row once, none twice
    sampler.set_epoch(3)
    again = UnderSamplingSampler(LABELS, random_state=5)
    again.set_epoch(3)
    assert list(sampler) == list(again)
    ratio = UnderSamplingSampler(LABELS, ratio=2.0)
    assert ratio.kept.tolist() == [100, 100, 50]


def test_distributed_shares_are_equal_and_reproducible():
    samplers = [
        DistributedClassBalancedSampler(LABELS, num_replicas=3, rank=r, random_state=1)
        for r in range(3)
    ]
    lengths = {len(list(s)) for s in samplers}
    assert lengths == {334}
    union = np.concatenate([list(s) for s in samplers])
    assert set(union.tolist()) & set(range(950, 1000))
    first = list(samplers[0])
    assert first == list(
        DistributedClassBalancedSampler(LABELS, num_replicas=3, rank=0, random_state=1)
    )
    assert first != list(samplers[1])  # ranks draw independent streams
    samplers[0].set_epoch(1)
    assert list(samplers[0]) != first
    assert len(DistributedClassBalancedSampler(LABELS, 3, 0, drop_last=True)) == 333


def test_past_2_to_the_24_rows():
    labels = torch.zeros(2**25, dtype=torch.int64)
    labels[::1000] = 1
    with pytest.raises(RuntimeError):  # what users hit with the built-in sampler
        list(torch.utils.data.WeightedRandomSampler(torch.ones(2**25), 10))
    sampler = ClassBalancedSampler(
        labels, num_samples=100_000, generator=torch.Generator().manual_seed(0)
    )
    drawn = sampler.indices()
    assert drawn.max() < 2**25 and drawn.max() > 2**24  # rows beyond 2^24 are reachable
    assert abs(float(labels[drawn].float().mean()) - 0.5) < 0.01
    dist = DistributedClassBalancedSampler(labels, num_replicas=2, rank=1, num_samples=1000)
    assert len(dist.indices()) == 1000


def test_bad_input():
    for sampler in (UnderSamplingSampler, ClassBalancedSampler):
        with pytest.raises(InputError, match="single class"):
            sampler([1, 1, 1])
    with pytest.raises(InputError, match="cannot find the labels of .*targets"):
        ClassBalancedSampler(object())
    with pytest.raises(InputError, match="classes_per_batch must be between 1 and the 3 classes"):
        BalancedBatchSampler(LABELS, classes_per_batch=5, samples_per_class=2)
    with pytest.raises(InputError, match="num_replicas and rank are needed"):
        DistributedClassBalancedSampler(LABELS)
    with pytest.raises(InputError, match=r"rank must be in \[0, 2\)"):
        DistributedClassBalancedSampler(LABELS, num_replicas=2, rank=2)
    with pytest.raises(InputError, match="labels are empty"):
        ClassBalancedSampler([])
