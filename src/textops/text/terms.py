"""Words and vocabulary terms of documents, as Polars expressions.

Two tokenisations serve the text statistics:

* **words**: every run of word characters, contractions kept whole
  (``don't``, ``o'clock``), lower-cased. They give the word count, the mean
  word length and the stop-word rate.
* **terms**: the words a vocabulary is made of: at least two characters, at
  least one letter, not an English stop word (scikit-learn's
  ``ENGLISH_STOP_WORDS``). They give top terms, vocabulary size, term
  distributions and out-of-vocabulary rates.

Both are column operations on the whole Series (regex extraction and list
evaluation in Polars), never a Python loop per document.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

#: A word: word characters, optionally joined by apostrophes (``don't``).
WORD_PATTERN = r"\w+(?:['’]\w+)*"

#: Terms shorter than this are not vocabulary.
MIN_TERM_CHARS = 2


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list (imported lazily: sklearn is heavy)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def words_expr(text: pl.Expr) -> pl.Expr:
    """The lower-cased words of each document, as a list column."""
    return text.str.to_lowercase().str.extract_all(WORD_PATTERN)


def stop_word_flags(words: pl.Expr) -> pl.Expr:
    """Per word of a list column: whether it is a stop word."""
    return words.list.eval(pl.element().is_in(sorted(stop_words())))


def terms_from_words(words: pl.Expr) -> pl.Expr:
    """Keep the words that count as vocabulary terms (see the module docstring)."""
    element = pl.element()
    is_term = (
        (element.str.len_chars() >= MIN_TERM_CHARS)
        & element.str.contains(r"\p{L}")
        & ~element.is_in(sorted(stop_words()))
    )
    return words.list.eval(element.filter(is_term))


def doc_terms(texts: pl.Series) -> pl.Series:
    """The vocabulary terms of each document of ``texts`` (a list[str] Series)."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)})
    return frame.select(terms=terms_from_words(words_expr(pl.col("text"))))["terms"]


def term_counts(
    terms: pl.Series, *, labels: pl.Series | None = None, per_document: bool = True
) -> pl.DataFrame:
    """How often each term occurs (rows in no particular order; see :func:`top_terms`).

    ``terms`` is a list[str] column (one list per document). With
    ``per_document`` (the default) a term counts once per document that has
    it (document frequency), so one long or repetitive document (a uuencoded
    binary, a signature repeated 500 times) cannot dominate the
    distribution. Returns columns ``term``, ``count`` and, when ``labels`` is
    given, ``label`` first, with counts per label.
    """
    frame = pl.DataFrame({"term": terms.list.unique() if per_document else terms})
    keys = ["term"]
    if labels is not None:
        frame = frame.with_columns(label=labels.cast(pl.String))
        keys = ["label", "term"]
    exploded = frame.explode("term").filter(pl.col("term").is_not_null())
    return exploded.group_by(keys).len(name="count").select(*keys, "count")


def top_terms(counts: pl.DataFrame, *, top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent terms of :func:`term_counts` (ties: alphabetical)."""
    best = counts.top_k(top, by=["count", "term"], reverse=[False, True])
    best = best.sort(["count", "term"], descending=[True, False])
    return [(term, int(count)) for term, count in best.select("term", "count").iter_rows()]


def top_terms_per_group(counts: pl.DataFrame, *, top: int) -> dict[str, list[tuple[str, int]]]:
    """The ``top`` terms of each label from :func:`term_counts` with labels."""
    best = counts.group_by("label").agg(
        pl.col("term").top_k_by(["count", "term"], top, reverse=[False, True]),
        pl.col("count").top_k_by(["count", "term"], top, reverse=[False, True]),
    )
    result: dict[str, list[tuple[str, int]]] = {}
    for label, terms, counts_ in best.sort("label").iter_rows():
        pairs = sorted(zip(terms, counts_, strict=True), key=lambda tc: (-tc[1], tc[0]))
        result[label] = [(term, int(count)) for term, count in pairs]
    return result
