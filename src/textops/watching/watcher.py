"""Watch a landing folder and run the pipeline when new data has settled there.

Every ``interval`` seconds the watcher lists the source (names, sizes, times;
no file is read). Files that arrive, change or leave start the settle clock;
once the listing has stayed the same for ``settle`` seconds, the files that
landed in that time are one drop. If its content (the hash ``ingest`` keys
on) is what the last run saw, nothing happens; otherwise the pipeline runs
once, under the store's lock, and waits while another run holds it. A run
that is refused (bad data, failed validation) or fails is logged, and
watching goes on; files that land during a run are the next drop. Setting
``stop`` ends watching at once when idle, and after the current step while a
run goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textops.clock import utc_now
from textops.config.schema import PipelineConfig
from textops.errors import InputError, StoreError, TextopsError, ValidationError
from textops.execution.runner import RunOptions, run_pipeline
from textops.progress import Emit, ProgressEvent, RunStarted
from textops.store.datasets import DatasetRepository
from textops.store.lock import store_lock
from textops.store.store import Store
from textops.watching.listing import Listing, changes, content_fingerprint, list_files
from textops.watching.triggers import Trigger, TriggerLog

__all__ = ["WatchSettings", "Watcher"]


@dataclass(frozen=True)
class WatchSettings:
    """How often to look (seconds) and how long a drop must stay unchanged before it runs."""

    interval: float = 10.0
    settle: float = 30.0


class Watcher:
    """The polling loop; see the module doc. ``load`` resolves the definition for each run."""

    def __init__(
        self, load: Callable[[], PipelineConfig], settings: WatchSettings = WatchSettings(), *,
        stop: threading.Event | None = None, on_event: Emit | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.load, self.settings = load, settings
        self.stop = stop or threading.Event()
        self.on_event: Emit = on_event or (lambda _event: None)
        self.say = say or (lambda _line: None)
        config = load()
        self.source, self.format = config.data.source, config.data.format
        self.store = Store(config.store.url)
        self.log = TriggerLog(self.store)
        self.seen: Listing = {}
        self.pending: dict[str, str] = {}  # files changed since the last drop was handled
        self.changed_at: float | None = None
        self.is_waiting_for_lock = False

    def run(self) -> None:
        """Poll until ``stop`` is set."""
        self.say(f"watching {self.source} every {self.settings.interval:g} s "
                 f"(a drop runs once unchanged for {self.settings.settle:g} s)")
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(self.settings.interval)

    def poll(self) -> Trigger | None:
        """Look once; run the pipeline when a drop has settled. Returns the trigger, if any."""
        listing = list_files(self.source, self.format)
        if listing != self.seen:
            self.pending = _merge(self.pending, changes(self.seen, listing))
            self.seen, self.changed_at = listing, time.monotonic()
            return None
        if self.changed_at is None or time.monotonic() - self.changed_at < self.settings.settle:
            return None
        return self._handle_drop()

    def _handle_drop(self) -> Trigger | None:
        files = self.pending
        fingerprint = content_fingerprint(self.source, self.format)
        if fingerprint is None or fingerprint == self.log.last_fingerprint():
            what = "no data files" if fingerprint is None else "the same content as the last run"
            self.say(f"{', '.join(files) or 'files'} changed: {what}, nothing to run")
            self._settled()
            return None
        if not self._is_store_free():
            return None  # another run holds the store: try again at the next poll
        trigger = Trigger(time=utc_now(), source=self.source, files=files, fingerprint=fingerprint)
        self._settled()
        self.say(f"new data ({_describe(files)}): running the pipeline")
        self._run(trigger)
        self.log.append(trigger)
        self.say(_summary(trigger))
        return trigger

    def _settled(self) -> None:
        self.pending, self.changed_at = {}, None

    def _is_store_free(self) -> bool:
        try:
            with store_lock(self.store.url):
                pass
        except StoreError as exc:
            if not self.is_waiting_for_lock:
                self.say(f"waiting: {exc}")
            self.is_waiting_for_lock = True
            return False
        self.is_waiting_for_lock = False
        return True

    def _run(self, trigger: Trigger) -> None:
        """One pipeline run for ``trigger``, its outcome written into it; never raises for it."""
        def on_event(event: ProgressEvent) -> None:
            if isinstance(event, RunStarted):
                trigger.run_id = event.run_id
            self.on_event(event)

        started = time.perf_counter()
        record: Any = None
        try:
            record = run_pipeline(self.load(), RunOptions(), on_event=on_event,
                                  stop=self.stop.is_set)
            trigger.outcome = record.status
        except (InputError, ValidationError) as exc:
            trigger.outcome, trigger.error = "refused", str(exc)
        except TextopsError as exc:
            trigger.outcome, trigger.error = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken run must not end the watching
            trigger.outcome, trigger.error = "failed", f"{type(exc).__name__}: {exc}"
        trigger.seconds = round(time.perf_counter() - started, 3)
        trigger.dataset = self._dataset(trigger.run_id, record)

    def _dataset(self, run_id: str | None, record: Any) -> dict[str, Any] | None:
        """The version the run made or found, from its record or, after a failure, its run.json."""
        if record is not None:
            steps, dataset = [vars(step) for step in record.steps], record.dataset
        elif run_id and self.store.exists("runs", run_id, "run.json"):
            stored = self.store.read_json("runs", run_id, "run.json")
            steps, dataset = stored.get("steps", []), stored.get("dataset")
        else:
            return None
        if not dataset:
            return None
        found = dict(dataset)
        for step in steps:
            summary = step.get("outputs", {}).get("summary")
            if step.get("kind") == "ingest" and isinstance(summary, dict):
                found["is_new"] = summary.get("is_new")
        try:
            manifest = DatasetRepository(self.store).manifest(found["name"], found["version"])
            found["sequence"] = manifest.get("sequence")
        except (StoreError, KeyError):
            pass
        return found


def _merge(pending: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    """Changes since the last drop: added-then-changed stays added, added-then-removed is gone."""
    merged = dict(pending)
    for path, change in new.items():
        before = merged.get(path)
        if before == "added" and change == "removed":
            del merged[path]
        elif before == "removed" and change == "added":
            merged[path] = "changed"
        elif before != "added":
            merged[path] = change
    return dict(sorted(merged.items()))


def _describe(files: dict[str, str]) -> str:
    return ", ".join(f"{path} {change}" for path, change in files.items()) or "files changed"


def _summary(trigger: Trigger) -> str:
    dataset = trigger.dataset or {}
    version = f"{dataset['name']}@{dataset['version']}" if dataset else "no dataset version"
    if dataset.get("is_new") is False:
        version += " (a version seen before)"
    line = f"run {trigger.run_id or '-'}: {trigger.outcome}, {version}, {trigger.seconds:.1f} s"
    if trigger.error:
        line += f": {trigger.error.splitlines()[0]}"
    return line
