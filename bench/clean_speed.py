"""Benchmark: cleaning all 20 Newsgroups posts, textops vs the usual notebook version.

Cleans the 18,846 posts (35.9 MB of text) with :class:`~textops.text.cleaning.TextCleaner`
(Polars, vectorised over the column) and, in the same run, with the version
found in most notebooks: ``df["text"].apply(clean_text)``, a Python function
per row with ``re.sub`` calls and a loop over the words against a stop-word
list, as NLTK's ``stopwords.words("english")`` returns one. Because that list
makes the loop quadratic-ish, the same function with a ``set`` is timed too, as
the fairest per-row baseline. Both use scikit-learn's 318 English stop words.

Prints MB/s per variant (median of the repeats), the ratios, and the latency of
cleaning one short text (the scoring service's case).

    .venv/bin/python bench/clean_speed.py [--data PATH] [--repeats 5] [--notebook-repeats 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import string
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from textops.text.cleaning import TextCleaner

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared/datasets/20newsgroups/20newsgroups_bydate.parquet"
)
STOP_WORDS_LIST = sorted(ENGLISH_STOP_WORDS)  # what nltk's stopwords.words() gives: a list
STOP_WORDS_SET = set(STOP_WORDS_LIST)
PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def notebook_cleaner(stop_words: list[str] | set[str]) -> Callable[[str], str]:
    def clean_text(text: str) -> str:
        text = text.lower()
        text = PUNCTUATION.sub(" ", text)
        text = re.sub(r"\d+", " ", text)
        text = re.sub(r"[^a-z\s]", " ", text)
        words = [word for word in text.split() if word not in stop_words]
        return " ".join(words)

    return clean_text


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--notebook-repeats", type=int, default=3)
    args = parser.parse_args()

    texts = pd.read_parquet(args.data, columns=["text"])["text"]
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    print(f"{len(texts):,} texts, {megabytes:.1f} MB (UTF-8)")

    cleaner = TextCleaner().fit()
    cleaner.transform(texts[:100])  # warm-up: first regex compilations
    variants = {
        "textops TextCleaner (Polars)": (lambda: cleaner.transform(texts), args.repeats),
        "notebook .apply, set of stop words": (
            lambda: texts.apply(notebook_cleaner(STOP_WORDS_SET)),
            args.notebook_repeats,
        ),
        "notebook .apply, list of stop words (NLTK-style)": (
            lambda: texts.apply(notebook_cleaner(STOP_WORDS_LIST)),
            args.notebook_repeats,
        ),
    }
    seconds = {name: median_seconds(fn, repeats) for name, (fn, repeats) in variants.items()}
    ours = seconds["textops TextCleaner (Polars)"]
    print(f"\n{'variant':<50} {'median s':>9} {'MB/s':>8} {'textops is':>11}")
    for name, value in seconds.items():
        print(f"{name:<50} {value:9.2f} {megabytes / value:8.1f} {value / ours:10.1f}x")

    one = ["Is this fast enough for a scoring request? It must be, at 3 a.m. too!"]
    latency = median_seconds(lambda: cleaner.transform(one), 1000)
    print(f"\none short text: {latency * 1e6:.0f} µs per call (median of 1000)")


if __name__ == "__main__":
    main()
