"""Running one step: its cache key, a verified cache hit or a fresh run, and its records.

A cache hit is trusted only when its stored records still validate as the
step's declared output types, every file they name is still in the store with
the size and hash the entry recorded (:mod:`textops.store.integrity`), and every
model they say was registered is still in the registry; otherwise the step runs
again. Fresh outputs are validated at hand-off, and
downstream steps receive exactly what a cache hit would give them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.clock import utc_now
from textops.errors import InputError, StepError, StoreError, TextopsError
from textops.execution.cache import cache_key, code_version
from textops.execution.context import RunContext
from textops.execution.planning import Mode
from textops.execution.records import RunRecord, StepRecord
from textops.progress import Emit, Progress, ProgressEvent
from textops.records import Record
from textops.store.catalog import Catalog
from textops.store.outputs import StepOutputs
from textops.store.reporting import ReportingTables
from textops.tracking.base import StepTracker, TrackingBackend, flatten, now_ms, redact

if TYPE_CHECKING:
    import pandas as pd

    from textops.compute.targets import ExecutorPool
    from textops.config.schema import PipelineConfig
    from textops.pipeline.graph import Node

Reports = list[tuple[str, "pd.DataFrame"]]


@dataclass
class RunSession:
    """What the steps of one run share: records, store, tracking, executors, outputs so far."""

    record: RunRecord
    config: PipelineConfig
    catalog: Catalog
    backend: TrackingBackend | None
    pool: ExecutorPool
    environment_hashes: dict[str, str]
    #: the runner's hook: from here on the run leaves a record (creates the parent run)
    materialise: Callable[[], str | None]
    is_materialised: Callable[[], bool]
    outputs: dict[str, dict[str, Record]] = field(default_factory=dict)
    #: where the steps' progress events go (the runner's ``on_event``)
    emit: Emit = field(default=lambda _event: None)
    #: the interpreter of each step that runs in its isolated environment
    interpreters: dict[str, Path] = field(default_factory=dict)

    def notify(self, event: ProgressEvent) -> None:
        Progress(self.emit).emit(event)

    def startup_seconds(self) -> float:
        return float(getattr(self.backend, "startup_seconds", 0.0))

    def append_reports(self, reports: Reports) -> None:
        tables = ReportingTables(self.catalog.store)
        for table, rows in reports:
            if "run_id" not in rows.columns:
                rows = rows.assign(run_id=self.record.run_id)
            tables.append(table, rows)
        reports.clear()


def run_step(node: Node, mode: Mode, session: RunSession) -> None:
    """Run ``node`` or reuse its stored outputs, filling in its record; raise its error."""
    record = session.record.step(node.name)
    started, startup_before = time.perf_counter(), session.startup_seconds()
    record.started = utc_now()
    record.host = f"{socket.gethostname()}:{os.getpid()}"
    inputs = {key: _resolve_ref(ref, session) for key, ref in node.config.inputs.items()}
    record.code_version = code_version(node.spec)
    record.cache_key = _key(node, session, inputs)
    tracker = StepTracker(
        session.backend, name=node.name, ensure_parent=session.materialise,
        tags={"textops.step": node.name, "textops.kind": node.spec.kind,
              "textops.code_version": record.code_version},
        start_time_ms=now_ms(),
    )
    cached = None if mode is Mode.FORCE else _cache_lookup(node, session, record.cache_key)
    if cached is None and mode is Mode.CACHED_ONLY:
        record.status = "failed"
        raise StepError(
            f"step '{node.name}' has no stored outputs (intact ones) for its current inputs, "
            f"so --only {session.record.options.get('only')} cannot reuse them",
            hint=f"run the pipeline once without --only (or use --from {node.name})",
        )
    if cached is not None:
        session.outputs[node.name] = cached
        record.status, record.cache_hit, record.outputs = "cached", True, _as_json(cached)
        session.materialise()
    else:
        _start_tracking(session.backend)
        ctx = _context(node, session, tracker, is_forced=mode is Mode.FORCE)
        try:
            _execute(node, session, inputs, ctx)
        except BaseException as exc:
            _fail(node, exc, session, ctx, started=started, startup_before=startup_before)
            raise _as_step_error(node, exc) from exc
    _settle(record, session, started=started, startup_before=startup_before)
    _track_step(node, record, tracker, "FINISHED")


def _start_tracking(backend: TrackingBackend | None) -> None:
    """Open a deferred backend: this step makes something to track."""
    start = getattr(backend, "start", None)
    if start is not None:
        start()


def _key(node: Node, session: RunSession, inputs: dict[str, Record]) -> str:
    spec = node.spec
    fingerprint = spec.fingerprint(node.params, session.catalog) if spec.fingerprint else None
    target = session.config.compute[node.compute]
    backend = session.backend
    return cache_key(
        step_name=node.name, spec=spec, params=node.params, inputs=_as_json(inputs),
        environment_hash=session.environment_hashes[node.name], fingerprint=fingerprint,
        context={
            "scope": node.data,
            "compute": target.model_dump(mode="json", include={"device", "resources"}),
            "tracking": backend.tracking_uri if backend is not None else None,
        },
    )


def _resolve_ref(ref: str, session: RunSession) -> Record:
    source, output = ref.split(".")
    return session.outputs[source][output]


def _cache_lookup(node: Node, session: RunSession, key: str) -> dict[str, Record] | None:
    """The stored outputs for ``key``, or None when absent, unreadable or no longer intact."""
    from textops.store.integrity import changed_files

    store = session.catalog.store
    if not store.exists("runs", "_cache", f"{key}.json"):
        return None
    try:
        entry = dict(store.read_json("runs", "_cache", f"{key}.json"))
        stored = entry["outputs"]
        outputs = {
            name: kind.model_validate(stored[name]) for name, kind in node.spec.outputs.items()
        }
        files = dict(entry.get("files") or {})
    except (StoreError, ValueError, KeyError, TypeError):  # a pydantic error is a ValueError
        return None  # a damaged entry is a miss: the step runs again and rewrites it
    if not all(session.catalog.is_intact(record) for record in outputs.values()):
        return None
    if changed_files(store, files):
        return None
    if not _registrations_present(outputs, session.backend):
        return None
    return outputs


def _registrations_present(outputs: dict[str, Record], backend: TrackingBackend | None) -> bool:
    """Whether every registered model the outputs name is still in the registry (a deleted
    ``mlflow.db`` takes them all)."""
    from textops.records import Registration

    found: list[Registration] = []
    for record in outputs.values():
        _collect(record, Registration, found)
    uri = getattr(backend, "tracking_uri", None) if backend is not None else None
    if not found or not uri:
        return True
    from textops.tracking.sqlite_registry import are_registered

    quick = are_registered(uri, [(r.name, r.version) for r in found])
    if quick is not None:
        return quick
    from textops.tracking.registry import ModelRegistry

    try:
        registry = ModelRegistry(uri)
        return all(registry.get(r.name, r.version) is not None for r in found)
    except TextopsError:
        return False


def _collect(value: Any, kind: type[Record], found: list[Any]) -> None:
    """Every record of ``kind`` inside ``value`` (records, lists of records)."""
    if isinstance(value, kind):
        found.append(value)
    elif isinstance(value, Record):
        for item in dict(value).values():
            _collect(item, kind, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, kind, found)


def _context(
    node: Node, session: RunSession, tracker: StepTracker, *, is_forced: bool
) -> RunContext:
    """The step's context: placement (executor, device) comes from its compute target."""
    out = StepOutputs(session.catalog.store, session.record.run_id, node.name)
    tracker.keep = out.write_bytes
    return RunContext(
        name=node.name, run_id=session.record.run_id, scope=node.data,
        device=session.config.compute[node.compute].device,
        code_version=session.record.step(node.name).code_version or "", out=out,
        catalog=session.catalog, tracker=tracker, executor=session.pool.get(node.compute),
        progress=Progress(session.emit, step=node.name),
        is_forced=is_forced,
    )


