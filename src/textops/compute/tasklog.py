"""What a run records of its fanned-out tasks: which worker ran each, and which were lost.

An executor that knows its workers (:class:`~textops.compute.dask.DaskExecutor`)
keeps one :class:`TaskRun` per settled task, and one per attempt a worker took
down with it (status ``lost``): on a scheduler given by address a killed
worker's task is run again elsewhere, so a step can complete with every
candidate and trial while the record still shows the attempt that was lost.
The runner drains the log after each step into the step's record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["TaskRun", "TaskStatus"]

TaskStatus = Literal["ok", "error", "lost", "cancelled"]


@dataclass(frozen=True)
class TaskRun:
    """One attempt at one task: its function's name, Dask key, worker and outcome."""

    name: str
    key: str
    worker: str | None
    status: TaskStatus
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
