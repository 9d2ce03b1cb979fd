"""The ``textops`` command line: parse, call :mod:`textops.api`, map errors to exit codes.

Each command group lives in its own module of this package; importing it
registers its commands on :data:`app`.
"""

from __future__ import annotations

import sys

from textops.cli import (  # noqa: F401  (importing a module registers its commands)
    data,
    doctor,
    envs,
    models,
    monitor,
    project,
    report,
    running,
    runs,
    serve,
    watch,
)
from textops.cli.common import _state, add_config_options, app, err_console
from textops.errors import TextopsError

__all__ = ["app", "main"]

add_config_options(app)  # --config/--set after the command too, for every command above


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


