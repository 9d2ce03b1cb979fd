"""validate: the four datasets of a version against the curated baseline profile.

Hard errors (schema, nulls, empty texts, unknown labels, too little English)
stop the pipeline after they are recorded; everything else is a drift report
with a status per check. Drift never stops the pipeline: the ``on_drift``
policy travels in the :class:`ValidationReport` for the train step, which
under ``block`` keeps a version with drift ``fail`` from becoming champion
(``ValidationReport.holds_promotion``). Without a baseline yet, the first
validated version's training set becomes one (written to
``baseline/profile.yaml``, to review).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from textops.records import DatasetRef, DocStats, Record, ValidationReport
from textops.steps.base import StepContext, StepParams, step
from textops.store.catalog import Catalog
from textops.store.datasets import PARTS

if TYPE_CHECKING:
    import polars as pl

    from textops.quality.baseline import Baseline
    from textops.quality.checks import Finding
    from textops.quality.drift import CheckResult
    from textops.quality.profile import DatasetProfile


class Params(StepParams):
    """How the report is written; the checks themselves live in the baseline file."""

    html_reports: bool = True
    bootstrap_baseline: bool = True  # write a baseline from this version when there is none
    #: what drift ``fail`` means for this version's model: block keeps it from becoming
    #: champion, warn and ignore let the gate decide (warn says so on the console)
    on_drift: Literal["block", "warn", "ignore"] = "block"


@dataclass(frozen=True)
class _Outcome:
    """What validation found, ready to record."""

    report: dict[str, Any]
    profiles: dict[str, DatasetProfile]
    baseline: Baseline
    results: list[CheckResult]
    findings: list[Finding]


def _fingerprint(params: Params, catalog: Catalog) -> str:
    return catalog.baselines.fingerprint()


@step("validate", outputs={"dataset": DatasetRef, "report": ValidationReport}, compute="local",
      environment="data", data="all", fingerprint=_fingerprint)
def validate(
    ctx: StepContext, params: Params, *, dataset: DatasetRef, stats: DocStats | None = None
) -> dict[str, Record]:
    """Hard checks and drift of train, test and their subsets against the baseline."""
    from textops.quality.checks import raise_for_findings

    parts = {part: ctx.catalog.dataset(dataset, part) for part in PARTS}
    doc_stats = _doc_stats(ctx, parts, dataset, stats)
    outcome = _check(ctx, params, dataset, parts=parts, stats=doc_stats)
    _record(ctx, outcome)
    if params.html_reports:
        _write_html(ctx, dataset, outcome)
    raise_for_findings(outcome.findings)
    report = outcome.report
    return {"dataset": dataset, "report": ValidationReport(
        location=ctx.out.location, status=report["status"],
        baseline_sha256=report["baseline_sha256"], drift_status=report["drift_status"],
        on_drift=params.on_drift, worst_checks=report["worst_checks"],
        insufficient_checks=report["insufficient_checks"],
        baseline_drift_status=report["baseline_drift_status"],
        baseline_worst_checks=report["baseline_worst_checks"],
    )}


def _doc_stats(
    ctx: StepContext, parts: dict[str, pl.DataFrame], dataset: DatasetRef, given: DocStats | None
) -> dict[str, pl.DataFrame]:
    """Per-document statistics: the profile step's when wired in, else computed here."""
    from textops.text.stats import doc_stats_for_parts

    if given is not None and given.dataset == dataset:
        return {part: ctx.catalog.load(given, part=part) for part in parts}
    return doc_stats_for_parts(parts)


def _baseline_text(
    ctx: StepContext, params: Params, dataset: DatasetRef, *, train: pl.DataFrame,
    train_stats: pl.DataFrame,
) -> tuple[str, bool]:
    """The curated baseline, or one drawn from this version when there is none yet."""
    from textops.errors import ValidationError
    from textops.quality.baseline import baseline_from_train

    text = ctx.catalog.baselines.text()
    if text is not None:
        return text, False
    if not params.bootstrap_baseline:
        raise ValidationError(
            "there is no baseline profile to validate against",
            hint=f"run 'textops baseline init --from {dataset.version}' and review it",
        )
    return baseline_from_train(train, dataset.model_dump(), stats=train_stats), True


