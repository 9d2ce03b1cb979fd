"""Hands scored requests to the request log's sink from a thread of its own.

The request only queues the arrays it already has (no copy, no formatting);
the thread builds each :class:`~textops.serving.batch.ScoredBatch` and calls the
sink. A full queue drops the batch and counts it, never slowing a request; a
sink that raises is logged and keeps being called.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import UTC, datetime

import numpy as np

from textops.serving.batch import BatchSink, ScoredBatch
from textops.serving.scoring import TextScores

__all__ = ["SinkWorker"]

log = logging.getLogger("textops.serving")
_Item = tuple[datetime, str, int, list[str], list[str], TextScores]
_STOP = None


class SinkWorker:
    """A bounded queue and one thread that feeds ``sink``."""

    def __init__(self, sink: BatchSink, *, capacity: int = 10_000) -> None:
        self.sink = sink
        self.dropped = 0
        self._queue: queue.Queue[_Item | None] = queue.Queue(maxsize=capacity)
        self._thread = threading.Thread(target=self._run, name="textops-request-log", daemon=True)
        self._thread.start()

    def submit(self, model: tuple[str, int], labels: list[str], texts: list[str],
               scores: TextScores) -> bool:
        """Queue one scored request; False (and counted) when the queue is full."""
        item = (datetime.now(UTC), model[0], model[1], labels, texts, scores)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def close(self, *, timeout: float = 10.0) -> None:
        """Hand over what is queued, stop the thread, then close the sink if it closes."""
        self._queue.put(_STOP)
        self._thread.join(timeout=timeout)
        close = getattr(self.sink, "close", None)
        if callable(close):
            close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
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
