"""`textops init` and `textops demo`: a project folder and the demo drops."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textops import api
from textops.cli.common import app, console


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
