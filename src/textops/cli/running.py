"""`textops run` and `textops graph`, and how a finished run is told to the user."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from textops import api
from textops.cli.common import app, config_args, console, err_console

if TYPE_CHECKING:
    from textops.execution.records import RunRecord


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
) -> None:
    """Run the pipeline."""
    from textops.cli.progress import progress_display

    config, overrides = config_args()
    with progress_display(quiet=quiet) as display:
        try:
            record = api.run(
                config, overrides, only=only, from_step=from_, force=force, on_event=display
            )
        except KeyboardInterrupt:
            for line in display.interruption_lines():
                err_console.print(line, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(130) from None
    _print_outcome(record)


def _print_outcome(record: RunRecord) -> None:
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
    for step in record.steps:
        if step.kind == "validate" and "report" in step.outputs:
            verdict = _drift_verdict(step.outputs["report"])
            console.print(verdict, highlight=False, markup=False, soft_wrap=True)
        if step.kind == "tune" and "best" in step.outputs:
            console.print(_tuning_line(step.outputs["best"]), highlight=False, markup=False)
        if step.kind == "train" and "gate" in step.outputs:
            for line in _gate_lines(step.outputs["gate"]):
                console.print(line, highlight=False, markup=False, soft_wrap=True)
    if record.dataset:
        console.print(f"dataset {record.dataset['name']}@{record.dataset['version']}")
    if record.tracking_uri:
        console.print(f"tracking {record.tracking_uri} (run {record.mlflow_run_id})")


_POLICY_EFFECT = {
    "block": "policy block: this version's model cannot become champion",
    "warn": "policy warn: this version's model may still become champion",
    "ignore": "policy ignore",
}


def _drift_verdict(report: dict[str, Any]) -> str:
    """One line (two with untested checks) on validation's drift verdict, from its record."""
    status = report.get("drift_status", report["status"])
    line = f"validation: drift {status}"
    baseline = report.get("baseline_drift_status") or status
    if baseline == "fail":
        line += f" ({_POLICY_EFFECT[report.get('on_drift', 'block')]})"
    elif status == "fail":
        line += " (train/test skew only: no drift from the baseline to hold promotion back for)"
    if report.get("worst_checks"):
        line += ": " + "; ".join(report["worst_checks"])
    untested = report.get("insufficient_checks", 0)
    if untested:
        line += f"\n  {untested} drift tests had too few rows to judge (see the validation report)"
    return line


def _tuning_line(best: dict[str, Any]) -> str:
    """The best trial, and how many documents every trial was judged on."""
    trials = ", ".join(f"{n} {state.lower()}" for state, n in sorted(best["trials"].items()))
    judged = best.get("validation_docs")
    on = f", each judged on {judged} validation documents" if judged else ""
    return f"tuning: best trial {best['trial']} scored {best['value']:.4f} ({trials}{on})"


def _gate_lines(gate: dict[str, Any]) -> list[str]:
    """One line per model of the run: family, what it is, its figures, and the gate's word."""
    lines = []
    for i, model in enumerate(gate["models"]):
        metrics = model["metrics"]
        shown = [k for k in ("f1_macro", "accuracy") if k in metrics]
        figure = ", ".join(f"{k} {metrics[k]:.4f}" for k in shown)
        what = f"{model['family']} ({model.get('estimator') or '?'}): {figure}"
        registered = model.get("registered")
        if registered is None:
            verdict = "not registered (tracking is off)" if i == gate["chosen"] else ""
        else:
            role = "champion" if registered["promoted"] else "challenger"
            verdict = f"v{registered['version']} {role}: {registered['reason']}"
        lines.append(f"model: {what}{' -> ' + verdict if verdict else ''}")
    if any(m.get("registered") for m in gate["models"]):
        lines.append("next: textops models history | textops models list")
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
