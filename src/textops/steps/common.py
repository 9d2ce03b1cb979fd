"""Helpers the steps share: reading what an upstream step wrote."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from textops.store.store import Store


def read_output(store: Store, location: str, filename: str) -> pl.DataFrame:
    """A Parquet file a step wrote under ``location`` (its outputs' store-relative folder)."""
    import polars as pl

    return pl.read_parquet(io.BytesIO(store.read_bytes(*location.split("/"), filename)))


def read_cleaned(store: Store, cleaned: dict[str, Any], part: str) -> pl.DataFrame:
    """One part (``train``, ``test``, ``train_subset``, ``test_subset``) of ``clean``'s output."""
    return read_output(store, cleaned["location"], f"{part}.parquet")


def scope_parts(scope: str) -> tuple[str, str]:
    """The (fit, evaluate) parts for a step's ``data`` scope: ``subset`` or ``full``."""
    return ("train_subset", "test_subset") if scope == "subset" else ("train", "test")
