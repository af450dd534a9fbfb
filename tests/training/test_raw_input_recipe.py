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


def claims(n=200):
    """A table of two numbers and a string column, one row in ten a claim."""
    rng = np.random.default_rng(1)
    y = np.array(["claim" if i % 10 == 0 else "fine" for i in range(n)], dtype=object)
    X = pd.DataFrame(
        {
            "amount": rng.normal(size=n) + (y == "claim"),
            "age": rng.normal(size=n),
            "region": rng.choice(["north", "south", "east"], n),
        }
    )
    return X, y


@pytest.mark.parametrize("recipe", ["smote_nc+cross_entropy", "eda_oversampling+cross_entropy"])
def test_validation_rows_are_split_off_before_a_raw_input_part_adds_rows(recipe):
    # SMOTE-NC and EDA make rows from the rows they see: run on every row, they put rows made
    # from validation rows into training and made-up rows into validation (early stopping and the
    # decision rule then score rows the network has half seen)
    from unskew.training import Trainer

    seen = []

    class Recording(Trainer):  # a real Trainer that notes what it was given
        def fit(self, X, y=None, **kwargs):
            seen.append((np.bincount(y).tolist(), self.validation))
            return super().fit(X, y, **kwargs)

    if recipe.startswith("eda"):
        X, y = spam_texts(200)
        model, minority = "text", "spam"
    else:
        X, y = claims(200)
        model, minority = "mlp", "claim"
    clf = ImbalancedClassifier(model, recipe, epochs=3, validation=0.25, refit=True, random_state=0)
    clf._trainer_class = Recording
    clf.fit(X, y)
    counts, validation = seen[0]
    X_val, y_val = validation
    assert len(X_val) == len(y_val)
    n_min = int((y == minority).sum())
    held_min = int((y_val == list(clf.classes_).index(minority)).sum())
    # the held-out quarter, stratified, as it was; the minority of the rest was oversampled
    assert len(y_val) == 50 and abs(held_min - n_min * 0.25) <= 1
    assert min(counts) > n_min - held_min and sum(counts) > 150
    refit_counts, refit_validation = seen[1]  # the refit: every row, resampled, no validation
    assert refit_validation is None and min(refit_counts) > n_min


def test_sample_weight_with_a_part_that_adds_rows_is_refused_in_one_line():
    from unskew.exceptions import InputError

    X, y = claims(100)
    clf = ImbalancedClassifier("mlp", "smote_nc+cross_entropy", epochs=2, random_state=0)
    with pytest.raises(InputError, match="sample_weight cannot be combined with 'smote_nc'"):
        clf.fit(X, y, sample_weight=np.ones(len(y)))


def test_the_minority_is_the_labels_not_the_balanced_training_rows(tmp_path, cli):
    # after SMOTE the trained rows are balanced (class_counts_ tie, and the tie went to the class
    # that sorts last, "fine"); suggest seeks the minority of the labels, "claim"
    from unskew.active import minority_index

    X, y = claims(200)
    X = X.drop(columns="region")
    clf = ImbalancedClassifier("mlp", "smote+cross_entropy", epochs=3, random_state=0).fit(X, y)
    assert clf.class_counts_[0] == clf.class_counts_[1]  # balanced by SMOTE
    assert clf.label_counts_.tolist() == [20, 180]
    assert clf.classes_[minority_index(clf)] == "claim"
    folder = clf.save(tmp_path / "model")
    assert load_model(folder).label_counts_.tolist() == [20, 180]
    X.to_csv(tmp_path / "pool.csv", index=False)
    result = cli("suggest", str(folder), str(tmp_path / "pool.csv"), "-n", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split(",")[-1] == "p_claim"
