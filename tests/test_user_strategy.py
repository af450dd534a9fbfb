"""A strategy of a user's own: a new loss and a new sampler defined outside the package, registered
by a plugin module, run through compare (two parallel workers), train, a saved model loaded by a
fresh interpreter, and predict, like the built-ins (docs/architecture.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import make_classification

PLUGIN = '''
import torch
from torch.utils.data import Sampler

import unskew
from unskew.registry import Param

CALLS = {"loss": 0}


class PolyLoss(torch.nn.Module):
    """Poly-1 loss (Leng et al., ICLR 2022): CE + epsilon * (1 - p_y)."""

    def __init__(self, epsilon=1.0):
        super().__init__()
        self.epsilon, self.reduction = epsilon, "mean"

    def forward(self, logits, y):
        logp = logits.log_softmax(1).gather(1, y[:, None]).squeeze(1)
        loss = -logp + self.epsilon * (1 - logp.exp())
        return loss.mean() if self.reduction == "mean" else loss


class MinorityFirst(Sampler):
    """Every epoch: the minority rows twice, then every row once, shuffled."""

    def __init__(self, labels, generator=None):
        self.labels, self.generator = torch.as_tensor(labels), generator

    def indices(self):
        minority = torch.bincount(self.labels).argmin()
        rare = torch.nonzero(self.labels == minority).squeeze(1)
        rows = torch.cat([rare, rare, torch.arange(len(self.labels))])
        return rows[torch.randperm(len(rows), generator=self.generator)]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return len(self.indices())


unskew.register(name="poly", stage="objective", summary="Poly-1 loss", reference="Leng 2022",
                factory=PolyLoss, params={"epsilon": Param(1.0, "float", low=0.0)})
unskew.register(name="minority_first", stage="batch", summary="minority rows twice",
                reference="", factory=MinorityFirst, needs=("labels", "generator"))
'''


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user_strategy")
    (folder / "my_strategies.py").write_text(PLUGIN)
    X, y = make_classification(240, 6, weights=[0.85], class_sep=1.5, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]).assign(label=y)
    frame.to_csv(folder / "data.csv", index=False)
    return folder


def _unskew(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "unskew", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=900,
    )


def test_compare_train_save_load_predict_with_a_users_strategies(workdir):
    compare = _unskew(
        workdir,
        "compare",
        "data.csv",
        "--plugin",
        "my_strategies",
        "--strategies",
        "poly:epsilon=2,minority_first+cross_entropy",
        "--cv",
        "2",
        "--epochs",
        "3",
        "--jobs",
        "2",
        "--json",
    )
    assert compare.returncode == 0, compare.stderr
    board = {row["recipe"]: row for row in json.loads(compare.stdout)["leaderboard"]}
    for recipe in ("poly:epsilon=2", "minority_first+cross_entropy"):
        assert board[recipe]["status"] == "ok", board[recipe]
        assert board[recipe]["metrics"]["gmean"]["mean"] > 0.5  # trained for real in two workers

    train = _unskew(
        workdir,
        "train",
        "data.csv",
        "--plugin",
        "my_strategies.py",  # a path works as well as a module name
        "--recipe",
        "minority_first+poly:epsilon=2",
        "--epochs",
        "5",
        "--out",
        "model",
    )
    assert train.returncode == 0, train.stderr
    saved = json.loads((workdir / "model" / "model.json").read_text())
    assert saved["recipe"] == "minority_first+poly:epsilon=2"

    predict = _unskew(workdir, "predict", "model", "data.csv", "--plugin", "my_strategies")
    assert predict.returncode == 0, predict.stderr
    out = pd.read_csv(__import__("io").StringIO(predict.stdout))
    assert len(out) == 240 and set(out["prediction"]) <= {0, 1}

    # without the plugin, the folder is refused in one line naming the strategy (nothing imported)
    refused = _unskew(workdir, "predict", "model", "data.csv")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "minority_first" in refused.stderr


def test_register_from_python_and_compare_in_parallel_workers(workdir):
    """Strategies registered in the parent process reach loky workers; the model round-trips."""
    code = f"""
import sys; sys.path.insert(0, {str(workdir)!r})
from unskew import compare, load_model, ImbalancedClassifier
import my_strategies  # registers poly and minority_first
from unskew.plugins import load_plugins
load_plugins(["my_strategies"])
from sklearn.datasets import make_classification
X, y = make_classification(200, 5, weights=[0.8], random_state=1)
from unskew.data import load_table
result = compare(load_table(X, y), recipes=["poly"], cv=2, epochs=2, jobs=2, progress=False,
                 params={{"hidden": (8,)}})
rows = {{r["recipe"]: r for r in result.leaderboard()}}
assert rows["poly"]["status"] == "ok", rows
clf = ImbalancedClassifier(recipe="poly:epsilon=0.5", epochs=2, random_state=0).fit(X, y)
again = load_model(clf.save({str(workdir / "py_model")!r}))
assert (again.predict(X) == clf.predict(X)).all()
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("ok")


def test_a_plugin_that_does_not_exist_is_one_line(workdir):
    proc = _unskew(workdir, "strategies", "--plugin", "no_such_module")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --plugin no_such_module: no module of that name")
    listed = _unskew(workdir, "strategies", "--plugin", "my_strategies", "--json")
    names = {s["name"] for s in json.loads(listed.stdout)}
    assert {"poly", "minority_first"} <= names
