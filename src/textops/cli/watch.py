"""`textops watch`: run the pipeline whenever new data settles in the landing folder."""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Annotated

import typer

from textops.cli.common import app, config_args, err_console


@app.command()
def watch(
    source: Annotated[
        str | None, typer.Argument(help="Folder or fsspec URL to watch (default: data.source).")
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between two looks.")] = 10.0,
    settle: Annotated[
        float, typer.Option(help="Seconds a drop must stay unchanged before it runs.")
    ] = 30.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No run progress.")] = False,
) -> None:
    """Watch the landing folder; run the pipeline on each new drop (Ctrl-C or SIGTERM stops)."""
    from textops.api.watching import watch as run_watch
    from textops.cli.progress import progress_display

    stop = threading.Event()
    _stop_on_signals(stop)
    with progress_display(quiet=quiet, off_terminal="plain") as display:
        run_watch(source, *config_args(), interval=interval, settle=settle, stop=stop,
                  on_event=display, say=_say)
    _say("stopped watching")


def _say(line: str) -> None:
    err_console.print(f"{time.strftime('%H:%M:%S')} {line}", markup=False, highlight=False,
                      soft_wrap=True)


def _stop_on_signals(stop: threading.Event) -> None:
    """The first Ctrl-C or SIGTERM stops after the current step; a second Ctrl-C at once."""

    def handle(number: int, frame: FrameType | None) -> None:
        if stop.is_set() and number == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        name = signal.Signals(number).name
        _say(f"{name}: stopping after the current step (Ctrl-C again to stop at once)")

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
