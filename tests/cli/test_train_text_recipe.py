"""`unskew train` on texts with an augmentation part: the report's title and model.json carry the
recipe as asked, and `unskew predict` reads the folder back (a real subprocess each)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def test_train_keeps_eda_in_the_title_and_the_saved_recipe(tmp_path, cli):
    rng = np.random.default_rng(0)
    words = ["the", "order", "box", "late", "today", "item", "sent", "fine"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(300)]
    labels = np.where(np.arange(300) % 15 == 0, "spam", "ok")
    texts = [t + " refund scam" if y == "spam" else t for t, y in zip(texts, labels, strict=True)]
    pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp_path / "txt.csv", index=False)
    model = tmp_path / "model_txt"
    recipe = "eda_oversampling+cross_entropy"
    args = ("--recipe", recipe, "--model", "text", "--epochs", "3", "--out", str(model))
    result = cli("train", str(tmp_path / "txt.csv"), *args, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert f"{recipe} on 75 held-out rows" in result.stdout
    assert json.loads((model / "model.json").read_text())["recipe"] == recipe
    out = tmp_path / "pred.csv"
    result = cli("predict", str(model), str(tmp_path / "txt.csv"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == 300  # one prediction per text: nothing augmented
