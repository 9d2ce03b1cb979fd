from __future__ import annotations

import polars as pl
import pytest

from textops.config.schema import SplitConfig
from textops.errors import DataError
from textops.store.splitting import check_unique_ids, class_counts, content_hash, split_frame


def frame(counts: dict[str, int]) -> pl.DataFrame:
    labels = [label for label, n in counts.items() for _ in range(n)]
    return pl.DataFrame(
        {
            "id": [f"f:{i}" for i in range(len(labels))],
            "text": [f"t {i}" for i in range(len(labels))],
            "label": labels,
        }
    )


def test_stratified_split_keeps_class_shares_and_is_seeded() -> None:
    data = frame({"a": 500, "b": 100})
    parts = split_frame(
        data, SplitConfig(test_fraction=0.2, subset_fraction=0.1), split_column=None
    )
    assert class_counts(parts["test"]) == {"a": 100, "b": 20}
    assert class_counts(parts["train_subset"]) == {"a": 40, "b": 8}
    again = split_frame(
        data, SplitConfig(test_fraction=0.2, subset_fraction=0.1), split_column=None
    )
    assert parts["test"].equals(again["test"])
    other = split_frame(data, SplitConfig(test_fraction=0.2, seed=1), split_column=None)
    assert not parts["test"].equals(other["test"])


def test_subsets_are_subsets() -> None:
    parts = split_frame(frame({"a": 50, "b": 50}), SplitConfig(), split_column=None)
    for name in ("train", "test"):
        assert set(parts[f"{name}_subset"]["id"]) <= set(parts[name]["id"])
    assert not set(parts["train"]["id"]) & set(parts["test"]["id"])


def test_a_class_of_one_row_cannot_be_stratified() -> None:
    with pytest.raises(DataError, match=r"class 'b' has only 1 row \(f:10\).*at least 2 rows"):
        split_frame(frame({"a": 10, "b": 1}), SplitConfig(), split_column=None)


def test_unstratified_split_accepts_rare_classes() -> None:
    parts = split_frame(frame({"a": 10, "b": 1}), SplitConfig(stratified=False), split_column=None)
    assert parts["train"].height + parts["test"].height == 11


def test_split_column_is_kept() -> None:
    data = frame({"a": 4}).with_columns(pl.Series("split", ["train", "train", "test", "train"]))
    parts = split_frame(data, SplitConfig(), split_column="part")
    assert parts["test"]["id"].to_list() == ["f:2"]
    assert "split" not in parts["test"].columns


def test_bad_split_values_are_named() -> None:
    data = frame({"a": 3}).with_columns(pl.Series("split", ["train", "dev", "test"]))
    with pytest.raises(DataError, match=r"split column 'part' has 1 rows.*'dev'.*f:1"):
        split_frame(data, SplitConfig(), split_column="part")


def test_content_hash_depends_on_content_only() -> None:
    parts = split_frame(frame({"a": 20, "b": 20}), SplitConfig(), split_column=None)
    assert content_hash(parts) == content_hash({k: v.clone() for k, v in parts.items()})
    changed = dict(parts, test=parts["test"].with_columns(pl.lit("x").alias("text")))
    assert content_hash(changed) != content_hash(parts)


def test_duplicate_ids_are_refused() -> None:
    data = pl.DataFrame({"id": ["1", "2", "1"], "text": ["a", "b", "c"], "label": ["x", "y", "x"]})
    with pytest.raises(DataError, match=r"1 ids used more than once \(e.g. 1\)"):
        check_unique_ids(data, "doc_id")
