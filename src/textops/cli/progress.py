"""How a run's progress events are shown on stderr: live bars, plain log lines, or nothing.

:func:`progress_display` picks the form: Rich bars on a terminal, one plain
line per event under CI (a long task's counts at most every few seconds, and
always its last), nothing with ``--quiet`` or when stderr is not a terminal.
Every form remembers which steps finished, so an interrupted run can say what
it kept and where the next ``textops run`` resumes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from rich.markup import escape

from textops.cli.common import err_console
from textops.progress import (
    DeviceUsed,
    Notice,
    PhaseStarted,
    ProgressEvent,
    StepFinished,
    StepStarted,
    TaskAdvanced,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

Mode = Literal["rich", "plain", "quiet"]
#: seconds between two plain lines of one task's counts
PLAIN_EVERY = 5.0


def display_mode(
    *, quiet: bool, console: Console = err_console, off_terminal: Mode = "quiet"
) -> Mode:
    """``quiet`` wins; plain lines under CI (the ``CI`` variable); quiet off a terminal
    otherwise (a pipe or a log file gets the outcome, not the counts); else rich."""
    if quiet:
        return "quiet"
    if os.environ.get("CI"):
        return "plain"
    return "rich" if console.is_terminal else off_terminal


class RunDisplay:
    """Receives a run's events (``__call__``) and shows them in ``mode`` on ``console``."""

    def __init__(self, mode: Mode, *, console: Console = err_console) -> None:
        self.mode, self.console = mode, console
        self.finished: list[str] = []  # steps completed or read from the cache, in order
        self.current: str | None = None
        self.device: dict[str, str] = {}
        self._said: dict[tuple[str, str], float] = {}
        self._bars: Progress | None = None
        self._rows: dict[tuple[str, str], TaskID] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if isinstance(event, StepStarted):
            self.current = event.step
        elif isinstance(event, StepFinished):
            self.current = None if event.status in ("completed", "cached") else event.step
            if event.status in ("completed", "cached"):
                self.finished.append(event.step)
        elif isinstance(event, DeviceUsed):
            self.device[event.step] = event.device
        if self.mode == "rich" and self._bars is not None:
            self._show_rich(event)
        elif self.mode == "plain":
            self._show_plain(event)

    # -- plain lines -----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.console.print(f"{stamp} {text}", markup=False, highlight=False, soft_wrap=True)

    def _show_plain(self, event: ProgressEvent) -> None:
        if isinstance(event, StepStarted):
            self._say(f"{event.step}: started")
        elif isinstance(event, StepFinished):
            self._say(self._finished_line(event))
        elif isinstance(event, PhaseStarted):
            self._say(f"{event.step}: {event.phase}")
        elif isinstance(event, DeviceUsed):
            self._say(f"{event.step}: on {event.device}")
        elif isinstance(event, Notice):
            self._say(f"{event.step + ': ' if event.step else ''}{event.message}")
        elif isinstance(event, TaskAdvanced) and self._is_due(event):
            self._say(f"{event.step}: {event.task} {_count(event)}"
                      f"{' (' + event.note + ')' if event.note else ''}")

    def _is_due(self, event: TaskAdvanced) -> bool:
        key, now = (event.step, event.task), time.monotonic()
        last = self._said.get(key)
        if event.done == event.total or last is None or now - last >= PLAIN_EVERY:
            self._said[key] = now
            return True
        return False

    def _finished_line(self, event: StepFinished) -> str:
        device = self.device.get(event.step, "cpu")
        if event.status == "cached":
            return f"{event.step}: cached ({event.wall_seconds:.2f} s)"
        if event.status == "completed":
            return f"{event.step}: done in {event.wall_seconds:.2f} s on {device}"
        return f"{event.step}: {event.status} after {event.wall_seconds:.2f} s"

    # -- live bars -------------------------------------------------------------------------

    @contextmanager
    def live(self) -> Iterator[RunDisplay]:
        """Show live bars while the block runs (only in rich mode)."""
        if self.mode != "rich":
            yield self
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
            MofNCompleteColumn(), TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
            console=self.console, transient=True,
        )
        try:
            with self._bars:
                yield self
        finally:
            self._bars, self._rows = None, {}

    def _show_rich(self, event: ProgressEvent) -> None:
        bars = self._bars
        assert bars is not None
        if isinstance(event, StepStarted):
            self._rows[(event.step, "")] = bars.add_task(
                f"[bold]{escape(event.step)}[/]", total=None, note="")
        elif isinstance(event, StepFinished):
            for key in [k for k in self._rows if k[0] == event.step]:
                bars.remove_task(self._rows.pop(key))
            mark = {"completed": "[green]done[/]", "cached": "[green]cached[/]"}.get(
                event.status, f"[red]{escape(event.status)}[/]")
            device = self.device.get(event.step, "cpu")
            where = f" on {device}" if event.status == "completed" else ""
            bars.console.print(f"[bold]{escape(event.step)}[/] {mark} in "
                               f"{event.wall_seconds:.2f} s{where}", highlight=False)
        elif isinstance(event, PhaseStarted | DeviceUsed):
            row = self._rows.get((event.step, ""))
            if row is not None:
                phase = event.phase if isinstance(event, PhaseStarted) else ""
                device = self.device.get(event.step, "cpu")
                text = f"[bold]{escape(event.step)}[/] {escape(phase)} [dim]on {device}[/]"
                bars.update(row, description=text)
        elif isinstance(event, Notice):
            bars.console.print(escape(event.message), highlight=False, soft_wrap=True)
        elif isinstance(event, TaskAdvanced):
            key = (event.step, event.task)
            if key not in self._rows:
                self._rows[key] = bars.add_task(f"  {escape(event.task)}", total=event.total,
                                                note="")
            bars.update(self._rows[key], completed=event.done, total=event.total,
                        note=escape(event.note), refresh=event.done == event.total)

    # -- after a Ctrl-C --------------------------------------------------------------------

    def interruption_lines(self) -> list[str]:
        """What the run kept, and where the next ``textops run`` picks up."""
        kept = ", ".join(self.finished) if self.finished else "no step"
        lines = [f"interrupted{' during step ' + self.current if self.current else ''}; "
                 f"finished: {kept} (their outputs are in the store's cache)"]
        if self.current:
            lines.append(f"the next 'textops run' reuses those and resumes at '{self.current}'")
        else:
            lines.append("the next 'textops run' reuses every finished step from the cache")
        return lines


def _count(event: TaskAdvanced) -> str:
    return f"{event.done}/{event.total}" if event.total is not None else str(event.done)


@contextmanager
def progress_display(
    *, quiet: bool = False, off_terminal: Mode = "quiet"
) -> Iterator[RunDisplay]:
    """A :class:`RunDisplay` for this terminal, live while the block runs; ``off_terminal``
    is the form when stderr is no terminal (``plain`` for the watcher, whose log is a
    service's journal)."""
    display = RunDisplay(display_mode(quiet=quiet, off_terminal=off_terminal))
    with display.live():
        yield display
