"""What every command module shares: the app, its sub-apps, the consoles and the global options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

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


def config_args() -> tuple[Path | None, list[str]]:
    return _state["config"], _state["overrides"]