def _execute(node: Node, session: RunSession, inputs: dict[str, Record], ctx: RunContext) -> None:
    """Run the step's function, validate its outputs, and commit them to the cache."""
    record = session.record.step(node.name)
    step_started = time.perf_counter()
    try:
        outputs = _checked_outputs(node, _call(node, session, inputs, ctx))
    finally:
        record.step_seconds = time.perf_counter() - step_started
        record.tasks.extend(task.to_json() for task in session.pool.get(node.compute).take_tasks())
    session.materialise()
    session.outputs[node.name] = outputs
    record.status, record.outputs = "completed", _as_json(outputs)
    session.append_reports(ctx.reports)
    ctx.out.write_json("outputs.json", record.outputs)
    _commit(session, node.name, outputs, key=record.cache_key or "")


def _commit(session: RunSession, step: str, outputs: dict[str, Record], *, key: str) -> None:
    """Write the cache entry, with the files the outputs name as they are now."""
    from textops.store.integrity import file_digests

    catalog = session.catalog
    paths = [path for record in outputs.values() for path in catalog.files_of(record)]
    catalog.store.write_json(  # the cache index is the commit: written last
        {"run_id": session.record.run_id, "step": step, "outputs": _as_json(outputs),
         "files": file_digests(catalog.store, paths)},
        "runs", "_cache", f"{key}.json",
    )


