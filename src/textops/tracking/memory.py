"""An in-memory tracking backend: the test double for :mod:`textops.tracking.mlflow`."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordedRun:
    run_id: str
    name: str
    parent_id: str | None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    histories: dict[str, list[float]] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "RUNNING"


class MemoryTracker:
    tracking_uri = None

    def __init__(self) -> None:
        self.runs: dict[str, RecordedRun] = {}
        self._ids = itertools.count(1)

    def create_run(
        self, name: str, *, parent_id: str | None = None, tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
    ) -> str:
        run_id = f"run-{next(self._ids)}"
        self.runs[run_id] = RecordedRun(run_id, name, parent_id, dict(tags or {}))
        return run_id

    def log_batch(
        self, run_id: str, *, params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None, tags: Mapping[str, str] | None = None,
        step: int = 0,
    ) -> None:
        run = self.runs[run_id]
        run.params.update(params or {})
        run.metrics.update(metrics or {})
        run.tags.update(tags or {})

    def log_metric_history(self, run_id: str, key: str, values: list[float]) -> None:
        self.runs[run_id].histories[key] = list(values)

    def log_artifact_bytes(self, run_id: str, data: bytes, artifact_file: str) -> None:
        self.runs[run_id].artifacts[artifact_file] = data

    def log_dataset(
        self, run_id: str, *, name: str, digest: str, source: str, context: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.runs[run_id].inputs.append({"name": name, "digest": digest, "source": source,
                                         "context": context, "tags": dict(tags or {})})

    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time_ms: int | None = None
    ) -> None:
        self.runs[run_id].status = status

    def children(self, parent_id: str | None) -> list[RecordedRun]:
        return [run for run in self.runs.values() if run.parent_id == parent_id]
