"""Trains a small MLP with a checkpoint; run as a subprocess by test_checkpoint.py.

usage: python ckpt_worker.py CHECKPOINT OUT.pt [--slow]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from sklearn.datasets import make_classification

from unskew.models import MLP
from unskew.training import Callback, Trainer


class Slow(Callback):
    """Gives the test time to kill the process between epochs."""

    def on_epoch_end(self, trainer, epoch, record):
        time.sleep(0.4)


class ReportStart(Callback):
    """Prints the epoch training starts from (more than 0 after a resume)."""

    def on_fit_start(self, trainer):
        print(f"start {len(trainer.history_)}", flush=True)


def main() -> None:
    checkpoint, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    X, y = make_classification(
        n_samples=1500, n_features=12, n_informative=6, weights=[0.9, 0.1], random_state=3
    )
    torch.manual_seed(0)
    model = MLP(12, 2, hidden=(32, 16), dropout=0.2)
    trainer = Trainer(
        model,
        "balanced_sampler:power=0.5+ldam+drw:start_epoch=6",
        epochs=12,
        batch_size=64,
        optimizer="sgd",
        lr=0.05,
        patience=100,
        checkpoint=checkpoint,
        callbacks=[ReportStart(), *([Slow()] if "--slow" in sys.argv else [])],
        random_state=7,
        verbose=0,
    )
    trainer.fit(X.astype(np.float32), y, resume=True)
    torch.save({k: v for k, v in trainer.model_.state_dict().items()}, out)


if __name__ == "__main__":
    main()
