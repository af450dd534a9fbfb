"""The Trainer's engine features on real (tiny) training runs: optimisers and schedules, sample
weights, mixed precision, clipping, callbacks, Datasets, decision rules without validation,
calibration, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, recall_score

from unskew.exceptions import InputError, TrainingError
from unskew.models import MLP
from unskew.training import Callback, History, Trainer, select_device


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=5, weights=[0.9, 0.1], random_state=1
    )
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X[:1200], y[:1200], X[1200:], y[1200:]


def mlp(seed=0, **kw):
    torch.manual_seed(seed)
    return MLP(10, 2, hidden=(16,), **kw)


def test_sgd_uses_per_step_cosine_decay(data):
    Xtr, ytr, _, _ = data
    trainer = Trainer(mlp(), optimizer="sgd", lr=0.1, epochs=4, batch_size=100, validation=None)
    trainer.fit(Xtr, ytr)
    lrs = [h["lr"] for h in trainer.history_]
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] == pytest.approx(0.0, abs=1e-12)
    assert lrs[1] == pytest.approx(0.1 * 0.5 * (1 + np.cos(np.pi * 24 / 48)))  # 12 steps/epoch
    flat = Trainer(mlp(), optimizer="sgd", lr=0.1, lr_schedule="constant", epochs=2).fit(Xtr, ytr)
    assert [h["lr"] for h in flat.history_] == [0.1, 0.1]
    assert isinstance(flat.optimizer_, torch.optim.SGD)
    assert isinstance(Trainer(mlp(), epochs=1).fit(Xtr, ytr).optimizer_, torch.optim.AdamW)


def test_sample_weight_moves_the_boundary(data):
    Xtr, ytr, Xte, yte = data
    plain = Trainer(mlp(), epochs=15, lr=3e-3, validation=None).fit(Xtr, ytr)
    weighted = Trainer(mlp(), epochs=15, lr=3e-3, validation=None)
    weighted.fit(Xtr, ytr, sample_weight=np.where(ytr == 1, 9.0, 1.0))
    assert recall_score(yte, weighted.predict(Xte)) > recall_score(yte, plain.predict(Xte)) + 0.05
    same = Trainer(mlp(), epochs=3, validation=None).fit(Xtr, ytr, sample_weight=np.ones(len(ytr)))
    ref = Trainer(mlp(), epochs=3, validation=None).fit(Xtr, ytr)
    for a, b in zip(same.model_.parameters(), ref.model_.parameters(), strict=True):
        torch.testing.assert_close(a, b)  # unit weights change nothing
    with pytest.raises(InputError, match="sample_weight"):
        Trainer(mlp(), epochs=1).fit(Xtr, ytr, sample_weight=-np.ones(len(ytr)))


@pytest.mark.parametrize(
    "recipe", ["cross_entropy+weights:inverse", "ldam+drw:start_epoch=1", "balanced_softmax"]
)
def test_unit_sample_weights_change_nothing_with_class_weights(data, recipe):
    # a loss whose mean is over the class weights (PyTorch's weighted mean) was divided by the
    # number of rows when rows were weighted too, so weights of 1 changed the step size
    # (the losses, not the weights, are compared: AdamW turns the float noise of a gradient that
    # is 0 in exact arithmetic, such as a bias before batch norm, into steps of up to lr)
    Xtr, ytr, _, _ = data
    ones = np.ones(len(ytr))
    same = Trainer(mlp(), recipe, epochs=2, validation=None).fit(Xtr, ytr, sample_weight=ones)
    ref = Trainer(mlp(), recipe, epochs=2, validation=None).fit(Xtr, ytr)
    losses = [h["loss"] for h in same.history_]
    assert losses == pytest.approx([h["loss"] for h in ref.history_], rel=1e-5)


def test_bf16_autocast_and_gradient_clipping(data):
    Xtr, ytr, Xte, yte = data
    trainer = Trainer(mlp(), "cross_entropy+weights:inverse", epochs=15, lr=3e-3, precision="bf16")
    assert balanced_accuracy_score(yte, trainer.fit(Xtr, ytr).predict(Xte)) > 0.75

    class GradNorm(Callback):
        def __init__(self):
            self.norms = []

        def on_batch_end(self, trainer, step, loss):
            grads = [p.grad.flatten() for p in trainer.model_.parameters() if p.grad is not None]
            self.norms.append(float(torch.cat(grads).norm()))

    probe = GradNorm()
    Trainer(mlp(), epochs=2, lr=0.5, clip_grad_norm=0.01, callbacks=[probe]).fit(Xtr, ytr)
    assert max(probe.norms) <= 0.01 + 1e-6 and len(probe.norms) > 10
    with pytest.raises(InputError, match="bf16"):
        Trainer(mlp(), precision="16", device="cpu").fit(Xtr, ytr)


def test_callbacks_see_every_hook_and_can_stop_training(data):
    Xtr, ytr, _, _ = data
    calls = []

    class Recorder(Callback):
        def on_fit_start(self, trainer):
            calls.append("fit_start")

        def on_epoch_start(self, trainer, epoch):
            calls.append(f"epoch_start {epoch}")

        def on_epoch_end(self, trainer, epoch, record):
            calls.append(f"epoch_end {epoch}")
            if epoch == 1:
                trainer.stop_training = True

        def on_fit_end(self, trainer):
            calls.append("fit_end")

    history = History()
    trainer = Trainer(mlp(), epochs=10, callbacks=[Recorder(), history]).fit(Xtr, ytr)
    assert calls == [
        "fit_start",
        "epoch_start 0",
        "epoch_end 0",
        "epoch_start 1",
        "epoch_end 1",
        "fit_end",
    ]
    assert history.records == trainer.history_ and len(history.records) == 2
    assert set(history.records[0]) == {"epoch", "loss", "lr", "validation", "validation_loss"}


def test_a_torch_dataset_trains_through_a_dataloader(data):
    Xtr, ytr, Xte, yte = data
    ds = torch.utils.data.TensorDataset(torch.from_numpy(Xtr), torch.from_numpy(ytr))
    trainer = Trainer(mlp(), "balanced_sampler+cross_entropy", epochs=10, lr=3e-3).fit(ds)
    test = torch.utils.data.TensorDataset(torch.from_numpy(Xte), torch.from_numpy(yte))
    assert balanced_accuracy_score(yte, trainer.predict(test)) > 0.75
    with pytest.raises(InputError, match="with a Dataset .* or a batch sampler"):
        Trainer(mlp(), "smote+cross_entropy", epochs=1).fit(ds)


def test_decision_rules_with_and_without_validation(data):
    Xtr, ytr, Xte, _ = data
    adjusted = Trainer(mlp(), "cross_entropy+logit_adjust", epochs=8, validation=None).fit(Xtr, ytr)
    assert adjusted.decision_.tau_ == 1.0  # applied from training counts, no validation needed
    logits = adjusted.predict_logits(Xte)
    prior = np.log(adjusted.class_counts_ / adjusted.class_counts_.sum())
    np.testing.assert_array_equal(adjusted.predict(Xte), (logits - prior).argmax(1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tuned = Trainer(mlp(), "cross_entropy+threshold:f1+calibrate:temperature", epochs=8)
        tuned.fit(Xtr, ytr)
    assert 0.0 < tuned.decision_.threshold_ < 1.0
    proba = tuned.predict_proba(Xte)
    assert proba.shape == (len(Xte), 2) and np.allclose(proba.sum(1), 1)
    assert not np.allclose(proba, torch.softmax(torch.from_numpy(tuned.predict_logits(Xte)), 1))
    np.testing.assert_array_equal(tuned.predict(Xte), (proba[:, 1] >= tuned.decision_.threshold_))
    platt = Trainer(mlp(), "cross_entropy+calibrate:platt", epochs=3).fit(Xtr, ytr)
    assert platt.predict_proba(Xte).shape == (len(Xte), 2)


def test_bad_input_names_the_problem(data):
    Xtr, ytr, _, _ = data
    with pytest.raises(InputError, match="3 outputs but the labels hold 2 classes"):
        Trainer(MLP(10, 3), epochs=1).fit(Xtr, ytr)
    with pytest.raises(InputError, match="label 2 is outside 0..1"):
        Trainer(mlp(), epochs=1).fit(Xtr, ytr + 1)
    with pytest.raises(InputError, match="label -1 is outside"):
        Trainer(mlp(), epochs=1).fit(Xtr, ytr - 1)
    with pytest.raises(InputError, match="LabelEncoder"):
        Trainer(mlp(), epochs=1).fit(Xtr, np.where(ytr == 1, "fraud", "ok"))
    with pytest.raises(InputError, match="NaN"):
        Trainer(mlp(), epochs=1).fit(np.where(Xtr > 2, np.nan, Xtr), ytr)
    with pytest.raises(InputError, match="1200 rows but y has 10"):
        Trainer(mlp(), epochs=1).fit(Xtr, ytr[:10])
    with pytest.warns(UserWarning, match=r"no rows of class\(es\) \[1\]"):
        t = Trainer(
            mlp(), "cross_entropy+threshold:f1", epochs=2, validation=(Xtr[:50], np.zeros(50, int))
        )
        t.fit(Xtr, ytr)
    assert t.decision_.threshold_ is None  # cannot be tuned on one class: it keeps 0.5
    assert select_device("auto").type in {"cpu", "cuda", "mps"}


def test_nan_loss_stops_with_the_epoch_and_keeps_the_last_good_checkpoint(data, tmp_path):
    Xtr, ytr, _, _ = data

    class Explode(Callback):
        """Makes the learning rate absurd from epoch 2 on."""

        def on_epoch_start(self, trainer, epoch):
            if epoch == 2:
                for group in trainer.optimizer_.param_groups:
                    group["lr"] = 1e30

    ckpt = tmp_path / "run.pt"
    trainer = Trainer(
        mlp(batch_norm=False),
        epochs=6,
        optimizer="sgd",
        lr_schedule="constant",
        validation=None,
        checkpoint=ckpt,
        callbacks=[Explode()],
    )
    with pytest.raises(TrainingError, match=r"NaN or infinite in epoch 2 .*lower lr"):
        trainer.fit(Xtr, ytr)
    state = torch.load(ckpt, weights_only=True)
    assert state["epoch"] == 1  # the last good epoch's checkpoint was not overwritten
    for name, value in trainer.model_.state_dict().items():
        assert torch.isfinite(value).all()
        assert torch.equal(value, state["model"][name])  # the model keeps the last good weights
