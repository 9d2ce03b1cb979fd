"""The reporting tables' columns and example queries, as docs/reporting.md documents them."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "reporting.md"


def documented() -> dict[str, tuple[list[tuple[str, str]], str]]:
    """table -> ([(column, DuckDB type)], its example query)."""
    sections = re.split(r"^## ", DOC.read_text(), flags=re.M)[1:]
    out = {}
    for section in sections:
        name = section.split("\n", 1)[0].strip()
        columns = re.findall(r"^\| (\w+) \| ([A-Z][A-Z \[\]]*?) \|", section, flags=re.M)
        query = re.search(r"```sql\n(.*?)```", section, flags=re.S)
        out[name] = (columns, query.group(1) if query else "")
    return out


def documented_columns(table: str) -> list[str]:
    return [name for name, _ in documented()[table][0]]
