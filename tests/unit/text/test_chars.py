"""Character-class counts: the byte fast path agrees with the regex counts."""

from __future__ import annotations

import polars as pl
import pytest

from textops.text import chars
from textops.text.chars import char_count_exprs, char_counts

SAMPLES = [
    "Hello, World! 123",
    "",
    None,
    "   \t\n",
    "Ünïcödé Straße: 42 €",
    "日本語のテキスト。",
    "ALL CAPS\x0bvertical tab\x1cfile separator",
    "emoji 😁 and\u00a0nbsp",
    "x" * 50,
]


def _regex_counts(texts: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame({"text": texts}).select(char_count_exprs(pl.col("text")))
    return frame.with_columns(pl.all().cast(pl.Int64))


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 7])
def test_char_counts_equal_regex_counts(monkeypatch: pytest.MonkeyPatch, chunk_bytes: int) -> None:
    monkeypatch.setattr(chars, "_CHUNK_BYTES", chunk_bytes)
    texts = pl.Series("text", SAMPLES * 3, dtype=pl.String)
    assert char_counts(texts).equals(_regex_counts(texts))


def test_char_counts_of_a_sliced_series_and_edge_cases() -> None:
    texts = pl.Series("text", SAMPLES, dtype=pl.String).slice(3, 4)
    assert char_counts(texts).equals(_regex_counts(texts))
    assert char_counts(pl.Series([], dtype=pl.String)).height == 0
    nulls = char_counts(pl.Series([None, None], dtype=pl.String))
    assert nulls.null_count().row(0) == (2,) * 6


def test_char_counts_values() -> None:
    row = char_counts(pl.Series(["Ab 1!"])).row(0, named=True)
    assert row == {
        "_chars": 5,
        "_non_letters": 3,
        "_spaces": 1,
        "_digits": 1,
        "_punctuation": 1,
        "_upper": 1,
    }
