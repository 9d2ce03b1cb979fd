"""Historic profile rows."""

from __future__ import annotations

from datetime import UTC, datetime

from textops.quality.history import HISTORY_COLUMNS, history_rows, history_summary
from textops.quality.profile import profile_parts

from ._data import small_frame

CREATED = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def _profiles():
    train = small_frame(20)
    return profile_parts({"train": train, "train_subset": train.head(8)}, with_language=False)


def test_long_rows() -> None:
    rows = history_rows(_profiles(), version="v7", created=CREATED)
    assert tuple(rows.columns) == HISTORY_COLUMNS
    assert set(rows["version"]) == {"v7"} and set(rows["dataset"]) == {"train", "train_subset"}
    train = rows[rows["dataset"] == "train"]
    value = train[(train["statistic"] == "rows") & train["class_label"].isna()]["value"]
    assert value.tolist() == [20.0]
    shares = train[train["statistic"] == "class_share"].set_index("class_label")["value"]
    assert shares.to_dict() == {"pos": 0.5, "neg": 0.5}
    assert {"char_count.median", "sentiment.mean", "word_count.p95"} <= set(train["statistic"])
    per_class = train[(train["statistic"] == "sentiment.mean") & train["class_label"].notna()]
    assert set(per_class["class_label"]) == {"pos", "neg"}
    assert str(rows["value"].dtype) == "float64"


def test_wide_summary_is_one_row_per_version() -> None:
    summary = history_summary(_profiles(), version="v7", created=CREATED)
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["version"] == "v7" and row["train_rows"] == 20.0 and row["train_subset_rows"] == 8.0
    assert row["train_class_share_pos"] == 0.5
    assert (
        row["train_english_share"] is None
        or row["train_english_share"] != row["train_english_share"]
    )
