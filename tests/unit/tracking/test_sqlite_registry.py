"""A cache hit asks MLflow's SQLite database directly whether its model versions are there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textops.tracking.sqlite_registry import are_registered


def _database(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE model_versions (name TEXT, version INTEGER, current_stage TEXT)")
        db.executemany("INSERT INTO model_versions VALUES (?, ?, ?)", [
            ("clf", 1, "None"), ("clf", 2, "Deleted_Internal"), ("other", 1, "Production"),
        ])
    return f"sqlite:///{path}"


def test_registered_deleted_and_missing_versions(tmp_path: Path) -> None:
    uri = _database(tmp_path / "mlflow.db")
    assert are_registered(uri, [("clf", 1), ("other", 1)]) is True
    assert are_registered(uri, [("clf", 1), ("clf", 2)]) is False  # deleted in MLflow
    assert are_registered(uri, [("clf", 3)]) is False
    assert are_registered(f"sqlite:///{tmp_path / 'gone.db'}", [("clf", 1)]) is False


def test_it_says_when_it_cannot_tell(tmp_path: Path) -> None:
    assert are_registered("http://127.0.0.1:5000", [("clf", 1)]) is None
    (tmp_path / "empty.db").write_bytes(b"")
    assert are_registered(f"sqlite:///{tmp_path / 'empty.db'}", [("clf", 1)]) is None
