"""Run the step graph in dependency order, with caching, timing and tracking.

A step whose cache key (inputs + parameters + code + environment) is unchanged
reuses its stored outputs, so running again after a failure resumes at the step
that failed. Nothing is written (store, tracking) until the first step succeeds
or a step asks to track: a run refused for bad input leaves no trace.

Planning is in :mod:`~textops.execution.planning`, one step's run in
:mod:`~textops.execution.step_run`, the lazily opened MLflow backend in
:mod:`~textops.execution.backend`.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from textops.clock import utc_now
from textops.compute.base import Executor
from textops.compute.targets import ExecutorPool, make_executor
from textops.config.loader import config_hash
from textops.config.schema import ComputeTarget, PipelineConfig
from textops.errors import StoreError, TextopsError
from textops.execution.backend import DeferredBackend, LazyBackend
from textops.execution.planning import (
    Mode,
    RunOptions,
    build_isolated,
    check_environments,
    plan,
)
from textops.execution.preflight import check_before_writing
from textops.execution.records import RunRecord, StepRecord
from textops.execution.step_run import RunSession, run_step
from textops.pipeline.graph import Graph, build_graph
from textops.pipeline.resolved import resolved_definition
from textops.progress import Emit, Notice, RunStarted, StepFinished, StepStarted
from textops.store.catalog import Catalog
from textops.store.lock import store_lock
from textops.store.reporting import ReportingTables
from textops.store.reports import write_version_index
from textops.store.store import Store
from textops.tracking.base import TrackingBackend

__all__ = ["CONFIGURED", "DEFINITION_ARTIFACT", "Event", "RunOptions", "run_pipeline"]

#: the parent run's artifact holding the resolved definition
DEFINITION_ARTIFACT = "textops.resolved.yaml"

#: the callback that receives a run's progress events (:mod:`textops.progress`)
Event = Emit


class Tracking(Enum):
    """Track where the definition says (MLflow, or nowhere when ``tracking.enabled`` is off)."""

    CONFIGURED = "configured"


CONFIGURED = Tracking.CONFIGURED


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def run_pipeline(
    config: PipelineConfig,
    options: RunOptions | None = None,
    *,
    backend: TrackingBackend | None | Tracking = CONFIGURED,
    on_event: Event | None = None,
    executor_factory: Callable[[ComputeTarget], Executor] = make_executor,
    stop: Callable[[], bool] | None = None,
    on_record: Callable[[RunRecord], None] | None = None,
) -> RunRecord:
    """Run ``config``'s graph; returns the run record (also written to ``run.json``).

    ``backend`` overrides the configured tracking: a backend object, or None for
    none; ``executor_factory`` makes the executor of a compute target (tests give
    ``textops.compute.testing.FakeExecutor``). ``on_event`` receives every
    progress event of the run, in the driver. ``stop`` is asked before each
    step: once it says True the run ends there with status ``stopped`` (the
    steps it finished stay in the cache for the next run to reuse). ``on_record`` is given
    the record as soon as it exists, so a caller can tell what a run that raised had done.
    """
    options = options or RunOptions()
    graph = build_graph(config)
    modes = plan(graph, options)
    store = Store(config.store.url)
    store.check_writable()
    hashes = check_environments(config, graph, modes)
    check_before_writing(config, graph, modes, store=store, tracks=backend is CONFIGURED)
    interpreters = build_isolated(config, graph, modes)
    record = RunRecord(
        run_id=new_run_id(), started=utc_now(), config_hash=config_hash(config),
        options={"only": options.only, "from": options.from_step, "force": options.force},
        steps=[StepRecord(n.name, n.spec.kind, compute=n.compute, environment=n.environment)
               for n in graph.nodes],
        store_url=store.path() if store.is_local else store.url,
        definition=resolved_definition(config, graph),
    )
    if on_record is not None:
        on_record(record)
    with store_lock(config.store.url):
        if backend is CONFIGURED:
            backend = (DeferredBackend(LazyBackend(config, store)) if config.tracking.enabled
                       else None)
        emit = on_event or (lambda _event: None)
        pool = ExecutorPool(config.compute,
                            factory=_with_staging(executor_factory, store, record.run_id),
                            on_start=lambda target, executor: _announce(emit, target, executor))
        session = _session(record, config, store=store, backend=backend, pool=pool, hashes=hashes)
        session.emit = emit
        session.interpreters = interpreters
        session.notify(RunStarted("", record.run_id))
        try:
            _run_steps(session, graph, modes, stop or (lambda: False))
        finally:
            session.pool.close()
            record.finished = utc_now()
            if session.is_materialised():
                _finish(session)
    return record


def _announce(emit: Event, target: str, executor: Executor) -> None:
    """Say where a freshly started cluster shows its dashboard."""
    link = getattr(executor, "dashboard_link", None)
    if link:
        emit(Notice("", f"Dask cluster for target '{target}': dashboard {link}"))


def _with_staging(
    factory: Callable[[ComputeTarget], Executor], store: Store, run_id: str
) -> Callable[[ComputeTarget], Executor]:
    """The default factory, given a folder of the store where a remote cluster's data goes."""
    if factory is not make_executor:
        return factory  # a test's own executors
    folder = store.fs.unstrip_protocol(store.path("runs", "_staged", run_id))
    return functools.partial(make_executor, staging=folder)


