"""`textops runs`, `textops config show` and `textops steps`: what ran, and what would run."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from textops.cli.common import app, config_args, console

runs_app = typer.Typer(help="The runs recorded in the store.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
config_app = typer.Typer(help="The pipeline definition.", no_args_is_help=True)
app.add_typer(config_app, name="config")
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@runs_app.command("list")
def runs_list(as_json: AsJson = False) -> None:
    """Every run in the store, oldest first: status, dataset, steps run and cached, time."""
    from textops.api.runs import list_runs

    records = list_runs(*config_args())
    if as_json:
        typer.echo(json.dumps([r.to_json() | {"definition": None} for r in records], indent=2))
        return
    table = Table("run", "status", "dataset", "steps", "cached", "failed", "wall s")
    for r in records:
        dataset = f"{r.dataset['name']}@{r.dataset['version']}" if r.dataset else "-"
        ran = [s for s in r.steps if s.status != "skipped"]
        failed = [s.name for s in r.steps if s.status in ("failed", "interrupted")]
        table.add_row(r.run_id, r.status, dataset, str(len(ran)),
                      str(sum(s.cache_hit for s in ran)), ", ".join(failed) or "-",
                      f"{sum(s.wall_seconds for s in r.steps):.1f}")
    console.print(table)


@runs_app.command("show")
def runs_show(
    run: Annotated[str, typer.Argument(help="Run id, id prefix or 'latest'.")] = "latest",
    as_json: AsJson = False,
) -> None:
    """One run: its steps with status, timings, cache hits, outputs and errors."""
    from textops.api.runs import show_run

    record = show_run(run, *config_args())
    if as_json:
        typer.echo(json.dumps(record.to_json(), indent=2))
        return
    dataset = f"{record.dataset['name']}@{record.dataset['version']}" if record.dataset else "-"
    console.print(f"run {record.run_id}: {record.status}, started {record.started}, "
                  f"finished {record.finished or '-'}, dataset {dataset}, "
                  f"config {record.config_hash}", highlight=False, markup=False)
    table = Table("step", "kind", "status", "cache", "wall s", "runner s", "compute", "outputs")
    for s in record.steps:
        table.add_row(s.name, s.kind, s.status, "hit" if s.cache_hit else "-",
                      f"{s.wall_seconds:.2f}", f"{s.overhead_seconds:.3f}", s.compute,
                      ", ".join(s.outputs) or "-")
    console.print(table)
    for s in record.steps:
        if s.error:
            console.print(f"[red]{s.name} error:[/] {escape(s.error)}", highlight=False)
        for name, output in s.outputs.items():
            if isinstance(output, dict) and output.get("location"):
                console.print(f"{s.name}.{name}: {output['location']}", highlight=False,
                              markup=False)


@config_app.command("show")
def config_show(as_json: AsJson = False) -> None:
    """The resolved definition: defaults and overrides applied, every step's parameters."""
    import yaml

    from textops.api.definition import show_config

    resolved = show_config(*config_args())
    text = json.dumps(resolved, indent=2) if as_json else yaml.safe_dump(resolved, sort_keys=False)
    typer.echo(text.rstrip())


@app.command("steps")
def steps(
    kind: Annotated[str | None, typer.Argument(help="A step kind; none lists them all.")] = None,
    as_json: AsJson = False,
) -> None:
    """The built-in step kinds, or one kind's parameters with types, defaults and descriptions."""
    from textops.api.definition import step_kinds, step_parameters

    rows = step_kinds() if kind is None else step_parameters(kind)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if kind is None:
        table = Table("kind", "compute", "environment", "description")
        for row in rows:
            table.add_row(row["kind"], row["compute"], row["environment"], row["description"])
    else:
        table = Table("parameter", "type", "default", "description", title=f"step kind {kind}")
        for row in rows:
            default = "(required)" if row["required"] else json.dumps(row["default"])
            table.add_row(row["name"], escape(row["type"]), escape(default),
                          escape(row["description"]))
    console.print(table)
