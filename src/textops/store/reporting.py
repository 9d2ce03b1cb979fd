"""Tidy, append-only Parquet tables under ``reporting/<table>/`` for BI tools.

Each append writes one new file (``<UTC time>-<random>.parquet``), so appends
never rewrite what a dashboard is reading. DuckDB, Power BI, Superset and
pandas read a table as the folder: ``SELECT * FROM 'reporting/runs/*.parquet'``.

Column names need no quoting in SQL. Files written before 0.2 used ``check``
(``drift``, ``validation``), ``class`` (``profiles``) and dotted names
(``profile_summary``: ``train.rows``); :meth:`ReportingTables.read` reads them
under the new names (``check_name``, ``class_label``, ``train_rows``) through
0.2, and :meth:`ReportingTables.migrate` rewrites such files in place so SQL
tools see one schema. ``docs/reporting.md`` documents every table.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from textops.store.store import Store


#: the columns each table renamed in 0.2 (old name -> new name)
RENAMED = {
    "drift": {"check": "check_name"},
    "validation": {"check": "check_name"},
    "profiles": {"class": "class_label"},
}
#: tables whose dotted column names became underscores in 0.2
DOTTED = ("profile_summary",)


def current_names(table: str, columns: list[str]) -> dict[str, str]:
    """Old column name -> its current name, for the columns of ``table`` that were renamed."""
    renames = {old: new for old, new in RENAMED.get(table, {}).items() if old in columns}
    if table in DOTTED:
        renames.update({c: _sql_name(c) for c in columns if "." in c})
    return renames


def _sql_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")


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

        frames = [frame for _, frame in self._files(table)]
        frames = [f.rename(columns=current_names(table, list(f.columns))) for f in frames]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    def _files(self, table: str) -> list[tuple[str, pd.DataFrame]]:
        import pandas as pd

        names = [n for n in self.store.listdir("reporting", table) if n.endswith(".parquet")]
        return [
            (n, pd.read_parquet(io.BytesIO(self.store.read_bytes("reporting", table, n))))
            for n in names
        ]

    def migrate(self) -> list[str]:
        """Rewrite the files of every table that still use pre-0.2 column names; those files.

        Each file is rewritten whole under its own name (atomically, like every
        store write), with its rows unchanged, so a run reading it meanwhile sees
        either the old file or the new one.
        """
        rewritten = []
        for table in self.tables():
            for name, frame in self._files(table):
                renames = current_names(table, list(frame.columns))
                if not renames:
                    continue
                buffer = io.BytesIO()
                frame.rename(columns=renames).to_parquet(buffer, index=False, compression="zstd")
                self.store.write_bytes(buffer.getvalue(), "reporting", table, name)
                rewritten.append(f"reporting/{table}/{name}")
        return rewritten
