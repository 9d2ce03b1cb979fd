"""`textops models`: registered versions, the champion alias and its history."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from textops import api
from textops.cli.common import config_args, console, models_app

ModelName = Annotated[str, typer.Option("--name", help="Registered model name.")]


@models_app.command("list")
def models_list(name: ModelName = "textops-classifier", metric: str = "f1_macro") -> None:
    """List registered versions with their aliases, test metric and dataset."""
    table = Table("version", "aliases", metric, "dataset", "gate", "reason")
    for info in api.list_models(name, *config_args()):
        value = info.metrics.get(metric)
        table.add_row(
            str(info.version),
            ", ".join(info.aliases) or "-",
            "-" if value is None else f"{value:.4f}",
            info.dataset_version or "-",
            info.tags.get("textops.gate", "-"),
            info.tags.get("textops.gate_reason", "")[:80],
        )
    console.print(table)


@models_app.command("promote")
def models_promote(
    version: Annotated[int, typer.Argument(help="Version to make champion.")],
    reason: Annotated[
        str, typer.Option(help="Why, for the model's history (required, not blank).")
    ],
    name: ModelName = "textops-classifier",
    metric: Annotated[
        str | None, typer.Option(help="Metric to record for both versions (default gate_metric).")
    ] = None,
) -> None:
    """Make a version the champion by hand; the reason is appended to its history."""
    info = api.promote_model(version, name, *config_args(), reason=reason, metric=metric)
    console.print(f"{info.name} version {info.version} is now champion")


@models_app.command("history")
def models_history(
    name: ModelName = "textops-classifier",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every registration and alias move: by the gate or by hand, with the figures and why."""
    from rich.markup import escape

    events = api.models_history(name, *config_args())
    if as_json:
        console.print_json(json.dumps([event.as_dict() for event in events]))
        return
    table = Table()
    for column in ("#", "time (UTC)", "version", "family", "event"):  # kept whole; the rest wrap
        table.add_column(column, no_wrap=True)
    for column in ("by", "compared", "reason"):
        table.add_column(column)
    for event in events:
        table.add_row(
            str(event.sequence), event.time[:16].replace("T", " "), str(event.version),
            event.family,
            event.event, event.by + (f" ({event.user})" if event.user else ""),
            _compared(event), escape(event.reason),
        )
    console.print(table)


def _compared(event: Any) -> str:
    """``f1_macro v3 0.81 vs v2 0.8``: the figures an alias move was decided on."""
    if event.metric is None:
        return "-"

    def figure(version: int | None, value: float | None) -> str:
        shown = "-" if value is None else f"{value:.4g}"
        return shown if version is None else f"v{version} {shown}"

    candidate = figure(event.candidate_version, event.candidate)
    if event.champion_version is None and event.champion is None:
        return f"{event.metric} {candidate} (no champion)"
    rows = "" if event.test_rows is None else f" on {event.test_rows} rows"
    if event.overlap_with_champion_train:
        rows += f" ({event.overlap_with_champion_train} in the champion's training set)"
    return f"{event.metric} {candidate} vs {figure(event.champion_version, event.champion)}{rows}"
