"""The hashed n-gram table is sized from the training texts, and the size travels with them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textops.models.tokenizer import MIN_BUCKETS, Tokenizer, size_buckets


def numbered_texts(n_docs: int, *, words_per_doc: int = 8) -> list[str]:
    """Documents of distinct words: every bigram in them is new."""
    return [" ".join(f"w{doc}x{i}" for i in range(words_per_doc)) for doc in range(n_docs)]


@pytest.mark.parametrize(
    ("n_distinct", "limit", "expected"),
    [
        (0, 2**18, MIN_BUCKETS),  # never below the floor...
        (300, 2**18, MIN_BUCKETS),
        (600, 2**18, 2**11),  # 1,200 rows wanted: the power of two above
        (1024, 2**18, 2**11),  # exactly twice: no rounding up
        (1025, 2**18, 2**12),
        (10**6, 2**18, 2**18),  # ...nor above the configured buckets
        (10**6, 64, 64),  # a configured table under the floor stays as configured
        (10, 64, 64),
    ],
)
def test_size_buckets_is_a_power_of_two_over_twice_the_ngrams_within_limits(
    n_distinct: int, limit: int, expected: int
) -> None:
    assert size_buckets(n_distinct, limit=limit) == expected


def test_a_small_corpus_gets_a_small_table_and_a_large_one_the_configured_bound() -> None:
    small = Tokenizer(ngram=3).fit(numbered_texts(100))  # 700 bigrams + 600 trigrams
    assert small.buckets == 2**18 and small.buckets_ == 2**12
    assert small.n_ids == 1 + small.n_words + 2**12
    large = Tokenizer(ngram=2, buckets=2**12).fit(numbered_texts(1000))  # 7,000 bigrams
    assert large.buckets_ == 2**12
    words_only = Tokenizer(ngram=1).fit(numbered_texts(10))
    assert words_only.buckets_ == 0 and words_only.n_ids == 1 + words_only.n_words


def test_every_ngram_id_falls_in_the_fitted_table() -> None:
    texts = numbered_texts(200)
    tokenizer = Tokenizer(ngram=2)
    ids = tokenizer.fit_encode(texts).ids
    assert tokenizer.buckets_ == 2**12  # 1,400 bigrams
    ngram_ids = ids[ids > tokenizer.n_words]
    assert ngram_ids.max() < tokenizer.n_ids
    # the table is used: most of the 1,400 bigrams have a row of their own
    assert np.unique(ngram_ids).shape[0] > 1000


def test_the_fitted_size_travels_with_the_state_and_scores_the_same() -> None:
    texts = numbered_texts(50)
    tokenizer = Tokenizer(ngram=2).fit(texts)
    state = json.loads(json.dumps(tokenizer.to_dict()))
    assert state["format"] == "textops.tokenizer/2" and state["buckets_"] == MIN_BUCKETS
    assert state["params"]["buckets"] == 2**18  # the bound as configured
    clone = Tokenizer.from_dict(state)
    assert clone.buckets_ == tokenizer.buckets_ and clone.n_ids == tokenizer.n_ids
    np.testing.assert_array_equal(clone.encode(texts).ids, tokenizer.encode(texts).ids)


def test_a_format_1_state_keeps_its_configured_table() -> None:
    tokenizer = Tokenizer(ngram=2, buckets=64).fit(numbered_texts(5))
    state = {**tokenizer.to_dict(), "format": "textops.tokenizer/1"}
    del state["buckets_"]
    old = Tokenizer.from_dict(state)
    assert old.buckets_ == 64 and old.n_ids == 1 + old.n_words + 64
    with pytest.raises(ValueError, match=r"Unknown tokenizer format 'textops.tokenizer/9'"):
        Tokenizer.from_dict({**state, "format": "textops.tokenizer/9"})


def test_a_tokenizer_saved_before_sublinear_weighting_existed_keeps_raw_counts() -> None:
    from textops.models.tokenizer import Tokenizer

    fitted = Tokenizer(ngram=1, sublinear_tf=False).fit(["a a a b", "b c"])
    state = fitted.to_dict()
    state["format"] = "textops.tokenizer/1"
    del state["params"]["sublinear_tf"]  # files written before the setting existed
    state.pop("buckets_", None)
    old = Tokenizer.from_dict(state)
    assert old.sublinear_tf is False
    assert old.encode(["a a a b"]).ids.tolist() == fitted.encode(["a a a b"]).ids.tolist()
