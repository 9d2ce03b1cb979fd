"""`textops monitor` as a function: judge logged traffic against the serving model's training data.

:func:`monitor` finds the model (``NAME/VERSION``, ``NAME@ALIAS`` through the
registry, or the version that served the window's latest traffic), its dataset
version (``dataset=``, else the registry's tags on that version), reads the
window of the request log, judges it (:mod:`textops.monitoring.compare`), and
records the verdict: ``reporting/monitoring`` rows and an HTML page under
``monitoring/reports/``. :func:`drift_error` is what the CLI raises on a fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.api import _config_and_store
from textops.errors import ConfigError, DriftError, TrackingError

if TYPE_CHECKING:
    from textops.config.schema import PipelineConfig
    from textops.monitoring.compare import Judgement, Settings
    from textops.quality.drift import CheckResult
    from textops.store.store import Store

DEFAULT_MODEL = "textops-classifier"
_SPEC = re.compile(r"^(?P<name>[^@/\s]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))?$")


@dataclass(frozen=True)
class MonitorReport:
    """What :func:`monitor` found: the verdict and everything it was judged on."""

    status: str
    model_name: str
    model_version: int | None
    dataset: str | None  # name@version
    window_start: datetime | None
    window_end: datetime
    rows: int
    worst_checks: list[str]
    notes: list[str]
    results: list[CheckResult] = field(default_factory=list)
    html: str | None = None  # where the page is (a local path, or a store URL)

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def parse_model_spec(spec: str | None) -> tuple[str, str | None, int | None]:
    """``NAME@ALIAS`` or ``NAME/VERSION`` (or a bare ``NAME``) as (name, alias, version)."""
    match = _SPEC.match(spec or DEFAULT_MODEL)
    if match is None:
        raise ConfigError(f"'{spec}' is not a model; expected NAME@ALIAS or NAME/VERSION",
                          hint="e.g. --model textops-classifier@champion or textops-classifier/3")
    version = match.group("version")
    return match.group("name"), match.group("alias"), None if version is None else int(version)


def monitor(
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    since: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
    html: bool = True,
    now: datetime | None = None,
) -> MonitorReport:
    """Judge the request log's last ``since`` (default ``monitoring.since``); see the module."""
    from textops.monitoring.reading import parse_duration, read_traffic

    resolved, store = _config_and_store(path, overrides)
    end = now or datetime.now(UTC)
    span = parse_duration(since or resolved.monitoring.since)
    start = end - span
    name, alias, version = parse_model_spec(model)
    if alias is not None:
        version = _alias_version(resolved, store, name, alias)
    window = read_traffic(store, start=start, end=end, model_name=name, model_version=version)
    if version is None and window.rows.height:
        version = int(window.rows.sort("time")["model_version"][-1])  # the one serving last
        window = read_traffic(store, start=start, end=end, model_name=name, model_version=version)
    if version is None:
        return _record(store, _empty(name, start, end), settings=None, reference=None, html=html)
    manifest = _dataset(resolved, store, name, version, dataset)
    settings, baseline_sha = _settings(store, resolved)
    reference = _reference(store, manifest, min_words=settings.min_words)
    earlier = read_traffic(store, start=start - span, end=start, model_name=name,
                           model_version=version).rows["confidence"].drop_nulls().to_numpy()
    from textops.monitoring.compare import judge

    judgement = judge(window, reference, settings=settings, earlier_confidences=earlier)
    report = MonitorReport(
        judgement.status, name, version, f"{manifest['name']}@{manifest['version']}", start, end,
        judgement.rows, judgement.worst_checks(), judgement.notes, judgement.results,
    )
    return _record(store, report, settings=(judgement, baseline_sha), reference=reference,
                   html=html)


def _empty(name: str, start: datetime, end: datetime) -> MonitorReport:
    note = f"no traffic of '{name}' logged between {start:%Y-%m-%d %H:%M} and {end:%H:%M} UTC"
    return MonitorReport("insufficient", name, None, None, start, end, 0, [], [note])


def _registry(resolved: PipelineConfig, store: Store) -> Any:
    from textops.api import _registry as registry

    return registry(resolved, store)


def _alias_version(resolved: PipelineConfig, store: Store, name: str, alias: str) -> int:
    registry = _registry(resolved, store)
    info = registry._by_alias(name, alias)
    if info is None:
        raise ConfigError(f"model '{name}' has no version with the alias '{alias}'",
                          hint="'textops models list' shows the versions and their aliases")
    return int(info.version)


def _dataset(
    resolved: PipelineConfig, store: Store, name: str, version: int, given: str | None
) -> dict[str, Any]:
    """The manifest of the dataset version the model trained on (``given`` overrides)."""
    from textops.store.datasets import DatasetRepository

    repo = DatasetRepository(store)
    if given is not None:
        dataset_name, _, wanted = given.rpartition("@")
        return repo.resolve(dataset_name or resolved.data.name, wanted)
    try:
        tags = _registry(resolved, store).get(name, version).tags
    except TrackingError as exc:
        raise ConfigError(
            f"the dataset of model '{name}' version {version} cannot be read from the registry: "
            f"{exc.message}", hint="name it with --dataset VERSION (or NAME@VERSION)",
        ) from exc
    label = tags.get("dataset") or ""
    dataset_name, _, dataset_version = label.rpartition("@")
    dataset_version = dataset_version or tags.get("textops.dataset_version", "")
    if not dataset_version:
        raise ConfigError(f"model '{name}' version {version} names no dataset version",
                          hint="name it with --dataset VERSION (or NAME@VERSION)")
    return repo.resolve(dataset_name or resolved.data.name, dataset_version)


