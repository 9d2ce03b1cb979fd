"""VADER sentiment (the compound score) of many documents at once.

:func:`sentiment_scores` is a column-wise re-implementation of
``vaderSentiment.SentimentIntensityAnalyzer.polarity_scores(text)["compound"]``
(vaderSentiment 3.3.2, lexicon from its wheel). It reproduces the reference
rule for rule and in the same floating-point order, quirks included, so it
agrees with it to the last bit before rounding (the reference rounds to 4
decimals; this module does not). The test suite checks it against the
reference on real corpora. :func:`reference_sentiment_scores` calls the
reference itself, one document at a time.

How the rules map to columns: documents are split into whitespace tokens by
Polars (one exploded token table), lexicon and modifier look-ups are joins,
and the valence rules (negation, boosters, ALL-CAPS emphasis, "least",
special idioms) are evaluated with NumPy on the lexicon hits only, looking
at neighbours by offset. Two steps keep a small Python loop over *documents*
(never over tokens): the contrastive "but" rule, whose reference
implementation finds positions by value (``list.index``) and is simulated
exactly for documents that contain "but", and the final sum, which the
reference adds left to right.
"""

from __future__ import annotations

import string
from functools import lru_cache

import numpy as np
import polars as pl

from textops.text.vader_rules import (
    NO_WORD,
    Tokens,
    hit_valences,
    lookup_table,
    sums_after_but,
    vader_resources,
    word_ids,
)

#: Python's ``str.split()`` whitespace: Unicode White_Space plus \x1c-\x1f.
_TOKEN = r"[^\s\x1c-\x1f]+"


@lru_cache(maxsize=1)
def _reference_analyzer():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def reference_sentiment_scores(texts: pl.Series | list[str | None]) -> list[float | None]:
    """VADER compound scores from the reference implementation (slow: Python per document)."""
    analyzer = _reference_analyzer()
    values = texts.to_list() if isinstance(texts, pl.Series) else list(texts)
    return [None if t is None else analyzer.polarity_scores(t)["compound"] for t in values]


def _token_table(texts: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Exploded tokens (doc, tok, low) and per-document columns (amplifier, caps)."""
    vader = vader_resources()
    emoji_chars = list(vader.emojis)
    # The reference swaps each emoji for " " + its description; the character
    # after it stays glued to the description, exactly as here.
    frame = pl.DataFrame({"text": texts}).select(
        pl.col("text").str.replace_many(emoji_chars, [" " + vader.emojis[c] for c in emoji_chars])
    )
    text = pl.col("text")
    space = r"\s\x1c-\x1f"
    lower = r"\p{Lowercase}\p{Lt}"
    has_allcaps = text.str.contains(
        rf"(?:^|[{space}])[^{space}{lower}]*\p{{Uppercase}}[^{space}{lower}]*(?:$|[{space}])"
    )
    has_other = text.str.contains(
        rf"[{lower}]|(?:^|[{space}])[^{space}\p{{Uppercase}}]+(?:$|[{space}])"
    )
    docs = frame.select(
        tokens=text.str.extract_all(_TOKEN),
        bangs=text.str.count_matches("!", literal=True),
        questions=text.str.count_matches("?", literal=True),
        is_cap_diff=has_allcaps & has_other,
    )
    raw = docs.select(pl.col("tokens")).with_row_index("doc").explode("tokens")
    raw = raw.filter(pl.col("tokens").is_not_null())
    raw = raw.with_columns(stripped=pl.col("tokens").str.strip_chars(string.punctuation))
    # A token that strips to 2 characters or fewer was an emoticon: keep it whole.
    tok = (
        pl.when(pl.col("stripped").str.len_chars() <= 2)
        .then(pl.col("tokens"))
        .otherwise("stripped")
    )
    table = raw.select(pl.col("doc"), tok.alias("tok")).with_columns(
        low=pl.col("tok").str.to_lowercase()
    )
    table = table.join(lookup_table(), on="low", how="left", maintain_order="left")
    return table, docs.drop("tokens")


def sentiment_scores(texts: pl.Series) -> pl.Series:
    """VADER compound score of each text, in [-1, 1]; null where the text is null."""
    texts = texts.cast(pl.String)
    n_docs = len(texts)
    if n_docs == 0:
        return pl.Series("sentiment", [], dtype=pl.Float64)
    table, docs = _token_table(texts.fill_null(""))
    sums = _document_sums(table, docs["is_cap_diff"].to_numpy().astype(bool), n_docs)
    compound = _compound(sums, docs["bangs"].to_numpy(), docs["questions"].to_numpy())
    result = pl.Series("sentiment", compound, dtype=pl.Float64)
    return (
        pl.select(pl.when(texts.is_null()).then(None).otherwise(result))
        .to_series()
        .alias("sentiment")
    )


def _compound(sums: np.ndarray, bangs: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """The reference's punctuation emphasis and normalisation (alpha = 15)."""
    ep = np.minimum(bangs, 4) * 0.292
    qm = np.where(questions > 1, np.where(questions <= 3, questions * 0.18, 0.96), 0.0)
    amplifier = ep + qm
    total = np.where(sums > 0, sums + amplifier, np.where(sums < 0, sums - amplifier, sums))
    with np.errstate(invalid="ignore"):
        norm = total / np.sqrt(total * total + 15)
    clipped: np.ndarray = np.clip(norm, -1.0, 1.0)
    return clipped


def _document_sums(table: pl.DataFrame, is_cap_diff: np.ndarray, n_docs: int) -> np.ndarray:
    """Sum of token valences per document, after the "but" rule."""
    ids = word_ids()
    doc = table["doc"].to_numpy().astype(np.int64)
    lex = table["lex"].fill_null(np.nan).to_numpy()
    boost = table["boost"].fill_null(0.0).to_numpy()
    counts = np.bincount(doc, minlength=n_docs)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    tokens = Tokens(
        tok=table["tok"],
        low=table["low"],
        doc=doc,
        start=starts,
        end=starts + counts,
        lex=lex,
        in_lex=~np.isnan(lex),
        boost=boost,
        wid=table["wid"].fill_null(NO_WORD).to_numpy(),
        is_cap_diff=is_cap_diff,
    )
    # Booster words are never valences (the reference skips them first).
    hits = np.flatnonzero(tokens.in_lex & (boost == 0.0))
    valence = hit_valences(tokens, hits)

    first_but = np.full(n_docs, -1, dtype=np.int64)
    but_pos = np.flatnonzero(tokens.wid == ids["but"])
    if but_pos.size:
        docs_with_but, first = np.unique(doc[but_pos], return_index=True)
        first_but[docs_with_but] = but_pos[first]
    # Zero valences never change a sum nor the "but" rule's search by value.
    nonzero = valence != 0
    return sums_after_but(
        valence[nonzero], hits[nonzero], doc[hits[nonzero]], first_but, n_docs=n_docs
    )
