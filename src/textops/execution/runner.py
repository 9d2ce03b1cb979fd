"""Run the step graph in dependency order, with caching, timing and tracking.

A step whose cache key (inputs + parameters + code + environment) is unchanged
reuses its stored outputs, so running again after a failure resumes at the step
that failed. Nothing is written (store, tracking) until the first step succeeds
or a step asks to track: a run refused for bad input leaves no trace.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from textops.compute.targets import ExecutorPool
from textops.config.loader import config_hash
from textops.config.schema import PipelineConfig
from textops.envs.check import missing_requirements, read_environment
from textops.errors import (
    ConfigError,
    EnvironmentError_,
    InputError,
    StepError,
    StoreError,
    TextopsError,
)
from textops.execution.cache import cache_key
from textops.execution.records import RunRecord, StepRecord, utc_now
from textops.pipeline.graph import Graph, Node, build_graph
from textops.pipeline.step import StepContext
from textops.store.datasets import DatasetRepository
from textops.store.lock import store_lock
from textops.store.outputs import StepOutputs
from textops.store.reporting import ReportingTables
from textops.store.store import Store
from textops.tracking.base import StepTracker, TrackingBackend, flatten, now_ms, redact

Event = Callable[[str, StepRecord], None]


@dataclass
class RunOptions:
    only: str | None = None
    from_step: str | None = None
    force: bool = False


@dataclass
class _RunState:
    record: RunRecord
    store: Store
    backend: TrackingBackend | None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    materialised: bool = False


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def run_pipeline(
    config: PipelineConfig,
    options: RunOptions | None = None,
    *,
    backend: TrackingBackend | None | str = "auto",
    on_event: Event | None = None,
) -> RunRecord:
    """Run ``config``'s graph; returns the run record (also written to ``run.json``).

    ``backend="auto"`` tracks to MLflow as configured (or not at all when
    ``tracking.enabled`` is false); pass a backend object (or None) to override.
    """
    options = options or RunOptions()
    graph = build_graph(config)
    plan = _plan(graph, options)
    store = Store(config.store.url)
    store.check_writable()
    environment_hashes = _check_environments(config, graph, plan)
    record = RunRecord(
        run_id=new_run_id(),
        started=utc_now(),
        config_hash=config_hash(config),
        options={"only": options.only, "from": options.from_step, "force": options.force},
        steps=[
            StepRecord(n.name, n.spec.kind, compute=n.compute, environment=n.environment)
            for n in graph.nodes
        ],
    )
    notify = on_event or (lambda _event, _step: None)
    with store_lock(config.store.url):
        resolved: Any = backend
        if backend == "auto":
            resolved = _LazyBackend(config, store) if config.tracking.enabled else None
        state = _RunState(record, store, resolved)
        pool = ExecutorPool(config.compute)
        try:
            for node in graph.nodes:
                step_record = record.step(node.name)
                mode = plan[node.name]
                if mode == "skip":
                    step_record.status = "skipped"
                    continue
                notify("start", step_record)
                _run_node(node, mode, state, config, pool, environment_hashes[node.name], options)
                notify("end", step_record)
            record.status = "completed"
        except BaseException:
            record.status = "failed"
            raise
        finally:
            pool.close()
            record.finished = utc_now()
            if state.materialised:
                _finish(state)
    return record


def _plan(graph: Graph, options: RunOptions) -> dict[str, str]:
    """Per step: 'run' (cache allowed), 'force', 'cached-only' (must hit) or 'skip'."""
    names = [n.name for n in graph.nodes]
    if options.only and options.from_step:
        raise ConfigError("--only and --from cannot be combined", hint="use one of them")
    if options.only:
        graph.node(options.only)
        needed = set(graph.upstream_of(options.only))
        return {
            n: "force" if n == options.only and options.force else
            "run" if n == options.only else "cached-only" if n in needed else "skip"
            for n in names
        }
    if options.from_step:
        graph.node(options.from_step)
        rerun = set(graph.downstream_of(options.from_step))
        return {n: "force" if n in rerun else "run" for n in names}
    return {n: "force" if options.force else "run" for n in names}


def _check_environments(config: PipelineConfig, graph: Graph, plan: dict[str, str]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for node in graph.nodes:
        env = read_environment(node.environment, config.environments.files[node.environment])
        hashes[node.name] = env.content_hash
        if config.environments.mode == "current" and plan[node.name] in ("run", "force"):
            missing = missing_requirements(env)
            if missing:
                raise EnvironmentError_(
                    f"step '{node.name}' needs environment '{node.environment}' ({env.path}), "
                    f"which this interpreter does not satisfy: {'; '.join(missing)}",
                    hint="pip install the packages above, or --set environments.mode=off",
                )
    return hashes


def _run_node(
    node: Node, mode: str, state: _RunState, config: PipelineConfig, pool: ExecutorPool,
    environment_hash: str, options: RunOptions,
) -> None:
    record = state.record.step(node.name)
    started = time.perf_counter()
    startup_before = _startup_seconds(state)
    start_ms = now_ms()
    record.started = utc_now()
    inputs = {key: _resolve_ref(ref, state) for key, ref in node.config.inputs.items()}
    fingerprint = node.spec.fingerprint(node.params, config) if node.spec.fingerprint else None
    target = config.compute[node.compute]
    key = cache_key(
        step_name=node.name, spec=node.spec, params=node.params, inputs=inputs,
        environment_hash=environment_hash, fingerprint=fingerprint,
        context={
            "scope": node.data,
            "compute": target.model_dump(mode="json", include={"device", "resources"}),
            "tracking": state.backend.tracking_uri if state.backend is not None else None,
        },
    )
    record.cache_key = key
    cached = None if mode == "force" else _cache_lookup(state.store, key)
    if cached is None and mode == "cached-only":
        record.status = "failed"
        raise StepError(
            f"step '{node.name}' has no stored outputs for its current inputs, "
            f"so --only {options.only} cannot reuse them",
            hint=f"run the pipeline once without --only (or use --from {node.name})",
        )
    tracker = StepTracker(
        state.backend, name=node.name, ensure_parent=lambda: _materialise(state),
        tags={"textops.step": node.name, "textops.kind": node.spec.kind}, start_time_ms=start_ms,
    )
    if cached is not None:
        state.outputs[node.name] = cached["outputs"]
        record.status, record.cache_hit, record.outputs = "cached", True, cached["outputs"]
        _materialise(state)
    else:
        outputs_dir = StepOutputs(state.store, state.record.run_id, node.name)
        ctx = StepContext(
            name=node.name, run_id=state.record.run_id, params=node.params, inputs=inputs,
            config=config, compute=config.compute[node.compute], store=state.store,
            datasets=DatasetRepository(state.store), out=outputs_dir, tracker=tracker,
            executor=pool.get(node.compute), scope=node.data,
        )
        step_started = time.perf_counter()
        try:
            result = dict(node.spec.fn(ctx))
            missing = [name for name in node.spec.outputs if name not in result]
            if missing:
                raise StepError(f"step '{node.name}' did not return its outputs {missing}")
        except BaseException as exc:
            record.step_seconds = time.perf_counter() - step_started
            _fail(node, record, exc, state, tracker, ctx, started)
            raise _as_step_error(node, exc) from exc
        record.step_seconds = time.perf_counter() - step_started
        # downstream steps see exactly what a cache hit would give them: plain JSON
        result = json.loads(json.dumps(result, default=str))
        _materialise(state)
        state.outputs[node.name] = result
        record.status, record.outputs = "completed", result
        _append_reports(state, ctx)
        outputs_dir.write_json("outputs.json", result)
        state.store.write_json(  # the cache index is the commit: written last
            {"run_id": state.record.run_id, "step": node.name, "outputs": result},
            "runs", "_cache", f"{key}.json",
        )
    if node.spec.kind == "ingest" and "dataset" in state.outputs[node.name]:
        state.record.dataset = state.outputs[node.name]["dataset"]
    _track_step(node, record, tracker, "FINISHED")
    record.wall_seconds = time.perf_counter() - started
    _settle_overhead(state, record, startup_before)


def _startup_seconds(state: _RunState) -> float:
    return float(getattr(state.backend, "startup_seconds", 0.0))


def _settle_overhead(state: _RunState, record: StepRecord, startup_before: float) -> None:
    """Runner overhead = wall time outside the step's function, less tracking's one-time start-up."""
    startup = _startup_seconds(state) - startup_before
    state.record.tracking_startup_seconds += startup
    outside = record.wall_seconds - record.step_seconds
    record.overhead_seconds = max(outside - startup, 0.0)


def _resolve_ref(ref: str, state: _RunState) -> Any:
    source, output = ref.split(".")
    return state.outputs[source][output]


def _cache_lookup(store: Store, key: str) -> dict[str, Any] | None:
    if not store.exists("runs", "_cache", f"{key}.json"):
        return None
    return dict(store.read_json("runs", "_cache", f"{key}.json"))


def _materialise(state: _RunState) -> str | None:
    """From here on the run leaves a record: create the parent run on first call."""
    if not state.materialised:
        state.materialised = True
        if state.backend is not None:
            record = state.record
            record.mlflow_run_id = state.backend.create_run(
                f"pipeline {record.run_id}",
                tags={"textops.run_id": record.run_id, "textops.config_hash": record.config_hash},
            )
            record.tracking_uri = state.backend.tracking_uri
    return state.record.mlflow_run_id


def _fail(
    node: Node, record: StepRecord, exc: BaseException, state: _RunState, tracker: StepTracker,
    ctx: StepContext, started: float,
) -> None:
    record.status = "failed"
    record.error = f"{type(exc).__name__}: {exc}"
    startup_before = _startup_seconds(state)
    if not (isinstance(exc, InputError) and not state.materialised):
        _materialise(state)
        _append_reports(state, ctx)
        with contextlib.suppress(TextopsError):  # the step's own error is the one to report
            _track_step(node, record, tracker, "FAILED")
    # else: refused input, nothing written yet: leave the store as it was
    record.wall_seconds = time.perf_counter() - started
    _settle_overhead(state, record, startup_before)


def _as_step_error(node: Node, exc: BaseException) -> BaseException:
    if isinstance(exc, TextopsError):
        return exc  # already one clear message; the record names the step
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return exc
    return StepError(f"step '{node.name}' failed: {type(exc).__name__}: {exc}")


def _append_reports(state: _RunState, ctx: StepContext) -> None:
    tables = ReportingTables(state.store)
    for table, rows in ctx.reports:
        if "run_id" not in rows.columns:
            rows = rows.assign(run_id=state.record.run_id)
        tables.append(table, rows)
    ctx.reports.clear()


def _track_step(node: Node, record: StepRecord, tracker: StepTracker, status: str) -> None:
    if not tracker.enabled:
        return
    dataset = record.outputs.get("dataset") if isinstance(record.outputs, dict) else None
    tags = {
        "textops.status": record.status,
        "textops.cache_hit": str(record.cache_hit).lower(),
        "textops.cache_key": record.cache_key or "",
        "textops.compute": node.compute,
        "textops.environment": node.environment,
    }
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
        },
        tags=tags,
    )
    record.mlflow_run_id = tracker.run_id
    tracker.end(status)


def _finish(state: _RunState) -> None:
    import pandas as pd

    record = state.record
    try:
        state.store.write_json(record.to_json(), "runs", record.run_id, "run.json")
        ReportingTables(state.store).append("runs", pd.DataFrame(record.reporting_rows()))
    except StoreError:
        if record.status == "completed":
            raise
    if record.status == "failed":  # the step's error is the one to report
        with contextlib.suppress(TextopsError):
            _end_parent(state)
    else:
        _end_parent(state)


def _end_parent(state: _RunState) -> None:
    record = state.record
    if state.backend is not None and record.mlflow_run_id:
        tags = {"textops.status": record.status}
        if record.dataset:
            tags["textops.dataset"] = f"{record.dataset.get('name')}@{record.dataset.get('version')}"
        metrics = {
            "wall_seconds": sum(s.wall_seconds for s in record.steps),
            "runner_overhead_seconds": sum(s.overhead_seconds for s in record.steps),
            "steps_cached": float(sum(s.cache_hit for s in record.steps)),
        }
        state.backend.log_batch(record.mlflow_run_id, metrics=metrics, tags=tags)
        state.backend.end_run(record.mlflow_run_id, "FINISHED" if record.status == "completed" else "FAILED")


class _LazyBackend:
    """The configured MLflow backend, opened (imported, schema created) on first use."""

    def __init__(self, config: PipelineConfig, store: Store) -> None:
        from textops.tracking.mlflow import resolve_tracking_uri

        self._config = config
        self._store = store
        self._uri = resolve_tracking_uri(config.tracking.uri, store)  # fails early if unset
        self._backend: Any = None
        self._startup = 0.0

    @property
    def startup_seconds(self) -> float:
        """Import, connection and schema creation: paid once, not per step."""
        return self._startup

    def _get(self) -> Any:
        if self._backend is None:
            began = time.perf_counter()
            from textops.tracking.mlflow import MlflowTracker

            artifacts = None
            if self._uri.startswith("sqlite:") and self._store.is_local:
                artifacts = self._store.local_path("mlartifacts").as_uri()
            self._backend = MlflowTracker(
                self._uri, self._config.tracking.experiment, artifact_location=artifacts
            )
            self._startup = time.perf_counter() - began
        return self._backend

    @property
    def tracking_uri(self) -> str | None:
        return self._uri

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)
