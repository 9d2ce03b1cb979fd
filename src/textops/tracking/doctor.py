"""What ``textops doctor`` finds in the tracking backend: runs a kill left RUNNING,
logged models a kill left PENDING, and a damaged SQLite database.

Repairs: such runs are ended as KILLED and such models marked FAILED (neither
can ever finish: doctor runs under the store lock, so no run is live).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textops.errors import TrackingError
from textops.store.doctor import Problem
from textops.tracking.errors import mlflow_errors
from textops.tracking.mlflow import check_sqlite, sqlite_lock


def tracking_problems(tracking_uri: str) -> list[Problem]:
    """Runs left RUNNING and logged models left PENDING (a new or missing SQLite file: none)."""
    if tracking_uri.startswith("sqlite:///"):
        path = Path(tracking_uri.removeprefix("sqlite:///"))
        if not path.is_file():
            return []
        try:
            check_sqlite(path)
        except TrackingError as exc:
            return [Problem("damaged", str(path), exc.message)]
    from mlflow import MlflowClient

    with sqlite_lock(tracking_uri), mlflow_errors("read runs for textops doctor",
                                                  uri=tracking_uri):
        client = MlflowClient(tracking_uri=tracking_uri)
        experiments = [e.experiment_id for e in client.search_experiments()]
        if not experiments:
            return []
        return [*_running(client, experiments), *_pending(client, experiments)]


def _running(client: Any, experiments: list[str]) -> list[Problem]:
    runs = client.search_runs(experiments, filter_string="attributes.status = 'RUNNING'",
                              max_results=5000)
    return [
        Problem("run left RUNNING", f"run {run.info.run_id} ({run.info.run_name})",
                "its process was killed", repair=_ender(client, run.info.run_id))
        for run in runs
    ]


def _pending(client: Any, experiments: list[str]) -> list[Problem]:
    models = client.search_logged_models(experiments, max_results=5000)
    return [
        Problem("orphan logged model", f"logged model {model.model_id} ({model.name})",
                "its logging was cut short (PENDING)", repair=_failer(client, model.model_id))
        for model in models
        if str(getattr(model.status, "name", model.status)) == "PENDING"
    ]


def _ender(client: Any, run_id: str) -> Callable[[], None]:
    def end() -> None:
        client.set_terminated(run_id, status="KILLED")

    return end


def _failer(client: Any, model_id: str) -> Callable[[], None]:
    def fail() -> None:
        client.finalize_logged_model(model_id, "FAILED")

    return fail
