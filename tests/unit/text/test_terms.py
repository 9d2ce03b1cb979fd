"""Words and vocabulary terms."""

from __future__ import annotations

import polars as pl

from textops.text.terms import (
    doc_terms,
    stop_words,
    term_counts,
    top_terms,
    top_terms_per_group,
    words_expr,
)


def test_words_are_lower_cased_and_keep_contractions() -> None:
    frame = pl.DataFrame({"text": ["Don't STOP me now, it's 5 o'clock!", None, ""]})
    words = frame.select(words_expr(pl.col("text")))["text"].to_list()
    assert words[0] == ["don't", "stop", "me", "now", "it's", "5", "o'clock"]
    assert words[1] is None
    assert words[2] == []


def test_terms_drop_stop_words_short_words_and_numbers() -> None:
    terms = doc_terms(pl.Series(["The cat and a dog ate 42 fish x 3d", None]))
    assert terms.to_list()[0] == ["cat", "dog", "ate", "fish", "3d"]
    assert "the" in stop_words()


def test_term_counts_count_each_document_once_by_default() -> None:
    terms = pl.Series([["spam", "spam", "eggs"], ["spam"], []])
    counts = term_counts(terms)
    assert dict(counts.iter_rows()) == {"spam": 2, "eggs": 1}
    assert top_terms(counts, top=5) == [("spam", 2), ("eggs", 1)]
    raw = term_counts(terms, per_document=False)
    assert dict(raw.iter_rows()) == {"spam": 3, "eggs": 1}


def test_term_counts_per_label_and_top_terms() -> None:
    terms = pl.Series([["a1", "b1"], ["a1"], ["c1"]])
    labels = pl.Series(["x", "x", "y"])
    counts = term_counts(terms, labels=labels)
    assert counts.columns == ["label", "term", "count"]
    tops = top_terms_per_group(counts, top=1)
    assert tops == {"x": [("a1", 2)], "y": [("c1", 1)]}
    ties = pl.DataFrame({"term": ["b", "a", "c"], "count": [1, 1, 1]})
    assert top_terms(ties, top=2) == [("a", 1), ("b", 1)]
