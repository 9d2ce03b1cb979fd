"""The per-text cleaning path gives exactly what TextCleaner gives, for every setting."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textops.text.cleaning import TextCleaner
from textops.text.quick_cleaning import QuickCleaner

SETTINGS = [
    {},
    {"strip_urls": True, "strip_emails": True},
    {"lowercase": False},
    {"remove_numbers": False},
    {"remove_punctuation": False},
    {"remove_special": False},
    {"stop_words": None},
    {"stop_words": None, "remove_punctuation": False, "lowercase": False},
    {"fold_whitespace": False},
    {"extra_stop_words": ["e-mail", "Foo"]},
]
EDGES = [
    "", " ", "\t\n\x0b\x0c\r", "\x1c\x1d\x1e\x1f\x00\x7f", "The and of", "THE end", "a_b the_c",
    "don't stop", "it's  the   end!!", "e-mail me at bob@example.com: https://x.org/a?b=1",
    "www.example.com rocks", "x1 2y the3 4", "caf\u00e9 na\u00efve", "emoji \U0001F600 the",
    "stop\u2019s", "tab\tthe\nnew", "the-end the_end the.end", "$5 + <b>=^`|~</b>",
    "Hello World, this is a TEST of 42 things!",
]
# ASCII (controls included) and a few characters the Polars path must take
ALPHABET = st.sampled_from(
    [chr(i) for i in range(128)] + ["\u2019", "\u00e9", "\u00a0", "\u2028", "\U0001F600"]
)
WORDS = st.sampled_from(["the", "The", "and", "sport", "match", "goal", "dont", "e", "mail"])
TEXTS = st.lists(st.one_of(st.text(ALPHABET, max_size=8), WORDS), max_size=12).map(" ".join)


def both(texts: list[str], **params: object) -> tuple[list[str], list[str]]:
    cleaner = TextCleaner(**params).fit()
    return cleaner.transform(texts).tolist(), QuickCleaner(cleaner).transform(texts)


@pytest.mark.parametrize("params", SETTINGS, ids=str)
def test_edge_cases_clean_as_the_cleaner_does(params: dict[str, object]) -> None:
    expected, got = both(EDGES, **params)
    assert got == expected


@pytest.mark.parametrize("params", SETTINGS, ids=str)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=6))
def test_any_text_cleans_as_the_cleaner_does(params: dict[str, object], texts: list[str]) -> None:
    expected, got = both(texts, **params)
    assert got == expected


def test_ascii_texts_take_the_python_path_and_others_the_cleaner() -> None:
    quick = QuickCleaner(TextCleaner().fit())
    assert quick.is_quick
    assert quick._quick("The Match, 2-1!") == "match"
    assert quick._quick("caf\u00e9") is None
    assert not QuickCleaner(TextCleaner(fold_whitespace=False).fit()).is_quick
    assert not QuickCleaner(TextCleaner(extra_stop_words=["e-mail"]).fit()).is_quick


def test_large_batches_go_to_the_cleaner_whole() -> None:
    quick = QuickCleaner(TextCleaner().fit(), max_quick=2)
    texts = ["The match", "a GOAL", "caf\u00e9 the"]
    assert quick.transform(texts) == TextCleaner().fit().transform(texts).tolist()


CORPORA = [
    "20newsgroups/20newsgroups_bydate.parquet",
    "sms_spam/sms_spam_collection.parquet",
    "mr_polarity/rt_polarity_v1.parquet",
    "conll2002_es_nl/conll2002_sentences_min5words_dedup.parquet",
    "udhr_langid/udhr_20lang_lines.parquet",
]


@pytest.mark.parametrize("params", SETTINGS[:4], ids=str)
def test_the_real_corpora_clean_as_the_cleaner_does(
    shared_datasets: Path, params: dict[str, object]
) -> None:
    texts: list[str] = []
    for relative in CORPORA:
        path = shared_datasets / relative
        if path.is_file():
            texts += pl.read_parquet(path, columns=["text"])["text"].head(1500).to_list()
    if not texts:
        pytest.skip(f"none of {CORPORA} in {shared_datasets}")
    expected, got = both(texts, **params)
    assert got == expected
    assert sum(text.isascii() for text in texts) > len(texts) / 2  # the Python path was taken
