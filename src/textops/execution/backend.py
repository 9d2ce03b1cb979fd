"""The configured MLflow backend, opened (imported, schema created) on first use.

A run that is refused before its first write never imports MLflow, and the
runner can tell the one-time start-up apart from its own overhead. A run whose
every step is a cache hit never opens it either (:class:`DeferredBackend`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textops.config.schema import PipelineConfig
from textops.store.store import Store

if TYPE_CHECKING:
    from textops.tracking.base import TrackingBackend
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


#: the placeholder ids a deferred backend hands out before MLflow is opened
_PLACEHOLDER = "deferred-"


class DeferredBackend:
    """Holds a run's tracking calls until one of its steps really runs.

    A run whose every step is a cache hit made nothing new to track (its outputs'
    MLflow runs are those of the runs that made them), so it never opens MLflow,
    whose start-up costs seconds; its record is ``run.json`` and ``reporting/runs``
    as for any run. The first step that runs calls :meth:`start`: the calls held
    so far are made in order and later ones go straight through. Until then
    ``create_run`` hands out placeholder ids; :meth:`real_id` maps them to MLflow's.
    """

    def __init__(self, backend: TrackingBackend) -> None:
        self._backend = backend
        self.tracking_uri = backend.tracking_uri
        self._held: list[tuple[str, dict[str, Any]]] = []
        self._ids: dict[str, str] = {}
        self._handed_out = 0
        self.is_started = False

    @property
    def startup_seconds(self) -> float:
        return float(getattr(self._backend, "startup_seconds", 0.0))

    def start(self) -> None:
        """Open the backend and make the calls held so far."""
        if self.is_started:
            return
        self.is_started = True
        held, self._held = self._held, []
        for method, kwargs in held:
            self._make(method, kwargs)

    def real_id(self, run_id: str | None) -> str | None:
        """MLflow's id for ``run_id``; None for a placeholder never sent (nothing was logged)."""
        if run_id is None or not run_id.startswith(_PLACEHOLDER):
            return run_id
        return self._ids.get(run_id)

    def _call(self, method: str, **kwargs: Any) -> None:
        if self.is_started:
            self._make(method, kwargs)
        else:
            self._held.append((method, kwargs))

    def _make(self, method: str, kwargs: dict[str, Any]) -> None:
        translated: dict[str, Any] = {
            key: self.real_id(value) if key in ("run_id", "parent_id") else value
            for key, value in kwargs.items()
        }
        if method == "create_run":
            placeholder = str(translated.pop("placeholder"))
            self._ids[placeholder] = self._backend.create_run(**translated)
        else:
            getattr(self._backend, method)(**translated)

    def create_run(
        self, name: str, *, parent_id: str | None = None, tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
    ) -> str:
        if self.is_started:
            return self._backend.create_run(name, parent_id=self.real_id(parent_id), tags=tags,
                                            start_time_ms=start_time_ms)
        self._handed_out += 1
        placeholder = f"{_PLACEHOLDER}{self._handed_out}"
        self._held.append(("create_run", {
            "placeholder": placeholder, "name": name, "parent_id": parent_id,
            "tags": dict(tags or {}), "start_time_ms": start_time_ms or _now_ms(),
        }))
        return placeholder

    def log_batch(
        self, run_id: str, *, params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None, tags: Mapping[str, str] | None = None,
        step: int = 0,
    ) -> None:
        self._call("log_batch", run_id=run_id, params=params, metrics=metrics, tags=tags,
                   step=step)

    def log_metric_history(self, run_id: str, key: str, values: list[float]) -> None:
        self._call("log_metric_history", run_id=run_id, key=key, values=values)

    def log_artifact_bytes(self, run_id: str, data: bytes, artifact_file: str) -> None:
        self._call("log_artifact_bytes", run_id=run_id, data=data, artifact_file=artifact_file)

    def log_dataset(
        self, run_id: str, *, name: str, digest: str, source: str, context: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self._call("log_dataset", run_id=run_id, name=name, digest=digest, source=source,
                   context=context, tags=tags)

    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time_ms: int | None = None
    ) -> None:
        self._call("end_run", run_id=run_id, status=status, end_time_ms=end_time_ms or _now_ms())


def _now_ms() -> int:
    return int(time.time() * 1000)
