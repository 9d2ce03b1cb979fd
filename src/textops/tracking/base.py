"""The tracking interface the runner and steps use, and the per-step handle.

Runs form a tree: the pipeline run is the parent, each step a child, each sweep
candidate or tuning trial a grandchild. Nothing is created in the backend until
it is needed: a run that is refused for bad input leaves no trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textops.records import Registration
    from textops.tracking.publish import GateRequest, ModelSubmission

#: where artifacts go when nothing is tracked: (path inside the step's folder, bytes)
Keep = Callable[[str, bytes], object]


class TrackingBackend(Protocol):
    tracking_uri: str | None

    def create_run(
        self, name: str, *, parent_id: str | None = None, tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
    ) -> str: ...

    def log_batch(
        self, run_id: str, *, params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None, tags: Mapping[str, str] | None = None,
        step: int = 0,
    ) -> None: ...

    def log_metric_history(self, run_id: str, key: str, values: list[float]) -> None: ...

    def log_artifact_bytes(self, run_id: str, data: bytes, artifact_file: str) -> None: ...

    def log_dataset(
        self, run_id: str, *, name: str, digest: str, source: str, context: str,
        tags: Mapping[str, str] | None = None,
    ) -> None: ...

    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time_ms: int | None = None
    ) -> None: ...


def now_ms() -> int:
    return int(time.time() * 1000)


def redact(value: Any) -> Any:
    """A URL's password replaced by ``***`` (``scheme://user:secret@host`` -> ``user:***``)."""
    import re

    if not isinstance(value, str):
        return value
    return re.sub(r"(://[^/:@\s]+):[^@/\s]+@", r"\1:***@", value)


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists and scalars are kept as values."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class StepTracker:
    """A step's run in the tracking tree, created on first use.

    ``ensure_parent`` is the runner's hook that creates the pipeline's parent run
    on demand and returns its id. Without a backend the tracker is a null
    tracker: metrics and tags go nowhere, the artifacts of child runs (a sweep
    candidate's model) go to ``keep`` (the step's output folder), and no model is
    registered, so a step never asks whether tracking is on.
    """

    def __init__(
        self,
        backend: TrackingBackend | None,
        *,
        name: str,
        ensure_parent: Callable[[], str | None],
        tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
        keep: Keep | None = None,
    ) -> None:
        self.backend = backend
        self.name = name
        self.keep = keep
        self._ensure_parent = ensure_parent
        self._tags = dict(tags or {})
        self._start = start_time_ms or now_ms()
        self._run_id: str | None = None

    @property
    def enabled(self) -> bool:
        return self.backend is not None

    @property
    def tracking_uri(self) -> str | None:
        return self.backend.tracking_uri if self.backend else None

    @property
    def run_id(self) -> str | None:
        """The step's run id, creating the run (and its parent) if needed."""
        if self.backend is None:
            return None
        if self._run_id is None:
            self._run_id = self.backend.create_run(
                self.name,
                parent_id=self._ensure_parent(),
                tags=self._tags,
                start_time_ms=self._start,
            )
        return self._run_id

    def adopt(self, run_id: str) -> None:
        """Log into ``run_id``, a run made elsewhere (a step run in another process)."""
        self._run_id = run_id

    @property
    def has_run(self) -> bool:
        return self._run_id is not None

    def log(
        self,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        if self.backend is not None and (params or metrics or tags):
            self.backend.log_batch(self.run_id or "", params=params, metrics=metrics, tags=tags)

    def log_metric_history(self, key: str, values: list[float]) -> None:
        if self.backend is not None and values:
            self.backend.log_metric_history(self.run_id or "", key, values)

    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        if self.backend is not None:
            self.backend.log_artifact_bytes(self.run_id or "", data, artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        self.log_bytes(text.encode("utf-8"), artifact_file)

    def log_dict(self, obj: Any, artifact_file: str) -> None:
        import json

        self.log_bytes(json.dumps(obj, indent=2, default=str).encode(), artifact_file)

    def child(
        self,
        name: str,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        artifacts: Mapping[str, bytes] | None = None,
        histories: Mapping[str, list[float]] | None = None,
        status: str = "FINISHED",
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
    ) -> str | None:
        """Record a finished grandchild run in one go (a sweep candidate, a tuning trial)."""
        if self.backend is None:
            for artifact_file, data in (artifacts or {}).items():
                if self.keep is not None:
                    self.keep(f"{name}/{artifact_file}", data)
            return None
        run_id = self.backend.create_run(
            name, parent_id=self.run_id, tags=tags, start_time_ms=start_time_ms
        )
        self.backend.log_batch(run_id, params=params, metrics=metrics)
        for key, values in (histories or {}).items():
            self.backend.log_metric_history(run_id, key, values)
        for artifact_file, data in (artifacts or {}).items():
            self.backend.log_artifact_bytes(run_id, data, artifact_file)
        self.backend.end_run(run_id, status, end_time_ms)
        return run_id

    def publish_models(
        self, request: GateRequest, submissions: Sequence[ModelSubmission]
    ) -> list[Registration] | None:
        """Log and register trained models, gate the best; a null tracker has no registry."""
        if self.backend is None:
            return None
        from textops.tracking.publish import publish_models

        return publish_models(self, request, submissions)

    def end(self, status: str, end_time_ms: int | None = None) -> None:
        if self.backend is not None and self._run_id is not None:
            self.backend.end_run(self._run_id, status, end_time_ms)
