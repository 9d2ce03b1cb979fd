"""Text to token ids for the network: a fitted word vocabulary plus hashed word n-grams.

The id space is fixed by the fitted state, and the same ids feed PyTorch and the
ONNX graph (the tokenizer stays outside the graph, in NumPy)::

    0                                  padding (never a token)
    1 .. n_words                       vocabulary words, most frequent first
    n_words + 1 .. n_words + buckets_  hashed n-grams of order 2 .. ngram

The n-gram table is sized from the training texts: ``buckets_`` is the power of
two at or above twice the distinct n-grams seen at fit time, within
``[min(MIN_BUCKETS, buckets), buckets]`` (``buckets`` is an upper bound, not a
size), so a small corpus gets a small table: 500 short documents need a few
thousand rows, not 2**18. The fitted size travels with the saved state.

As in fastText, a word outside the vocabulary is dropped as a unigram but still
takes part in the n-grams around it (n-grams hash the words' own strings, not
their ids). Hashing is stable across processes and machines (BLAKE2b, not
Python's salted ``hash``), so a tokenizer saved as JSON reproduces its ids
anywhere.

Work is vectorised per batch: one Python pass to split texts into words and map
each distinct word once; n-gram hashes, ordering and padding are NumPy.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PAD_ID = 0
TOKEN_PATTERN = r"(?u)\b\w+\b"
FORMAT = "textops.tokenizer/2"
# format 1 had no fitted table size: its tables were always ``params["buckets"]`` rows
_FORMATS = (FORMAT, "textops.tokenizer/1")
#: what a format-1 file means by a setting it does not name: the defaults when it was written
_FORMAT_1_DEFAULTS = {"sublinear_tf": False, "buckets": 2**20, "min_count": 2}

# The defaults of the tokenizer's settings. They are the network's defaults too:
# NetworkConfig declares its tokenizer fields with these values, so the two cannot
# drift apart (a test checks it).
DEFAULT_NGRAM = 2
# 2**18 rows: with Adam's two dense moments a 2**20 x 256 table costs about 4 GB per trial
DEFAULT_BUCKETS = 2**18
# the smallest table sized from data (unless ``buckets`` is smaller), and the table's
# rows per distinct n-gram before rounding up to a power of two: at 2 to 4 rows per
# n-gram, about a fifth to two fifths of the n-grams share their row with another
MIN_BUCKETS = 2**10
ROWS_PER_NGRAM = 2
DEFAULT_MIN_COUNT = 1
DEFAULT_MAX_VOCAB: int | None = None
DEFAULT_MAX_WORDS: int | None = 1000
DEFAULT_BINARY = False
# with the network's tfidf pooling, 1 + ln(count) weights make the pooled vector the
# embedding of scikit-learn's TfidfVectorizer(sublinear_tf=True) vector
DEFAULT_SUBLINEAR_TF = True

# fastText's multiplier for combining word hashes into an n-gram hash; each order
# is also salted so a bigram and a trigram of the same words land apart.
_NGRAM_MULTIPLIER = np.uint64(116049371)
_ORDER_SALT = 0x9E3779B97F4A7C15


@dataclass(frozen=True)
class EncodedBatch:
    """Token ids of a batch of documents, flat: document ``i`` is ``ids[offsets[i]:ends[i]]``.

    ``weights`` (float32, one per id) are the ids' term frequencies when the
    tokenizer weighs them (``sublinear_tf``: ``1 + ln(count)``, each id once);
    ``None`` means every id counts 1.
    """

    ids: np.ndarray  # int64 [total]
    offsets: np.ndarray  # int64 [n_docs], start of each document in ``ids``
    weights: np.ndarray | None = None  # float32 [total]

    @property
    def n_docs(self) -> int:
        return int(self.offsets.shape[0])

    @property
    def lengths(self) -> np.ndarray:
        ends = np.append(self.offsets[1:], self.ids.shape[0])
        lengths: np.ndarray = ends - self.offsets
        return lengths

    def select(self, rows: np.ndarray) -> EncodedBatch:
        """The documents ``rows`` (in that order), still flat."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[rows]
        starts = self.offsets[rows]
        new_offsets = np.zeros(rows.shape[0], dtype=np.int64)
        if rows.shape[0] > 1:
            np.cumsum(lengths[:-1], out=new_offsets[1:])
        positions = np.arange(int(lengths.sum()), dtype=np.int64)
        positions += np.repeat(starts - new_offsets, lengths)
        weights = None if self.weights is None else self.weights[positions]
        return EncodedBatch(ids=self.ids[positions], offsets=new_offsets, weights=weights)

    def padded(self, *, min_length: int = 1) -> np.ndarray:
        """The ids as an int64 matrix [n_docs, longest], right-padded with ``PAD_ID``."""
        return self._pad(self.ids, PAD_ID, min_length)

    def padded_weights(self, *, min_length: int = 1) -> np.ndarray:
        """The weights as a float32 matrix shaped like :meth:`padded`, 0 at padding."""
        weights = self.weights
        if weights is None:
            weights = np.ones(self.ids.shape[0], dtype=np.float32)
        return self._pad(weights, 0.0, min_length)

    def graph_inputs(self, *, min_length: int = 1) -> dict[str, np.ndarray]:
        """What the network's padded form and its ONNX graph take: ``ids``, and
        ``weights`` when the tokenizer weighs ids."""
        inputs = {"ids": self.padded(min_length=min_length)}
        if self.weights is not None:
            inputs["weights"] = self.padded_weights(min_length=min_length)
        return inputs

    def _pad(self, values: np.ndarray, fill: float, min_length: int) -> np.ndarray:
        lengths = self.lengths
        width = max(int(lengths.max(initial=0)), min_length)
        matrix = np.full((self.n_docs, width), fill, dtype=values.dtype)
        rows = np.repeat(np.arange(self.n_docs), lengths)
        cols = np.arange(self.ids.shape[0], dtype=np.int64) - np.repeat(self.offsets, lengths)
        matrix[rows, cols] = values
        return matrix


