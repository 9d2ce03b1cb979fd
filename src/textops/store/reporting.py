"""Tidy, append-only Parquet tables under ``reporting/<table>/`` for BI tools.

Each append writes one new file (``<UTC time>-<random>.parquet``), so appends
never rewrite what a dashboard is reading. DuckDB, Power BI, Superset and
pandas read a table as the folder: ``SELECT * FROM 'reporting/runs/*.parquet'``.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from textops.store.store import Store


class ReportingTables:
    def __init__(self, store: Store) -> None:
        self.store = store

    def tables(self) -> list[str]:
        return self.store.listdir("reporting")

    def append(self, table: str, rows: pd.DataFrame) -> str | None:
        """Append ``rows`` to ``table``; returns the file written (None for no rows)."""
        if rows.empty:
            return None
        buffer = io.BytesIO()
        rows.to_parquet(buffer, index=False, compression="zstd")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.parquet"
        self.store.write_bytes(buffer.getvalue(), "reporting", table, name)
        return f"reporting/{table}/{name}"

    def read(self, table: str) -> pd.DataFrame:
        """The whole table (all appends, oldest first); empty when it does not exist."""
        import pandas as pd

        names = [n for n in self.store.listdir("reporting", table) if n.endswith(".parquet")]
        frames = [
            pd.read_parquet(io.BytesIO(self.store.read_bytes("reporting", table, n))) for n in names
        ]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)
