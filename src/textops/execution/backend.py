"""The configured MLflow backend, opened (imported, schema created) on first use.

A run that is refused before its first write never imports MLflow, and the
runner can tell the one-time start-up apart from its own overhead.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textops.config.schema import PipelineConfig
from textops.store.store import Store

if TYPE_CHECKING:
    from textops.tracking.mlflow import MlflowTracker


class LazyBackend:
    """A :class:`textops.tracking.base.TrackingBackend` that opens MLflow when first used."""

    def __init__(self, config: PipelineConfig, store: Store) -> None:
        from textops.tracking.mlflow import resolve_tracking_uri

        self._experiment = config.tracking.experiment
        self._store = store
        self.tracking_uri: str | None = resolve_tracking_uri(config.tracking.uri, store)
        self._backend: MlflowTracker | None = None
        self.startup_seconds = 0.0  # import, connection and schema creation: paid once

    def _get(self) -> MlflowTracker:
        if self._backend is None:
            began = time.perf_counter()
            from textops.tracking.mlflow import MlflowTracker

            uri = self.tracking_uri or ""
            artifacts = None
            if uri.startswith("sqlite:") and self._store.is_local:
                artifacts = self._store.local_path("mlartifacts").as_uri()
            self._backend = MlflowTracker(uri, self._experiment, artifact_location=artifacts)
            self.startup_seconds = time.perf_counter() - began
        return self._backend

    def create_run(
        self, name: str, *, parent_id: str | None = None, tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
    ) -> str:
        return self._get().create_run(
            name, parent_id=parent_id, tags=tags, start_time_ms=start_time_ms
        )

    def log_batch(
        self, run_id: str, *, params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None, tags: Mapping[str, str] | None = None,
        step: int = 0,
    ) -> None:
        self._get().log_batch(run_id, params=params, metrics=metrics, tags=tags, step=step)

    def log_metric_history(self, run_id: str, key: str, values: list[float]) -> None:
        self._get().log_metric_history(run_id, key, values)

    def log_artifact_bytes(self, run_id: str, data: bytes, artifact_file: str) -> None:
        self._get().log_artifact_bytes(run_id, data, artifact_file)

    def log_dataset(
        self, run_id: str, *, name: str, digest: str, source: str, context: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self._get().log_dataset(
            run_id, name=name, digest=digest, source=source, context=context, tags=tags
        )

    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time_ms: int | None = None
    ) -> None:
        self._get().end_run(run_id, status, end_time_ms)
