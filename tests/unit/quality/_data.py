"""Small frames and corpora for the quality tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest


def corpus(root: Path, relative: str, *, rows: int | None = None, seed: int = 0) -> pl.DataFrame:
    """A real corpus with an ``id`` column, sampled to ``rows``; skips when absent."""
    path = root / relative
    if not path.is_file():
        pytest.skip(f"{relative} is missing from {root}")
    frame = pl.read_parquet(path).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    if rows is not None and rows < frame.height:
        frame = frame.sample(rows, seed=seed)
    return frame.select("id", "text", "label", *[c for c in frame.columns if c == "split"])


ENGLISH_TEXTS = [
    "I really enjoyed this film, the acting was wonderful and the story kept me hooked.",
    "The service at this restaurant was slow and the food arrived cold and bland.",
    "Please remember to send the quarterly report to the finance team by Friday.",
    "Our team won the match last night after a dramatic comeback in the final minutes.",
    "The new phone has a great camera but the battery barely lasts a single day.",
    "We are planning a trip to the mountains next summer with the whole family.",
]


def small_frame(n: int = 60, *, labels: tuple[str, ...] = ("pos", "neg")) -> pl.DataFrame:
    """``n`` English rows with cycling labels and distinct texts."""
    texts = [f"{ENGLISH_TEXTS[i % len(ENGLISH_TEXTS)]} Note number {i}." for i in range(n)]
    return pl.DataFrame(
        {"id": list(range(n)), "text": texts, "label": [labels[i % len(labels)] for i in range(n)]}
    )
