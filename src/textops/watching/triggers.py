"""The watcher's log in the store: one JSON line per run it started, ``watch/triggers.jsonl``.

Each line names the files that caused the run, the content fingerprint it ran
on, the run's id and how it ended (completed, stopped, refused, failed), and
the dataset version it made or found. The last line's fingerprint is what a
restarted watcher compares against, so the same content never runs twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from textops.store.store import Store

__all__ = ["LOG", "Trigger", "TriggerLog"]

LOG = ("watch", "triggers.jsonl")


@dataclass
class Trigger:
    """One run the watcher started, and what came of it."""

    time: str
    source: str
    files: dict[str, str]  # path -> added | changed | removed
    fingerprint: str
    run_id: str | None = None
    outcome: str = "running"  # completed | stopped | refused | failed
    dataset: dict[str, Any] | None = None  # name, version, sequence, is_new
    error: str | None = None
    seconds: float = 0.0


class TriggerLog:
    """Append-only JSONL in the store, rewritten whole and atomically (object stores cannot
    append)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self) -> list[dict[str, Any]]:
        """Every trigger so far, oldest first."""
        if not self.store.exists(*LOG):
            return []
        lines = self.store.read_text(*LOG).splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def last_fingerprint(self) -> str | None:
        entries = self.read()
        return str(entries[-1]["fingerprint"]) if entries else None

    def append(self, trigger: Trigger) -> None:
        text = self.store.read_text(*LOG) if self.store.exists(*LOG) else ""
        line = json.dumps(asdict(trigger), sort_keys=True, default=str)
        self.store.write_text(text + line + "\n", *LOG)
