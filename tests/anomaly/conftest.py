"""The deep detectors train small networks: one torch thread is much faster than two contended
ones on a busy machine, and the setting is restored afterwards."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
