"""`textops serve`: the scoring service of a registered model."""

from __future__ import annotations

from typing import Annotated

import typer

from textops.cli.common import app, config_args


@app.command("serve")
def serve(
    model: Annotated[str | None, typer.Option(
        "--model", help="NAME@ALIAS (followed as it moves) or NAME/VERSION; default serve.model."
    )] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default serve.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default serve.port).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes, each with its own copy of the model (default serve.workers)."
    )] = None,
) -> None:
    """Serve a registered model over HTTP: POST /v1/classify, /healthz, /readyz, /metrics.

    With TEXTOPS_API_KEY set, every route but /healthz and /readyz needs
    'Authorization: Bearer <key>'.
    """
    from textops.api.serving import serve as run_service

    run_service(*config_args(), model=model, host=host, port=port, workers=workers)
