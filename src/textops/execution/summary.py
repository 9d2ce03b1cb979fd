"""What a finished run decided and where its results are, built once from its run record.

``textops run`` prints it under the timing table and ``textops run --json``
prints it as JSON: both render the :class:`RunSummary` that :func:`summarise`
builds, so the screen and scripts read the same facts.
"""

from __future__ import annotations

import contextlib
import posixpath
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from textops.errors import TextopsError
from textops.execution.records import RunRecord, StepRecord
from textops.records import Leaderboard
from textops.store.catalog import Catalog
from textops.store.reporting import ReportingTables
from textops.store.store import Store
from textops.store.validations import latest_refusal

__all__ = [
    "DatasetFacts", "DriftFacts", "ModelFacts", "RunSummary", "SweepEntry", "TuningFacts",
    "summarise",
]

#: how many of the sweep's best candidates the summary names
TOP = 3


@dataclass(frozen=True)
class DatasetFacts:
    """The run's dataset version and whether validation accepted it."""

    name: str
    version: str
    accepted: bool | None  # None: no validation has judged this version yet
    refusal: str | None = None


@dataclass(frozen=True)
class DriftFacts:
    """Validation's drift verdict: overall, against the baseline, the policy, the worst checks."""

    status: str  # ok | insufficient | warn | fail
    baseline_status: str | None
    on_drift: str
    worst_checks: list[str] = field(default_factory=list)
    insufficient_checks: int = 0


@dataclass(frozen=True)
class SweepEntry:
    rank: int
    name: str
    estimator: str | None
    value: float


@dataclass(frozen=True)
class TuningFacts:
    trial: int
    value: float
    trials: dict[str, int]
    validation_docs: int | None


@dataclass(frozen=True)
class ModelFacts:
    """One model a step of the run trained, and what the gate made of it."""

    step: str
    family: str
    estimator: str | None
    metrics: dict[str, float]
    chosen: bool  # the one the gate judged against the champion
    version: int | None = None  # None: not registered (tracking off)
    role: str | None = None  # champion | challenger
    reason: str | None = None


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    store: str | None
    error: str | None = None
    dataset: DatasetFacts | None = None
    drift: DriftFacts | None = None
    sweep_metric: str | None = None
    sweep_top: list[SweepEntry] = field(default_factory=list)
    tuning: TuningFacts | None = None
    models: list[ModelFacts] = field(default_factory=list)
    held: str | None = None
    reports: list[str] = field(default_factory=list)
    tracking_uri: str | None = None
    mlflow_run_id: str | None = None
    next_commands: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def summarise(record: RunRecord, store: Store | None = None) -> RunSummary:
    """The facts of ``record``'s run, from what its steps recorded and the store.

    ``store`` defaults to the record's own (``store_url``); without one, the
    facts only the store holds (refusals, the sweep's figures, report files)
    are left out.
    """
    if store is None and record.store_url:
        store = Store(record.store_url)
    failed = next((s for s in record.steps if s.error), None)
    board = _output(record, "sweep", "leaderboard")
    summary = RunSummary(
        run_id=record.run_id, status=record.status,
        store=None if store is None else _where(store),
        error=None if failed is None else f"{failed.name}: {failed.error}",
        dataset=_dataset(record, store), drift=_drift(_validation(record, store)),
        sweep_metric=None if board is None else str(board["metric"]),
        sweep_top=[] if board is None or store is None else _sweep_top(board, store),
        tuning=_tuning(record), models=_models(record), held=_held(record),
        reports=[] if store is None else _reports(_validation(record, store), store),
        tracking_uri=record.tracking_uri, mlflow_run_id=record.mlflow_run_id,
        steps=[_step_row(step) for step in record.steps],
    )
    return replace(summary, next_commands=_next(summary))


def _output(record: RunRecord, kind: str, name: str) -> dict[str, Any] | None:
    """Output ``name`` of the run's last step of ``kind`` that produced it."""
    found = [s.outputs[name] for s in record.steps if s.kind == kind and name in s.outputs]
    return found[-1] if found else None


def _dataset(record: RunRecord, store: Store | None) -> DatasetFacts | None:
    """The version, accepted unless validation's latest word on it is a refusal."""
    if not record.dataset:
        return None
    name, version = str(record.dataset["name"]), str(record.dataset["version"])
    refusal = None if store is None else latest_refusal(store, name, version)
    judged = refusal is not None or any(
        s.kind == "validate" and s.status in ("completed", "cached") for s in record.steps
    )
    return DatasetFacts(name, version, accepted=refusal is None if judged else None,
                        refusal=None if refusal is None else refusal.describe())


