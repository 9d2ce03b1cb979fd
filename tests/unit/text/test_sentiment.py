"""The vectorised VADER compound score agrees with the reference implementation."""

from __future__ import annotations

import random
import sys

import polars as pl
import pytest

from textops.text.sentiment import _TOKEN, reference_sentiment_scores, sentiment_scores
from textops.text.vader_rules import is_upper

# VADER's own demo sentences and the rules they exercise.
EXAMPLES = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been this good!",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "good good but good bad bad",
    "no no good",
    "kiss of death happy",
    "it is sort of good??",
    "great😁!",
    "\u1680good\x1cbad\x1fnice",
    "",
    "   ",
]

RULE_WORDS = (  # noqa: SIM905 - a sentence reads better than a list of 70 strings
    "no No NO not never so this but BUT kind of least at very VERY without doubt or nor good GOOD "
    "bad Bad great horrible happy love hate the shit bomb ass yeah right kiss death to die for "
    "beating heart bus stop sort just enough kinda extremely barely isn't don't nothing despite "
    "good! (good) ... 'bad' :) :D 😁 🔛 123 A OK lol LOL x ? ! cool, nice."
).split(" ")


def _assert_agrees(texts: list[str]) -> None:
    ours = sentiment_scores(pl.Series(texts, dtype=pl.String)).to_list()
    reference = reference_sentiment_scores(texts)
    mismatches = [
        (t, round(a, 4), b)
        for t, a, b in zip(texts, ours, reference, strict=True)
        if round(a, 4) != b
    ]
    assert not mismatches, mismatches[:5]


def test_agrees_with_reference_on_vader_examples() -> None:
    _assert_agrees(EXAMPLES)


def test_agrees_with_reference_on_random_rule_combinations() -> None:
    rng = random.Random(7)
    texts = []
    for _ in range(3000):
        words = [rng.choice(RULE_WORDS) for _ in range(rng.randint(0, 12))]
        texts.append("".join(w + rng.choice([" ", " ", "\n", "  ", ""]) for w in words))
    _assert_agrees(texts)


@pytest.mark.parametrize(
    ("relative", "rows"),
    [
        ("mr_polarity/rt_polarity_v1.parquet", 1500),
        ("sms_spam/sms_spam_collection.parquet", 1000),
        ("20newsgroups/20newsgroups_bydate.parquet", 120),
    ],
)
def test_agrees_with_reference_on_real_corpora(shared_datasets, relative: str, rows: int) -> None:
    path = shared_datasets / relative
    if not path.is_file():
        pytest.skip(f"{relative} is missing")
    texts = pl.read_parquet(path)["text"].sample(rows, seed=3).to_list()
    _assert_agrees(texts)


def test_null_text_gives_null_and_empty_series_works() -> None:
    scores = sentiment_scores(pl.Series(["I love it", None, ""]))
    assert scores.to_list()[1:] == [None, 0.0]
    assert scores[0] > 0.5
    assert sentiment_scores(pl.Series([], dtype=pl.String)).len() == 0


def test_tokens_split_on_python_whitespace() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    others = ["\u200b", "\ufeff", "_", "-", "é", "\x00"]
    texts = pl.Series([f"a{c}b" for c in spaces + others])
    counts = texts.str.extract_all(_TOKEN).list.len().to_list()
    assert counts == [2] * len(spaces) + [1] * len(others)


def test_is_upper_matches_python() -> None:
    tokens = ["ABC", "AbC", "A1!", "123", "ÉTÉ", "ǅX", "ΣΑΣ", "ß", "ⅫI", "Aĸ", ""]
    assert is_upper(tokens).tolist() == [t.isupper() for t in tokens]
