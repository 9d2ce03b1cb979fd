"""Train/test split, stratified subsets and the content hash of a dataset version.

Pure functions over Polars frames with ``id``, ``text``, ``label`` (+ ``split``).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from textops.errors import DataError

if TYPE_CHECKING:
    import polars as pl

    from textops.config.schema import SplitConfig

_NULL_GROUP = "\x00null"


def check_unique_ids(frame: pl.DataFrame, id_column: str) -> None:
    import polars as pl

    nulls = frame.filter(pl.col("id").is_null()).height
    if nulls:
        raise DataError(
            f"id column '{id_column}' is empty in {nulls} rows",
            hint="fill in the ids, or unset data.id_column to use file:row ids",
        )
    duplicated = frame.filter(pl.col("id").is_duplicated()).get_column("id").unique().sort()
    if duplicated.len():
        sample = ", ".join(duplicated.head(5).to_list())
        raise DataError(
            f"id column '{id_column}' has {duplicated.len()} ids used more than once "
            f"(e.g. {sample})",
            hint="make the ids unique across all files, or unset data.id_column",
        )


def split_frame(
    frame: pl.DataFrame, split: SplitConfig, *, split_column: str | None
) -> dict[str, pl.DataFrame]:
    """The four parts: ``train``, ``test``, ``train_subset``, ``test_subset``."""
    import polars as pl

    if split_column:
        bad = frame.filter(~pl.col("split").is_in(["train", "test"]) | pl.col("split").is_null())
        if bad.height:
            values = bad.get_column("split").unique().head(5).to_list()
            raise DataError(
                f"split column '{split_column}' has {bad.height} rows that are neither 'train' "
                f"nor 'test' (values: {values}; rows: {', '.join(bad.get_column('id').head(5))})",
                hint="use 'train'/'test' in that column, or unset data.split_column "
                "to split automatically",
            )
        is_test = frame.get_column("split").to_numpy() == "test"
    else:
        is_test = _draw(frame, split.test_fraction, split.seed, split.stratified, what="split")
    body = frame.drop("split") if "split" in frame.columns else frame
    train = body.filter(pl.Series(~is_test))
    test = body.filter(pl.Series(is_test))
    parts = {"train": train, "test": test}
    for name in ("train", "test"):
        if parts[name].height == 0:
            raise DataError(
                f"the {name} part would be empty ({frame.height} rows in all)",
                hint="add rows, or change data.split.test_fraction",
            )
        chosen = _draw(
            parts[name],
            split.subset_fraction,
            split.seed + 1,
            split.stratified,
            what="subset",
            at_least_one=True,
        )
        parts[f"{name}_subset"] = parts[name].filter(pl.Series(chosen))
    return parts


def _draw(
    frame: pl.DataFrame,
    fraction: float,
    seed: int,
    stratified: bool,
    *,
    what: str,
    at_least_one: bool = False,
) -> np.ndarray:
    """A boolean mask picking ``fraction`` of the rows, per class when ``stratified``."""
    rng = np.random.default_rng(seed)
    labels = frame.get_column("label").fill_null(_NULL_GROUP).to_numpy()
    chosen = np.zeros(frame.height, dtype=bool)
    groups = [np.arange(frame.height)] if not stratified else _groups(labels)
    for members in groups:
        label = labels[members[0]]
        count = int(round(len(members) * fraction))
        if what == "split" and stratified and label != _NULL_GROUP and len(members) < 2:
            ids = frame.get_column("id").gather(members).to_list()
            raise DataError(
                f"class '{label}' has only {len(members)} row ({', '.join(ids)}): a stratified "
                "train/test split needs at least 2 rows per class",
                hint="add rows of that class, drop them, or --set data.split.stratified=false",
            )
        if what == "split" and len(members) >= 2:
            count = min(max(count, 1), len(members) - 1)
        elif at_least_one:
            count = max(count, 1)
        chosen[rng.permutation(members)[:count]] = True
    return chosen


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    boundaries = np.flatnonzero(sorted_labels[1:] != sorted_labels[:-1]) + 1
    return np.split(order, boundaries)


def content_hash(parts: dict[str, pl.DataFrame]) -> str:
    """sha256 of the parts' rows (ids, texts, labels, in order): the version's identity."""
    import polars as pl

    digest = hashlib.sha256()
    for name in sorted(parts):
        digest.update(name.encode() + b"\x1d")
        joined = parts[name].select(
            pl.concat_str(
                [pl.col(c).fill_null("\x00") for c in ("id", "text", "label")], separator="\x1f"
            ).str.join("\x1e")
        )
        value = joined.item() if joined.height else ""
        digest.update((value or "").encode("utf-8"))
    return digest.hexdigest()


def class_counts(frame: pl.DataFrame) -> dict[str, int]:
    counts = frame.get_column("label").fill_null("<null>").value_counts(sort=True)
    return {str(row[0]): int(row[1]) for row in counts.iter_rows()}
