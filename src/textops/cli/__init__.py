"""The ``textops`` command line: parse, call :mod:`textops.api`, map errors to exit codes.

Each command group lives in its own module of this package; importing it
registers its commands on :data:`app`.
"""

from __future__ import annotations

import sys

from textops.cli import data, envs, models, project, running  # noqa: F401  (registers the commands)
from textops.cli.common import _state, app, err_console
from textops.errors import TextopsError

__all__ = ["app", "main"]


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


