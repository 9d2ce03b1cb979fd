"""`textops run` and `textops graph`, and how a finished run is told to the user."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from textops import api
from textops.cli.common import app, config_args, console, err_console

if TYPE_CHECKING:
    from textops.execution.records import RunRecord
    from textops.execution.summary import DatasetFacts, DriftFacts, RunSummary, TuningFacts


@app.command()
def run(
    only: Annotated[
        str | None, typer.Option(help="Run only this step (upstream from the cache).")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Re-run this step and all after it.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Ignore the cache.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress on stderr (the outcome still shows).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run's summary as JSON (all else on stderr).")
    ] = False,
) -> None:
    """Run the pipeline, then say what it decided and where the results are."""
    from textops.cli.progress import progress_display

    config, overrides = config_args()
    records: list[RunRecord] = []
    with progress_display(quiet=quiet) as display:
        try:
            record = api.run(config, overrides, only=only, from_step=from_, force=force,
                             on_event=display, on_record=records.append)
        except KeyboardInterrupt:
            for line in display.interruption_lines():
                err_console.print(line, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(130) from None
        except BaseException:  # a failed or refused run is told too, before its error
            if records and any(s.status in ("completed", "cached") for s in records[0].steps):
                _tell(records[0], as_json=as_json)
            raise
    _tell(record, as_json=as_json)


def _tell(record: RunRecord, *, as_json: bool) -> None:
    from textops.api.runs import run_summary

    summary = run_summary(record)
    if as_json:
        typer.echo(json.dumps(summary.to_json(), indent=2))  # never wrapped nor coloured
    else:
        _print_outcome(record, summary)


def _print_outcome(record: RunRecord, summary: RunSummary) -> None:
    """The step table, then what was decided and where the results are."""
    table = Table("step", "status", "cache", "wall s", "runner s", title=f"run {record.run_id}")
    for step in record.steps:
        table.add_row(
            step.name,
            step.status,
            "hit" if step.cache_hit else "-",
            f"{step.wall_seconds:.2f}",
            f"{step.overhead_seconds:.3f}",
        )
    console.print(table)
    for line in summary_lines(summary):
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def summary_lines(summary: RunSummary) -> list[str]:
    """The summary as the lines printed under the step table."""
    lines = []
    if summary.dataset is not None:
        lines.append(_dataset_line(summary.dataset))
    if summary.drift is not None:
        lines.append(_drift_verdict(summary.drift))
    if summary.sweep_top:
        top = ", ".join(f"{e.rank}. {e.name} {e.value:.4f}" for e in summary.sweep_top)
        lines.append(f"sweep: best by {summary.sweep_metric}: {top}")
    if summary.tuning is not None:
        lines.append(_tuning_line(summary.tuning))
    lines += _model_lines(summary)
    if summary.reports:
        lines += ["reports:", *(f"  {path}" for path in summary.reports)]
    if summary.tracking_uri:
        lines.append(f"tracking: {summary.tracking_uri} (run {summary.mlflow_run_id})")
    lines += ["next:", *(f"  {command}" for command in summary.next_commands)]
    return lines


def _dataset_line(dataset: DatasetFacts) -> str:
    verdict = {True: "accepted", False: "refused", None: "not validated"}[dataset.accepted]
    line = f"dataset: {dataset.name}@{dataset.version} {verdict}"
    return f"{line} ({dataset.refusal})" if dataset.refusal else line


_POLICY_EFFECT = {
    "block": "policy block: this version's model cannot become champion",
    "warn": "policy warn: this version's model may still become champion",
    "ignore": "policy ignore",
}


def _drift_verdict(drift: DriftFacts) -> str:
    """One line (two with untested checks) on validation's drift verdict."""
    line = f"validation: drift {drift.status}"
    baseline = drift.baseline_status or drift.status
    if baseline == "fail":
        line += f" ({_POLICY_EFFECT[drift.on_drift]})"
    elif drift.status == "fail":
        line += " (train/test skew only: no drift from the baseline to hold promotion back for)"
    if drift.worst_checks:
        line += ": " + "; ".join(drift.worst_checks)
    if drift.insufficient_checks:
        line += (f"\n  {drift.insufficient_checks} drift tests had too few rows to judge "
                 "(see the validation report)")
    return line


def _tuning_line(best: TuningFacts) -> str:
    """The best trial, and how many documents every trial was judged on."""
    trials = ", ".join(f"{n} {state.lower()}" for state, n in sorted(best.trials.items()))
    judged = best.validation_docs
    on = f", each judged on {judged} validation documents" if judged else ""
    return f"tuning: best trial {best.trial} scored {best.value:.4f} ({trials}{on})"


def _model_lines(summary: RunSummary) -> list[str]:
    """One line per model of the run: family, what it is, its figures, and the gate's word."""
    lines = []
    for model in summary.models:
        shown = [k for k in ("f1_macro", "accuracy") if k in model.metrics]
        figure = ", ".join(f"{k} {model.metrics[k]:.4f}" for k in shown)
        what = f"{model.family} ({model.estimator or '?'}): {figure}"
        if model.version is None:
            verdict = "not registered (tracking is off)" if model.chosen else ""
        else:
            verdict = f"v{model.version} {model.role}: {model.reason}"
        lines.append(f"model: {what}{' -> ' + verdict if verdict else ''}")
    return lines


@app.command()
def graph(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the step graph with each step's inputs, compute, environment and data."""
    rows = api.graph(*config_args())
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("step", "uses", "after", "inputs", "compute", "environment", "data")
    for row in rows:
        table.add_row(
            *(row[k] for k in ("step", "uses", "after", "inputs", "compute", "environment", "data"))
        )
    console.print(table)
