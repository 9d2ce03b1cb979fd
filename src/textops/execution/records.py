"""What a run records: ``run.json``, the ``reporting/runs`` table, the cache index."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RunRecord", "StepRecord"]


@dataclass
class StepRecord:
    name: str
    kind: str
    status: str = "pending"  # pending | completed | cached | failed | interrupted | skipped
    cache_hit: bool = False
    cache_key: str | None = None
    #: the step's code version (``execution.codeversion.code_version``): what its cache key covers
    code_version: str | None = None
    compute: str = "local"
    environment: str = ""
    started: str | None = None
    wall_seconds: float = 0.0
    step_seconds: float = 0.0
    overhead_seconds: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    mlflow_run_id: str | None = None
    #: where the step's own code ran: "host:pid" of the driver, or of its isolated process
    host: str | None = None
    #: the interpreter of its isolated environment (None: the driver's)
    python: str | None = None
    #: its fanned-out tasks: name, Dask key, worker, status (ok | error | lost | cancelled)
    tasks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lost_tasks(self) -> list[dict[str, Any]]:
        """The task attempts a worker took with it when it died."""
        return [task for task in self.tasks if task["status"] == "lost"]


@dataclass
class RunRecord:
    run_id: str
    started: str
    config_hash: str
    options: dict[str, Any]
    status: str = "running"  # running | completed | failed | interrupted
    finished: str | None = None
    dataset: dict[str, Any] | None = None
    mlflow_run_id: str | None = None
    tracking_uri: str | None = None
    tracking_startup_seconds: float = 0.0
    steps: list[StepRecord] = field(default_factory=list)
    #: the store the run wrote to (None in records from before it was recorded)
    store_url: str | None = None
    #: the resolved definition (:mod:`textops.pipeline.resolved`) the run ran
    definition: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def step(self, name: str) -> StepRecord:
        return next(s for s in self.steps if s.name == name)

    def reporting_rows(self) -> list[dict[str, Any]]:
        """One tidy row per step for ``reporting/runs``."""
        return [
            {
                "run_id": self.run_id,
                "run_started": self.started,
                "run_status": self.status,
                "config_hash": self.config_hash,
                "dataset_name": (self.dataset or {}).get("name"),
                "dataset_version": (self.dataset or {}).get("version"),
                "step": s.name,
                "kind": s.kind,
                "status": s.status,
                "cache_hit": s.cache_hit,
                "code_version": s.code_version,
                "compute": s.compute,
                "environment": s.environment,
                "step_started": s.started,
                "wall_seconds": s.wall_seconds,
                "step_seconds": s.step_seconds,
                "overhead_seconds": s.overhead_seconds,
                "error": s.error,
            }
            for s in self.steps
        ]
