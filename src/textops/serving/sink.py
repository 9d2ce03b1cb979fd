"""Hands scored requests to the request log's sink from a thread of its own.

The request only appends a tuple of what it already has to a deque (no copy, no
formatting, no lock and no thread woken: a ``queue.Queue`` notifies its
consumer on every put, which costs the request a GIL hand-over); the thread
wakes every ``interval`` seconds and hands over everything buffered at once: to
a :class:`~textops.serving.batch.RequestSink` as one list (one hand-over per
interval, not per request), to any other sink one
:class:`~textops.serving.batch.ScoredBatch` at a time. A full buffer drops the
request and counts it, never slowing a request; a sink that raises is logged
and keeps being called.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from textops.serving.batch import BatchSink, RequestSink, ScoredRequest, scored_batch
from textops.serving.scoring import TextScores

__all__ = ["SinkWorker"]

log = logging.getLogger("textops.serving")


class SinkWorker:
    """A bounded buffer and one thread that feeds ``sink`` every ``interval`` seconds."""

    def __init__(
        self, sink: BatchSink | RequestSink, *, capacity: int = 10_000, interval: float = 0.1,
        on_dropped: Callable[[int], object] | None = None,
    ) -> None:
        self.sink = sink
        self.dropped = 0  # requests lost here or refused by the sink (its backlog was full)
        self.on_dropped = on_dropped
        self.capacity = capacity
        self.interval = interval
        self._items: deque[ScoredRequest] = deque()  # append and popleft are atomic: no lock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="textops-request-log", daemon=True)
        self._thread.start()

    def submit(self, model: tuple[str, int], labels: list[str], texts: list[str],
               scores: TextScores) -> bool:
        """Buffer one scored request; False (and counted) when the buffer is full."""
        if len(self._items) >= self.capacity:
            self._count_dropped(1)
            return False
        self._items.append((datetime.now(UTC), model[0], model[1], labels, texts, scores.cleaned,
                            scores.labels, scores.confidences, scores.probabilities))
        return True

    def close(self, *, timeout: float = 10.0) -> None:
        """Hand over what is buffered, stop the thread, then close the sink if it closes."""
        self._stop.set()
        self._thread.join(timeout=timeout)
        self._drain()
        close = getattr(self.sink, "close", None)
        if callable(close):
            close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._drain()

    def _drain(self) -> None:
        items = self._items
        requests = [items.popleft() for _ in range(len(items))]  # only this thread pops
        if not requests:
            return
        sink = self.sink
        if isinstance(sink, RequestSink):
            try:
                self._count_dropped(sink.put_requests(requests))
            except Exception:  # noqa: BLE001 - a broken log must not stop the next interval
                log.exception("the request log refused %d requests", len(requests))
            return
        for request in requests:
            try:
                sink(scored_batch(request))
            except Exception:  # noqa: BLE001 - a broken log must not stop the next batch
                log.exception("the request log refused a batch")

    def _count_dropped(self, count: int) -> None:
        if count:
            self.dropped += count
            if self.on_dropped is not None:
                self.on_dropped(count)
