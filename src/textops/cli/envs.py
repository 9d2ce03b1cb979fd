"""`textops envs`: which environments exist, whether each is built and current, building them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from textops.api import envs as api_envs
from textops.cli.common import app, config_args, console
from textops.errors import EnvironmentError_

envs_app = typer.Typer(help="Step environments: list, check, build.", no_args_is_help=True)
app.add_typer(envs_app, name="envs")

Name = Annotated[str | None, typer.Argument(help="One environment (default: all).")]


@envs_app.command("list")
def envs_list() -> None:
    """Each environment file, its content hash, and whether its isolated build is current."""
    table = Table("name", "file", "hash", "isolated build", "folder")
    for row in api_envs.environment_status(*config_args()):
        table.add_row(row.name, str(row.file), row.content_hash,
                      "built" if row.is_built else "not built", str(row.folder))
    console.print(table)


@envs_app.command("check")
def envs_check(name: Name = None) -> None:
    """Whether this interpreter satisfies each file (environments.mode: current)."""
    rows = api_envs.environment_status(*config_args(), name=name)
    failing = [row for row in rows if row.missing]
    for row in rows:
        state = "ok" if not row.missing else "missing " + "; ".join(row.missing)
        console.print(f"{row.name}: {state}", highlight=False)
    if failing:
        raise EnvironmentError_(
            f"this interpreter does not satisfy {', '.join(r.name for r in failing)}",
            hint="pip install what is missing, or use environments.mode: isolated",
        )


@envs_app.command("build")
def envs_build(
    name: Name = None,
    rebuild: Annotated[bool, typer.Option(help="Build again even when current.")] = False,
) -> None:
    """Build the isolated environments ahead of a run (reused while their file is unchanged)."""
    for row in api_envs.build_environments(*config_args(), name=name, rebuild=rebuild):
        how = "reused" if row.reused else "built"
        console.print(f"{row.name}: {how} in {row.seconds:.2f} s -> {row.folder}",
                      highlight=False)