def _validation(record: RunRecord, store: Store | None) -> dict[str, Any] | None:
    """Validation's report: its output, or for a refusal the ``report.json`` it left."""
    report = _output(record, "validate", "report")
    if report is not None or store is None:
        return report
    refused = [s for s in record.steps if s.kind == "validate" and s.status == "failed"]
    if not refused:
        return None
    folder = ("runs", record.run_id, refused[-1].name)
    try:
        stored = dict(store.read_json(*folder, "report.json"))
    except (TextopsError, OSError, ValueError, TypeError):
        return None  # it failed before writing its report
    return {**stored, "location": "/".join(folder)}


def _drift(report: dict[str, Any] | None) -> DriftFacts | None:
    """Validation's verdict; a record from before the drift policy has its status only."""
    if report is None:
        return None
    return DriftFacts(
        status=str(report.get("drift_status", report["status"])),
        baseline_status=report.get("baseline_drift_status"),
        on_drift=str(report.get("on_drift", "block")),
        worst_checks=list(report.get("worst_checks") or []),
        insufficient_checks=int(report.get("insufficient_checks") or 0),
    )


def _sweep_top(board: dict[str, Any], store: Store) -> list[SweepEntry]:
    """The best candidates with their figure, from the stored leaderboard."""
    metric = str(board["metric"])
    try:
        table = Catalog(store).load(Leaderboard.model_validate(board))
    except (TextopsError, OSError, ValueError):
        return []  # the leaderboard file is gone: the summary says what it can
    if metric not in table.columns:
        return []
    rows = table.filter(table["status"] == "ok").head(TOP).to_dicts()
    return [
        SweepEntry(rank=i + 1, name=str(row["name"]), estimator=row.get("estimator"),
                   value=float(row[metric]))
        for i, row in enumerate(rows)
    ]


def _tuning(record: RunRecord) -> TuningFacts | None:
    best = _output(record, "tune", "best")
    if best is None:
        return None
    return TuningFacts(trial=int(best["trial"]), value=float(best["value"]),
                       trials=dict(best.get("trials") or {}),
                       validation_docs=best.get("validation_docs"))


def _models(record: RunRecord) -> list[ModelFacts]:
    facts: list[ModelFacts] = []
    for step in record.steps:
        gate = step.outputs.get("gate")
        if not isinstance(gate, dict):
            continue
        for i, model in enumerate(gate.get("models", [])):
            registered = model.get("registered") or {}
            facts.append(ModelFacts(
                step=step.name, family=str(model.get("family", "")),
                estimator=model.get("estimator"), metrics=dict(model.get("metrics") or {}),
                chosen=i == gate.get("chosen"), version=registered.get("version"),
                role=(None if not registered else
                      "champion" if registered.get("promoted") else "challenger"),
                reason=registered.get("reason"),
            ))
    return facts


def _held(record: RunRecord) -> str | None:
    gate = _output(record, "train", "gate")
    return None if gate is None else gate.get("held")


def _reports(report: dict[str, Any] | None, store: Store) -> list[str]:
    """Validation's pages and report, then the reporting tables, as full store paths."""
    paths: list[str] = []
    if report is not None and report.get("location"):
        folder = str(report["location"]).split("/")
        with contextlib.suppress(TextopsError, OSError):
            names = sorted(store.listdir(*folder))
            paths += [_where(store, *folder, n) for n in names if n.endswith(".html")]
            paths += [_where(store, *folder, n) for n in names if n == "report.json"]
    with contextlib.suppress(TextopsError, OSError):
        paths += [_where(store, "reporting", table) for table in ReportingTables(store).tables()]
    return paths


def _where(store: Store, *parts: str) -> str:
    """A local path, or the URL of a remote store's file."""
    return store.path(*parts) if store.is_local else posixpath.join(store.url, *parts)


def _step_row(step: StepRecord) -> dict[str, Any]:
    return {"name": step.name, "kind": step.kind, "status": step.status,
            "cache_hit": step.cache_hit, "wall_seconds": step.wall_seconds,
            "runner_overhead_seconds": step.overhead_seconds, "error": step.error}


def _next(summary: RunSummary) -> list[str]:
    """What to run next: look at the tracking, serve the champion, build the dashboard."""
    commands = []
    if summary.tracking_uri:
        commands.append(f"mlflow ui --backend-store-uri {summary.tracking_uri}")
    if any(m.version is not None for m in summary.models):
        commands += ["textops models history"]
    if summary.status == "completed":
        commands.append("textops serve")
    commands.append("textops report")
    return commands
