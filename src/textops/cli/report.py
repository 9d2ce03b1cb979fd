"""``textops report``: build the store's dashboard and say where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textops.cli.common import app, config_args, console


@app.command("report")
def report(
    open_: Annotated[bool, typer.Option("--open", help="Open the page in a browser.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write here instead of reports/dashboard.html in the store."),
    ] = None,
) -> None:
    """One self-contained HTML dashboard of runs, data, models and monitoring, from the store."""
    from textops.api.reporting import build_report

    path, overrides = config_args()
    result = build_report(path, overrides, out=out)
    console.print(
        f"dashboard: {result.location} ({result.bytes / 1e6:.1f} MB, {result.runs} run(s), "
        f"built in {result.seconds:.2f} s)", highlight=False, soft_wrap=True,
    )
    if open_:
        import webbrowser

        if result.local_path is None:
            console.print("--open: the store is not a local folder; use --out PATH")
        else:
            webbrowser.open(result.local_path.resolve().as_uri())
