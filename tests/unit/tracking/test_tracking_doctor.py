"""`textops doctor` on the tracking backend: runs a kill left RUNNING are found and ended."""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient

from textops.store.doctor import repair
from textops.tracking.doctor import tracking_problems
from textops.tracking.mlflow import MlflowTracker


def test_a_run_left_running_is_found_and_ended_as_killed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = MlflowTracker(uri, "e")
    killed = tracker.create_run("pipeline killed")
    finished = tracker.create_run("pipeline done")
    tracker.end_run(finished)
    problems = tracking_problems(uri)
    assert [(p.kind, p.path) for p in problems] == [
        ("run left RUNNING", f"run {killed} (pipeline killed)")
    ]
    repair(problems)
    assert MlflowClient(tracking_uri=uri).get_run(killed).info.status == "KILLED"
    assert tracking_problems(uri) == []


def test_a_missing_database_has_no_problems_and_is_not_created(tmp_path: Path) -> None:
    assert tracking_problems(f"sqlite:///{tmp_path / 'mlflow.db'}") == []
    assert not (tmp_path / "mlflow.db").exists()
