"""`textops doctor`: what kills and damage left in the store and the tracking backend."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from textops.cli.common import app, config_args, console
from textops.errors import StoreError


@app.command()
def doctor(
    repair: Annotated[bool, typer.Option(
        "--repair", help="End runs left RUNNING as KILLED, remove temporary files and stale "
        "cache entries, drop cut-short journal lines.")] = False,
) -> None:
    """List damaged and leftover files, runs left RUNNING and orphan logged models."""
    from textops.api.doctor import doctor as run_doctor

    problems = run_doctor(*config_args(), repair=repair)
    if not problems:
        console.print("the store is sound: nothing to repair")
        return
    table = Table("kind", "what", "detail", "repaired" if repair else "repairable")
    for problem in problems:
        done = problem.is_repaired if repair else problem.repair is not None
        table.add_row(problem.kind, problem.path, problem.detail, "yes" if done else "no")
    console.print(table)
    left = [p for p in problems if not p.is_repaired]
    if left:
        raise StoreError(
            f"textops doctor found {len(problems)} problems, {len(left)} not repaired",
            hint="run 'textops doctor --repair'; what it cannot repair, 'textops run' writes "
            "again (a damaged tracking database: move it aside)" if not repair else
            "a damaged dataset part: run 'textops run'; a damaged tracking database: move "
            "it aside",
        )
