"""The reporting tables' schemas, as docs/reporting.md documents them, stay put.

Each table's columns are read from its section of the page; the writers must
produce exactly those, and each section's example DuckDB query must run on a
table of that schema (so the names need no quoting and the SQL stays right).
Tables written only by the pipeline's heavier steps (sweep, refit, trials,
trial_epochs) are checked against a real run in tests/integration/test_full_pipeline.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from support.reporting_docs import documented, documented_columns
from textops.dashboard.data import events_frame
from textops.execution.records import RunRecord, StepRecord
from textops.quality.history import history_rows, history_summary
from textops.quality.profile import profile_parts
from textops.store.reporting import ReportingTables, current_names
from textops.store.store import Store
from textops.tracking.audit import new_event

TABLES = ("runs", "profiles", "profile_summary", "validation", "drift", "sweep", "refit",
          "trials", "trial_epochs", "models", "monitoring")
#: SQL's reserved words a column must not be named after (DuckDB needs quotes for these)
RESERVED = {"check", "class", "order", "group", "select", "from", "where", "table", "user_"}


def test_every_table_is_documented_with_sql_safe_names() -> None:
    docs = documented()
    assert set(TABLES) <= set(docs)
    for table in TABLES:
        columns, query = docs[table]
        assert columns and query, table
        for name, _ in columns:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and name not in RESERVED, (table, name)


def test_runs_rows_match_the_page() -> None:
    record = RunRecord(run_id="r", started="2026-01-01T00:00:00+00:00", config_hash="h",
                       options={}, steps=[StepRecord(name="ingest", kind="ingest")])
    assert list(pd.DataFrame(record.reporting_rows()).columns) == documented_columns("runs")


def test_profile_tables_match_the_page() -> None:
    frame = pl.DataFrame({"id": [str(i) for i in range(10)],
                          "text": ["a good day to you", "a bad thing here"] * 5,
                          "label": ["pos", "neg"] * 5})
    profiles = profile_parts({"full": frame, "train": frame, "test": frame.head(4)},
                             with_language=False)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = history_rows(profiles, version="v1", created=created)
    # the profile step adds the dataset's name; the runner adds the run id
    assert [*rows.columns, "dataset_name", "run_id"] == documented_columns("profiles")
    summary = history_summary(profiles, version="v1", created=created)
    statistics = [c.removeprefix("full_") for c in documented_columns("profile_summary")
                  if c.startswith("full_")]
    expected = ["version", "created"]
    for part in ("full", "train", "test"):
        expected += [f"{part}_{s}" for s in statistics]
        expected += [f"{part}_class_share_neg", f"{part}_class_share_pos"]
    assert list(summary.columns) == expected
    assert documented_columns("profile_summary")[-2:] == ["dataset_name", "run_id"]


def test_models_rows_match_the_page() -> None:
    event = new_event("promoted", 3, by="gate", reason="better", metric="f1_macro", candidate=0.9)
    frame = events_frame([event], "textops-classifier")
    assert list(frame.columns) == documented_columns("models")


@pytest.mark.parametrize("has_traffic", [False, True])
def test_monitoring_rows_match_the_page(tmp_path: Path, has_traffic: bool) -> None:
    from textops.api.monitoring import MonitorReport, _record
    from textops.quality.drift import CheckResult

    end = datetime(2026, 1, 2, tzinfo=UTC)
    results = [CheckResult("traffic", "confidence", "ks", 0.3, "warn", 0.2, 0.4, "lower")]
    report = MonitorReport(
        "warn" if has_traffic else "insufficient", "textops-classifier", 3 if has_traffic else None,
        "demo@v1", datetime(2026, 1, 1, tzinfo=UTC) if has_traffic else None, end,
        120 if has_traffic else 0, [], [], results if has_traffic else [],
    )
    store = Store(str(tmp_path))
    _record(store, report, settings=None, reference=None, html=False)
    rows = ReportingTables(store).read("monitoring")
    assert list(rows.columns) == documented_columns("monitoring")
    assert len(rows) == 1 and rows["rows"].iloc[0] == report.rows
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the dev extra")
    described = duckdb.connect().execute(
        f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/reporting/monitoring/*.parquet')"
    ).fetchall()
    assert [(name, kind) for name, kind, *_ in described] == documented()["monitoring"][0]


def test_old_column_names_are_read_under_the_new_ones_and_migrated(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    tables = ReportingTables(store)
    tables.append("drift", pd.DataFrame({"check": ["vocabulary"], "status": ["ok"]}))
    tables.append("profile_summary", pd.DataFrame({"version": ["v1"], "train.rows": [3.0],
                                                   "full.class_share.sci.space": [0.5]}))
    tables.append("drift", pd.DataFrame({"check_name": ["sentiment"], "status": ["warn"]}))
    assert tables.read("drift")["check_name"].tolist() == ["vocabulary", "sentiment"]
    assert list(tables.read("profile_summary").columns) == [
        "version", "train_rows", "full_class_share_sci_space"]
    assert current_names("profiles", ["class", "value"]) == {"class": "class_label"}
    assert len(tables.migrate()) == 2 and tables.migrate() == []
    raw = pd.read_parquet(tmp_path / "reporting" / "drift")
    assert sorted(raw.columns) == ["check_name", "status"]


@pytest.mark.parametrize("table", TABLES)
def test_the_example_query_runs_on_the_documented_schema(table: str, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the dev extra")
    columns, query = documented()[table]
    folder = tmp_path / ".textops" / "reporting" / table
    folder.mkdir(parents=True)
    connection = duckdb.connect()
    extra = ", full_class_share_billing DOUBLE" if table == "profile_summary" else ""
    connection.execute(f"CREATE TABLE t ({', '.join(f'{n} {t}' for n, t in columns)}{extra})")
    connection.execute("INSERT INTO t DEFAULT VALUES")
    connection.execute(f"COPY t TO '{folder / 'part.parquet'}' (FORMAT parquet)")
    result = connection.execute(query.replace(".textops/", f"{tmp_path}/.textops/")).fetchall()
    assert isinstance(result, list)
