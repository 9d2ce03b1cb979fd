"""The model being served, and following its alias: load the new version beside, swap at once.

Requests read :attr:`ModelHolder.current` once and score with that object, so
a swap (one reference assignment) never changes the model under a request in
flight. :meth:`ModelHolder.refresh` resolves the reference; when it points at
another version it loads that one while the old keeps serving, then swaps. A
load that fails leaves the old model serving and is kept in
:attr:`ModelHolder.last_error` for ``/readyz`` and the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from textops.errors import TextopsError
from textops.serving.model import ModelRef, ServedModel
from textops.tracking.gate import ModelVersionInfo

__all__ = ["ModelHolder", "ModelSource", "Refresh"]

log = logging.getLogger("textops.serving")


class ModelSource(Protocol):
    """Where versions come from (:class:`~textops.serving.model.RegistrySource`)."""

    def resolve(self, ref: ModelRef) -> ModelVersionInfo: ...

    def load(self, ref: ModelRef, info: ModelVersionInfo) -> ServedModel: ...


@dataclass(frozen=True)
class Refresh:
    """What one check of the reference did."""

    version: int
    previous: int
    changed: bool
    error: str | None = None


class ModelHolder:
    """Holds the served model; :meth:`refresh` follows the reference, :meth:`start` polls it."""

    def __init__(self, source: ModelSource, current: ServedModel) -> None:
        self.source = source
        self.current = current
        self.last_error: str | None = None
        self._failed: int | None = None  # the version whose load failed last
        self._lock = threading.Lock()  # one load at a time; requests never take it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: called after every check (the app counts failures and says which model serves)
        self.on_refresh: Callable[[Refresh], None] | None = None

    @classmethod
    def load(cls, source: ModelSource, ref: ModelRef) -> ModelHolder:
        """Resolve and load ``ref`` (a :class:`~textops.errors.ServingError` if it cannot)."""
        return cls(source, source.load(ref, source.resolve(ref)))

    def refresh(self, *, retry: bool = True) -> Refresh:
        """Load and swap in the version the reference points at now, if it is another.

        Without ``retry`` (the poller) a version that failed to load is not tried
        again until the alias moves; ``POST /admin/reload`` retries it.
        """
        result = self._refresh(retry=retry)
        if self.on_refresh is not None:
            self.on_refresh(result)
        return result

    def _refresh(self, *, retry: bool) -> Refresh:
        with self._lock:
            served = self.current
            try:
                info = self.source.resolve(served.ref)
            except TextopsError as exc:
                return self._failure(served, exc.message)
            if info.version == served.version:
                self.last_error = self._failed = None
                return Refresh(served.version, served.version, changed=False)
            if not retry and info.version == self._failed:
                return Refresh(served.version, served.version, changed=False)  # not again
            try:
                fresh = self.source.load(served.ref, info)
            except TextopsError as exc:
                self._failed = info.version
                return self._failure(served, exc.message)
            self.current = fresh
            self.last_error = self._failed = None
            log.info("now serving %s version %s (was %s)", served.ref, fresh.version,
                     served.version)
            return Refresh(fresh.version, served.version, changed=True)

    def _failure(self, served: ServedModel, message: str) -> Refresh:
        self.last_error = message
        log.error("still serving version %s: %s", served.version, message)
        return Refresh(served.version, served.version, changed=False, error=message)

    def start(self, interval: float) -> None:
        """Check the reference every ``interval`` seconds in a daemon thread (pinned: never)."""
        if interval <= 0 or self.current.ref.alias is None or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._poll, args=(interval,), name="textops-alias-poll", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh(retry=False)
            except Exception:  # noqa: BLE001 - the poller must outlive any one failure
                log.exception("checking the model alias failed")