def word_hash(word: str) -> int:
    """A stable 64-bit hash of one word (BLAKE2b, little-endian)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def size_buckets(n_distinct: int, *, limit: int) -> int:
    """Rows of a hashed table for ``n_distinct`` n-grams: the power of two at or above
    ``ROWS_PER_NGRAM * n_distinct``, within ``[min(MIN_BUCKETS, limit), limit]``."""
    wanted = 1 << max(0, ROWS_PER_NGRAM * n_distinct - 1).bit_length()
    return max(min(MIN_BUCKETS, limit), min(wanted, limit))


@dataclass(frozen=True)
class _Words:
    """A batch's words as codes into its distinct words (each word mapped once)."""

    lengths: np.ndarray  # int64 [n_docs]
    codes: np.ndarray  # int64 [total], index into ``distinct``
    distinct: list[str]

    @classmethod
    def of(cls, docs: list[list[str]]) -> _Words:
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        seen: dict[str, int] = {}
        codes = np.fromiter(
            (seen.setdefault(w, len(seen)) for w in itertools.chain.from_iterable(docs)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        return cls(lengths=lengths, codes=codes, distinct=list(seen))

    @property
    def n_docs(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def total(self) -> int:
        return int(self.codes.shape[0])

    def doc_of_token(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), self.lengths)


class Tokenizer:
    """Words from a fitted vocabulary plus hashed n-grams, as ids for an embedding table.

    ``ngram`` is the highest n-gram order (1: words only); ``buckets`` the most
    rows of the hashed n-gram table (fitting sizes it from the distinct n-grams
    seen: ``buckets_``, see :func:`size_buckets`); ``min_count`` and ``max_vocab``
    bound the vocabulary;
    ``max_words`` truncates long documents (the same in training and serving);
    ``binary`` keeps each id once per document (presence, not counts: a mean
    over ids then weighs a repeated word like a single one); otherwise
    ``sublinear_tf`` also keeps each id once, weighted ``1 + ln(count)`` (as
    scikit-learn's ``sublinear_tf``), and without either an id repeats as often
    as it occurs.
    """

    def __init__(
        self,
        *,
        ngram: int = DEFAULT_NGRAM,
        buckets: int = DEFAULT_BUCKETS,
        min_count: int = DEFAULT_MIN_COUNT,
        max_vocab: int | None = DEFAULT_MAX_VOCAB,
        max_words: int | None = DEFAULT_MAX_WORDS,
        lowercase: bool = True,
        binary: bool = DEFAULT_BINARY,
        sublinear_tf: bool = DEFAULT_SUBLINEAR_TF,
    ) -> None:
        self.ngram = ngram
        self.buckets = buckets
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.max_words = max_words
        self.lowercase = lowercase
        self.binary = binary
        self.sublinear_tf = sublinear_tf

    # -- sklearn-style parameters -------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        return {
            "ngram": self.ngram,
            "buckets": self.buckets,
            "min_count": self.min_count,
            "max_vocab": self.max_vocab,
            "max_words": self.max_words,
            "lowercase": self.lowercase,
            "binary": self.binary,
            "sublinear_tf": self.sublinear_tf,
        }

    def _check_params(self) -> None:
        checks = {
            "ngram": (self.ngram, self.ngram >= 1, "an int >= 1"),
            "buckets": (self.buckets, self.buckets >= 1 or self.ngram == 1, "an int >= 1"),
            "min_count": (self.min_count, self.min_count >= 1, "an int >= 1"),
            "max_vocab": (
                self.max_vocab,
                self.max_vocab is None or self.max_vocab >= 1,
                "None or an int >= 1",
            ),
            "max_words": (
                self.max_words,
                self.max_words is None or self.max_words >= 1,
                "None or an int >= 1",
            ),
        }
        for name, (value, ok, expected) in checks.items():
            if not ok:
                raise ValueError(
                    f"The '{name}' parameter of Tokenizer must be {expected}. "
                    f"Got {value!r} instead."
                )

    # -- fitting ------------------------------------------------------------------
    def fit(self, texts: Iterable[str]) -> Tokenizer:
        """Learn the vocabulary (words seen ``min_count`` times, the ``max_vocab`` most
        frequent) and the n-gram table's size (``buckets_``)."""
        self.fit_encode(list(texts))
        return self

    def fit_encode(self, texts: Sequence[str]) -> EncodedBatch:
        """``fit(texts)`` then ``encode(texts)``, splitting and hashing the texts once."""
        self._check_params()
        docs = list(self._split(texts))
        self._fit_words(docs)
        words = _Words.of(docs)
        ngrams = self._ngram_hashes(words)
        self._fit_buckets(ngrams)
        return self._encode(words, ngrams)

    def _fit_words(self, docs: Iterable[list[str]]) -> None:
        counts: Counter[str] = Counter()
        for words in docs:
            counts.update(words)
        kept = [(word, n) for word, n in counts.items() if n >= self.min_count]
        kept.sort(key=lambda item: (-item[1], item[0]))  # frequency, then a stable tie-break
        if self.max_vocab is not None:
            kept = kept[: self.max_vocab]
        self._set_vocabulary([word for word, _ in kept])

    def _fit_buckets(self, ngrams: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if self.ngram == 1:
            self.buckets_ = 0
            return
        hashes = [combined for combined, _ in ngrams]
        distinct = int(np.unique(np.concatenate(hashes)).shape[0]) if hashes else 0
        self.buckets_ = size_buckets(distinct, limit=self.buckets)

    def _set_vocabulary(self, words: list[str]) -> None:
        self.vocabulary_ = words
        self.index_ = {word: i + 1 for i, word in enumerate(words)}

    @property
    def n_words(self) -> int:
        return len(self._fitted_vocabulary())

    @property
    def weighted(self) -> bool:
        """Whether encoded ids carry term-frequency weights (a second graph input)."""
        return self.sublinear_tf and not self.binary

    @property
    def n_ids(self) -> int:
        """Rows the embedding table needs: padding + words + the fitted n-gram buckets."""
        return 1 + self.n_words + self.buckets_

    def _fitted_vocabulary(self) -> list[str]:
        vocabulary: list[str] | None = getattr(self, "vocabulary_", None)
        if vocabulary is None:
            raise RuntimeError("This Tokenizer is not fitted yet: call fit(texts) first.")
        return vocabulary

    # -- encoding -----------------------------------------------------------------
    def _split(self, texts: Iterable[str]) -> Iterable[list[str]]:
        pattern = re.compile(TOKEN_PATTERN)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"Tokenizer expects str documents. Got {type(text).__name__}.")
            words = pattern.findall(text.lower() if self.lowercase else text)
            yield words[: self.max_words] if self.max_words is not None else words

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        """Ids of each document: its vocabulary words, then its n-grams (order 2, 3, ...)."""
        self._fitted_vocabulary()
        words = _Words.of(list(self._split(texts)))
        return self._encode(words, self._ngram_hashes(words))

    def _ngram_hashes(self, words: _Words) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per order 2 .. ngram: each n-gram's 64-bit hash, and the document it is in."""
        if self.ngram == 1 or not words.total:
            return []
        lengths = words.lengths
        hashes = np.fromiter((word_hash(w) for w in words.distinct), np.uint64)[words.codes]
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        position = np.arange(words.total, dtype=np.int64) - starts
        length_of_token = np.repeat(lengths, lengths)
        doc_of_token = words.doc_of_token()
        ngrams = []
        for order in range(2, self.ngram + 1):
            first = np.flatnonzero(position <= length_of_token - order)
            combined = np.full(first.shape[0], _ORDER_SALT ^ order, dtype=np.uint64)
            for k in range(order):  # uint64 arithmetic wraps, as the hash intends
                combined = combined * _NGRAM_MULTIPLIER + hashes[first + k]
            ngrams.append((combined, doc_of_token[first]))
        return ngrams

    def _encode(self, words: _Words, ngrams: list[tuple[np.ndarray, np.ndarray]]) -> EncodedBatch:
        index = self.index_
        word_ids = np.fromiter((index.get(w, PAD_ID) for w in words.distinct), np.int64)
        token_ids = word_ids[words.codes]
        known = token_ids != PAD_ID
        pieces_ids = [token_ids[known]]
        pieces_doc = [words.doc_of_token()[known]]
        base = 1 + self.n_words
        for combined, doc_of_ngram in ngrams:
            pieces_ids.append(base + (combined % np.uint64(self.buckets_)).astype(np.int64))
            pieces_doc.append(doc_of_ngram)
        return self._batch(np.concatenate(pieces_doc), np.concatenate(pieces_ids), words.n_docs)

    def _batch(self, doc: np.ndarray, ids: np.ndarray, n_docs: int) -> EncodedBatch:
        """Ids ordered by document, each (document, id) once when ``binary``/``sublinear_tf``."""
        weights = None
        if self.binary or self.sublinear_tf:  # one (document, id) pair each, by document then id
            pairs, occurrences = np.unique(doc * np.int64(self.n_ids) + ids, return_counts=True)
            doc, ids = pairs // self.n_ids, pairs % self.n_ids
            if not self.binary:
                weights = (1.0 + np.log(occurrences)).astype(np.float32)
        else:
            order_by_doc = np.argsort(doc, kind="stable")
            doc, ids = doc[order_by_doc], ids[order_by_doc]
        counts = np.bincount(doc, minlength=n_docs).astype(np.int64)
        offsets = np.zeros(n_docs, dtype=np.int64)
        if n_docs > 1:
            np.cumsum(counts[:-1], out=offsets[1:])
        return EncodedBatch(ids=ids, offsets=offsets, weights=weights)

    def graph_inputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The network's and its ONNX graph's inputs: ``ids`` and, if :attr:`weighted`,
        ``weights``."""
        return self.encode(texts).graph_inputs()

    # -- persistence --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable state: parameters, the fitted n-gram table size
        (``buckets_``) and the vocabulary in id order."""
        vocabulary = list(self._fitted_vocabulary())
        return {
            "format": FORMAT,
            "params": self.get_params(),
            "buckets_": self.buckets_,
            "token_pattern": TOKEN_PATTERN,
            "hash": "blake2b-64/fasttext-combine",
            "vocabulary": vocabulary,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> Tokenizer:
        """Rebuild a fitted tokenizer from :meth:`to_dict` output."""
        if state.get("format") not in _FORMATS:
            raise ValueError(
                f"Unknown tokenizer format {state.get('format')!r}; expected one of "
                f"{list(_FORMATS)}. Re-export the model with this version of textops."
            )
        params = dict(state["params"])
        if state.get("format") == "textops.tokenizer/1":  # older files lack later settings
            params = {**_FORMAT_1_DEFAULTS, **params}
        tokenizer = cls(**params)
        tokenizer._set_vocabulary(list(state["vocabulary"]))
        if "buckets_" in state:
            tokenizer.buckets_ = int(state["buckets_"])
        else:  # format 1: the table was always the configured size
            tokenizer.buckets_ = tokenizer.buckets if tokenizer.ngram > 1 else 0
        return tokenizer
