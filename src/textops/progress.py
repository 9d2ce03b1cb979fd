"""The progress channel: typed events a run emits while it works, and a step's handle on them.

The runner emits :class:`StepStarted` and :class:`StepFinished` around each
step; a step reports its own work through ``ctx.progress`` (a
:class:`Progress`): units done of a task (``candidates``, ``trials``,
``members``, ``epochs``) with a note on the best so far, the phase it is in
(``export``, ``parity check``, ``registration``, ``gate``), the device it
really used, and facts worth a line (a Dask dashboard address). Whoever
started the run (the CLI, the watcher, a notebook) receives every event
through one callback and decides how to show it.

Events are emitted in the driver only. A :class:`Progress` that travels to a
worker (pickled into a task) arrives silent: work on a worker is reported by
the driver as its future completes, never from inside the worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DeviceUsed",
    "Emit",
    "Notice",
    "PhaseStarted",
    "Progress",
    "ProgressEvent",
    "RunStarted",
    "StepFinished",
    "StepStarted",
    "TaskAdvanced",
]


@dataclass(frozen=True)
class RunStarted:
    """The run holds the store and has its id (``runs/<run_id>/`` in the store)."""

    step: str
    run_id: str


@dataclass(frozen=True)
class StepStarted:
    """A step is about to run (or be read from the cache): its compute target's name."""

    step: str
    kind: str
    compute: str


@dataclass(frozen=True)
class StepFinished:
    """A step ended: ``status`` is completed, cached, failed or interrupted."""

    step: str
    status: str
    cache_hit: bool
    wall_seconds: float
    error: str | None = None


@dataclass(frozen=True)
class TaskAdvanced:
    """``done`` of ``total`` units of a step's task are finished (total None: unknown)."""

    step: str
    task: str
    done: int
    total: int | None
    note: str = ""


@dataclass(frozen=True)
class PhaseStarted:
    """A step entered a named phase of its work (``export``, ``gate``...)."""

    step: str
    phase: str


@dataclass(frozen=True)
class DeviceUsed:
    """The device a step's work really ran on (``cpu``, ``cuda``, ``cuda:1``)."""

    step: str
    device: str


@dataclass(frozen=True)
class Notice:
    """A fact worth one line, e.g. where a Dask cluster's dashboard is."""

    step: str
    message: str


ProgressEvent = (
    RunStarted | StepStarted | StepFinished | TaskAdvanced | PhaseStarted | DeviceUsed | Notice
)
Emit = Callable[[ProgressEvent], None]


def _ignore(event: ProgressEvent) -> None:
    """The channel when nobody listens."""


class Progress:
    """A step's handle on the channel: every event it emits carries the step's name.

    ``Progress()`` listens to nobody, so code that reports progress needs no
    check before it does (tests, notebooks, a task on a worker).
    """

    def __init__(self, emit: Emit | None = None, *, step: str = "") -> None:
        self._emit = emit or _ignore
        self.step = step

    def __reduce__(self) -> tuple[type[Progress], tuple[()]]:
        # shipped to a worker it falls silent: the driver reports the worker's work
        return (Progress, ())

    def emit(self, event: ProgressEvent) -> None:
        """Pass an event on; a listener's failure never stops the work it watches."""
        with contextlib.suppress(Exception):  # a display problem is not the run's problem
            self._emit(event)

    def advance(self, task: str, done: int, total: int | None, *, note: str = "") -> None:
        """``done`` of ``total`` units of ``task`` are finished; ``note``: the best so far."""
        self.emit(TaskAdvanced(self.step, task, done, total, note))

    def phase(self, name: str) -> None:
        """The step enters phase ``name``."""
        self.emit(PhaseStarted(self.step, name))

    def device(self, device: str) -> None:
        """The step's work runs on ``device``."""
        self.emit(DeviceUsed(self.step, device))

    def notice(self, message: str) -> None:
        """A fact worth one line."""
        self.emit(Notice(self.step, message))
