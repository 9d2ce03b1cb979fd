"""The run summary: the facts built once from a run record and the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from textops.execution.records import RunRecord, StepRecord
from textops.execution.summary import summarise
from textops.store.reporting import ReportingTables
from textops.store.store import Store

DATASET = {"name": "demo", "version": "v2"}


def _record(store: Path | None, *steps: StepRecord, status: str = "completed") -> RunRecord:
    return RunRecord(
        "r2", "2026-01-02T00:00:00", "abc", {}, status=status, dataset=dict(DATASET),
        tracking_uri="sqlite:////s/mlflow.db", mlflow_run_id="m1", steps=list(steps),
        store_url=None if store is None else str(store),
    )


def _gate() -> dict[str, Any]:
    registered = {"name": "c", "uri": "models:/c/3", "reason": "held back: drift"}
    return {
        "chosen": 1, "held": "validation found drift",
        "models": [
            {"family": "network", "estimator": "fasttext", "metrics": {"f1_macro": 0.8},
             "registered": {**registered, "version": 3, "promoted": False}},
            {"family": "linear", "estimator": "svc", "metrics": {"f1_macro": 0.9},
             "registered": {**registered, "version": 4, "promoted": True, "reason": "beats v2"}},
        ],
    }


def test_facts_from_the_steps_outputs_alone() -> None:
    report = {"location": "runs/r2/validate", "status": "warn", "drift_status": "fail",
              "baseline_drift_status": "fail", "on_drift": "warn",
              "worst_checks": ["train.class_balance.chi_square p=1e-9"], "insufficient_checks": 2}
    best = {"trial": 4, "value": 0.71, "trials": {"COMPLETE": 5, "PRUNED": 3},
            "validation_docs": 240}
    summary = summarise(_record(
        None,
        StepRecord("validate", "validate", status="completed", outputs={"report": report}),
        StepRecord("tune", "tune", status="cached", cache_hit=True, outputs={"best": best}),
        StepRecord("train", "train", status="completed", outputs={"gate": _gate()}),
    ))
    assert summary.dataset is not None and summary.dataset.accepted is True
    assert summary.drift is not None and summary.drift.status == "fail"
    assert summary.drift.worst_checks == report["worst_checks"]
    assert summary.tuning is not None and summary.tuning.validation_docs == 240
    assert [(m.version, m.role, m.chosen) for m in summary.models] == [
        (3, "challenger", False), (4, "champion", True)]
    assert summary.held == "validation found drift"
    assert summary.next_commands == [
        "mlflow ui --backend-store-uri sqlite:////s/mlflow.db", "textops models history",
        "textops serve", "textops report"]
    assert summary.steps[1]["cache_hit"] is True
    json.dumps(summary.to_json())  # every fact is JSON as it is


def test_a_refused_version_the_sweep_top_and_the_reports_come_from_the_store(
    tmp_path: Path,
) -> None:
    store = Store(str(tmp_path))
    ReportingTables(store).append("validation", pd.DataFrame([
        {"dataset_name": "demo", "version": "v2", "dataset": "train", "check": "empty_text",
         "status": "error", "run_id": "r2"}]))
    board = pd.DataFrame({
        "rank": [1, 2, 3, 4, None], "name": ["a", "b", "c", "d", "e"],
        "status": ["ok", "ok", "ok", "ok", "failed"], "estimator": ["A", "B", "C", "D", "E"],
        "f1_macro": [0.9, 0.8, 0.7, 0.6, None]})
    store.write_bytes(board.to_parquet(index=False), "runs", "r1", "sweep", "leaderboard.parquet")
    store.write_text("<html></html>", "runs", "r2", "validate", "train.html")
    store.write_json({"status": "error", "drift_status": "warn", "worst_checks": ["x"]},
                     "runs", "r2", "validate", "report.json")
    leaderboard = {"location": "runs/r1/sweep", "metric": "f1_macro", "best": "a",
                   "best_value": 0.9}
    summary = summarise(_record(
        tmp_path,
        StepRecord("sweep", "sweep", status="cached", outputs={"leaderboard": leaderboard}),
        StepRecord("validate", "validate", status="failed", error="ValidationError: refused"),
        status="failed",
    ))
    assert summary.dataset is not None and summary.dataset.accepted is False
    assert summary.dataset.refusal and "1 hard error(s) (empty_text)" in summary.dataset.refusal
    assert [(e.rank, e.name, e.value) for e in summary.sweep_top] == [
        (1, "a", 0.9), (2, "b", 0.8), (3, "c", 0.7)]
    assert summary.error == "validate: ValidationError: refused"
    assert summary.drift is not None and summary.drift.status == "warn"  # from its report.json
    assert summary.reports == [
        store.path("runs", "r2", "validate", "train.html"),
        store.path("runs", "r2", "validate", "report.json"),
        store.path("reporting", "validation"),
    ]
    assert "textops serve" not in summary.next_commands  # nothing new to serve


def test_a_version_no_validation_judged_is_neither_accepted_nor_refused(tmp_path: Path) -> None:
    summary = summarise(_record(tmp_path, StepRecord("ingest", "ingest", status="completed")))
    assert summary.dataset is not None and summary.dataset.accepted is None
    assert summary.drift is None and summary.sweep_top == [] and summary.models == []
