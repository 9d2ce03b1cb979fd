"""Hands scored requests to the request log's sink from a thread of its own.

The request only appends the arrays it already has to a deque (no copy, no
formatting, no lock and no thread woken: a ``queue.Queue`` notifies its
consumer on every put, which costs the request a GIL hand-over); the thread
wakes every ``interval`` seconds, builds each
:class:`~textops.serving.batch.ScoredBatch` and calls the sink. A full buffer
drops the batch and counts it, never slowing a request; a sink that raises is
logged and keeps being called.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import UTC, datetime

import numpy as np

from textops.serving.batch import BatchSink, ScoredBatch
from textops.serving.scoring import TextScores

__all__ = ["SinkWorker"]

log = logging.getLogger("textops.serving")
_Item = tuple[datetime, str, int, list[str], list[str], TextScores]


class SinkWorker:
    """A bounded buffer and one thread that feeds ``sink`` every ``interval`` seconds."""

    def __init__(self, sink: BatchSink, *, capacity: int = 10_000, interval: float = 0.1) -> None:
        self.sink = sink
        self.dropped = 0
        self.capacity = capacity
        self.interval = interval
        self._items: deque[_Item] = deque()  # append and popleft are atomic: no lock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="textops-request-log", daemon=True)
        self._thread.start()

    def submit(self, model: tuple[str, int], labels: list[str], texts: list[str],
               scores: TextScores) -> bool:
        """Buffer one scored request; False (and counted) when the buffer is full."""
        if len(self._items) >= self.capacity:
            self.dropped += 1
            return False
        self._items.append((datetime.now(UTC), model[0], model[1], labels, texts, scores))
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
        while items:
            item = items.popleft()
            try:
                self.sink(_batch(item))
            except Exception:  # noqa: BLE001 - a broken log must not stop the next batch
                log.exception("the request log refused a batch")


def _batch(item: _Item) -> ScoredBatch:
    time, name, version, labels, texts, scores = item
    rows = np.asarray(scores.probabilities, dtype=np.float64).tolist()
    return ScoredBatch(
        time=time, model_name=name, model_version=version, texts=list(texts),
        cleaned=list(scores.cleaned), labels=list(scores.labels),
        confidences=list(scores.confidences),
        probabilities=[dict(zip(labels, row, strict=True)) for row in rows],
    )
