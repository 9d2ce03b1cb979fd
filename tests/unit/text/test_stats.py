"""Per-document statistics and their reuse for subsets."""

from __future__ import annotations

import polars as pl
import pytest

from textops.errors import DataError
from textops.text import stats as stats_module
from textops.text.stats import (
    NUMERIC_STATISTICS,
    compute_doc_stats,
    doc_stats_for_parts,
    reuse_doc_stats,
)

FRAME = pl.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "text": ["The cat sat on 2 MATS!", "", None, "I love this wonderful movie, it is great."],
        "label": ["a", "b", "a", None],
    }
)


def test_values_of_one_document() -> None:
    row = compute_doc_stats(FRAME).row(0, named=True)
    assert row["id"] == 1 and row["label"] == "a"
    assert row["char_count"] == 22
    assert row["word_count"] == 6
    assert row["mean_word_length"] == pytest.approx((3 + 3 + 3 + 2 + 1 + 4) / 6)
    assert row["stop_word_rate"] == pytest.approx(2 / 6)  # the, on
    assert row["digit_share"] == pytest.approx(1 / 22)
    assert row["punctuation_share"] == pytest.approx(1 / 22)
    assert row["uppercase_share"] == pytest.approx(5 / 15)  # T, M, A, T, S of 15 letters
    assert row["non_letter_share"] == pytest.approx(2 / 22)  # "2" and "!"
    assert row["terms"] == ["cat", "sat", "mats"]
    assert row["language"] == "en"


def test_columns_nulls_and_empties() -> None:
    stats = compute_doc_stats(FRAME)
    assert stats.columns[:2] == ["id", "label"]
    assert set(NUMERIC_STATISTICS) <= set(stats.columns)
    assert stats["is_null_text"].to_list() == [False, False, True, False]
    assert stats["is_empty_text"].to_list() == [False, True, False, False]
    null_row = stats.row(2, named=True)
    assert all(null_row[s] is None for s in NUMERIC_STATISTICS)
    empty_row = stats.row(1, named=True)
    assert empty_row["char_count"] == 0 and empty_row["word_count"] == 0
    assert empty_row["mean_word_length"] is None and empty_row["sentiment"] == 0.0
    assert stats["sentiment"][3] > 0.5


def test_optional_groups_and_timings() -> None:
    timings: dict[str, float] = {}
    stats = compute_doc_stats(FRAME, with_sentiment=False, with_language=False, timings=timings)
    assert "sentiment" not in stats.columns and "language" not in stats.columns
    assert set(timings) == {"scan", "words"}


def test_missing_or_mistyped_columns_are_refused() -> None:
    with pytest.raises(DataError, match=r"column\(s\) \['id'\] missing"):
        compute_doc_stats(FRAME.drop("id"))
    with pytest.raises(DataError, match="column 'text' is Int64, expected String"):
        compute_doc_stats(FRAME.with_columns(text=pl.lit(1, dtype=pl.Int64)))


def test_subset_reuses_parent_stats_and_recomputes_changed_rows() -> None:
    parent = compute_doc_stats(FRAME)
    subset = pl.DataFrame(
        {
            "id": [4, 1, 9],
            "text": [FRAME["text"][3], "changed text here", "new row"],
            "label": ["x", "a", "b"],
        }
    )
    reused = reuse_doc_stats(subset, parent)
    assert reused.equals(compute_doc_stats(subset))


def test_parts_compute_each_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = stats_module.compute_doc_stats

    def counting(df: pl.DataFrame, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(df.height)
        return original(df, **kwargs)

    monkeypatch.setattr(stats_module, "compute_doc_stats", counting)
    train = FRAME.drop_nulls("text")
    parts = {"train": train, "test": train.head(1), "train_subset": train.tail(2)}
    result = doc_stats_for_parts(parts, with_language=False)
    assert calls == [3, 1]
    assert list(result) == ["train", "test", "train_subset"]
    assert result["train_subset"].equals(original(train.tail(2), with_language=False))
