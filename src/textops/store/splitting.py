"""Train/test split, subsets and the content hash of a dataset version.

Pure functions over Polars frames with ``id``, ``text``, ``label`` (+ ``split``).

A row's side and its subset membership are a pure function of its id, the split
seed and the fractions, so they are the same in every version:

* each id gets two independent uniform draws in [0, 1): the first 53 bits of
  BLAKE2b over ``"<seed>\\x1f<id>"``, personalised ``textops-split`` for the
  side and ``textops-subset`` for the subset (BLAKE2b, unlike Polars' ``hash``,
  gives the same bits in every process, platform and library version);
* a row is in ``test`` when its side draw is below ``test_fraction`` (else in
  ``train``), and in its part's subset when its subset draw is below
  ``subset_fraction``. A ``split`` column given by the data wins over the draw.

What is guaranteed: adding rows never moves an old row in or out of a part or a
subset, and raising ``test_fraction`` only moves rows from train to test. What is
not: exact shares. Each class's test share is a binomial draw, within
``4 * sqrt(f * (1 - f) / n)`` of ``f = test_fraction`` for a class of ``n`` rows
but for a chance of about 1 in 16,000; the subsets likewise. No rule can hold
exact per-class counts without moving old rows as classes grow, and putting the
label into the key would not tighten the shares (each row is still its own coin)
but would move a row whose label is corrected, so the key is the id alone.

``stratified`` therefore no longer picks rows per class. It refuses a labelled
class of one row, which no split can put on both sides. A class of more rows
whose draws all fell on one side is kept as it fell (forcing a row across would
move it in a later version): :func:`one_sided_classes` names such classes. A
subset with no row at all is refused, since nothing can be fitted or scored on
it; a class missing from a subset is accepted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from textops.errors import DataError

if TYPE_CHECKING:
    import polars as pl

    from textops.config.schema import SplitConfig

SIDE, SUBSET = "textops-split", "textops-subset"


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


def id_draws(ids: pl.Series, *, seed: int, purpose: str) -> np.ndarray:
    """One uniform draw in [0, 1) per id, fixed by the id, ``seed`` and ``purpose`` alone."""
    import polars as pl

    base = hashlib.blake2b(digest_size=8, person=purpose.encode())
    base.update(f"{seed}\x1f".encode())

    def digest(value: str) -> bytes:
        hasher = base.copy()
        hasher.update(value.encode())
        return hasher.digest()

    # about 0.5 s per million ids: hashlib per row is fast enough, and stable
    joined = b"".join([digest(value) for value in ids.cast(pl.String).fill_null("").to_list()])
    bits = np.frombuffer(joined, dtype=">u8") >> np.uint64(11)
    return bits.astype(np.float64) / 2.0**53


def split_frame(
    frame: pl.DataFrame, split: SplitConfig, *, split_column: str | None
) -> dict[str, pl.DataFrame]:
    """The four parts: ``train``, ``test``, ``train_subset``, ``test_subset``."""
    import polars as pl

    ids = frame.get_column("id")
    if split_column:
        is_test = _sides_from_column(frame, split_column)
    else:
        is_test = id_draws(ids, seed=split.seed, purpose=SIDE) < split.test_fraction
        if split.stratified:
            _refuse_single_row_classes(frame)
    in_subset = id_draws(ids, seed=split.seed, purpose=SUBSET) < split.subset_fraction
    body = frame.drop("split") if "split" in frame.columns else frame
    parts: dict[str, pl.DataFrame] = {}
    for name, is_part in (("train", ~is_test), ("test", is_test)):
        parts[name] = body.filter(pl.Series(is_part))
        parts[f"{name}_subset"] = body.filter(pl.Series(is_part & in_subset))
        for part in (name, f"{name}_subset"):
            if parts[part].height == 0:
                raise DataError(
                    f"the {part} part would be empty ({frame.height} rows in all, "
                    f"{parts[name].height} in {name})",
                    hint="add rows, or change data.split.test_fraction "
                    "(or data.split.subset_fraction, up to 1.0)",
                )
    return {name: parts[name] for name in ("train", "test", "train_subset", "test_subset")}


def _sides_from_column(frame: pl.DataFrame, split_column: str) -> np.ndarray:
    import polars as pl

    bad = frame.filter(~pl.col("split").is_in(["train", "test"]) | pl.col("split").is_null())
    if bad.height:
        values = bad.get_column("split").unique().head(5).to_list()
        raise DataError(
            f"split column '{split_column}' has {bad.height} rows that are neither 'train' "
            f"nor 'test' (values: {values}; rows: {', '.join(bad.get_column('id').head(5))})",
            hint="use 'train'/'test' in that column, or unset data.split_column "
            "to split automatically",
        )
    is_test: np.ndarray = frame.get_column("split").to_numpy() == "test"
    return is_test


def _refuse_single_row_classes(frame: pl.DataFrame) -> None:
    """A labelled class of one row can never be on both sides: refuse it, naming it."""
    import polars as pl

    is_single = pl.col("label").is_not_null() & (pl.len().over("label") == 1)
    single = frame.filter(is_single).sort("label")
    if single.height:
        described = ", ".join(
            f"class '{label}' has only 1 row ({row_id})"
            for row_id, label in single.select("id", "label").head(5).iter_rows()
        )
        more = f" and {single.height - 5} more" if single.height > 5 else ""
        raise DataError(
            f"{described}{more}: a stratified train/test split needs at least 2 rows per class",
            hint="add rows of that class, drop them, or --set data.split.stratified=false",
        )


def one_sided_classes(parts: dict[str, pl.DataFrame]) -> dict[str, str]:
    """Classes with rows on one side only, and that side (``train`` or ``test``)."""
    train, test = (set(parts[p].get_column("label").drop_nulls()) for p in ("train", "test"))
    return {label: "train" for label in sorted(train - test)} | {
        label: "test" for label in sorted(test - train)
    }


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
