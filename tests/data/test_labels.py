"""get_labels reads labels from every kind of dataset, cheaply where it can."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import ConcatDataset, Dataset, Subset, TensorDataset

from unskew._validation import check_labels
from unskew.data import get_labels, load_table
from unskew.exceptions import InputError


class CountingDataset(Dataset):
    """Items are (x, y); counts how many items were decoded."""

    def __init__(self, labels):
        self._labels = list(labels)
        self.decoded = 0

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, i):
        self.decoded += 1
        return torch.zeros(2), torch.tensor(self._labels[i])


class WithTargets(CountingDataset):
    @property
    def targets(self):
        return self._labels


class WithMethod(CountingDataset):
    def get_labels(self):
        return np.array(self._labels)


class WithFrame(CountingDataset):
    def __init__(self, labels):
        super().__init__(labels)
        self.df = pd.DataFrame({"path": ["f"] * len(labels), "label": labels})


class DictItems(CountingDataset):
    def __getitem__(self, i):
        self.decoded += 1
        return {"image": torch.zeros(1), "label": self._labels[i]}


LABELS = [0, 1, 1, 2, 0, 1]


@pytest.mark.parametrize("cls", [WithTargets, WithMethod, WithFrame])
def test_attribute_paths_decode_nothing(cls):
    ds = cls(LABELS)
    assert get_labels(ds).tolist() == LABELS
    assert ds.decoded == 0


@pytest.mark.parametrize("cls", [CountingDataset, DictItems])
def test_single_pass_fallback(cls):
    ds = cls(LABELS)
    assert get_labels(ds, progress=False).tolist() == LABELS
    assert ds.decoded == len(LABELS)


def test_single_pass_with_progress_bar_on_a_large_dataset():
    labels = np.arange(2000) % 3
    assert get_labels(CountingDataset(labels)).tolist() == labels.tolist()


def test_torch_wrappers_recurse_without_decoding():
    base = WithTargets(LABELS)
    tensors = TensorDataset(torch.zeros(3, 2), torch.tensor([5, 6, 7]))
    concat = ConcatDataset([Subset(base, [5, 3]), tensors])
    assert get_labels(concat).tolist() == [1, 2, 5, 6, 7]
    assert base.decoded == 0


def test_direct_labels_frames_and_bundles():
    assert get_labels(torch.tensor([[1], [0]])).tolist() == [1, 0]
    assert get_labels(pd.Series(["a", "b"])).tolist() == ["a", "b"]
    frame = pd.DataFrame({"x": [1, 2], "target": [1, 0]})
    assert get_labels(frame).tolist() == [1, 0]
    assert get_labels(frame, column="x").tolist() == [1, 2]
    bundle = load_table(frame)
    assert get_labels(bundle).tolist() == [1, 0]


def test_errors_say_what_to_do():
    with pytest.raises(InputError, match="no label column"):
        get_labels(pd.DataFrame({"x": [1]}))
    with pytest.raises(InputError, match="not .input, label. pairs"):
        get_labels(_Singles(), progress=False)
    with pytest.raises(InputError, match="one-hot"):
        get_labels(np.eye(3))


class _Singles(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return torch.zeros(1)


@given(
    st.one_of(
        st.lists(st.integers(-5, 5), min_size=2, max_size=50),
        st.lists(st.sampled_from(["a", "b", "fraud", "ok"]), min_size=2, max_size=50),
        st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=2, max_size=50),
    )
)
def test_check_labels_round_trips(values):
    if len(set(values)) < 2:
        with pytest.raises(InputError, match="single class"):
            check_labels(values)
        return
    codes, classes = check_labels(values)
    assert codes.min() == 0 and codes.max() == len(classes) - 1
    assert classes.tolist() == sorted(set(values))
    assert classes[codes].tolist() == values
