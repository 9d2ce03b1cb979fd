"""The ``textops`` command line: parse, call :mod:`textops.api`, map errors to exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from textops import api
from textops.errors import TextopsError

if TYPE_CHECKING:
    from textops.execution.records import RunRecord

app = typer.Typer(
    help="textops: raw labelled text to a registered, served, monitored model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
datasets_app = typer.Typer(help="Dataset versions in the store.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
models_app = typer.Typer(help="Registered models and the champion alias.", no_args_is_help=True)
app.add_typer(models_app, name="models")
baseline_app = typer.Typer(help="The curated baseline profile.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")

console = Console()
err_console = Console(stderr=True)
_state: dict[str, Any] = {"config": None, "overrides": [], "debug": False}

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Pipeline definition (default ./textops.yaml)."),
]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", "-s", help="Override a key: --set data.split.seed=7.")
]


@app.callback()
def _global(
    config: ConfigOption = None,
    set_: SetOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    _state.update(config=config, overrides=list(set_ or []), debug=debug)


def _config_args() -> tuple[Path | None, list[str]]:
    return _state["config"], _state["overrides"]


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Project folder.")] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented textops.yaml and the environment files."""
    for path in api.init_project(folder, force=force):
        console.print(f"wrote {path}", markup=False, highlight=False)


@app.command()
def demo(
    landing: Annotated[Path, typer.Option(help="Folder the default config reads.")] = Path(
        "landing"
    ),
    later: Annotated[Path, typer.Option(help="Folder for the later drops.")] = Path("demo-drops"),
    rows: Annotated[int, typer.Option(min=100, help="Rows per drop.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Write the demo drops: a clean drop 1 in the landing folder, drops 2 and 3 beside it."""
    paths = api.write_demo(landing, later, rows=rows, seed=seed)
    lines = [
        f"drop 1 (clean)            -> {paths['drop1']}",
        f"drop 2 (drift)            -> {paths['drop2']}",
        f"drop 3 (must be refused)  -> {paths['drop3']}",
        "",
        "next: textops run",
        f"then: mv {paths['drop2']} {landing}/ && textops run"
        "   # class balance and sentiment drift",
        f"then: mv {paths['drop3']} {landing}/ && textops run   # refused by validation",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


@app.command()
def run(
    only: Annotated[
        str | None, typer.Option(help="Run only this step (upstream from the cache).")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Re-run this step and all after it.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Ignore the cache.")] = False,
) -> None:
    """Run the pipeline."""
    from textops.execution.records import StepRecord

    status = console.status("loading the pipeline", spinner="dots")

    def on_event(event: str, step: StepRecord) -> None:
        if event == "start":
            status.update(f"[bold]{step.name}[/] running on {step.compute}")
        else:
            mark = "[green]cached[/]" if step.cache_hit else "[green]done[/]"
            console.print(
                f"[bold]{step.name}[/] {mark} in {step.wall_seconds:.2f} s", highlight=False
            )

    config, overrides = _config_args()
    with status:
        record = api.run(
            config, overrides, only=only, from_step=from_, force=force, on_event=on_event
        )
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
    rows = api.graph(*_config_args())
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("step", "uses", "after", "inputs", "compute", "environment", "data")
    for row in rows:
        table.add_row(
            *(row[k] for k in ("step", "uses", "after", "inputs", "compute", "environment", "data"))
        )
    console.print(table)


@datasets_app.command("list")
def datasets_list() -> None:
    """List every dataset version, oldest first."""
    table = Table("dataset", "#", "version", "created", "train", "test", "parent")
    for m in api.list_datasets(*_config_args()):
        table.add_row(
            m["name"],
            str(m["sequence"]),
            m["version"],
            m["created"][:19],
            str(m["parts"]["train"]["rows"]),
            str(m["parts"]["test"]["rows"]),
            m["parent"] or "-",
        )
    console.print(table)


@datasets_app.command("show")
def datasets_show(
    version: Annotated[
        str, typer.Argument(help="Version id, prefix, sequence number or 'latest'.")
    ] = "latest",
    name: Annotated[str | None, typer.Option(help="Dataset name (default data.name).")] = None,
) -> None:
    """Print one version's manifest."""
    console.print_json(json.dumps(api.show_dataset(version, *_config_args(), name=name)))


@baseline_app.command("init")
def baseline_init(
    from_: Annotated[
        str, typer.Option("--from", help="Dataset version (id, prefix, number, latest).")
    ] = "latest",
    name: Annotated[str | None, typer.Option(help="Dataset name (default data.name).")] = None,
    force: Annotated[
        bool,
        typer.Option(help="Replace an existing baseline; draw one from a version validation "
                     "refused (the file then says so)."),
    ] = False,
) -> None:
    """Write baseline/profile.yaml from a version's training set, to review and edit."""
    from rich.markup import escape

    result = api.baseline_init(from_, *_config_args(), name=name, force=force)
    console.print(
        f"wrote {result['path']} (sha256 {result['sha256'][:12]}) from "
        f"{result['dataset']['name']}@{result['dataset']['version']}"
    )
    if result["forced"]:
        err_console.print(f"[yellow]forced:[/] {escape(result['refusal'])}", highlight=False)
    console.print("review it: the class set, expected shares, minimum English share, thresholds")


@baseline_app.command("show")
def baseline_show() -> None:
    """Print the baseline profile and its content hash."""
    text, digest = api.baseline_show(*_config_args())
    console.print(f"# sha256 {digest}", highlight=False)
    console.print(text, highlight=False, markup=False)


ModelName = Annotated[str, typer.Option("--name", help="Registered model name.")]


@models_app.command("list")
def models_list(name: ModelName = "textops-classifier", metric: str = "f1_macro") -> None:
    """List registered versions with their aliases, test metric and dataset."""
    table = Table("version", "aliases", metric, "dataset", "gate", "reason")
    for info in api.list_models(name, *_config_args()):
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


def _reason(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("say why the champion changes; the history keeps it")
    return value


@models_app.command("promote")
def models_promote(
    version: Annotated[int, typer.Argument(help="Version to make champion.")],
    reason: Annotated[
        str, typer.Option(help="Why, for the model's history.", callback=_reason)
    ],
    name: ModelName = "textops-classifier",
    metric: Annotated[
        str | None, typer.Option(help="Metric to record for both versions (default gate_metric).")
    ] = None,
) -> None:
    """Make a version the champion by hand; the reason is appended to its history."""
    info = api.promote_model(version, name, *_config_args(), reason=reason, metric=metric)
    console.print(f"{info.name} version {info.version} is now champion")


@models_app.command("history")
def models_history(
    name: ModelName = "textops-classifier",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every registration and alias move: by the gate or by hand, with the figures and why."""
    from rich.markup import escape

    events = api.models_history(name, *_config_args())
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


def main() -> None:
    try:
        app()
    except TextopsError as exc:
        if _state["debug"]:
            raise
        from rich.markup import escape

        err_console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
