"""`textops datasets` and `textops baseline`: the dataset versions and the curated baseline."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from textops import api
from textops.cli.common import baseline_app, config_args, console, datasets_app, err_console

#: how each verdict and drift status is shown
_VERDICT_STYLE = {"accepted": "green", "refused": "red", "unvalidated": "dim"}
_DRIFT_STYLE = {"ok": "green", "insufficient": "dim", "warn": "yellow", "fail": "red"}
_INCLUDE_REFUSED = typer.Option(
    "--include-refused", help="'latest' is the latest version of all, refused ones too "
    "(by default: the latest version validation did not refuse)."
)


@datasets_app.command("list")
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifests as JSON.")] = False,
) -> None:
    """List every dataset version, oldest first, with validation's verdict and drift."""
    versions = api.list_datasets(*config_args())
    if as_json:
        console.print_json(json.dumps(versions))
        return
    table = Table("dataset", "#", "version", "created", "train", "test", "validation", "drift",
                  "parent")
    for m in versions:
        verdict, drift = m["validation"], m["drift_status"] or "-"
        table.add_row(
            m["name"],
            str(m["sequence"]),
            m["version"],
            m["created"][:19],
            str(m["parts"]["train"]["rows"]),
            str(m["parts"]["test"]["rows"]),
            Text(verdict, style=_VERDICT_STYLE.get(verdict, "")),
            Text(drift, style=_DRIFT_STYLE.get(drift, "")),  # "-" before validation: no style
            m["parent"] or "-",
        )
    console.print(table)


@datasets_app.command("show")
def datasets_show(
    version: Annotated[
        str, typer.Argument(help="Version id, prefix, sequence number or 'latest' (the latest "
                            "accepted).")
    ] = "latest",
    name: Annotated[str | None, typer.Option(help="Dataset name (default data.name).")] = None,
    include_refused: Annotated[bool, _INCLUDE_REFUSED] = False,
) -> None:
    """Print one version's manifest."""
    console.print_json(json.dumps(api.show_dataset(
        version, *config_args(), name=name, include_refused=include_refused
    )))


@baseline_app.command("init")
def baseline_init(
    from_: Annotated[
        str, typer.Option("--from", help="Dataset version (id, prefix, number, latest: the "
                          "latest accepted).")
    ] = "latest",
    name: Annotated[str | None, typer.Option(help="Dataset name (default data.name).")] = None,
    force: Annotated[
        bool,
        typer.Option(help="Replace an existing baseline; draw one from a version validation "
                     "refused (the file then says so)."),
    ] = False,
    include_refused: Annotated[bool, _INCLUDE_REFUSED] = False,
) -> None:
    """Write baseline/profile.yaml from a version's training set, to review and edit."""
    from rich.markup import escape

    result = api.baseline_init(from_, *config_args(), name=name, force=force,
                               include_refused=include_refused)
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
    text, digest = api.baseline_show(*config_args())
    console.print(f"# sha256 {digest}", highlight=False)
    console.print(text, highlight=False, markup=False)
