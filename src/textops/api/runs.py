"""The runs in the store: what one run decided (its summary), and the run records kept."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textops.execution.records import RunRecord
    from textops.execution.summary import RunSummary


def run_summary(record: RunRecord) -> RunSummary:
    """What ``record``'s run decided and where its results are (see execution.summary)."""
    from textops.execution.summary import summarise

    return summarise(record)


def list_runs(path: str | Path | None = None, overrides: Sequence[str] = ()) -> list[RunRecord]:
    """Every run recorded in the store (its ``run.json``), oldest first."""
    from textops.api import _config_and_store

    store = _config_and_store(path, overrides)[1]
    ids = [n for n in store.listdir("runs") if not n.startswith("_")]
    records = [_read(store, run_id) for run_id in ids if store.exists("runs", run_id, "run.json")]
    # ids name the second only; two runs in one second are ordered by their start time
    return sorted(records, key=lambda record: (record.started, record.run_id))


def show_run(
    run: str = "latest", path: str | Path | None = None, overrides: Sequence[str] = ()
) -> RunRecord:
    """One run's record, by id, id prefix or ``latest``."""
    from textops.errors import StoreError

    records = list_runs(path, overrides)
    found = records[-1:] if run == "latest" else [r for r in records if r.run_id.startswith(run)]
    if len(found) != 1:
        shown = ", ".join(r.run_id for r in records[-5:]) or "none yet"
        what = "matches several runs" if found else "matches no run"
        raise StoreError(f"run '{run}' {what} in the store (latest: {shown})",
                         hint="give more of the id, or see 'textops runs list'")
    return found[0]


def _read(store: Any, run_id: str) -> RunRecord:
    from textops.execution.records import RunRecord, StepRecord

    data = dict(store.read_json("runs", run_id, "run.json"))
    fields = set(StepRecord.__dataclass_fields__)
    steps = [StepRecord(**{k: v for k, v in step.items() if k in fields})
             for step in data.pop("steps", [])]
    known = set(RunRecord.__dataclass_fields__)
    return RunRecord(**{k: v for k, v in data.items() if k in known}, steps=steps)
