"""A recipe part that acts on the raw input (EDA on texts, SMOTE-NC on a table) runs before the
Trainer, and stays in the recipe the classifier reports and saves; the saved model loads and
predicts without running it again."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from unskew.training import ImbalancedClassifier, load_model
from unskew.training.refit import refit_every_row

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def spam_texts(n=300):
    """Texts of eight common words; one in fifteen ends with "refund scam" and is spam."""
    rng = np.random.default_rng(0)
    words = ["the", "order", "box", "late", "today", "item", "sent", "fine"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(n)]
    labels = np.array(["ok"] * n, dtype=object)
    for i in range(0, n, 15):
        texts[i] += " refund scam"
        labels[i] = "spam"
    return texts, labels


@pytest.mark.parametrize(
    "recipe", ["eda_oversampling+cross_entropy", "eda_oversampling+focal:gamma=2+threshold:f1"]
)
def test_a_text_recipe_keeps_its_augmentation_part_through_save_and_load(recipe, tmp_path):
    texts, labels = spam_texts()
    clf = ImbalancedClassifier("text", recipe, epochs=3, random_state=0).fit(texts, labels)
    full = recipe.replace("threshold:f1", "threshold:objective=f1")  # the keyword form
    assert clf.recipe_ == full
    assert clf.class_counts_.min() > 20  # the 20 spam texts were augmented before training
    folder = clf.save(tmp_path / "model")
    assert json.loads((folder / "model.json").read_text())["recipe"] == full
    loaded = load_model(folder)
    assert loaded.recipe_ == full
    # predicting runs no augmentation: one row out per text, the same scores as before saving
    proba = loaded.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba, clf.predict_proba(texts), atol=1e-6)
    assert (loaded.predict(texts) == clf.predict(texts)).all()


def test_a_refit_and_a_recipe_of_raw_parts_only_keep_them():
    texts, labels = spam_texts()
    first = ImbalancedClassifier("text", "eda_oversampling", epochs=3, random_state=0)
    first.fit(texts[:200], labels[:200])
    assert first.recipe_ == "eda_oversampling"  # no stand-in loss added, as for "smote"
    refit = refit_every_row(first, texts, labels, decision="keep")
    assert refit.recipe_ == "eda_oversampling" and refit.n_rows_ == 300


def test_a_table_recipe_keeps_smote_nc():
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame(
        {"amount": rng.normal(size=n), "channel": rng.choice(["web", "shop", "phone"], n)}
    ).astype({"channel": "category"})  # SMOTE-NC's "auto" reads the category dtype
    y = np.where((frame.channel == "phone") & (frame.amount > 0.5), "fraud", "ok")
    clf = ImbalancedClassifier("mlp", "smote_nc+cross_entropy", epochs=2, random_state=0)
    assert clf.fit(frame, y).recipe_ == "smote_nc+cross_entropy"