def _settings(store: Store, resolved: PipelineConfig) -> tuple[Settings, str | None]:
    """validate's thresholds from the store's baseline (its defaults without one)."""
    from textops.monitoring.compare import Settings, default_checks
    from textops.quality.baseline import parse_baseline
    from textops.store.baselines import baseline_hash, baseline_text

    min_rows = resolved.monitoring.min_rows
    text = baseline_text(store)
    if text is None:
        return Settings(checks=default_checks(), min_rows=min_rows), None
    baseline = parse_baseline(text, source="baseline/profile.yaml")
    return Settings(
        checks=baseline.checks, min_words=baseline.language.min_words,
        min_english_share=baseline.language.min_share, min_rows=min_rows,
        top_terms=len(baseline.vocabulary.top_terms) or 1000,
    ), baseline_hash(text)


def _reference(store: Store, manifest: dict[str, Any], *, min_words: int) -> Any:
    """The training profile of the dataset version, by the profile step's own code."""
    from textops.monitoring.compare import training_profile
    from textops.store.datasets import DatasetRepository
    from textops.text.stats import compute_doc_stats

    train = DatasetRepository(store).load(manifest, "train")
    return training_profile(compute_doc_stats(train), min_words=min_words)


def _record(
    store: Store, report: MonitorReport, *, settings: tuple[Judgement, str | None] | None,
    reference: Any, html: bool,
) -> MonitorReport:
    """``reporting/monitoring`` rows and the HTML page; the report with the page's place."""
    import pandas as pd

    from textops.quality.drift import drift_rows
    from textops.store.reporting import ReportingTables

    dataset_name, _, dataset_version = (report.dataset or "@").rpartition("@")
    context = {
        "checked": report.window_end, "window_start": report.window_start,
        "window_end": report.window_end, "model_name": report.model_name,
        "model_version": report.model_version, "dataset_name": dataset_name or None,
        "dataset_version": dataset_version or None,
        "baseline_sha256": settings[1] if settings else None, "rows": report.rows,
        "verdict": report.status,
    }
    rows = drift_rows(report.results, **context)
    if rows.empty:  # every run leaves a row, a window without traffic too
        rows = pd.DataFrame([{**context, "dataset": "traffic", "check_name": "traffic",
                              "test": "rows",
                              "value": float(report.rows), "status": report.status,
                              "threshold_warn": float("nan"), "threshold_fail": float("nan"),
                              "detail": "; ".join(report.notes), "reference": None}])
    ReportingTables(store).append("monitoring", rows.astype(_ROW_TYPES))
    if not html or settings is None or reference is None:
        return report
    from textops.monitoring.report_html import render_monitor_html

    page = render_monitor_html(settings[0], reference, context={
        "model": f"{report.model_name}/{report.model_version}", "dataset": report.dataset,
        "window": f"{report.window_start:%Y-%m-%d %H:%M} to {report.window_end:%Y-%m-%d %H:%M} UTC",
        "baseline sha256": settings[1] or "none (validate's default thresholds)",
    })
    name = f"{report.window_end:%Y%m%dT%H%M%SZ}-{report.model_name}-v{report.model_version}.html"
    store.write_text(page, "monitoring", "reports", name)
    where = str(store.local_path("monitoring", "reports", name)) if store.is_local else \
        f"{store.url.rstrip('/')}/monitoring/reports/{name}"
    return _replace(report, html=where)


#: one type per column whatever a run found, so every append reads back as one table
_ROW_TYPES = {
    "checked": "datetime64[us, UTC]", "window_start": "datetime64[us, UTC]",
    "window_end": "datetime64[us, UTC]", "model_name": "string", "model_version": "Int64",
    "dataset_name": "string", "dataset_version": "string", "baseline_sha256": "string",
    "rows": "int64", "verdict": "string", "dataset": "string", "check_name": "string",
    "test": "string", "value": "float64", "status": "string", "threshold_warn": "float64",
    "threshold_fail": "float64", "detail": "string", "reference": "string",
}


def _replace(report: MonitorReport, **changes: Any) -> MonitorReport:
    from dataclasses import replace

    return replace(report, **changes)


def drift_error(report: MonitorReport) -> DriftError:
    """The error (exit 7) for a failed verdict, naming the worst checks."""
    worst = "; ".join(report.worst_checks[:3]) or "a check failed"
    return DriftError(
        f"traffic of {report.model_name} v{report.model_version} drifted from its training data "
        f"({report.dataset}, {report.rows} texts): {worst}",
        hint="look at the monitoring page, then retrain on recent data ('textops run' on a new "
        "drop) or fix the upstream source",
    )
