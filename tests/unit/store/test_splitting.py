from __future__ import annotations

import hashlib
import math

import numpy as np
import polars as pl
import pytest

from textops.config.schema import SplitConfig
from textops.errors import DataError
from textops.store.splitting import (
    SIDE,
    SUBSET,
    check_unique_ids,
    class_counts,
    content_hash,
    id_draws,
    one_sided_classes,
    split_frame,
)


def frame(counts: dict[str, int], *, prefix: str = "f") -> pl.DataFrame:
    labels = [label for label, n in counts.items() for _ in range(n)]
    return pl.DataFrame(
        {
            "id": [f"{prefix}:{i}" for i in range(len(labels))],
            "text": [f"t {i}" for i in range(len(labels))],
            "label": labels,
        }
    )


def within_binomial(share: float, fraction: float, rows: int) -> bool:
    """The documented tolerance: 4 standard deviations of a binomial share."""
    return abs(share - fraction) <= 4 * math.sqrt(fraction * (1 - fraction) / rows)


def ids_of(parts: dict[str, pl.DataFrame]) -> dict[str, set[str]]:
    return {name: set(part["id"]) for name, part in parts.items()}


def test_draws_are_pinned_uniform_and_independent_per_purpose() -> None:
    ids = pl.Series([f"doc-{i}" for i in range(20_000)])
    side = id_draws(ids, seed=42, purpose=SIDE)
    # a changed hash would move every row of every existing dataset: pin its values
    assert side[:3].round(6).tolist() == [0.695279, 0.295506, 0.532198]
    documented = hashlib.blake2b(b"42\x1fdoc-0", digest_size=8, person=SIDE.encode())
    assert side[0] == (int.from_bytes(documented.digest(), "big") >> 11) / 2**53
    quantiles = np.quantile(side, [0.1, 0.25, 0.5, 0.75, 0.9])
    assert np.abs(quantiles - [0.1, 0.25, 0.5, 0.75, 0.9]).max() < 0.02
    subset = id_draws(ids, seed=42, purpose=SUBSET)
    assert abs(np.corrcoef(side, subset)[0, 1]) < 0.03
    assert not np.array_equal(side, id_draws(ids, seed=43, purpose=SIDE))


def test_class_test_shares_hold_within_the_binomial_tolerance() -> None:
    data = frame({"a": 2000, "b": 500, "c": 120})
    config = SplitConfig(test_fraction=0.2, subset_fraction=0.1)
    parts = split_frame(data, config, split_column=None)
    test, train = class_counts(parts["test"]), class_counts(parts["train"])
    for label, rows in class_counts(data).items():
        assert within_binomial(test[label] / rows, 0.2, rows), (label, test[label], rows)
    for name, counts in (("train", train), ("test", test)):
        subset = class_counts(parts[f"{name}_subset"])
        for label, rows in counts.items():
            assert within_binomial(subset.get(label, 0) / rows, 0.1, rows), (name, label)


def test_same_input_same_parts_and_the_seed_matters() -> None:
    data = frame({"a": 500, "b": 100})
    parts = split_frame(data, SplitConfig(), split_column=None)
    shuffled = data.sample(fraction=1.0, shuffle=True, seed=3)
    again = split_frame(shuffled, SplitConfig(), split_column=None)
    assert ids_of(again) == ids_of(parts)  # row order plays no part either
    other = split_frame(data, SplitConfig(seed=1), split_column=None)
    assert ids_of(other)["test"] != ids_of(parts)["test"]


def test_growing_data_never_moves_an_old_row() -> None:
    config = SplitConfig(test_fraction=0.25, subset_fraction=0.3)
    drops = [frame({"a": 300, "b": 40, "c": 90}, prefix=f"drop{k}") for k in range(4)]
    before: dict[str, set[str]] | None = None
    for k in range(1, len(drops) + 1):
        seen = pl.concat(drops[:k])
        after = ids_of(split_frame(seen, config, split_column=None))
        if before is not None:
            old = set().union(*before.values())
            assert {n: ids & old for n, ids in after.items()} == before
        before = after


def test_raising_the_test_fraction_only_moves_rows_into_test() -> None:
    data = frame({"a": 400, "b": 100})
    small = ids_of(split_frame(data, SplitConfig(test_fraction=0.2), split_column=None))
    large = ids_of(split_frame(data, SplitConfig(test_fraction=0.3), split_column=None))
    assert small["test"] < large["test"]
    assert small["test_subset"] <= large["test_subset"]


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


def test_a_class_that_fell_on_one_side_is_kept_and_named() -> None:
    data = frame({"a": 200})
    draws = id_draws(data["id"], seed=42, purpose=SIDE)
    rare = pl.lit("rare").alias("label")
    train_only = data.filter(pl.Series(draws >= 0.2)).head(3).with_columns(rare)
    mixed = pl.concat([data.filter(~pl.col("id").is_in(train_only["id"])), train_only])
    parts = split_frame(mixed, SplitConfig(), split_column=None)
    assert set(train_only["id"]) <= set(parts["train"]["id"])  # not forced across
    assert one_sided_classes(parts) == {"rare": "train"}


def test_an_empty_subset_is_refused() -> None:
    data = frame({"a": 30})
    draws = id_draws(data["id"], seed=42, purpose=SUBSET)
    never_drawn = data.filter(pl.Series(draws >= 0.2))
    with pytest.raises(DataError, match=r"the train_subset part would be empty"):
        split_frame(never_drawn, SplitConfig(test_fraction=0.01), split_column=None)
    parts = split_frame(never_drawn, SplitConfig(subset_fraction=1.0), split_column=None)
    assert parts["train_subset"].equals(parts["train"])


def test_split_column_is_kept() -> None:
    data = frame({"a": 4}).with_columns(pl.Series("split", ["train", "train", "test", "train"]))
    parts = split_frame(data, SplitConfig(subset_fraction=1.0), split_column="part")
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
