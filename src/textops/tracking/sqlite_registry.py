"""Whether model versions are still registered, read straight from MLflow's SQLite database.

Opening MLflow costs seconds (its import and its schema check); a cache hit
only needs to know that the versions its outputs name are still in the
registry, which one read-only query on the ``model_versions`` table answers.
A version MLflow deleted stays in that table with the stage ``Deleted_Internal``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

#: the stage MLflow gives a deleted model version (its row is kept)
_DELETED = "Deleted_Internal"


def are_registered(uri: str, versions: Iterable[tuple[str, int]]) -> bool | None:
    """Whether every (name, version) is registered and not deleted in the SQLite database at
    ``uri``; None when this cannot tell (not a SQLite URI, a schema it does not know)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///"))
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            return all(_is_registered(db, name, version) for name, version in versions)
    except sqlite3.Error:
        return None  # locked, damaged or another schema: MLflow itself will say


def _is_registered(db: sqlite3.Connection, name: str, version: int) -> bool:
    found = db.execute(
        "SELECT 1 FROM model_versions WHERE name = ? AND version = ? AND current_stage != ?",
        (name, int(version), _DELETED),
    ).fetchone()
    return found is not None
