"""Helpers the steps share: reading a cleaned dataset written by the ``clean`` step."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from textops.store.store import Store


def read_cleaned(store: Store, cleaned: dict[str, Any], part: str) -> pl.DataFrame:
    """One part (``train``, ``test``, ``train_subset``, ``test_subset``) of ``clean``'s output."""
    import polars as pl

    data = store.read_bytes(*cleaned["location"].split("/"), f"{part}.parquet")
    return pl.read_parquet(io.BytesIO(data))


def scope_parts(scope: str) -> tuple[str, str]:
    """The (fit, evaluate) parts for a step's ``data`` scope: ``subset`` or ``full``."""
    return ("train_subset", "test_subset") if scope == "subset" else ("train", "test")
