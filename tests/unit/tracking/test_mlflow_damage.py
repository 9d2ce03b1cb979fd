"""A damaged SQLite tracking database is one error naming it; opening it is serialised."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from textops.errors import TrackingError
from textops.tracking.mlflow import MlflowTracker, check_sqlite


def test_a_truncated_database_is_named_with_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    MlflowTracker(f"sqlite:///{db}", "e")
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    for name in ("mlflow.db-wal", "mlflow.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with pytest.raises(TrackingError, match=r"mlflow\.db' is damaged") as raised:
        MlflowTracker(f"sqlite:///{db}", "e")
    assert "move it aside" in (raised.value.hint or "")


def test_a_migration_cut_short_is_named(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE _alembic_tmp_tags (x)")
    with pytest.raises(TrackingError, match="migration was cut short"):
        check_sqlite(db)


def test_two_threads_open_a_new_database_at_once(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            MlflowTracker(f"sqlite:///{db}", "e")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check_sqlite(db)


def test_a_new_database_appears_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    db = tmp_path / "mlflow.db"

    def die_midway(self: object, db_uri: str, *args: object, **kwargs: object) -> None:
        with sqlite3.connect(db_uri.removeprefix("sqlite:///")) as connection:
            connection.execute("CREATE TABLE scorers (x)")  # what a kill left: some tables
        raise KeyboardInterrupt

    monkeypatch.setattr(SqlAlchemyStore, "__init__", die_midway)
    with pytest.raises(KeyboardInterrupt):
        MlflowTracker(f"sqlite:///{db}", "e")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.undo()
    MlflowTracker(f"sqlite:///{db}", "e")  # the next open makes it whole
    with sqlite3.connect(db) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision and sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name) == []
