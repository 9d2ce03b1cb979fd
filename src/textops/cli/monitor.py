"""`textops monitor`: logged traffic against the serving model's training data; exit 7 on drift."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from textops.cli.common import app, config_args, console

_COLOURS = {"ok": "green", "insufficient": "yellow", "warn": "yellow", "fail": "red"}


@app.command("monitor")
def monitor(
    since: Annotated[
        str | None,
        typer.Option(help="Window to judge, back from now: 30m, 24h, 7d "
                     "(default monitoring.since)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="NAME@ALIAS or NAME/VERSION (default: the version serving the window's "
                     "latest traffic of textops-classifier)."),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="Dataset version to compare with, VERSION or NAME@VERSION (default: the "
                     "one the registry names for the model)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Compare the request log with the training profile; exit 7 when a drift check fails."""
    from rich.markup import escape

    from textops.api.monitoring import drift_error
    from textops.api.monitoring import monitor as run_monitor

    report = run_monitor(*config_args(), since=since, model=model, dataset=dataset)
    if as_json:
        console.print_json(json.dumps({
            "status": report.status, "model_name": report.model_name,
            "model_version": report.model_version, "dataset": report.dataset,
            "rows": report.rows, "worst_checks": report.worst_checks, "notes": report.notes,
            "html": report.html,
            "window_start": report.window_start.isoformat() if report.window_start else None,
            "window_end": report.window_end.isoformat(),
        }))
    else:
        colour = _COLOURS.get(report.status, "white")
        version = "-" if report.model_version is None else f"v{report.model_version}"
        console.print(
            f"monitor {escape(report.model_name)} {version}: [{colour}]{report.status}[/] on "
            f"{report.rows} texts against {escape(report.dataset or '-')}", highlight=False)
        for line in report.worst_checks:
            console.print(f"  worst: {escape(line)}", highlight=False)
        for note in report.notes:
            console.print(f"  note: {escape(note)}", highlight=False)
        if report.html:
            console.print(f"  page: {escape(report.html)}", highlight=False, soft_wrap=True)
    if report.failed:
        raise drift_error(report)
