"""A step's output folder in the store: ``runs/<run_id>/<step>/``."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

    from textops.store.store import Store


class StepOutputs:
    """Where a running step writes its files. Paths are relative to the step's folder."""

    def __init__(self, store: Store, run_id: str, step: str) -> None:
        self.store = store
        self.prefix = ("runs", run_id, step)
        self.written: list[str] = []

    @property
    def location(self) -> str:
        """Store-relative folder of these outputs (what downstream steps are given)."""
        return "/".join(self.prefix)

    def url(self, name: str) -> str:
        return self.store.path(*self.prefix, name)

    def write_bytes(self, name: str, data: bytes) -> str:
        self.store.write_bytes(data, *self.prefix, name)
        self.written.append(name)
        return f"{self.location}/{name}"

    def plotly_src(self) -> str:
        """The link from a page in this folder to the store's one copy of plotly.js."""
        from textops.store.assets import ensure_plotly_js, relative_link

        return relative_link(ensure_plotly_js(self.store), from_folder=self.location)

    def write_text(self, name: str, text: str) -> str:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, obj: Any) -> str:
        from textops.store.store import json_bytes

        return self.write_bytes(name, json_bytes(obj))

    def write_parquet(self, name: str, frame: pl.DataFrame | pd.DataFrame) -> str:
        import polars as pl

        buffer = io.BytesIO()
        if isinstance(frame, pl.DataFrame):
            frame.write_parquet(buffer, compression="zstd")
        else:
            frame.to_parquet(buffer, index=False, compression="zstd")
        return self.write_bytes(name, buffer.getvalue())