def _run_steps(
    session: RunSession, graph: Graph, modes: dict[str, Mode], stop: Callable[[], bool]
) -> None:
    """Each step in order; the run's status says how it ended (a Ctrl-C is no failure)."""
    record = session.record
    try:
        for node in graph.nodes:
            step = record.step(node.name)
            if modes[node.name] is Mode.SKIP:
                step.status = "skipped"
                continue
            if stop():
                record.status = "stopped"
                return
            session.notify(StepStarted(node.name, node.spec.kind, node.compute))
            try:
                run_step(node, modes[node.name], session)
            finally:
                session.notify(StepFinished(
                    node.name, step.status, step.cache_hit, step.wall_seconds, step.error))
        record.status = "completed"
    except KeyboardInterrupt:
        record.status = "interrupted"
        raise
    except BaseException:
        record.status = "failed"
        raise


def _session(
    record: RunRecord, config: PipelineConfig, *, store: Store, backend: TrackingBackend | None,
    pool: ExecutorPool, hashes: dict[str, str],
) -> RunSession:
    materialised = False

    def materialise() -> str | None:
        """From here on the run leaves a record: create the parent run on first call."""
        nonlocal materialised
        if not materialised:
            materialised = True
            if backend is not None:
                record.mlflow_run_id = backend.create_run(
                    f"pipeline {record.run_id}",
                    tags={
                        "textops.run_id": record.run_id,
                        "textops.config_hash": record.config_hash,
                    },
                )
                record.tracking_uri = backend.tracking_uri
                _log_definition(backend, record)
        return record.mlflow_run_id

    return RunSession(
        record=record,
        config=config,
        catalog=Catalog(store),
        backend=backend,
        pool=pool,
        environment_hashes=hashes,
        materialise=materialise,
        is_materialised=lambda: materialised,
    )


def _log_definition(backend: TrackingBackend, record: RunRecord) -> None:
    """The resolved definition beside the parent run, as the YAML ``config show`` prints."""
    import yaml

    text = yaml.safe_dump(record.definition, sort_keys=False)
    backend.log_artifact_bytes(record.mlflow_run_id or "", text.encode(), DEFINITION_ARTIFACT)


def _finish(session: RunSession) -> None:
    import pandas as pd

    record = session.record
    dataset = _dataset_of(session)
    if dataset is not None:
        record.dataset = dataset
    _real_ids(session)
    try:
        session.catalog.store.write_json(record.to_json(), "runs", record.run_id, "run.json")
        ReportingTables(session.catalog.store).append("runs", pd.DataFrame(record.reporting_rows()))
        if dataset is not None:
            write_version_index(session.catalog.store, dataset["name"], dataset["version"])
    except StoreError:
        if record.status == "completed":
            raise
    if record.status == "completed":
        _end_parent(session)
    else:
        with contextlib.suppress(TextopsError):  # the step's own error is the one to report
            _end_parent(session)


def _real_ids(session: RunSession) -> None:
    """MLflow's run ids in the record in place of a deferred backend's placeholders; none
    (and no tracking URI) when every step was a cache hit and MLflow was never opened."""
    backend, record = session.backend, session.record
    if not isinstance(backend, DeferredBackend):
        return
    record.mlflow_run_id = backend.real_id(record.mlflow_run_id)
    for step in record.steps:
        step.mlflow_run_id = backend.real_id(step.mlflow_run_id)
    if not backend.is_started:
        record.tracking_uri = None


def _dataset_of(session: RunSession) -> dict[str, str] | None:
    """The run's dataset version: the first DatasetRef a step handed on."""
    from textops.records import DatasetRef

    for outputs in session.outputs.values():
        for output in outputs.values():
            if isinstance(output, DatasetRef):
                return output.model_dump()
    return None


def _end_parent(session: RunSession) -> None:
    record, backend = session.record, session.backend
    if backend is None or not record.mlflow_run_id:
        return
    tags = {"textops.status": record.status}
    if record.dataset:
        tags["textops.dataset"] = f"{record.dataset.get('name')}@{record.dataset.get('version')}"
    metrics = {
        "wall_seconds": sum(s.wall_seconds for s in record.steps),
        "runner_overhead_seconds": sum(s.overhead_seconds for s in record.steps),
        "steps_cached": float(sum(s.cache_hit for s in record.steps)),
    }
    backend.log_batch(record.mlflow_run_id, metrics=metrics, tags=tags)
    if record.dataset:
        _log_dataset(session, record.dataset)
    backend.end_run(record.mlflow_run_id, "FINISHED" if record.status == "completed" else "FAILED")


def _log_dataset(session: RunSession, dataset: dict[str, Any]) -> None:
    """The run's dataset version as the parent run's input (MLflow ``log_input``)."""
    backend, record, store = session.backend, session.record, session.catalog.store
    if backend is None or not record.mlflow_run_id:
        return
    name, version = str(dataset["name"]), str(dataset["version"])
    folder = ("datasets", name, version)
    backend.log_dataset(
        record.mlflow_run_id, name=name, digest=version, context="training",
        source=store.path(*folder) if store.is_local else "/".join((store.url, *folder)),
        tags={"textops.dataset": f"{name}@{version}"},
    )
