"""Whether validation refused a version, from the reporting tables a run appends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from textops.store.reporting import ReportingTables
from textops.store.store import Store
from textops.store.validations import Standing, latest_refusal, standings


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path))


def _refused(store: Store, run_id: str, version: str, *checks: str) -> None:
    """The rows validate appends for a refusal, one per hard error."""
    rows = pd.DataFrame(
        [{"dataset_name": "demo", "version": version, "dataset": "train", "check": check,
          "status": "error", "run_id": run_id} for check in checks]
    )
    ReportingTables(store).append("validation", rows)


def _validated(store: Store, run_id: str, version: str, status: str) -> None:
    """The run's row of its validate step in ``reporting/runs``."""
    rows = pd.DataFrame([
        {"run_id": run_id, "dataset_name": "demo", "dataset_version": version, "step": "ingest",
         "kind": "ingest", "status": "completed"},
        {"run_id": run_id, "dataset_name": "demo", "dataset_version": version, "step": "check",
         "kind": "validate", "status": status},
    ])
    ReportingTables(store).append("runs", rows)


def test_nothing_recorded_is_no_refusal(store: Store) -> None:
    assert latest_refusal(store, "demo", "v1") is None


def test_a_refusal_names_its_run_and_checks(store: Store) -> None:
    _refused(store, "20250101T000000-aaaaaa", "v1", "null_text", "english_share")
    _validated(store, "20250101T000000-aaaaaa", "v1", "failed")
    _refused(store, "20250101T000000-bbbbbb", "v2", "unknown_label")  # another version
    refusal = latest_refusal(store, "demo", "v1")
    assert refusal is not None and refusal.run_id == "20250101T000000-aaaaaa"
    assert refusal.errors == ("train: null_text", "train: english_share")
    assert refusal.describe() == (
        "validation refused dataset 'demo' version v1 in run 20250101T000000-aaaaaa: "
        "2 hard error(s) (null_text, english_share)"
    )
    assert latest_refusal(store, "other", "v1") is None


@pytest.mark.parametrize("status", ["completed", "cached"])
def test_a_later_pass_lifts_the_refusal(store: Store, status: str) -> None:
    _refused(store, "20250101T000000-aaaaaa", "v1", "null_text")
    _validated(store, "20250102T000000-cccccc", "v1", status)  # after the baseline was edited
    assert latest_refusal(store, "demo", "v1") is None


def test_an_earlier_pass_or_a_failure_for_another_reason_does_not(store: Store) -> None:
    _validated(store, "20250101T000000-aaaaaa", "v1", "completed")
    _refused(store, "20250102T000000-bbbbbb", "v1", "null_text")
    _validated(store, "20250103T000000-cccccc", "v1", "failed")  # e.g. the store was locked
    refusal = latest_refusal(store, "demo", "v1")
    assert refusal is not None and refusal.run_id == "20250102T000000-bbbbbb"


def _drifted(store: Store, run_id: str, version: str, *statuses: str) -> None:
    """The drift rows validate appends, one per test."""
    rows = pd.DataFrame(
        [{"dataset_name": "demo", "version": version, "dataset": "train",
          "check_name": f"check{i}", "status": status, "run_id": run_id}
         for i, status in enumerate(statuses)]
    )
    ReportingTables(store).append("drift", rows)


def test_standings_give_each_versions_verdict_and_latest_drift(store: Store) -> None:
    _validated(store, "20250101T000000-aaaaaa", "v1", "completed")
    _drifted(store, "20250101T000000-aaaaaa", "v1", "ok", "fail")
    _drifted(store, "20250102T000000-bbbbbb", "v1", "ok", "warn", "insufficient")  # revalidated
    _validated(store, "20250102T000000-bbbbbb", "v1", "cached")
    _refused(store, "20250103T000000-cccccc", "v2", "null_text")
    _drifted(store, "20250103T000000-cccccc", "v2", "insufficient", "ok")
    found = standings(store, "demo", ["v1", "v2", "v3"])
    assert [(s.verdict, s.drift_status) for s in found.values()] == [
        ("accepted", "warn"), ("refused", "insufficient"), ("unvalidated", None),
    ]
    refusal = found["v2"].refusal
    assert found["v2"].is_refused and refusal is not None
    assert refusal.errors == ("train: null_text",)
    assert not found["v1"].is_refused and found["v1"].refusal is None
    assert standings(store, "other", ["v1"])["v1"].verdict == "unvalidated"


def test_standings_of_an_empty_store(store: Store) -> None:
    assert standings(store, "demo", ["v1"])["v1"] == Standing("v1", "unvalidated", None, None)
