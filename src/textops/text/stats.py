"""Per-document text statistics, computed column-wise.

:func:`compute_doc_stats` turns a frame with ``id``, ``text`` (and usually
``label``) into one row of statistics per document. Character classes come
from :mod:`textops.text.chars` (NumPy over the UTF-8 bytes), words and terms
are list columns evaluated by Polars, sentiment and language come from
:mod:`textops.text.sentiment` and :mod:`textops.text.language`. Nothing
loops over rows in Python except the language detectors themselves.

:func:`doc_stats_for_parts` computes the four parts of a version, reusing
``train``'s and ``test``'s rows for their subsets (:func:`reuse_doc_stats`).

The columns (see :data:`NUMERIC_STATISTICS` for the numeric ones):

==================== =========================================================
``char_count``        characters (Unicode code points)
``word_count``        words (:data:`textops.text.terms.WORD_PATTERN`)
``mean_word_length``  mean characters per word; null without words
``stop_word_rate``    share of words that are English stop words
``digit_share``       share of characters that are digits
``punctuation_share`` share of characters that are punctuation or symbols
``uppercase_share``   share of *letters* that are upper case; null without letters
``non_letter_share``  share of characters that are neither letters nor spaces
``sentiment``         VADER compound score in [-1, 1]
``language``          ISO 639-1 code of the detected language
``language_confidence`` the deciding detector's confidence
``terms``             the document's vocabulary terms (list of strings)
``text_hash``         hash of the exact text, to count duplicates within one run
                      (Polars' hash: not stable across Polars versions, never stored)
==================== =========================================================

Statistics are null where the text is null; an empty text has zero counts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import polars as pl

from textops.errors import DataError
from textops.text import terms as term_ops
from textops.text.chars import char_counts
from textops.text.language import DEFAULT_CONFIRM_BELOW, DEFAULT_MAX_CHARS, detect_languages
from textops.text.sentiment import sentiment_scores

NUMERIC_STATISTICS: tuple[str, ...] = (
    "char_count",
    "word_count",
    "mean_word_length",
    "stop_word_rate",
    "digit_share",
    "punctuation_share",
    "uppercase_share",
    "non_letter_share",
    "sentiment",
    "language_confidence",
)

#: Parts of a dataset version whose rows are drawn from another part.
SUBSET_PARENTS: dict[str, str] = {"train_subset": "train", "test_subset": "test"}


def _share(count: pl.Expr, total: pl.Expr) -> pl.Expr:
    return pl.when(total > 0).then(count / total).otherwise(None)


def char_stats_from_counts() -> list[pl.Expr]:
    """Character statistics from the columns of :func:`char_count_exprs`."""
    chars = pl.col("_chars")
    letters = chars - pl.col("_non_letters")
    return [
        chars.alias("char_count"),
        _share(pl.col("_digits"), chars).alias("digit_share"),
        _share(pl.col("_punctuation"), chars).alias("punctuation_share"),
        _share(pl.col("_upper"), letters).alias("uppercase_share"),
        _share(pl.col("_non_letters") - pl.col("_spaces"), chars).alias("non_letter_share"),
    ]


def word_stats_exprs(words: pl.Expr) -> list[pl.Expr]:
    """Word statistics from a materialised list column of lower-cased words."""
    count = words.list.len()
    total_chars = words.list.eval(pl.element().str.len_chars()).list.sum()
    stops = term_ops.stop_word_flags(words).list.sum()
    return [
        count.alias("word_count"),
        _share(total_chars, count).alias("mean_word_length"),
        _share(stops, count).alias("stop_word_rate"),
        term_ops.terms_from_words(words).alias("terms"),
    ]


def _require_columns(df: pl.DataFrame) -> None:
    missing = [c for c in ("id", "text") if c not in df.columns]
    if missing:
        raise DataError(
            f"cannot compute text statistics: column(s) {missing} missing; got {df.columns}",
            hint="give a frame with columns 'id', 'text' and (optionally) 'label'",
        )
    if df.schema["text"] not in (pl.String, pl.Null):
        raise DataError(
            "cannot compute text statistics: column 'text' is "
            f"{df.schema['text']}, expected String",
            hint="cast the text column to strings before profiling",
        )


def compute_doc_stats(
    df: pl.DataFrame,
    *,
    with_sentiment: bool = True,
    with_language: bool = True,
    language_max_chars: int = DEFAULT_MAX_CHARS,
    language_confirm_below: float = DEFAULT_CONFIRM_BELOW,
    timings: dict[str, float] | None = None,
) -> pl.DataFrame:
    """One row of statistics per document of ``df`` (columns ``id``, ``text``, ``label``).

    Keeps ``id`` and ``label`` (when present) first, in the input's order.
    ``timings``, when given, receives the seconds spent per group of
    statistics (``scan``: character counts and word extraction; ``words``;
    ``sentiment``; ``language``).
    """
    _require_columns(df)
    clock = timings if timings is not None else {}
    columns = _column_stats(df, clock)
    if with_sentiment:
        sentiment = _timed(clock, "sentiment", sentiment_scores, df["text"])
        columns.insert(2, pl.DataFrame({"sentiment": sentiment}))
    if with_language:
        language = _timed(
            clock,
            "language",
            detect_languages,
            df["text"],
            max_chars=language_max_chars,
            confirm_below=language_confirm_below,
        )
        columns.insert(-1, language)
    return pl.concat(columns, how="horizontal")


def _timed(clock: dict[str, float], name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        clock[name] = time.perf_counter() - started


def _column_stats(df: pl.DataFrame, clock: dict[str, float]) -> list[pl.DataFrame]:
    """[counts and shares, word stats, terms] of ``df`` by Polars expressions."""
    text = pl.col("text")
    keep = [c for c in ("id", "label") if c in df.columns]
    started = time.perf_counter()
    counted = df.select(
        *keep,
        text.is_null().alias("is_null_text"),
        (~text.str.contains(r"\S")).fill_null(False).alias("is_empty_text"),
        text.hash(seed=0).alias("text_hash"),
        term_ops.words_expr(text).alias("_words"),
    )
    counted = pl.concat([counted, char_counts(df["text"])], how="horizontal")
    clock["scan"] = time.perf_counter() - started
    started = time.perf_counter()
    base = counted.select(
        *keep, "is_null_text", "is_empty_text", "text_hash", *char_stats_from_counts()
    )
    words = counted.select(*word_stats_exprs(pl.col("_words")))
    clock["words"] = time.perf_counter() - started
    return [base, words.drop("terms"), words.select("terms")]


def reuse_doc_stats(
    subset: pl.DataFrame, parent_stats: pl.DataFrame, **options: Any
) -> pl.DataFrame:
    """Statistics of ``subset`` taken from its parent's, by ``id``.

    A subset's rows are rows of its parent (``train_subset`` of ``train``).
    Rows whose id is not in the parent, or whose text differs from the
    parent's, are computed afresh; the result follows the subset's order.
    """
    _require_columns(subset)
    keyed = subset.select(
        pl.col("id"),
        pl.col("text").hash(seed=0).alias("_hash"),
        pl.int_range(pl.len()).alias("_row"),
    )
    parent = parent_stats.drop("label", strict=False).unique("id", keep="first")
    joined = keyed.join(parent, on="id", how="left")
    fresh = joined.filter(pl.col("text_hash").is_null() | (pl.col("text_hash") != pl.col("_hash")))
    reused = joined.join(fresh.select("_row"), on="_row", how="anti").drop("_hash")
    if "label" in subset.columns:
        labels = subset.select(pl.col("label"), pl.int_range(pl.len()).alias("_row"))
        reused = reused.join(labels, on="_row", how="left")
    parts = [reused]
    if fresh.height:
        rows = subset.with_columns(pl.int_range(pl.len()).alias("_row")).join(
            fresh.select("_row"), on="_row", how="semi"
        )
        recomputed = compute_doc_stats(rows.drop("_row"), **options)
        parts.append(recomputed.with_columns(rows["_row"]))
    order = [c for c in ("id", "label") if c in subset.columns]
    merged = pl.concat(
        [p.with_columns(pl.col("_row").cast(pl.Int64)) for p in parts], how="diagonal"
    )
    merged = merged.sort("_row").drop("_row")
    return merged.select(*order, *[c for c in merged.columns if c not in order])


def doc_stats_for_parts(
    parts: Mapping[str, pl.DataFrame], **options: Any
) -> dict[str, pl.DataFrame]:
    """Statistics of every part of a version, computing each document once.

    ``train_subset`` and ``test_subset`` reuse the statistics of ``train``
    and ``test`` when those parts are present (see :data:`SUBSET_PARENTS`).
    """
    stats: dict[str, pl.DataFrame] = {}
    for name, frame in parts.items():
        if name not in SUBSET_PARENTS or SUBSET_PARENTS[name] not in parts:
            stats[name] = compute_doc_stats(frame, **options)
    for name, frame in parts.items():
        if name not in stats:
            stats[name] = reuse_doc_stats(frame, stats[SUBSET_PARENTS[name]], **options)
    return {name: stats[name] for name in parts}
