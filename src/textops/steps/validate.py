"""validate: the four datasets of a version against the curated baseline profile.

Hard errors (schema, nulls, empty texts, unknown labels, too little English)
stop the pipeline after they are recorded; everything else is a drift report
with a status per check. Without a baseline yet, the first validated version's
training set becomes one (written to ``baseline/profile.yaml``, to review).
"""

from __future__ import annotations

from typing import Any

from textops.config.schema import PipelineConfig
from textops.pipeline.step import StepContext, StepParams, step
from textops.store.datasets import PARTS


class Params(StepParams):
    """How the report is written; the checks themselves live in the baseline file."""

    html_reports: bool = True
    bootstrap_baseline: bool = True  # write a baseline from this version when there is none


def _fingerprint(params: Params, config: PipelineConfig) -> str:
    from textops.store import Store
    from textops.store.baselines import baseline_fingerprint

    return baseline_fingerprint(Store(config.store.url))


@step("validate", params=Params, inputs=("dataset",), outputs=("dataset", "report"),
      compute="local", environment="data", data="all", fingerprint=_fingerprint,
      optional_inputs=("stats",))
def validate(ctx: StepContext) -> dict[str, Any]:
    """Hard checks and drift of train, test and their subsets against the baseline."""
    from textops.quality.baseline import baseline_hash, parse_baseline
    from textops.quality.checks import findings_rows, raise_for_findings, run_hard_checks
    from textops.quality.drift import drift_rows, run_drift, worst_status
    from textops.quality.profile import profile_parts
    from textops.store.baselines import (
        baseline_from_train,
        baseline_text,
        keep_in_history,
        write_baseline,
    )

    dataset = ctx.inputs["dataset"]
    parts = {part: ctx.datasets.load(dataset, part) for part in PARTS}
    stats = _stats(ctx, parts)
    text, bootstrapped = baseline_text(ctx.store), False
    if text is None:
        if not ctx.params.bootstrap_baseline:
            from textops.errors import ValidationError

            raise ValidationError(
                "there is no baseline profile to validate against",
                hint=f"run 'textops baseline init --from {dataset['version']}' and review it",
            )
        text, bootstrapped = baseline_from_train(parts["train"], dataset, stats=stats["train"]), True
    digest = baseline_hash(text)
    baseline = parse_baseline(text, source=ctx.store.path("baseline", "profile.yaml"))

    findings = run_hard_checks(parts, baseline, stats=stats)
    if bootstrapped and not findings:  # a refused version never becomes the reference
        write_baseline(ctx.store, text, overwrite=False)
        ctx.tracker.log(tags={"textops.baseline_bootstrapped": "true"})
    keep_in_history(ctx.store, text, digest)
    profiles = profile_parts(parts, stats=stats, min_words=baseline.language.min_words)
    results = run_drift(profiles, baseline, stats=stats)
    status = "error" if findings else worst_status(results)
    context = {"dataset_name": dataset["name"], "version": dataset["version"],
               "baseline_sha256": digest}
    report = {
        **context, "status": status, "baseline_bootstrapped": bootstrapped,
        "findings": [f.to_dict() for f in findings],
        "drift": [r.to_dict() for r in results],
    }
    ctx.out.write_json("report.json", report)
    ctx.report("validation", findings_rows(findings, **context).assign(status=status))
    ctx.report("drift", drift_rows(results, **context))
    _track(ctx, report, results, findings)
    if ctx.params.html_reports:
        _write_html(ctx, profiles, baseline, results, findings, digest)
    raise_for_findings(findings)
    return {"dataset": dataset, "report": {"location": ctx.out.location, "status": status,
                                           "baseline_sha256": digest}}


def _stats(ctx: StepContext, parts: dict[str, Any]) -> dict[str, Any]:
    """Per-document statistics: the profile step's when wired in, else computed here."""
    from textops.steps.common import read_output
    from textops.text.stats import doc_stats_for_parts

    given = ctx.inputs.get("stats")
    if given and given.get("dataset") == ctx.inputs["dataset"]:
        return {
            part: read_output(ctx.store, given["location"], f"stats_{part}.parquet")
            for part in parts
        }
    return doc_stats_for_parts(parts)


def _track(ctx: StepContext, report: dict[str, Any], results: list[Any], findings: list[Any]) -> None:
    metrics = {f"{r.dataset}.{r.check}.{r.test}": r.value for r in results}
    metrics.update({f"{f.dataset}.error.{f.check}": float(f.count) for f in findings})
    ctx.tracker.log(
        metrics=metrics,
        tags={"textops.validation_status": report["status"],
              "textops.baseline_sha256": report["baseline_sha256"]},
    )
    ctx.tracker.log_dict(report, "validation/report.json")


def _write_html(ctx: StepContext, profiles: dict[str, Any], baseline: Any, results: list[Any],
                findings: list[Any], digest: str) -> None:
    from textops.quality.report_html import render_report_html

    for i, (part, profile) in enumerate(profiles.items()):
        page = render_report_html(
            profile, baseline=baseline, results=results, findings=findings, baseline_hash=digest,
            title=f"{ctx.inputs['dataset']['name']}@{ctx.inputs['dataset']['version']} {part}",
            plotlyjs="inline" if i == 0 else "cdn",
        )
        ctx.out.write_text(f"{part}.html", page)
        ctx.tracker.log_text(page, f"validation/{part}.html")