def _call(node: Node, session: RunSession, inputs: dict[str, Record], ctx: RunContext) -> Any:
    """The step's function, in process or in its isolated environment."""
    python = session.interpreters.get(node.name)
    if python is None:
        return node.spec.fn(ctx, node.params, **inputs)
    from textops.execution.isolated import run_isolated

    outputs, ran = run_isolated(node, ctx, inputs, python=python, config=session.config)
    record = session.record.step(node.name)
    record.tasks.extend(ran["tasks"])
    record.host, record.python = ran["host"], ran["python"]
    return outputs


def _checked_outputs(node: Node, returned: Any) -> dict[str, Record]:
    """The declared outputs, each of its declared record type."""
    declared = node.spec.outputs
    missing = [name for name in declared if name not in returned]
    if missing:
        raise StepError(f"step '{node.name}' did not return its outputs {missing}")
    wrong = [
        f"'{name}' is a {type(returned[name]).__name__}, not a {kind.__name__}"
        for name, kind in declared.items() if not isinstance(returned[name], kind)
    ]
    if wrong:
        raise StepError(
            f"step '{node.name}' returned outputs of the wrong type: {'; '.join(wrong)}"
        )
    return {name: returned[name] for name in declared}


def _as_json(records: dict[str, Record]) -> dict[str, Any]:
    return {name: record.model_dump(mode="json") for name, record in records.items()}


def _fail(
    node: Node,
    exc: BaseException,
    session: RunSession,
    ctx: RunContext,
    *,
    started: float,
    startup_before: float,
) -> None:
    """Record the failure (or the interruption); refused input before any write leaves none."""
    record = session.record.step(node.name)
    record.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
    record.error = f"{type(exc).__name__}: {exc}"
    is_refused_untouched = isinstance(exc, InputError) and not session.is_materialised()
    if not is_refused_untouched:  # refused input before any write leaves the store as it was
        session.materialise()
        session.append_reports(ctx.reports)
    _settle(record, session, started=started, startup_before=startup_before)
    if not is_refused_untouched:
        status = "KILLED" if record.status == "interrupted" else "FAILED"
        with contextlib.suppress(TextopsError):  # the step's own error is the one to report
            _track_step(node, record, ctx.tracker, status)


def _as_step_error(node: Node, exc: BaseException) -> BaseException:
    if isinstance(exc, TextopsError | KeyboardInterrupt | SystemExit):
        return exc  # already one clear message (the record names the step), or a stop
    return StepError(f"step '{node.name}' failed: {type(exc).__name__}: {exc}")


def _settle(
    record: StepRecord, session: RunSession, *, started: float, startup_before: float
) -> None:
    """Wall time, and runner overhead: time outside the step's function less tracking start-up."""
    startup = session.startup_seconds() - startup_before
    session.record.tracking_startup_seconds += startup
    record.wall_seconds = time.perf_counter() - started
    record.overhead_seconds = max(record.wall_seconds - record.step_seconds - startup, 0.0)


def _track_step(node: Node, record: StepRecord, tracker: StepTracker, status: str) -> None:
    if not tracker.enabled:
        return
    tags = {
        "textops.status": record.status,
        "textops.cache_hit": str(record.cache_hit).lower(),
        "textops.cache_key": record.cache_key or "",
        "textops.compute": node.compute,
        "textops.environment": node.environment,
    }
    dataset = record.outputs.get("dataset")
    if isinstance(dataset, dict):
        tags["textops.dataset"] = f"{dataset.get('name')}@{dataset.get('version')}"
    if record.error:
        tags["textops.error"] = record.error[:5000]
    tracker.log(
        params={k: redact(v) for k, v in flatten(node.params.model_dump(mode="json")).items()},
        metrics={
            "wall_seconds": record.wall_seconds,
            "step_seconds": record.step_seconds,
            "runner_overhead_seconds": record.overhead_seconds,
            **({"tasks": float(len(record.tasks)), "tasks_lost": float(len(record.lost_tasks))}
               if record.tasks else {}),
        },
        tags=tags,
    )
    record.mlflow_run_id = tracker.run_id
    tracker.end(status)