def _check(
    ctx: StepContext, params: Params, dataset: DatasetRef, *, parts: dict[str, pl.DataFrame],
    stats: dict[str, pl.DataFrame],
) -> _Outcome:
    from textops.quality.baseline import parse_baseline
    from textops.quality.checks import run_hard_checks
    from textops.quality.drift import run_drift, worst_checks, worst_status
    from textops.quality.profile import profile_parts
    from textops.store.baselines import baseline_hash

    text, bootstrapped = _baseline_text(
        ctx, params, dataset, train=parts["train"], train_stats=stats["train"]
    )
    digest = baseline_hash(text)
    baseline = parse_baseline(text, source=ctx.catalog.baselines.path)
    findings = run_hard_checks(parts, baseline, stats=stats)
    if bootstrapped and not findings:  # a refused version never becomes the reference
        ctx.catalog.baselines.write(text, overwrite=False)
        ctx.tracker.log(tags={"textops.baseline_bootstrapped": "true"})
    ctx.catalog.baselines.keep_in_history(text, digest)
    profiles = profile_parts(parts, stats=stats, min_words=baseline.language.min_words)
    results = run_drift(profiles, baseline, stats=stats)
    drift_status = worst_status(results)
    against_baseline = [r for r in results if r.reference == "baseline"]
    report = {
        "dataset_name": dataset.name, "version": dataset.version, "baseline_sha256": digest,
        "status": "error" if findings else drift_status,
        "drift_status": drift_status, "on_drift": params.on_drift,
        "worst_checks": worst_checks(results),
        "baseline_drift_status": worst_status(against_baseline),
        "baseline_worst_checks": worst_checks(against_baseline),
        "insufficient_checks": sum(r.status == "insufficient" for r in results),
        "baseline_bootstrapped": bootstrapped,
        "findings": [f.to_dict() for f in findings],
        "drift": [r.to_dict() for r in results],
    }
    return _Outcome(report, profiles, baseline, results, findings)


def _record(ctx: StepContext, outcome: _Outcome) -> None:
    """The report file, the reporting rows and the tracked metrics."""
    from textops.quality.checks import findings_rows
    from textops.quality.drift import drift_rows

    report = outcome.report
    context = {key: report[key] for key in ("dataset_name", "version", "baseline_sha256")}
    ctx.out.write_json("report.json", report)
    ctx.report("validation",
               findings_rows(outcome.findings, **context).assign(status=report["status"]))
    ctx.report("drift", drift_rows(outcome.results, **context))
    metrics = {f"{r.dataset}.{r.check}.{r.test}": r.value for r in outcome.results}
    metrics.update({f"{f.dataset}.error.{f.check}": float(f.count) for f in outcome.findings})
    ctx.tracker.log(
        metrics=metrics,
        tags={"textops.validation_status": report["status"],
              "textops.drift_status": report["drift_status"],
              "textops.on_drift": report["on_drift"],
              "textops.baseline_sha256": report["baseline_sha256"]},
    )
    ctx.tracker.log_dict(report, "validation/report.json")


def _write_html(ctx: StepContext, dataset: DatasetRef, outcome: _Outcome) -> None:
    from textops.quality.report_html import render_report_html
    from textops.store.assets import plotly_js_bytes

    # the store's pages share its one plotly.js; the tracked copies get theirs beside them
    store_src = ctx.out.plotly_src()
    ctx.tracker.log_bytes(plotly_js_bytes(), "validation/plotly.min.js")
    for part, profile in outcome.profiles.items():
        def page(src: str, profile: Any = profile, part: str = part) -> str:
            return render_report_html(
                profile, baseline=outcome.baseline, results=outcome.results,
                findings=outcome.findings, baseline_hash=outcome.report["baseline_sha256"],
                title=f"{dataset.label} {part}", plotlyjs=src,
            )

        ctx.out.write_text(f"{part}.html", page(store_src))
        ctx.tracker.log_text(page("plotly.min.js"), f"validation/{part}.html")
